"""Finance exports (issue 7): documents rendered for real, read back with poppler (pdftotext,
pdffonts), bank files parsed, downloads permission-checked, exports recorded with SHA-256."""

import csv
import hashlib
import io
import subprocess
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import call_command
from django.urls import reverse

from accounts.errors import ConflictError, ServiceError
from accounts.models import Role
from subsidies.exports import pdf
from subsidies.exports.data import run_document
from subsidies.exports.services import export_request
from subsidies.models import ExportFormat, ExportRecord, ExportState, PayoutRun, RunState
from subsidies.runs.services import payout_run_approve, run_payouts
from subsidies.scenario import import_scenario

FILING = [{"level": "regional", "status": "approved", "effective_from": "2024-03-01", "effective_to": None}]
SCENARIO = {
    "enterprises": [
        {
            "uscc": "91640106MA76WL001J",
            "name": "银川威力传动技术股份有限公司",
            "division_code": "640106",
            "bank_name": "中国工商银行银川分行",
            "bank_account": "2902000109200012345",
            "bank_cnaps": "102871000016",
        },
        {
            "uscc": "91640104MA76LJ002C",
            "name": "宁夏隆基宁光仪表股份有限公司",
            "division_code": "640104",
            "bank_name": "宁夏银行营业部",
            "bank_account": "6217000100029876543",
            "bank_cnaps": "313871000007",
        },
    ],
    "centres": [
        {
            "ref": "WL-SH",
            "enterprise": "91640106MA76WL001J",
            "name": "威力传动上海研发中心",
            "city": "上海",
            "division_code": "310115",
            "kind": "independent",
            "filings": FILING,
        },
        {
            "ref": "LJ-HZ",
            "enterprise": "91640104MA76LJ002C",
            "name": "隆基宁光杭州研发中心",
            "city": "杭州",
            "division_code": "330106",
            "kind": "independent",
            "filings": FILING,
        },
    ],
    "researchers": [
        {
            "id_type": "resident_id",
            "id_number": "110101199003077571",
            "name": "张三",
            "degrees": [{"level": "doctorate", "full_time": True, "key_discipline": False, "awarded_on": "2019-07-01"}],
        },
        {
            "id_type": "resident_id",
            "id_number": "33010619880512661X",
            "name": "李四",
            "degrees": [{"level": "doctorate", "full_time": True, "key_discipline": False, "awarded_on": "2018-07-01"}],
        },
    ],
    "contracts": [
        {
            "researcher": "110101199003077571",
            "centre": "WL-SH",
            "full_time": True,
            "start": "2024-04-01",
            "end": "2029-03-31",
            "terminated_on": None,
        },
        {
            "researcher": "33010619880512661X",
            "centre": "LJ-HZ",
            "full_time": True,
            "start": "2024-05-01",
            "end": "2029-04-30",
            "terminated_on": None,
        },
    ],
}


@pytest.fixture
def computed_run(db, finance):
    import_scenario(SCENARIO)
    return run_payouts(actor=finance, kind="monthly", period="2024-06")


@pytest.fixture
def approved_run(computed_run, finance2):
    return payout_run_approve(actor=finance2, run_id=computed_run.pk)


@pytest.fixture(autouse=True)
def export_root(tmp_path, settings):
    settings.EXPORT_ROOT = tmp_path / "exports"
    return settings.EXPORT_ROOT


def pdf_text(data: bytes, tmp_path: Path, name="doc.pdf") -> str:
    path = tmp_path / name
    path.write_bytes(data)
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout
    return "\f".join(squash(page) for page in text.split("\f"))


def squash(text: str) -> str:
    """pdftotext spaces CJK text unpredictably: compare without spaces."""
    return "".join(text.split(" "))


def pdf_fonts(data: bytes, tmp_path: Path) -> list[list[str]]:
    path = tmp_path / "fonts.pdf"
    path.write_bytes(data)
    out = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    return [line.split() for line in out.splitlines()[2:]]


def test_cjk_font_installed():
    out = subprocess.run(["fc-list", ":lang=zh", "family"], capture_output=True, text=True, check=False).stdout
    assert "Noto Sans CJK SC" in out, (
        "The CJK font Noto Sans CJK SC is missing: the PDFs would print empty boxes. "
        "Install Debian's fonts-noto-cjk (make sysdeps)."
    )
    pdf.require_cjk_font()


def test_only_approved_runs_export(computed_run, finance):
    with pytest.raises(ConflictError, match="只有已审批"):
        run_document(computed_run)
    with pytest.raises(ConflictError, match="只有已审批"):
        export_request(actor=finance, run_id=computed_run.pk, fmt=ExportFormat.REGISTER_PDF)
    assert ExportRecord.objects.count() == 0


