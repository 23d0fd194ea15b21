"""Issue 15: bank files carry the payee bank's 联行号 (CNAPS) and give XLSX amounts as numbers. The CNAPS
follows the money as the account does: copied into the transfer at first export, carried and checked by
the bank account correction, approved into a re-issue batch's payee snapshot; a payee without one is
written with the cell empty and named on the export page, in the API and on the command line."""

import csv
import io
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import call_command
from django.urls import reverse
from openpyxl import Workbook, load_workbook
from rest_framework.test import APIClient

from accounts.errors import ServiceError
from registry.models import Enterprise, Notification
from subsidies.exports import bank
from subsidies.exports.data import CentreGroup, EnterpriseGroup, Line, RunDocument
from subsidies.exports.services import export_request
from subsidies.models import ExportRecord
from subsidies.transfers import services
from subsidies.transfers.models import AccountChangeState, BankAccountChange, ReissueBatch, Transfer
from tests.subsidies.transfers.conftest import LJ, MEMO, WL, bank_rows, result_csv

WL_CNAPS, LJ_CNAPS, NEW_CNAPS = "102871000016", "313871000007", "104871000018"
CNAPS = bank.HEADERS.index("开户行联行号")
AMOUNT = bank.HEADERS.index("金额(元)")


def _ref(run, uscc):
    return services.original_reference(run.pk, Enterprise.objects.get(uscc=uscc).pk)


def _rows_by_payee(data: bytes) -> dict[str, list[str]]:
    return {r[1]: r for r in bank_rows(data)}


def _doc() -> RunDocument:
    """Two payees with fen in their amounts, one CNAPS with a leading zero, in memory (no database)."""

    def group(pk, name, account, cnaps, amounts):
        lines = [Line(pk * 10 + i, "NX-STIPEND", "regular", "", "", "2024-06", False, a) for i, a in enumerate(amounts)]
        return EnterpriseGroup(
            pk, f"9164010{pk}", name, "中国银行银川分行", account, [CentreGroup("C", "中心", lines)], bank_cnaps=cnaps
        )

    return RunDocument(
        run_id=7,
        kind="monthly",
        kind_label="月度补助",
        period="2024-06",
        state_label="",
        created_by="",
        computed_by="",
        approved_by="",
        approved_at="",
        printed_at="",
        enterprises=[
            group(1, "甲公司", "0107100000000000012", "104871000018", [Decimal("1234.50"), Decimal("0.06")]),
            group(2, "乙公司", "6217000100029876543", "011871000011", [Decimal("5000.10")]),
        ],
    )


# --- the bank file ----------------------------------------------------------------------------------


def test_bank_file_columns_carry_the_cnaps_after_the_bank():
    assert bank.HEADERS == ["序号", "收款人名称", "收款账号", "开户银行", "开户行联行号", "金额(元)", "用途/附言"]
    rows = list(csv.reader(io.StringIO(bank.bank_csv(_doc()).decode("utf-8-sig"))))
    assert rows[1][2:6] == ["0107100000000000012", "中国银行银川分行", "104871000018", "1234.56"]
    assert rows[2][2:6] == ["6217000100029876543", "中国银行银川分行", "011871000011", "5000.10"]
    assert rows[-1][0] == "合计" and rows[-1][AMOUNT] == "6234.66", "the CSV keeps exact two-place strings"


def test_xlsx_amounts_are_numeric_cells_with_every_fen_and_codes_stay_text():
    ws = load_workbook(io.BytesIO(bank.bank_xlsx(_doc()))).active
    assert [c.value for c in ws[1]] == bank.HEADERS
    expected = [Decimal("1234.56"), Decimal("5000.10"), Decimal("6234.66")]  # two payees and the total row
    amounts = [ws.cell(row, AMOUNT + 1) for row in (2, 3, 4)]
    assert [c.data_type for c in amounts] == ["n", "n", "n"]
    assert all(c.number_format == bank.AMOUNT_FORMAT for c in amounts)
    assert all(isinstance(c.value, int | float) for c in amounts), "a number, not a string"
    assert [Decimal(str(c.value)) for c in amounts] == expected
    account, cnaps = ws.cell(2, 3), ws.cell(3, CNAPS + 1)
    assert (account.value, account.data_type) == ("0107100000000000012", "s")
    assert (cnaps.value, cnaps.data_type, cnaps.number_format) == ("011871000011", "s", "@"), "the leading zero kept"
    assert ws.cell(4, 1).value == "合计"


