"""The whole portal in a real browser (issue 8): an enterprise registers, logs in, registers a centre and
files it at the regional level with real PDF/PNG documents; reviewer A returns it with a comment; the
enterprise reads the comment, replaces a document and resubmits; reviewer A does the first review and is
refused as approver; reviewer B approves; the enterprise sees the approval and the notification. Finance
user 1 then starts a monthly run for researchers at that centre and watches the progress bar finish,
finance user 2 approves, and the payout register PDF is exported and downloaded.

Screenshots of each main page land in test-artifacts/screenshots/ for people to look at."""

import re
import struct
import subprocess
import zlib
from pathlib import Path

import pytest
from playwright.sync_api import expect

from accounts.models import Role
from registry.identifiers import uscc_check_char
from registry.models import Centre, Filing, FilingStatus, Notification
from subsidies.models import PayoutLine, PayoutRun, RunChunk, RunState
from subsidies.runs import services as run_services
from subsidies.scenario import import_scenario
from tests.subsidies import finance_data

pytestmark = pytest.mark.browser

USCC = "91640106MA7JRN001" + uscc_check_char("91640106MA7JRN001")
ENTERPRISE = "宁夏嘉睿智能装备有限公司"
CENTRE = "嘉睿智能上海研发中心"
OWNER = "jiarui"
OWNER_PASSWORD = "Jiarui-Portal-2024"
RETURN_COMMENT = "营业执照扫描件不清晰,请重新上传清晰的彩色扫描件"


def pdf_bytes(text: str) -> bytes:
    """A real one-page PDF (catalog, page, Helvetica text, correct xref offsets)."""
    stream = f"BT /F1 18 Tf 72 720 Td ({text}) Tj ET".encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for i, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{i} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