def test_register_pdf_text_totals_capitals_fonts(approved_run, tmp_path):
    data = pdf.render_register(run_document(approved_run))
    text = pdf_text(data, tmp_path)
    for expected in (
        "补助资金发放明细表",
        f"批次:#{approved_run.pk}",
        "期间:2024-06",
        "NX-STIPEND",
        "银川威力传动技术股份有限公司",
        "宁夏隆基宁光仪表股份有限公司",
        "WL-SH",
        "LJ-HZ",
        "张三",
        "李四",
        "110101199003077571",
        "15,000.00",
        "10,000.00",
        "25,000.00",
        "人民币贰万伍仟元整",
        "制表:财务一",
        "审核:财务二",
        "批准:",
        "第 1 页 共 1 页",
    ):
        assert squash(expected) in text, f"{expected!r} not in the register"
    assert text.count("补发") == 3  # April and May for 张三, May for 李四
    fonts = pdf_fonts(data, tmp_path)
    cjk = [f for f in fonts if "Noto-Sans-CJK-SC" in f[0] or "Noto-Sans-Mono-CJK-SC" in f[0]]
    assert cjk, f"no Noto CJK font in {fonts}"
    for f in cjk:
        assert f[-5:-3] == ["yes", "yes"], f"font not embedded and subset: {f}"  # emb, sub
        assert "+" in f[0]


def test_register_sections_numbered_across_merge(approved_run, tmp_path, monkeypatch):
    """Force one page per section and two workers' worth of sections: the merged document numbers
    its pages 1..n of n, as a single render would."""
    monkeypatch.setattr(pdf, "PAGE_UNITS", 12)
    doc = run_document(approved_run)
    data = pdf.render_register(doc, pages_per_section=1, workers=1)
    text = pdf_text(data, tmp_path)
    pages = text.split("\f")[:-1]
    n = len(pages)
    assert n >= 3
    for i, page in enumerate(pages, 1):
        assert f"第{i}页共{n}页" in page
        if "110101199003077571" in page or "33010619880512661X" in page:
            assert "证件号码/信用代码" in page, "table header repeated on every page with lines"
    assert "人民币贰万伍仟元整" in pages[-1]


def test_notices_and_appendix(approved_run, tmp_path):
    doc = run_document(approved_run, with_explanations=True)
    notices = pdf_text(pdf.render_notices(doc), tmp_path, "n.pdf")
    assert notices.count("补助资金拨付通知书") == 2
    assert "人民币壹万伍仟元整" in notices and "人民币壹万元整" in notices
    assert "2902000109200012345" in notices and "NX-STIPEND" in notices
    flat = squash(notices).replace("\n", "")
    assert squash("根据《宁夏回族自治区企业飞地研发中心建设支持暂行办法》(NX-STIPEND研发人员生活补助)") in flat
    assert squash("NX-STIPEND资金请按规定及时足额发放给相关研发人员,专款专用") in flat
    register = squash(pdf_text(pdf.render_register(doc), tmp_path, "r.pdf")).replace("\n", "")
    assert squash("规则依据:《宁夏回族自治区企业飞地研发中心建设支持暂行办法》(NX-STIPEND研发人员生活补助)") in register
    assert "POLICY" not in register
    appendix = pdf_text(pdf.render_appendix(doc), tmp_path, "a.pdf")
    for expected in (
        "张三",
        "发放前 0 个月",
        "发放后 3 个月",
        "上限 60 个月",
        "nx_stipend.doctorate_monthly = 5000.00",
        "自 2023-01-01 起施行",
        "宁夏回族自治区企业飞地研发中心建设支持暂行办法",
        "2024-04-01 至 2029-03-31",
    ):
        assert squash(expected) in appendix.replace("\n", ""), f"{expected!r} not in the appendix"


def test_bank_files_rows_and_totals(approved_run, finance):
    rec_csv = export_request(actor=finance, run_id=approved_run.pk, fmt=ExportFormat.BANK_CSV)
    raw = Path(rec_csv.file_path).read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf"), "CSV needs a UTF-8 BOM for Excel"
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0] == ["序号", "收款人名称", "收款账号", "开户银行", "开户行联行号", "金额(元)", "用途/附言"]
    body = {r[1]: r for r in rows[1:-1]}
    assert body["银川威力传动技术股份有限公司"][2:6] == [
        "2902000109200012345",
        "中国工商银行银川分行",
        "102871000016",
        "15000.00",
    ]
    assert body["宁夏隆基宁光仪表股份有限公司"][4:6] == ["313871000007", "10000.00"]
    assert rows[-1][0] == "合计" and rows[-1][5] == "25000.00"
    assert sum(Decimal(r[5]) for r in rows[1:-1]) == Decimal("25000.00")
    assert rec_csv.payees_without_cnaps == ""

    from openpyxl import load_workbook

    rec_xlsx = export_request(actor=finance, run_id=approved_run.pk, fmt=ExportFormat.BANK_XLSX)
    ws = load_workbook(rec_xlsx.file_path).active
    values = [[c.value for c in row] for row in ws.iter_rows()]
    # the amount is a number in the XLSX, the rest as the CSV has it
    assert [r[:5] + r[6:] for r in values[1:-1]] == [r[:5] + r[6:] for r in rows[1:-1]]
    assert values[-1][0] == "合计" and Decimal(str(values[-1][5])) == Decimal("25000.00")