def test_an_exported_xlsx_bank_file_is_numeric_and_imports_back_as_results(exported_run, finance):
    record = export_request(actor=finance, run_id=exported_run.pk, fmt="bank_xlsx", inline=True)
    ws = load_workbook(record.file_path).active
    by_payee = {row[1].value: row for row in ws.iter_rows(min_row=2) if row[0].value != "合计"}
    wl = by_payee["银川威力传动技术股份有限公司"]
    assert wl[CNAPS].value == WL_CNAPS and wl[CNAPS].data_type == "s"
    assert wl[AMOUNT].data_type == "n" and Decimal(str(wl[AMOUNT].value)) == Decimal("15000.00")
    # the bank echoes the file with its result columns: the numeric amount is read exactly
    header = [c.value for c in ws[1]] + ["交易状态", "失败原因", "银行流水号", "交易日期"]
    for i, value in enumerate(header, 1):
        ws.cell(1, i, value)
    for row in by_payee.values():
        for offset, value in enumerate(["成功", "", f"SN{row[0].row}", "2024-07-08"]):
            ws.cell(row[0].row, len(bank.HEADERS) + 1 + offset, value).data_type = "s"
    buf = io.BytesIO()
    ws.parent.save(buf)
    out = services.bank_results_import(
        actor=finance, run_id=exported_run.pk, file_name="回单.xlsx", data=buf.getvalue()
    )
    assert out.applied == 2


def test_a_number_cell_outside_the_amount_is_still_refused(exported_run, bank_file, finance):
    rows = list(csv.reader(io.StringIO(result_csv(bank_file, {_ref(exported_run, WL): "成功"}).decode("utf-8-sig"))))
    wb = Workbook()
    for row in rows:
        wb.active.append(row)
    wb.active.cell(2, 3).value = 2902000109200012.0  # the account as a spreadsheet number: digits lost
    buf = io.BytesIO()
    wb.save(buf)
    with pytest.raises(ServiceError) as exc:
        services.bank_results_import(actor=finance, run_id=exported_run.pk, file_name="r.xlsx", data=buf.getvalue())
    assert exc.value.code == "number_cell" and exc.value.record == "第2行" and "C2" in exc.value.zh
    assert Transfer.objects.filter(run=exported_run, state="succeeded").count() == 0


# --- the transfer copies the CNAPS ------------------------------------------------------------------


def test_the_transfer_copies_the_cnaps_and_a_later_edit_does_not_change_a_reexport(exported_run, bank_file, finance):
    wl = Transfer.objects.get(run=exported_run, enterprise__uscc=WL)
    assert wl.bank_cnaps == WL_CNAPS
    assert _rows_by_payee(bank_file)["银川威力传动技术股份有限公司"][CNAPS] == WL_CNAPS
    Enterprise.objects.filter(uscc=WL).update(bank_cnaps=NEW_CNAPS)  # any path around the correction
    for fmt in ("bank_csv", "bank_xlsx"):
        again = export_request(actor=finance, run_id=exported_run.pk, fmt=fmt, inline=True)
        if fmt == "bank_csv":
            row = _rows_by_payee(Path(again.file_path).read_bytes())["银川威力传动技术股份有限公司"]
            assert row[CNAPS] == WL_CNAPS
        else:
            ws = load_workbook(again.file_path).active
            assert WL_CNAPS in [c.value for c in ws[2]] + [c.value for c in ws[3]]
            assert NEW_CNAPS not in [c.value for r in ws.iter_rows() for c in r]
    wl.refresh_from_db()
    assert wl.bank_cnaps == WL_CNAPS


def test_the_database_keeps_a_transfers_cnaps(exported_run):
    from django.db import transaction

    t = Transfer.objects.filter(run=exported_run).first()
    with pytest.raises(Exception, match="transfer_terms_fixed"), transaction.atomic():
        Transfer.objects.filter(pk=t.pk).update(bank_cnaps=NEW_CNAPS)


def test_the_api_shows_the_transfers_cnaps(exported_run, finance):
    api = APIClient()
    api.force_authenticate(finance)
    body = api.get(f"/api/v1/transfers/?run={exported_run.pk}").json()
    items = body["results"] if isinstance(body, dict) else body
    assert sorted(t["bank_cnaps"] for t in items) == sorted([WL_CNAPS, LJ_CNAPS])


# --- a payee without a CNAPS ------------------------------------------------------------------------