def png_bytes(width: int = 48, height: int = 32) -> bytes:
    """A real RGB PNG: a red band over white, every chunk with its CRC."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)

    rows = b"".join(b"\x00" + (b"\xb3\x26\x1e" if y < height // 3 else b"\xff\xff\xff") * width for y in range(height))
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


@pytest.fixture
def deferred_worker(settings, monkeypatch, tmp_path):
    """Runs go to 'Celery' but the dispatch only records the run id; the test computes the chunks as a
    worker would, so the htmx progress bar is seen moving. Exports render inline, into tmp_path."""
    settings.PAYOUT_RUNS_ON_CELERY = True
    settings.EXPORTS_ON_CELERY = False
    settings.PAYOUT_CHUNK_SIZE = 1
    settings.EXPORT_ROOT = tmp_path / "exports"
    settings.MEDIA_ROOT = tmp_path / "media"
    dispatched: list[int] = []
    monkeypatch.setattr("subsidies.runs.tasks.dispatch_run", dispatched.append)
    return dispatched


def _upload(page, kind: str, name: str, mime: str, data: bytes):
    page.get_by_label("材料类型").select_option(kind)
    page.get_by_label("文件(PDF").set_input_files({"name": name, "mimeType": mime, "buffer": data})
    page.get_by_role("button", name="上传").click()


def _decide(page, action: str, comment: str = "", on: str = "", reason: str = ""):
    page.get_by_label("审核决定", exact=True).select_option(action)
    if comment:
        page.get_by_label("审核意见", exact=True).fill(comment)
    if on:
        page.get_by_label("日期(生效/暂停/撤销/恢复)").fill(on)
    if reason:
        page.get_by_label("追溯理由", exact=True).fill(reason)
    page.get_by_role("button", name="提交决定").click()


def test_enterprise_files_reviewers_decide_finance_pays(page, login, logout, screenshot, make_user, deferred_worker):
    make_user("shenhe_a", Role.REGIONAL_REVIEWER, full_name="审核员甲")
    make_user("shenhe_b", Role.REGIONAL_REVIEWER, full_name="审核员乙")
    make_user("caiwu1", Role.FINANCE, full_name="财务一")
    make_user("caiwu2", Role.FINANCE, full_name="财务二")
    make_user("guanli", Role.ADMIN, full_name="管理员")

    # --- an enterprise registers from the login page ------------------------------------------------------
    page.goto("/accounts/login/")
    screenshot("01_login")
    page.get_by_role("link", name="企业注册").click()
    expect(page.get_by_role("heading", name="依托企业注册")).to_be_visible()
    page.get_by_label("统一社会信用代码").fill(USCC[:17] + ("0" if USCC[17] != "0" else "1"))
    page.get_by_label("企业名称").fill(ENTERPRISE)
    page.get_by_label("注册地(宁夏区县)").select_option("640106")
    page.get_by_label("联系人姓名").fill("马嘉睿")
    page.get_by_label("联系电话").fill("0951-6012345")
    page.get_by_label("联系邮箱").fill("ma@jiarui.example.cn")
    page.get_by_label("登录用户名").fill(OWNER)
    page.get_by_label("登录密码").fill(OWNER_PASSWORD)
    page.get_by_label("确认密码").fill(OWNER_PASSWORD)
    page.get_by_role("button", name="提交注册").click()
    # a wrong check character is shown next to the field, in Chinese, and nothing is created
    expect(page.locator(".field.invalid")).to_contain_text("校验位错误")
    screenshot("02_register_error")
    page.get_by_label("统一社会信用代码").fill(USCC)
    page.get_by_label("登录密码").fill(OWNER_PASSWORD)
    page.get_by_label("确认密码").fill(OWNER_PASSWORD)
    page.get_by_role("button", name="提交注册").click()
    # the page never confirms a username: the outcome goes to the contact e-mail (registry.views.register)
    expect(page.locator("[role=status] .msg.success")).to_contain_text("注册申请已提交")
    from django.core import mail

    assert any("已注册,您是该企业的管理员" in m.body and m.to == ["ma@jiarui.example.cn"] for m in mail.outbox)

    # --- it logs in, registers a centre and starts a regional filing ------------------------------------------
    login(OWNER, OWNER_PASSWORD)
    expect(page.get_by_role("heading", name="企业工作台")).to_be_visible()
    expect(page.locator("#my-enterprises")).to_contain_text(USCC)
    page.get_by_role("link", name="登记研发中心").first.click()
    page.get_by_label("中心名称").fill(CENTRE)
    page.get_by_label("机构类型").select_option("independent")
    page.get_by_label("所在城市").fill("上海")
    page.get_by_label("所在地区划").select_option("310115")
    page.get_by_label("详细地址").fill("浦东新区张江路100号")
    page.get_by_label("研发人员数").fill("12")
    screenshot("03_centre_form")
    page.get_by_role("button", name="保存").click()
    expect(page.locator("[role=status] .msg.success")).to_contain_text(f"已登记研发中心“{CENTRE}”")
    centre = Centre.objects.get(name=CENTRE)

    page.get_by_role("link", name="发起备案").first.click()
    page.get_by_label("研发中心").select_option(str(centre.pk))
    page.get_by_label("备案层级").select_option("regional")
    screenshot("04_wizard_step1")
    page.get_by_role("button", name="保存草稿并继续").click()
    expect(page.locator("[role=status] .msg.success")).to_contain_text("备案草稿已保存")
    expect(page.locator(".wizard li.current")).to_contain_text("上传材料")
    filing = Filing.objects.get(centre=centre, level="regional")
    submit = page.get_by_role("button", name="提交审核")
    expect(submit).to_be_disabled()  # the required documents are missing
    _upload(page, "business_licence", "营业执照.pdf", "application/pdf", pdf_bytes("Business licence v1"))
    expect(page.locator("[role=status] .msg.success")).to_contain_text("已上传营业执照(第1版)")
    _upload(page, "establishment_proof", "设立证明.png", "image/png", png_bytes())
    expect(page.locator("[role=status] .msg.success")).to_contain_text("(第1版)")
    expect(submit).to_be_enabled()
    screenshot("05_wizard_step2_documents")
    page.get_by_label("本单位已阅读并同意上述信用承诺").check()
    submit.click()
    expect(page.locator("[role=status] .msg.success")).to_contain_text("备案已提交")
    expect(page.locator(".acceptance-no")).to_have_text(re.compile(r"^NXFD\d{10}$"))
    expect(page.locator(".filing-status .badge")).to_have_text("已提交")
    logout()

    # --- reviewer A returns it with a comment -------------------------------------------------------------
    login("shenhe_a")
    expect(page.get_by_role("heading", name="审核工作台")).to_be_visible()
    row = page.locator("#queue tbody tr", has_text=CENTRE)
    expect(row).to_contain_text("已提交")
    screenshot("06_review_queue")
    row.get_by_role("link", name="审核").click()
    expect(page.get_by_role("heading", name=f"审核:{CENTRE}")).to_be_visible()
    screenshot("07_review_decide")
    _decide(page, "return", RETURN_COMMENT)
    expect(page.locator("[role=status] .msg.success")).to_contain_text("退回修改")
    filing.refresh_from_db()
    assert filing.status == FilingStatus.RETURNED
    logout()

    # --- the enterprise reads the comment, replaces the licence and resubmits --------------------------------
    login(OWNER, OWNER_PASSWORD)
    expect(page.locator("#messages")).to_contain_text("退回")
    screenshot("08_enterprise_dashboard_returned")
    page.locator("#my-filings").get_by_role("link", name=CENTRE).click()
    expect(page.locator(".filing-status .badge")).to_have_text("退回修改")
    expect(page.locator(".msg.warning", has_text=RETURN_COMMENT)).to_be_visible()
    page.get_by_role("link", name="审核意见").click()
    expect(page.get_by_role("link", name="审核意见")).to_have_attribute("aria-current", "page")
    expect(page.locator("#tab-body")).to_contain_text(RETURN_COMMENT)
    expect(page.locator("#tab-body")).to_contain_text("审核员甲")
    screenshot("09_filing_tab_comments")
    page.get_by_role("link", name="材料", exact=True).click()
    expect(page.locator("#tab-body")).to_contain_text("营业执照.pdf")
    _upload(page, "business_licence", "营业执照-清晰版.pdf", "application/pdf", pdf_bytes("Business licence v2"))
    expect(page.locator("[role=status] .msg.success")).to_contain_text("已上传营业执照(第2版)")
    expect(page.locator("#tab-body")).to_contain_text("旧版本")
    screenshot("10_filing_tab_documents")
    page.get_by_label("本单位已阅读并同意上述信用承诺").check()
    page.get_by_role("button", name="提交审核").click()
    expect(page.locator("[role=status] .msg.success")).to_contain_text("备案已提交")
    page.get_by_role("link", name="历史").click()
    expect(page.get_by_role("link", name="历史")).to_have_attribute("aria-current", "page")
    expect(page.locator("#tab-body h2")).to_have_text("历史")
    expect(page.locator("#tab-body tbody")).to_contain_text("状态:退回修改 → 已提交")
    screenshot("11_filing_tab_history")
    logout()

    # --- reviewer A does the first review and may not approve -------------------------------------------------
    login("shenhe_a")
    page.locator("#queue tbody tr", has_text=CENTRE).get_by_role("link", name="审核").click()
    expect(page.locator("#decide-documents")).to_contain_text("营业执照-清晰版.pdf")
    _decide(page, "first_review", "材料齐全,同意初审")
    expect(page.locator("[role=status] .msg.success")).to_contain_text("初审通过")
    # the page offers the first reviewer no approval (the service refuses one all the same: test_filing_lifecycle)
    decisions = (
        page.get_by_label("审核决定", exact=True).locator("option").evaluate_all("options => options.map(o => o.value)")
    )
    assert "approve" not in decisions and "return" in decisions
    expect(page.get_by_text("您已作出初审,复审须由其他审核员进行")).to_be_visible()
    filing.refresh_from_db()
    assert filing.status == FilingStatus.FIRST_REVIEWED
    logout()

    # --- reviewer B approves, effective from 2024-01-01 -------------------------------------------------------
    login("shenhe_b")
    row = page.locator("#queue tbody tr", has_text=CENTRE)
    expect(row).to_contain_text("初审通过")
    row.get_by_role("link", name="审核").click()
    expect(page.get_by_text("初审人:审核员甲")).to_be_visible()
    _decide(page, "approve", "同意备案", on="2024-01-01", reason="按2024年纸质备案补录")
    expect(page.locator("[role=status] .msg.success")).to_contain_text("已备案")
    filing.refresh_from_db()
    assert (filing.status, str(filing.effective_from)) == (FilingStatus.APPROVED, "2024-01-01")
    logout()

    # --- the enterprise sees the approval and the notification ------------------------------------------------
    login(OWNER, OWNER_PASSWORD)
    filing_row = page.locator("#my-filings tbody tr", has_text=CENTRE)
    expect(filing_row.locator(".badge")).to_have_text("已备案")
    expect(filing_row).to_contain_text("2024年1月1日")
    expect(page.locator("#messages")).to_contain_text("已备案")
    page.get_by_role("link", name="消息").first.click()
    expect(page.locator(".notice").first).to_contain_text("已备案")
    screenshot("12_notifications")
    assert Notification.objects.filter(user__username=OWNER, filing=filing).count() >= 3

    # researchers arrive through the scenario import (the same services as the talent pages)
    people = finance_data.people(3)
    for contract in people["contracts"]:
        contract["centre"] = centre.ref
    import_scenario(people)
    page.get_by_role("link", name="研发人员").first.click()
    expect(page.locator("table.grid tbody tr")).to_have_count(3)
    screenshot("13_researcher_list")
    page.locator("table.grid tbody tr").first.get_by_role("link").first.click()
    expect(page.get_by_text(CENTRE).first).to_be_visible()
    screenshot("14_researcher_detail")
    page.goto("/talent/roster/")
    page.get_by_label("研发中心").select_option(str(centre.pk))
    csv = (
        "姓名,证件号码,学位,授予日期,合同起始日期,合同终止日期\n"
        f"白新,{finance_data.resident_id(40)},博士,2020-07-01,2024-09-01,2029-08-31\n"
        "错行,110101199001011234,硕士,2020-07-01,2024-09-01,2029-08-31\n"
    )
    page.get_by_label("花名册文件").set_input_files(
        {"name": "花名册.csv", "mimeType": "text/csv", "buffer": csv.encode("utf-8")}
    )
    page.get_by_role("button", name="上传并预览").click()
    expect(page.get_by_role("heading", name="花名册预览:花名册.csv")).to_be_visible()
    screenshot("15_roster_preview")
    logout()

    # --- finance user 1 starts the June 2024 run and watches it finish ----------------------------------------
    login("caiwu1")
    page.get_by_label("批次类型").select_option("monthly")
    page.get_by_label("期间").fill("2024-06")
    page.get_by_role("button", name="发起并计算").click()
    bar = page.locator("#run-progress [role=progressbar]")
    expect(bar).to_have_attribute("aria-valuenow", "0")
    run_id = deferred_worker[0]
    chunks = list(RunChunk.objects.filter(run_id=run_id).order_by("lo").values_list("lo", flat=True))
    assert len(chunks) == 3
    for lo in chunks:
        run_services.payout_run_compute_chunk(run_id=run_id, lo=lo)
    run_services.payout_run_finalize(run_id=run_id)
    expect(page.locator(".progress-text")).to_contain_text("计算完成:100%")
    expect(bar).to_have_attribute("aria-valuenow", "100")
    total = sum(PayoutLine.objects.filter(run_id=run_id).values_list("amount", flat=True))
    assert total > 0
    expect(page.locator("#run-total")).to_have_text(f"¥{total:,.2f}")
    expect(page.locator("section", has=page.get_by_role("heading", name="按研发中心汇总"))).to_contain_text(CENTRE)
    screenshot("16_run_detail_computed")
    logout()

    # --- finance user 2 approves and exports the payout register -------------------------------------------
    login("caiwu2")
    page.locator("#run-table tbody tr").first.get_by_role("link", name=f"#{run_id}").click()
    page.get_by_text("审批通过").click()
    page.get_by_role("button", name="确认审批").click()
    expect(page.locator("[role=status] .msg.success")).to_contain_text(f"批次#{run_id}已审批通过")
    assert PayoutRun.objects.get(pk=run_id).state == RunState.APPROVED
    screenshot("17_run_detail_approved")
    page.get_by_role("link", name="导出发放文件").click()
    expect(page.get_by_role("heading", name="导出发放文件")).to_be_visible()
    page.get_by_label("格式").select_option("register_pdf")
    page.get_by_role("button", name="生成").click()
    expect(page.locator("[role=status] .msg.success")).to_contain_text("已提交导出")
    link = page.locator("#export-table tbody tr").first.get_by_role("link", name="下载")
    expect(link).to_be_visible()
    screenshot("18_run_exports")
    with page.expect_download() as info:
        link.click()
    download = info.value
    saved = Path(download.path())
    data = saved.read_bytes()
    assert data.startswith(b"%PDF")
    text = subprocess.run(["pdftotext", "-layout", str(saved), "-"], capture_output=True, check=True, text=True).stdout
    assert CENTRE in text and "人民币" in text
    assert download.suggested_filename.endswith(".pdf")
    page.get_by_role("link", name="发放批次").first.click()
    expect(page.locator("#run-table tbody tr").first.locator(".badge")).to_have_text("已导出")
    screenshot("19_run_list")
    page.get_by_role("link", name="政策参数").first.click()
    expect(page.get_by_role("heading", name="政策参数")).to_be_visible()
    screenshot("20_parameters")
    logout()

    # the enterprise sees the stipends received, by month, on its dashboard
    login(OWNER, OWNER_PASSWORD)
    stipends = page.locator("#stipends")
    expect(stipends.locator("tfoot")).to_contain_text(f"¥{total:,.2f}")
    expect(stipends.locator("tbody tr").first).to_contain_text("2024年6月")
    expect(stipends.locator("svg.chart")).to_be_visible()
    expect(page.locator(".stat", has_text="研发人员").locator("b")).to_have_text("3")
    screenshot("22_enterprise_dashboard_stipends")
    logout()

    login("guanli")
    expect(page.get_by_role("heading", name="飞地研发中心统计看板")).to_be_visible()
    screenshot("21_bureau_dashboard")