def test_bank_file_refused_without_account(db, finance, finance2):
    scenario = dict(SCENARIO, enterprises=[dict(e, bank_account="") for e in SCENARIO["enterprises"]])
    for e in scenario["enterprises"]:
        e.pop("bank_account")
    import_scenario(scenario)
    run = payout_run_approve(actor=finance2, run_id=run_payouts(actor=finance, kind="monthly", period="2024-06").pk)
    with pytest.raises(ServiceError, match="未登记银行账号"):
        export_request(actor=finance, run_id=run.pk, fmt=ExportFormat.BANK_CSV)
    assert ExportRecord.objects.get().state == ExportState.FAILED
    assert PayoutRun.objects.get(pk=run.pk).state == RunState.APPROVED


def test_export_recorded_marks_exported_and_reexport_same_totals(approved_run, finance, finance2):
    first = export_request(actor=finance, run_id=approved_run.pk, fmt=ExportFormat.REGISTER_PDF)
    data = Path(first.file_path).read_bytes()
    assert first.state == ExportState.DONE and first.requested_by == finance and first.requested_at
    assert first.sha256 == hashlib.sha256(data).hexdigest() and first.size == len(data)
    assert first.total_amount == Decimal("25000.00") and first.line_count == 5
    assert PayoutRun.objects.get(pk=approved_run.pk).state == RunState.EXPORTED
    second = export_request(actor=finance2, run_id=approved_run.pk, fmt=ExportFormat.REGISTER_PDF)
    assert (second.total_amount, second.line_count) == (first.total_amount, first.line_count)
    assert second.requested_by == finance2 and second.pk != first.pk
    assert PayoutRun.objects.get(pk=approved_run.pk).state == RunState.EXPORTED


def test_enterprise_user_may_not_export(approved_run, make_user):
    with pytest.raises(ServiceError, match="只有财务人员或管理员"):
        export_request(actor=make_user("ent1"), run_id=approved_run.pk, fmt=ExportFormat.BANK_CSV)
    assert ExportRecord.objects.count() == 0


def test_download_permissions(approved_run, finance, make_user, client):
    record = export_request(actor=finance, run_id=approved_run.pk, fmt=ExportFormat.BANK_CSV)
    url = reverse("subsidies:export_download", args=[record.pk])
    assert client.get(url).status_code == 302  # anonymous: to the login page
    client.force_login(make_user("ent1", Role.ENTERPRISE))
    assert client.get(url).status_code == 404
    client.force_login(make_user("rev1", Role.REGIONAL_REVIEWER))
    assert client.get(url).status_code == 404
    for user in (finance, make_user("admin1", Role.ADMIN)):
        client.force_login(user)
        response = client.get(url)
        assert response.status_code == 200
        body = b"".join(response.streaming_content)
        assert hashlib.sha256(body).hexdigest() == record.sha256 == response["X-Content-SHA256"]
    page = client.get(reverse("subsidies:run_exports", args=[approved_run.pk]))
    assert page.status_code == 200 and record.sha256[:10] in page.content.decode()


def test_request_through_view(approved_run, finance, client):
    client.force_login(finance)
    response = client.post(
        reverse("subsidies:export_create", args=[approved_run.pk]), {"format": ExportFormat.NOTICE_PDF}
    )
    assert response.status_code == 302
    record = ExportRecord.objects.get()
    assert record.format == ExportFormat.NOTICE_PDF and record.state == ExportState.DONE and len(record.sha256) == 64


@pytest.mark.parametrize("fmt", ["pdf", "xlsx", "csv"])
def test_export_payouts_command(approved_run, tmp_path, fmt):
    out = tmp_path / f"run.{fmt}"
    call_command("export_payouts", "--format", fmt, "--run", str(approved_run.pk), "--out", str(out))
    data = out.read_bytes()
    record = ExportRecord.objects.get()
    assert record.sha256 == hashlib.sha256(data).hexdigest() and record.file_path == str(out.resolve())
    assert PayoutRun.objects.get(pk=approved_run.pk).state == RunState.EXPORTED
    if fmt == "pdf":
        assert "人民币贰万伍仟元整" in pdf_text(data, tmp_path, "cmd.pdf")
    elif fmt == "csv":
        assert "25000.00" in data.decode("utf-8-sig")


def test_the_export_list_refreshes_itself_only_while_an_export_is_pending(approved_run, finance, client):
    client.force_login(finance)
    url = reverse("subsidies:run_exports", args=[approved_run.pk])
    export_request(actor=finance, run_id=approved_run.pk, fmt=ExportFormat.BANK_CSV)
    assert 'hx-trigger="every 2s"' not in client.get(url).content.decode()  # done: nothing to wait for
    queued = ExportRecord.objects.create(
        run=approved_run, format=ExportFormat.REGISTER_PDF, requested_by=finance, state=ExportState.QUEUED
    )
    page = client.get(url).content.decode()
    assert 'hx-trigger="every 2s"' in page and 'hx-select="#export-list"' in page and "自动刷新" in page
    queued.state = ExportState.FAILED
    queued.save()
    assert 'hx-trigger="every 2s"' not in client.get(url).content.decode()