def test_a_payee_without_cnaps_is_written_and_named_on_the_export_page(approved_run, finance, client):
    Enterprise.objects.filter(uscc=LJ).update(bank_cnaps="")  # as a scenario file imported before issue 15
    record = export_request(actor=finance, run_id=approved_run.pk, fmt="bank_csv", inline=True)
    rows = _rows_by_payee(Path(record.file_path).read_bytes())
    assert (
        rows["宁夏隆基宁光仪表股份有限公司"][CNAPS] == "" and rows["宁夏隆基宁光仪表股份有限公司"][AMOUNT] == "10000.00"
    )
    assert rows["银川威力传动技术股份有限公司"][CNAPS] == WL_CNAPS
    record.refresh_from_db()
    assert record.state == "done"
    assert record.payees_without_cnaps == f"宁夏隆基宁光仪表股份有限公司({LJ})"
    client.force_login(finance)
    page = client.get(reverse("subsidies:run_exports", args=[approved_run.pk])).content.decode()
    assert f"export-warning-{record.pk}" in page and "未登记开户行联行号" in page and LJ in page
    api = APIClient()
    api.force_authenticate(finance)
    assert api.get(f"/api/v1/exports/{record.pk}/").json()["payees_without_cnaps"] == record.payees_without_cnaps


def test_a_complete_bank_file_shows_no_warning(approved_run, finance, client):
    record = export_request(actor=finance, run_id=approved_run.pk, fmt="bank_csv", inline=True)
    assert record.payees_without_cnaps == ""
    client.force_login(finance)
    page = client.get(reverse("subsidies:run_exports", args=[approved_run.pk])).content.decode()
    assert "export-warning-" not in page


def test_the_command_line_prints_the_payees_without_cnaps(approved_run, tmp_path, capsys):
    Enterprise.objects.filter(uscc=WL).update(bank_cnaps="")
    out = tmp_path / "bank.csv"
    call_command("export_payouts", format="csv", run=approved_run.pk, out=str(out))
    err = capsys.readouterr().err
    assert "未登记开户行联行号" in err and WL in err and "CNAPS" in err
    assert _rows_by_payee(out.read_bytes())["银川威力传动技术股份有限公司"][CNAPS] == ""
    assert ExportRecord.objects.get().payees_without_cnaps.endswith(f"({WL})")


# --- the bank account correction --------------------------------------------------------------------


def _fail_wl(run, bank_file, finance):
    services.bank_results_import(
        actor=finance,
        run_id=run.pk,
        file_name="r.csv",
        data=result_csv(bank_file, {_ref(run, WL): ("失败", "户名账号不符"), _ref(run, LJ): "成功"}),
    )


def _request(actor, **overrides):
    fields = {
        "enterprise_id": Enterprise.objects.get(uscc=WL).pk,
        "bank_name": "中国银行银川分行",
        "bank_account": "1071000012345678",
        "bank_cnaps": NEW_CNAPS,
        "reason": "原账户已销户",
    }
    return services.bank_account_change_request(actor=actor, **{**fields, **overrides})


def test_the_correction_carries_and_applies_the_cnaps(exported_run, wl_user, finance2):
    change = _request(wl_user)
    assert (change.old_bank_cnaps, change.bank_cnaps) == (WL_CNAPS, NEW_CNAPS)
    assert Enterprise.objects.get(uscc=WL).bank_cnaps == WL_CNAPS, "not in force before finance checks it"
    services.bank_account_change_check(actor=finance2, change_id=change.pk, accept=True, note="已核对开户许可证")
    ent = Enterprise.objects.get(uscc=WL)
    assert (ent.bank_account, ent.bank_cnaps) == ("1071000012345678", NEW_CNAPS)
    note = Notification.objects.filter(user=wl_user, title__contains="银行账户更正").latest("id")
    assert NEW_CNAPS in note.body and "联行号" in note.body and NEW_CNAPS in note.body_en


def test_a_rejected_correction_leaves_the_cnaps(exported_run, wl_user, finance2):
    change = _request(wl_user)
    services.bank_account_change_check(actor=finance2, change_id=change.pk, accept=False, note="与开户许可证不符")
    assert Enterprise.objects.get(uscc=WL).bank_cnaps == WL_CNAPS


def test_a_new_cnaps_alone_is_a_correction(exported_run, wl_user):
    ent = Enterprise.objects.get(uscc=WL)
    change = _request(wl_user, bank_name=ent.bank_name, bank_account=ent.bank_account)
    assert change.state == AccountChangeState.PENDING and change.bank_cnaps == NEW_CNAPS


