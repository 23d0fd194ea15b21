"""Issue 8 §1 on every enterprise upload form, in a real browser: the roster import climbs its progress bar
to 100% and lands on the preview; refused files (roster, YC-RD audit report) are explained next to their
field without a page reload; each changed form is photographed for people to look at."""

import json

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from accounts.models import Role
from subsidies.grants import services as grants
from subsidies.models import RDDeclarationSubmission
from talent import roster
from talent.models import RosterUpload
from tests.registry.conftest import make_enterprise, pdf_bytes
from tests.subsidies.grants_support import doc, make_centre, make_researcher, programme

pytestmark = pytest.mark.browser

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
    user = make_user("weili", Role.ENTERPRISE, full_name="王威力")
    enterprise = make_enterprise(
        actor=system,
        owner=user,
        body17="91640100MA76ABCD1",
        name="银川威力传动技术股份有限公司",
        division_code="640106",
    )
    user.centre = make_centre(actor=system, enterprise=enterprise, ref="WL-SH")
    return user


def _stays_on_page(page):
    """A marker on window: a reload (a plain form post) would wipe it."""
    page.evaluate("window.__noReload = true")
    return lambda: page.evaluate("window.__noReload === true")


def test_roster_import_progress_to_100_percent_then_preview(page, login, screenshot, owner):
    page.add_init_script(RECORD_PROGRESS)
    login("weili")
    page.goto(reverse("talent:roster_upload"))
    expect(page.locator("#upload-progress-bar")).to_be_hidden()
    screenshot("31_roster_upload_form")

    # a PDF named .xlsx: refused by its content, next to the file field, the page not reloaded
    same_page = _stays_on_page(page)
    page.get_by_label("花名册文件").set_input_files(
        {"name": "花名册.xlsx", "mimeType": "application/pdf", "buffer": pdf_bytes()}
    )
    page.get_by_role("button", name="上传并预览").click()
    field = page.locator(".field.invalid", has=page.get_by_label("花名册文件"))
    expect(field.locator(".error-text")).to_contain_text("文件内容不是Excel(.xlsx)格式(文件头校验失败)")
    expect(page.locator("#upload-progress-bar")).to_be_hidden()
    assert same_page() and not RosterUpload.objects.exists()
    screenshot("32_roster_upload_refused")
    page.evaluate("sessionStorage.removeItem('uploadProgress')")

    # the template CSV padded with blank lines (skipped by the parser) to ~400 KB: the bar climbs to 100%
    padded = roster.template_csv() + b"\r\n" * (200 * 1024)
    page.get_by_label("花名册文件").set_input_files({"name": "花名册.csv", "mimeType": "text/csv", "buffer": padded})
    page.get_by_role("button", name="上传并预览").click()
    expect(page.get_by_role("heading", name="花名册预览:花名册.csv")).to_be_visible(timeout=20_000)
    preview = RosterUpload.objects.get()
    assert page.url.endswith(reverse("talent:roster_preview", args=[preview.pk]))
    assert len(preview.rows) == 4
    log = json.loads(page.evaluate("sessionStorage.getItem('uploadProgress')"))
    assert log[0]["percent"] == 0 and log[-1] == {"percent": 100, "bar": 100, "visible": True}, log
    assert [e["percent"] for e in log] == sorted(e["percent"] for e in log)
    screenshot("33_roster_preview_after_upload")


def test_declaration_refusal_and_the_other_upload_forms(page, login, screenshot, owner, system, make_user):
    researcher = make_researcher(actor=system, centre=owner.centre)
    reviewer = make_user("chushen", Role.REGIONAL_REVIEWER, full_name="初审员")
    app = grants.grant_apply(
        actor=owner,
        programme=programme("NX-TEAM"),
        centre=owner.centre,
        requested_amount="1500000",
        documents=[("批复文件", doc())],
        commitment=True,
    )
    grants.grant_return(actor=reviewer, application=app, comment="请补充团队名单")
    login("weili")

    # YC-RD: a text file as the audit report is refused next to its field, without a reload
    page.goto(reverse("subsidies:grant_home") + "#declarations")
    form = page.locator(f"form[action='{reverse('subsidies:declaration_new')}']")
    form.get_by_label("研发中心").select_option(str(owner.centre.pk))
    form.get_by_label("年度").fill("2024")
    form.get_by_label("研发费用总投入").fill("3000000")
    form.get_by_label("本单位已阅读并同意上述信用承诺").check()  # the 信用承诺书 (issue 15)
    same_page = _stays_on_page(page)
    form.get_by_label("研发费用专项审计报告").set_input_files(
        {"name": "审计报告.pdf", "mimeType": "application/pdf", "buffer": b"not a pdf at all"}
    )
    form.get_by_role("button", name="提交申报").click()
    field = form.locator(".field.invalid", has=page.get_by_label("研发费用专项审计报告"))
    expect(field.locator(".error-text")).to_contain_text("文件“审计报告.pdf”:文件内容不是有效的PDF、JPG或PNG")
    assert same_page() and not RDDeclarationSubmission.objects.exists()
    form.scroll_into_view_if_needed()
    screenshot("34_declaration_refused")

    # then a real report goes through and the page says so
    form.get_by_label("研发费用专项审计报告").set_input_files(
        {"name": "审计报告.pdf", "mimeType": "application/pdf", "buffer": pdf_bytes("audit")}
    )
    form.get_by_role("button", name="提交申报").click()
    expect(page.locator(".msg.success")).to_contain_text("已提交2024年度研发投入申报")
    assert RDDeclarationSubmission.objects.get().audit_report.original_name == "审计报告.pdf"

    # every other changed form carries the progress bar (hidden until an upload starts)
    for name, url in [
        ("35_degree_form", reverse("talent:degree_create", args=[researcher.pk])),
        ("36_contract_form", reverse("talent:contract_create", args=[researcher.pk])),
        ("37_enrol_form", reverse("talent:researcher_create")),
        ("38_grant_apply_form", reverse("subsidies:grant_apply", args=["NX-TEAM"])),
        ("39_grant_resubmit_form", reverse("subsidies:grant_detail", args=[app.pk])),
    ]:
        page.goto(url)
        upload_form = page.locator("form[data-upload-progress]")
        expect(upload_form).to_have_count(1)
        expect(upload_form.locator("progress")).to_be_hidden()
        screenshot(name)
