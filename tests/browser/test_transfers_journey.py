"""The money loop in a real browser (issue 17): finance imports a bank result file with one failure, the
enterprise sees 退回 and corrects its account, a second finance user checks it and creates the re-issue
(补拨), the first approves and exports it, the bank's second file brings the run to 已拨付, and the
enterprise confirms receipt."""

import csv
import io
from pathlib import Path

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from accounts.models import Role
from registry.models import Enterprise, Membership
from subsidies.exports.services import export_request
from subsidies.runs.services import payout_run_approve, run_payouts
from subsidies.scenario import import_scenario
from subsidies.transfers.models import Transfer
from tests.subsidies.transfers.conftest import SCENARIO, WL, result_csv

pytestmark = [pytest.mark.browser]


def _results_from_xlsx(data: bytes) -> bytes:
    ws = load_workbook(io.BytesIO(data)).active
    rows = [["" if v is None else str(v) for v in row] for row in ws.iter_rows(values_only=True)]
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\r\n")
    w.writerow(rows[0] + ["交易状态", "失败原因", "银行流水号", "交易日期"])
    for r in rows[1:]:
        if r[0] != "合计":
            w.writerow(r + ["成功", "", "SN-R-" + r[0], "2024-07-20"])
    return "\ufeff".encode() + out.getvalue().encode()


def test_failed_transfer_reissued_and_receipt_confirmed(
    page, login, logout, make_user, transactional_db, settings, tmp_path
):
    settings.EXPORT_ROOT = tmp_path / "exports"
    import_scenario(SCENARIO)
    f1 = make_user("caiwu1", Role.FINANCE, full_name="财务一")
    f2 = make_user("caiwu2", Role.FINANCE, full_name="财务二")
    owner = make_user("qiye_wl", Role.ENTERPRISE, full_name="威力财务")
    Membership.objects.create(enterprise=Enterprise.objects.get(uscc=WL), user=owner, is_owner=True)
    run = payout_run_approve(actor=f2, run_id=run_payouts(actor=f1, kind="monthly", period="2024-06").pk)
    record = export_request(actor=f1, run_id=run.pk, fmt="bank_csv", inline=True)
    wl = Transfer.objects.get(run=run, enterprise__uscc=WL)
    others = {t.reference: "成功" for t in Transfer.objects.filter(run=run).exclude(pk=wl.pk)}
    first = tmp_path / "银行回单-1.csv"
    first.write_bytes(
        result_csv(Path(record.file_path).read_bytes(), {wl.reference: ("失败", "户名与账号不符"), **others})
    )

    # finance imports the bank's result file on the run's transfers page
    login("caiwu1")
    page.goto(f"/subsidies/transfers/runs/{run.pk}/")
    page.set_input_files("#result-file", str(first))
    page.get_by_role("button", name="导入", exact=True).click()
    expect(page.locator(".msg.success")).to_contain_text("已导入银行回单:新登记 2 笔")
    expect(page.locator(f"#transfer-{wl.pk}")).to_contain_text("退回")
    logout()

    # the enterprise sees the returned transfer and corrects its account
    login("qiye_wl")
    page.goto("/subsidies/transfers/mine/")
    expect(page.locator(f"#transfer-{wl.pk}")).to_contain_text("户名与账号不符")
    page.get_by_label("开户银行").fill("中国银行银川分行")
    page.get_by_label("银行账号").fill("1071000012345678")
    page.get_by_label("开户行联行号").fill("104871000018")
    page.get_by_label("更正原因").fill("原账户已销户")
    page.get_by_role("button", name="提交更正").click()
    expect(page.locator(".msg.success")).to_contain_text("账户更正已提交,财务核对后生效")
    logout()

    # a finance user checks the new account and creates the re-issue batch
    login("caiwu2")
    page.goto("/subsidies/transfers/queue/")
    page.get_by_role("button", name="核对无误,生效").click()
    expect(page.locator(".msg.success")).to_contain_text("账户更正已处理,已通知企业")
    page.goto(f"/subsidies/transfers/runs/{run.pk}/")
    page.get_by_role("button", name="发起补拨").click()
    expect(page.locator(".msg.success")).to_contain_text("须由另一名财务人员审批")
    logout()

    # the other finance user approves it and exports the new bank file, then imports the bank's answer
    login("caiwu1")
    page.goto(f"/subsidies/transfers/runs/{run.pk}/")
    page.get_by_role("button", name="审批补拨").click()
    expect(page.locator(".msg.success")).to_contain_text("已审批")
    with page.expect_download() as download:
        page.get_by_role("button", name="导出补拨转账文件(XLSX)").click()
    data = Path(download.value.path()).read_bytes()
    assert b"1071000012345678" in _results_from_xlsx(data)
    second = tmp_path / "银行回单-2.csv"
    second.write_bytes(_results_from_xlsx(data))
    page.set_input_files("#result-file", str(second))
    page.get_by_role("button", name="导入", exact=True).click()
    expect(page.locator(".msg.success")).to_contain_text("已导入银行回单:新登记 1 笔")
    expect(page.locator("h1 .badge")).to_have_text("已拨付")
    logout()

    # the enterprise confirms receipt of the re-issued transfer
    reissue = Transfer.objects.get(supersedes=wl)
    login("qiye_wl")
    page.goto("/subsidies/transfers/mine/")
    page.locator(f"#transfer-{reissue.pk}").get_by_role("button", name="确认到账").click()
    expect(page.locator(".msg.success")).to_contain_text(f"已确认收到转账{reissue.reference}")
    reissue.refresh_from_db()
    assert reissue.confirmed_by == owner
