"""Issue 8 in a real browser: a reviewer sees a filing's PDF pages (rendered on the server) and its image
inline on the decision page; an enterprise uploads a document and watches the progress bar reach 100%;
a refused upload is explained next to the file field without leaving the page."""

import json

import pytest
from playwright.sync_api import expect

from accounts.models import Role
from registry import services
from registry.models import Document
from tests.browser.conftest import SCREENSHOTS
from tests.registry.conftest import make_enterprise, upload
from tests.registry.sample_files import broken_pdf, real_pdf, real_png

pytestmark = pytest.mark.browser

CENTRE = "塞上智造苏州研发中心"
RECORD_PROGRESS = """
document.addEventListener("upload:progress", function (e) {
  var bar = document.getElementById("upload-progress-bar");
  var log = JSON.parse(sessionStorage.getItem("uploadProgress") || "[]");
  log.push({percent: e.detail.percent, bar: bar ? bar.value : null,
            visible: !!bar && !bar.closest("[hidden]")});
  sessionStorage.setItem("uploadProgress", JSON.stringify(log));
});
"""


@pytest.fixture
def owner(make_user, system, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    user = make_user("saishang", Role.ENTERPRISE, full_name="马塞上")
    enterprise = make_enterprise(
        actor=system, owner=user, body17="91640100MA76PQRT3", name="宁夏塞上智造有限公司", division_code="640106"
    )
    user.centre = services.centre_create(
        actor=user,
        enterprise=enterprise,
        name=CENTRE,
        city="苏州",
        division_code="320505",
        address="高新区科技城1号",
        headcount=15,
    )
    return user


def _loaded(page, img):
    img.scroll_into_view_if_needed()
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=img.element_handle())
    return img.evaluate("img => [img.naturalWidth, img.naturalHeight]")


def test_reviewer_sees_pdf_pages_and_image_inline(page, login, screenshot, make_user, owner):
    make_user("shenhe", Role.REGIONAL_REVIEWER, full_name="审核员甲")
    filing = services.filing_create(actor=owner, centre=owner.centre, level="regional")
    ent = owner.centre.enterprise
    services.document_upload(
        actor=owner,
        enterprise=ent,
        filing=filing,
        kind="business_licence",
        upload=upload("营业执照.pdf", real_pdf(7, "Business licence")),
    )
    services.document_upload(
        actor=owner,
        enterprise=ent,
        filing=filing,
        kind="establishment_proof",
        upload=upload("设立证明.png", real_png(360, 240)),
    )
    services.document_upload(
        actor=owner, enterprise=ent, filing=filing, kind="other", upload=upload("补充说明.pdf", broken_pdf())
    )
    services.filing_submit(actor=owner, filing=filing, commitment=True)

    login("shenhe")
    page.locator("#queue tbody tr", has_text=CENTRE).get_by_role("link", name="审核").click()
    expect(page.get_by_role("heading", name=f"审核:{CENTRE}")).to_be_visible()
    docs = page.locator("#decide-documents")
    expect(docs.get_by_role("heading", name="材料预览")).to_be_visible()

    # the PDF: five server-rendered pages of seven, and the way to the whole file
    licence = docs.locator("article.preview", has_text="营业执照.pdf")
    expect(licence).to_contain_text("共 7 页")
    expect(licence).to_contain_text("以下仅预览前 5 页")
    expect(licence.locator("img")).to_have_count(5)
    width, height = _loaded(page, licence.get_by_alt_text("营业执照 第 1 页"))
    assert (width, height) == (877, 1240)
    expect(licence.get_by_role("link", name="下载完整文件")).to_be_visible()

    # the image: its own bytes, decoded by the browser
    proof = docs.locator("article.preview", has_text="设立证明.png")
    assert _loaded(page, proof.locator("img")) == [360, 240]

    # the broken PDF: a clear message, no broken image
    broken = docs.locator("article.preview", has_text="补充说明.pdf")
    expect(broken.locator(".msg.error")).to_contain_text("PDF文件已损坏或结构无效,无法生成预览")
    expect(broken.locator("img")).to_have_count(0)

    page.evaluate("window.scrollTo(0, 0)")
    screenshot("20_review_decide_previews")
    licence.scroll_into_view_if_needed()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(
        path=str(SCREENSHOTS / "21_review_decide_pdf_viewport.png"), caret="initial"
    )  # what the reviewer sees

    # the stand-alone preview page of one document, reached from the table
    docs.locator("tbody tr", has_text="设立证明.png").get_by_role("link", name="预览").click()
    expect(page.get_by_role("heading", name="材料预览:研发中心设立证明(或设立协议)")).to_be_visible()
    assert _loaded(page, page.locator("article.preview img")) == [360, 240]


def test_enterprise_upload_shows_progress_to_100_percent(page, login, screenshot, owner):
    filing = services.filing_create(actor=owner, centre=owner.centre, level="regional")
    page.add_init_script(RECORD_PROGRESS)
    login("saishang")
    page.goto(f"/registry/filings/{filing.pk}/?tab=documents")
    expect(page.locator("#upload-progress-bar")).to_be_hidden()

    # a refused file: the reason next to the file field, in Chinese, without leaving the page
    page.get_by_label("材料类型").select_option("other")
    page.get_by_label("文件(PDF").set_input_files({"name": "说明.txt", "mimeType": "text/plain", "buffer": b"hello"})
    page.get_by_role("button", name="上传").click()
    field = page.locator(".field.invalid", has=page.get_by_label("文件(PDF"))
    expect(field.locator(".error-text")).to_contain_text("文件“说明.txt”:只能上传PDF、JPG或PNG文件")
    expect(page.locator("#upload-progress-bar")).to_be_hidden()
    screenshot("22_upload_refused")
    assert page.evaluate("sessionStorage.getItem('uploadProgress')") is not None  # it did go through the script
    page.evaluate("sessionStorage.removeItem('uploadProgress')")

    # a 3 MB PDF: the bar climbs to 100%, then the page shows the new document
    page.get_by_label("材料类型").select_option("business_licence")
    page.get_by_label("文件(PDF").set_input_files(
        {"name": "营业执照.pdf", "mimeType": "application/pdf", "buffer": real_pdf(2, "licence", pad=3 * 1024 * 1024)}
    )
    page.get_by_role("button", name="上传").click()
    expect(page.locator("[role=status] .msg.success")).to_contain_text("已上传营业执照(第1版)")
    log = json.loads(page.evaluate("sessionStorage.getItem('uploadProgress')"))
    assert log[0]["percent"] == 0 and log[-1] == {"percent": 100, "bar": 100, "visible": True}, log
    percents = [e["percent"] for e in log]
    assert percents == sorted(percents)
    assert Document.objects.get(filing=filing).size > 3 * 1024 * 1024
    expect(page.locator(".field.invalid")).to_have_count(0)
    licence = page.locator("article.preview", has_text="营业执照.pdf")
    expect(licence).to_contain_text("共 2 页")
    _loaded(page, licence.get_by_alt_text("营业执照 第 2 页"))
    screenshot("23_upload_done_with_preview")