@pytest.mark.parametrize(
    ("cnaps", "words"),
    [("", "开户行联行号"), ("12345", "12位"), ("10487100001X", "只能包含数字"), ("000871000018", "银行类别")],
)
def test_a_bad_or_missing_cnaps_is_refused_naming_the_field_and_nothing_changes(exported_run, wl_user, cnaps, words):
    before = Enterprise.objects.get(uscc=WL)
    with pytest.raises(ServiceError) as exc:
        _request(wl_user, bank_cnaps=cnaps)
    assert (exc.value.code, exc.value.field) == ("bank_cnaps", "bank_cnaps")
    assert "开户行联行号" in exc.value.zh and words in exc.value.zh and "CNAPS" in exc.value.en
    assert exc.value.record == before.name
    assert not BankAccountChange.objects.exists()
    after = Enterprise.objects.get(uscc=WL)
    assert (after.bank_account, after.bank_cnaps) == (before.bank_account, before.bank_cnaps)


def test_the_api_and_the_page_refuse_a_bad_cnaps(exported_run, wl_user, client):
    api = APIClient()
    api.force_authenticate(wl_user)
    body = {
        "enterprise": Enterprise.objects.get(uscc=WL).pk,
        "bank_name": "中国银行",
        "bank_account": "1071000012345678",
        "bank_cnaps": "12345",
        "reason": "销户",
    }
    r = api.post("/api/v1/account-changes/", body, format="json")
    assert r.status_code == 400 and "bank_cnaps" in r.json()["error"]["fields"]
    client.force_login(wl_user)
    page = client.post(reverse("subsidies:transfers:account_change_request"), body, follow=True).content.decode()
    assert "开户行联行号“12345”应为12位数字" in page
    assert not BankAccountChange.objects.exists()
    ok = api.post("/api/v1/account-changes/", {**body, "bank_cnaps": NEW_CNAPS}, format="json")
    assert ok.status_code == 201 and (ok.json()["old_bank_cnaps"], ok.json()["bank_cnaps"]) == (WL_CNAPS, NEW_CNAPS)


def test_the_pages_show_old_and_new_cnaps(exported_run, wl_user, finance, client):
    _request(wl_user)
    client.force_login(finance)
    queue = client.get(reverse("subsidies:transfers:finance_queue")).content.decode()
    assert WL_CNAPS in queue and NEW_CNAPS in queue
    client.force_login(wl_user)
    mine = client.get(reverse("subsidies:transfers:mine")).content.decode()
    assert 'name="bank_cnaps"' in mine and NEW_CNAPS in mine


# --- the re-issue pays the approved CNAPS -----------------------------------------------------------


def test_the_reissue_pays_the_approved_cnaps(exported_run, bank_file, finance, finance2, wl_user):
    _fail_wl(exported_run, bank_file, finance)
    change = _request(wl_user)
    services.bank_account_change_check(actor=finance2, change_id=change.pk, accept=True)
    batch = services.reissue_batch_create(actor=finance, run_id=exported_run.pk)
    batch = services.reissue_batch_approve(actor=finance2, batch_id=batch.pk)
    assert list(batch.payees.values()) == [["中国银行银川分行", "1071000012345678", NEW_CNAPS]]
    Enterprise.objects.filter(uscc=WL).update(bank_cnaps="105871000014")  # edited after approval
    data, _ = services.reissue_batch_export(actor=finance, batch_id=batch.pk, fmt="csv")
    new = Transfer.objects.get(batch=batch)
    assert (new.bank_account, new.bank_cnaps) == ("1071000012345678", NEW_CNAPS)
    (row,) = bank_rows(data)
    assert row[2:5] == ["1071000012345678", "中国银行银川分行", NEW_CNAPS] and row[MEMO].startswith(new.reference)
    xlsx, _ = services.reissue_batch_export(actor=finance, batch_id=batch.pk, fmt="xlsx")
    ws = load_workbook(io.BytesIO(xlsx)).active
    assert ws.cell(2, CNAPS + 1).value == NEW_CNAPS
    assert Decimal(str(ws.cell(2, AMOUNT + 1).value)) == new.amount and ws.cell(2, AMOUNT + 1).data_type == "n"


def test_a_snapshot_approved_before_the_cnaps_still_exports(exported_run, bank_file, finance, finance2):
    _fail_wl(exported_run, bank_file, finance)
    batch = services.reissue_batch_create(actor=finance, run_id=exported_run.pk)
    batch = services.reissue_batch_approve(actor=finance2, batch_id=batch.pk)
    old = {k: v[:2] for k, v in batch.payees.items()}  # [bank name, account], as approved before issue 15
    ReissueBatch.objects.filter(pk=batch.pk).update(payees=old)
    data, _ = services.reissue_batch_export(actor=finance, batch_id=batch.pk, fmt="csv")
    new = Transfer.objects.get(batch=batch)
    assert [new.bank_name, new.bank_account] == next(iter(old.values())) and new.bank_cnaps == ""
    (row,) = bank_rows(data)
    assert row[CNAPS] == ""
