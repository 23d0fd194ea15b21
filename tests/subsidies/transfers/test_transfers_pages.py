"""The money loop on the pages, the API and the command line (issue 17): import on the page and as
`import_bank_results`, the run page's amounts, the enterprise's months and receipts, the reports."""

import io
import subprocess
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from openpyxl import load_workbook
from rest_framework.test import APIClient

from registry.models import Enterprise
from subsidies.models import RunState
from subsidies.transfers import services
from subsidies.transfers.models import BankResultImport, Transfer
from tests.subsidies.transfers.conftest import LJ, WL, result_csv


def refs(run):
    return (
        services.original_reference(run.pk, Enterprise.objects.get(uscc=WL).pk),
        services.original_reference(run.pk, Enterprise.objects.get(uscc=LJ).pk),
    )


def test_the_command_imports_once_and_refuses_a_bad_file(exported_run, bank_file, tmp_path):
    wl, lj = refs(exported_run)
    path = tmp_path / "回单.csv"
    path.write_bytes(result_csv(bank_file, {wl: ("失败", "账户已销户"), lj: "成功"}))
    out = io.StringIO()
    call_command("import_bank_results", "--run", str(exported_run.pk), str(path), stdout=out)
    assert "新登记2笔" in out.getvalue()
    out = io.StringIO()
    call_command("import_bank_results", "--run", str(exported_run.pk), str(path), stdout=out)
    assert "未作任何更改" in out.getvalue()
    assert BankResultImport.objects.count() == 1
    bad = tmp_path / "回单.pdf"
    bad.write_bytes(b"%PDF-1.4")
    with pytest.raises(CommandError, match="文件类型不对"):
        call_command("import_bank_results", "--run", str(exported_run.pk), str(bad))


def test_the_run_page_imports_and_shows_amounts_with_ageing(client, exported_run, bank_file, finance):
    wl, lj = refs(exported_run)
    client.force_login(finance)
    url = reverse("subsidies:transfers:run", args=[exported_run.pk])
    upload = SimpleUploadedFile("回单.csv", result_csv(bank_file, {wl: ("失败", "户名不符")}), "text/csv")
    response = client.post(
        reverse("subsidies:transfers:run_import", args=[exported_run.pk]), {"file": upload}, follow=True
    )
    body = response.content.decode()
    assert "已导入银行回单:新登记 1 笔" in body
    failed = Transfer.objects.get(reference=wl)
    in_transit = Transfer.objects.get(reference=lj)
    page = client.get(url).content.decode()
    assert f'id="s-failed">¥{failed.amount:,.2f}' in page
    assert f'id="s-in-transit">¥{in_transit.amount:,.2f}' in page
    assert "部分到账" in page and "户名不符" in page and "账龄" in page
    exported_run.refresh_from_db()
    assert exported_run.state == RunState.PARTIAL


def test_a_refused_file_on_the_page_names_the_row(client, exported_run, bank_file, finance):
    wl, _ = refs(exported_run)
    client.force_login(finance)
    data = result_csv(bank_file, {wl: "成功"}).replace(wl.encode(), b"ZF999-9")
    response = client.post(
        reverse("subsidies:transfers:run_import", args=[exported_run.pk]),
        {"file": SimpleUploadedFile("r.csv", data, "text/csv")},
        follow=True,
    )
    assert "第2行:转账编号ZF999-9不存在" in response.content.decode()
    assert not BankResultImport.objects.exists()


def test_the_enterprise_sees_months_confirms_receipt_and_corrects_its_account(
    client, exported_run, bank_file, finance, wl_user, lj_user
):
    wl, lj = refs(exported_run)
    services.bank_results_import(
        actor=finance,
        run_id=exported_run.pk,
        file_name="r.csv",
        data=result_csv(bank_file, {wl: "成功", lj: ("失败", "账户冻结")}),
    )
    client.force_login(wl_user)
    page = client.get(reverse("subsidies:transfers:mine")).content.decode()
    assert wl in page and lj not in page and "已核定" in page and "确认到账" in page
    t = Transfer.objects.get(reference=wl)
    client.post(reverse("subsidies:transfers:confirm", args=[t.pk]))
    t.refresh_from_db()
    assert t.confirmed_by == wl_user
    other = Transfer.objects.get(reference=lj)
    assert client.post(reverse("subsidies:transfers:confirm", args=[other.pk])).status_code == 404
    client.force_login(lj_user)
    page = client.get(reverse("subsidies:transfers:mine")).content.decode()
    assert "退回" in page and "账户冻结" in page
    ent = Enterprise.objects.get(uscc=LJ)
    client.post(
        reverse("subsidies:transfers:account_change_request"),
        {
            "enterprise": ent.pk,
            "bank_name": "中国银行",
            "bank_account": "1071000012345678",
            "bank_cnaps": "104871000018",
            "reason": "冻结",
        },
    )
    change = ent.account_changes.get()
    assert change.state == "pending" and change.old_bank_account == "6217000100029876543"
    client.force_login(finance)
    queue = client.get(reverse("subsidies:transfers:finance_queue")).content.decode()
    assert "1071000012345678" in queue
    client.post(reverse("subsidies:transfers:account_change_check", args=[change.pk]), {"accept": "1"})
    ent.refresh_from_db()
    assert ent.bank_account == "1071000012345678"


def test_finance_pages_are_refused_to_enterprises(client, exported_run, wl_user):
    client.force_login(wl_user)
    assert client.get(reverse("subsidies:transfers:run", args=[exported_run.pk])).status_code == 403
    assert client.get(reverse("subsidies:transfers:finance_queue")).status_code == 403
    assert (
        client.get(reverse("subsidies:transfers:reconciliation_export_xlsx", args=[exported_run.pk])).status_code == 403
    )


def test_reconciliation_reports_tie_out(client, exported_run, bank_file, finance, finance2, tmp_path):
    wl, lj = refs(exported_run)
    services.bank_results_import(
        actor=finance,
        run_id=exported_run.pk,
        file_name="r.csv",
        data=result_csv(bank_file, {wl: ("失败", "户名不符"), lj: "成功"}),
    )
    batch = services.reissue_batch_create(actor=finance, run_id=exported_run.pk)
    services.reissue_batch_approve(actor=finance2, batch_id=batch.pk)
    services.reissue_batch_export(actor=finance, batch_id=batch.pk, fmt="xlsx")
    client.force_login(finance)
    data = client.get(reverse("subsidies:transfers:reconciliation_export_xlsx", args=[exported_run.pk])).content
    ws = load_workbook(io.BytesIO(data)).active
    values = {row[0]: row[5] for row in ws.iter_rows(values_only=True) if row and row[0]}
    failed = Transfer.objects.get(reference=wl).amount
    approved = sum(t.amount for t in Transfer.objects.filter(run=exported_run, batch__isnull=True))
    assert Decimal(values["已核定拨付(原批次转账合计)"]) == approved
    assert Decimal(values["退回(含已补拨)"]) == Decimal(values["其中已补拨"]) == failed
    assert Decimal(values["在途(已发送未回单)"]) == failed
    assert (
        Decimal(values["已到账"])
        + Decimal(values["在途(已发送未回单)"])
        + Decimal(values["退回(含已补拨)"])
        - Decimal(values["其中已补拨"])
        == approved
    )
    pdf = client.get(reverse("subsidies:transfers:reconciliation_export_pdf", args=[exported_run.pk]))
    assert pdf["Content-Type"] == "application/pdf"
    path = tmp_path / "r.pdf"
    path.write_bytes(pdf.content)
    text = "".join(
        subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout.split()
    )
    assert "对账报告" in text and "(相符)" in text and wl in text


def test_api_import_and_enterprise_scope(exported_run, bank_file, finance, wl_user):
    wl, lj = refs(exported_run)
    api = APIClient()
    api.force_authenticate(finance)
    upload = SimpleUploadedFile("回单.csv", result_csv(bank_file, {wl: "成功", lj: "成功"}), "text/csv")
    r = api.post("/api/v1/bank-results/", {"run": exported_run.pk, "file": upload}, format="multipart")
    assert r.status_code == 201 and r.json()["applied"] == 2
    upload = SimpleUploadedFile("回单.csv", result_csv(bank_file, {wl: "成功", lj: "成功"}), "text/csv")
    r = api.post("/api/v1/bank-results/", {"run": exported_run.pk, "file": upload}, format="multipart")
    assert r.status_code == 200 and r.json()["applied"] == 0
    totals = api.get(f"/api/v1/reconciliations/{exported_run.pk}/").json()
    assert totals["state"] == "paid" and totals["ties_out"] and totals["approved"] == totals["succeeded"]
    mine = APIClient()
    mine.force_authenticate(wl_user)
    rows = mine.get("/api/v1/transfers/").json()["results"]
    assert [r["reference"] for r in rows] == [wl]
    t = Transfer.objects.get(reference=wl)
    assert mine.post(f"/api/v1/transfers/{t.pk}/confirm/").json()["confirmed_at"]
    lj_t = Transfer.objects.get(reference=lj)
    assert mine.get(f"/api/v1/transfers/{lj_t.pk}/").status_code == 404


def test_the_demo_loop_ends_paid_with_one_failed_and_reissued_transfer(
    approved_run, finance, finance2, wl_user, lj_user
):
    from subsidies.transfers.demo import demo_money_loop

    totals = demo_money_loop(
        run=approved_run, finance=finance, finance2=finance2, enterprise_user_of=lambda e: e.members.first()
    )
    approved_run.refresh_from_db()
    assert approved_run.state == RunState.PAID
    reissued = Transfer.objects.get(run=approved_run, state="reissued")
    assert Transfer.objects.get(supersedes=reissued).state == "succeeded"
    assert totals["approved"] == totals["succeeded"] and totals["failed"] == totals["reissued"] == reissued.amount
    assert totals["in_transit"] == Decimal("0.00")


def test_the_enterprise_dashboard_shows_each_month_as_decided_paid_received_returned(
    client, exported_run, bank_file, finance, lj_user
):
    wl, lj = refs(exported_run)
    services.bank_results_import(
        actor=finance, run_id=exported_run.pk, file_name="r.csv", data=result_csv(bank_file, {lj: ("失败", "账户冻结")})
    )
    amount = Transfer.objects.get(reference=lj).amount
    client.force_login(lj_user)
    body = client.get(reverse("registry:dashboard")).content.decode()
    panel = body[body.index('id="money-months"') :]
    assert "已核定" in panel and "已拨付" in panel and "已到账" in panel and "退回" in panel
    # June and May (arrears), 5,000.00 each: approved, and returned by the bank; nothing paid or received
    assert amount == Decimal("10000.00")
    assert (
        '<td>2024年6月</td><td class="num">¥5,000.00</td><td class="num">¥0.00</td>'
        '<td class="num">¥0.00</td><td class="num">¥5,000.00</td>' in panel
    )
    assert "<td>2024年5月</td>" in panel
