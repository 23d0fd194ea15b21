"""The money loop's services and database guarantees: transfers at export, bank results,
corrections (four eyes), re-issue batches, account corrections, receipts, settlement totals."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.models import Sum

from accounts.errors import ServiceError
from registry.models import Enterprise, Notification
from subsidies.exports.services import export_request
from subsidies.models import PayoutLine, PayoutRun, RunState
from subsidies.transfers import selectors, services
from subsidies.transfers.models import (
    BankResultImport,
    ReissueBatch,
    Transfer,
    TransferEntry,
    TransferLine,
    TransferState,
)
from tests.subsidies.transfers.conftest import LJ, MEMO, WL, bank_rows, references, result_csv


def ref_of(run, uscc):
    return services.original_reference(run.pk, Enterprise.objects.get(uscc=uscc).pk)


def snapshot():
    """Everything an import or a correction could change."""
    return (
        list(Transfer.objects.order_by("id").values_list("state", "bank_serial", "failure_reason", "trade_date")),
        TransferEntry.objects.count(),
        BankResultImport.objects.count(),
        list(PayoutRun.objects.order_by("id").values_list("state", flat=True)),
        Notification.objects.count(),
    )


def immediate():
    with connection.cursor() as cur:
        cur.execute("SET CONSTRAINTS ALL IMMEDIATE")


# --- transfers at export ---------------------------------------------------------------------------


def test_export_creates_one_transfer_per_enterprise_with_its_lines(exported_run, bank_file):
    transfers = list(Transfer.objects.filter(run=exported_run).order_by("reference"))
    assert len(transfers) == 2
    for t in transfers:
        lines = PayoutLine.objects.filter(run=exported_run, enterprise=t.enterprise, active=True)
        assert t.amount == lines.aggregate(s=Sum("amount"))["s"]
        assert set(TransferLine.objects.filter(transfer=t).values_list("line_id", flat=True)) == set(
            lines.values_list("id", flat=True)
        )
        assert t.state == TransferState.SENT and t.sent_at is not None
        assert t.bank_account == t.enterprise.bank_account
    assert sorted(references(bank_file)) == sorted(t.reference for t in transfers)
    assert exported_run.state == RunState.EXPORTED
    memo = {r[MEMO].split()[0]: r[MEMO] for r in bank_rows(bank_file)}
    assert memo[ref_of(exported_run, WL)].startswith(f"{ref_of(exported_run, WL)} 批次{exported_run.pk} 2024-06")


def test_reexport_carries_the_same_transfers_and_the_account_as_at_export(exported_run, bank_file, finance):
    e = Enterprise.objects.get(uscc=WL)
    e.bank_account = "9999000011112222"
    e.save()
    again = export_request(actor=finance, run_id=exported_run.pk, fmt="bank_csv", inline=True)
    from pathlib import Path

    data = Path(again.file_path).read_bytes()
    assert bank_rows(data) == bank_rows(bank_file)
    assert "9999000011112222" not in data.decode("utf-8-sig")
    assert Transfer.objects.filter(run=exported_run).count() == 2


# --- database guarantees ---------------------------------------------------------------------------


def test_a_transfer_whose_amount_is_not_its_lines_sum_is_refused_by_the_database(exported_run, finance):
    t = Transfer.objects.filter(run=exported_run).first()
    batch = ReissueBatch.objects.create(run=exported_run, created_by=finance)
    with pytest.raises(IntegrityError, match="not the sum of its lines"), transaction.atomic():
        Transfer.objects.create(
            run=exported_run,
            batch=batch,
            supersedes=t,
            enterprise=t.enterprise,
            reference="ZF-X",
            payee_name="x",
            bank_name="x",
            bank_account="1",
            amount=Decimal("1.00"),
            line_count=0,
            rules="",
        )
        immediate()  # the check runs at commit; this makes it run now, inside the test's transaction


def test_a_line_is_in_at_most_one_live_transfer(exported_run, finance, finance2):
    t = Transfer.objects.filter(run=exported_run).first()
    line_id = TransferLine.objects.filter(transfer=t).values_list("line_id", flat=True).first()
    batch = ReissueBatch.objects.create(run=exported_run, created_by=finance)
    with pytest.raises(IntegrityError, match="transfer_line_live_once"), transaction.atomic():
        copy = Transfer.objects.create(
            run=exported_run,
            batch=batch,
            supersedes=t,
            enterprise=t.enterprise,
            reference="ZF-COPY",
            payee_name=t.payee_name,
            bank_name=t.bank_name,
            bank_account=t.bank_account,
            amount=t.amount,
            line_count=1,
            rules="",
        )
        TransferLine.objects.create(transfer=copy, line_id=line_id)


def test_a_failed_transfer_is_superseded_by_at_most_one_reissue(exported_run, finance):
    t = Transfer.objects.filter(run=exported_run).first()
    batch = ReissueBatch.objects.create(run=exported_run, created_by=finance)
    fields = dict(
        run=exported_run,
        batch=batch,
        supersedes=t,
        enterprise=t.enterprise,
        payee_name="p",
        bank_name="b",
        bank_account="1",
        amount=t.amount,
        line_count=0,
        rules="",
    )
    with pytest.raises(IntegrityError, match="supersedes"), transaction.atomic():
        Transfer.objects.create(reference="ZF-R1", **fields)
        Transfer.objects.create(reference="ZF-R2", **fields)


def test_transfer_terms_and_entries_never_change(exported_run):
    t = Transfer.objects.filter(run=exported_run).first()
    with pytest.raises(Exception, match="transfer_terms_fixed"), transaction.atomic():
        Transfer.objects.filter(pk=t.pk).update(bank_account="123")
    with pytest.raises(Exception, match="transfer_event_append_only"), transaction.atomic():
        TransferEntry.objects.filter(transfer=t).update(reason="x")
    with pytest.raises(Exception, match="transfer_line_kept"), transaction.atomic():
        TransferLine.objects.filter(transfer=t).delete()


# --- bank results ----------------------------------------------------------------------------------


def test_import_records_results_notifies_the_failure_and_is_idempotent(exported_run, bank_file, finance, wl_user):
    wl, lj = ref_of(exported_run, WL), ref_of(exported_run, LJ)
    data = result_csv(bank_file, {wl: ("失败", "户名不符"), lj: "成功"})
    out = services.bank_results_import(actor=finance, run_id=exported_run.pk, file_name="回单.csv", data=data)
    assert (out.rows, out.applied) == (2, 2)
    exported_run.refresh_from_db()
    assert exported_run.state == RunState.PARTIAL
    failed = Transfer.objects.get(reference=wl)
    assert (failed.state, failed.failure_reason, failed.bank_serial) == ("failed", "户名不符", f"SN{wl}")
    assert Transfer.objects.get(reference=lj).state == "succeeded"
    entry = TransferEntry.objects.get(transfer=failed, kind="failed")
    assert entry.actor == finance and entry.bank_import == out.record and entry.at is not None
    assert Notification.objects.filter(user=wl_user, title="补助资金转账被银行退回").count() == 1
    before = snapshot()
    again = services.bank_results_import(actor=finance, run_id=exported_run.pk, file_name="回单.csv", data=data)
    assert again.record is None and again.applied == 0 and again.unchanged == 2
    assert snapshot() == before


@pytest.mark.parametrize("case", ["unknown", "amount", "account", "twice", "other_run", "status", "no_reason"])
def test_import_refusals_name_the_row_and_change_nothing(case, exported_run, bank_file, finance):
    wl, lj = ref_of(exported_run, WL), ref_of(exported_run, LJ)
    text = result_csv(bank_file, {wl: "成功", lj: "成功"}).decode("utf-8-sig")
    lines = text.split("\r\n")
    if case == "unknown":
        text = text.replace(wl, "ZF999999-1")
    elif case == "amount":
        t = Transfer.objects.get(reference=wl)
        text = text.replace(f"{t.amount:.2f}", f"{t.amount + 1:.2f}", 1)
    elif case == "account":
        text = text.replace("2902000109200012345", "2902000109200012346")
    elif case == "twice":
        text = "\r\n".join(lines[:2] + [lines[1]] + lines[2:])
    elif case == "other_run":
        text = text.replace(f"{wl} ", f"ZF{exported_run.pk + 1}-1 ")
        Transfer.objects.filter(reference=wl)  # the reference names no transfer of this run
    elif case == "status":
        text = text.replace("成功", "处理中", 1)
    elif case == "no_reason":
        text = text.replace("成功", "失败", 1)
    before = snapshot()
    with pytest.raises(ServiceError) as exc:
        services.bank_results_import(actor=finance, run_id=exported_run.pk, file_name="r.csv", data=text.encode())
    assert exc.value.record.startswith("第") and exc.value.record.endswith("行")
    if case == "twice":
        assert "出现两次" in exc.value.zh and exc.value.record == "第3行"
    assert snapshot() == before


def test_a_file_for_another_run_is_refused(exported_run, bank_file, finance, finance2):
    from subsidies.runs.services import payout_run_approve, run_payouts

    other = payout_run_approve(actor=finance2, run_id=run_payouts(actor=finance, kind="monthly", period="2024-07").pk)
    export_request(actor=finance, run_id=other.pk, fmt="bank_csv", inline=True)
    data = result_csv(bank_file, {ref_of(exported_run, WL): "成功"})
    before = snapshot()
    with pytest.raises(ServiceError, match="另一个批次") as exc:
        services.bank_results_import(actor=finance, run_id=other.pk, file_name="r.csv", data=data)
    assert exc.value.record == "第2行"
    assert snapshot() == before


def test_a_result_contradicting_the_recorded_one_is_refused(exported_run, bank_file, finance):
    wl = ref_of(exported_run, WL)
    services.bank_results_import(
        actor=finance, run_id=exported_run.pk, file_name="a.csv", data=result_csv(bank_file, {wl: "成功"})
    )
    before = snapshot()
    with pytest.raises(ServiceError, match="矛盾") as exc:
        services.bank_results_import(
            actor=finance,
            run_id=exported_run.pk,
            file_name="b.csv",
            data=result_csv(bank_file, {wl: ("失败", "账户冻结")}),
        )
    assert exc.value.record == "第2行" and exc.value.status == 409
    assert snapshot() == before


@pytest.mark.parametrize(
    "name,data,code",
    [
        ("回单.pdf", b"%PDF-1.4 ...", "file_type"),
        ("回单.csv", b"", "empty"),
        ("回单.csv", "\ufeff序号,收款人名称\r\n".encode(), "columns"),
        ("回单.xlsx", b"not a zip", "file_type"),
    ],
)
def test_bad_files_are_refused(name, data, code, exported_run, finance):
    before = snapshot()
    with pytest.raises(ServiceError) as exc:
        services.bank_results_import(actor=finance, run_id=exported_run.pk, file_name=name, data=data)
    assert exc.value.code == code
    assert snapshot() == before


def test_formulas_are_refused_in_csv_and_xlsx(exported_run, bank_file, finance):
    import io

    from openpyxl import Workbook

    wl = ref_of(exported_run, WL)
    text = result_csv(bank_file, {wl: "成功"}).decode("utf-8-sig").replace(f"SN{wl}", "=1+1")
    with pytest.raises(ServiceError, match="公式"):
        services.bank_results_import(actor=finance, run_id=exported_run.pk, file_name="r.csv", data=text.encode())
    wb = Workbook()
    wb.active.append(["收款人名称"])
    wb.active.append(['=HYPERLINK("http://x")'])
    buf = io.BytesIO()
    wb.save(buf)
    before = snapshot()
    with pytest.raises(ServiceError, match="公式") as exc:
        services.bank_results_import(actor=finance, run_id=exported_run.pk, file_name="r.xlsx", data=buf.getvalue())
    assert exc.value.record == "第2行"
    assert snapshot() == before


def test_xlsx_results_import(exported_run, bank_file, finance):
    import csv
    import io

    from openpyxl import Workbook

    wb = Workbook()
    for row in csv.reader(
        io.StringIO(
            result_csv(bank_file, {ref_of(exported_run, WL): "成功", ref_of(exported_run, LJ): "成功"}).decode(
                "utf-8-sig"
            )
        )
    ):
        wb.active.append(row)
    for row in wb.active.iter_rows():
        for cell in row:
            cell.data_type = "s"
    buf = io.BytesIO()
    wb.save(buf)
    out = services.bank_results_import(
        actor=finance, run_id=exported_run.pk, file_name="回单.xlsx", data=buf.getvalue()
    )
    assert out.applied == 2
    exported_run.refresh_from_db()
    assert exported_run.state == RunState.PAID


def test_results_for_a_cancelled_or_unexported_run_are_refused(approved_run, finance):
    from subsidies.runs.services import payout_run_cancel, run_payouts

    with pytest.raises(ServiceError, match="尚未导出"):
        services.bank_results_import(actor=finance, run_id=approved_run.pk, file_name="r.csv", data=b"x")
    run = run_payouts(actor=finance, kind="monthly", period="2024-07")
    payout_run_cancel(actor=finance, run_id=run.pk, reason="测试")
    with pytest.raises(ServiceError, match="已作废"):
        services.bank_results_import(actor=finance, run_id=run.pk, file_name="r.csv", data=b"x")


def test_only_finance_imports(exported_run, bank_file, wl_user):
    with pytest.raises(ServiceError) as exc:
        services.bank_results_import(
            actor=wl_user,
            run_id=exported_run.pk,
            file_name="r.csv",
            data=result_csv(bank_file, {ref_of(exported_run, WL): "成功"}),
        )
    assert exc.value.status == 403


# --- corrections -----------------------------------------------------------------------------------


def test_a_correction_needs_a_second_finance_user_and_a_reason(exported_run, bank_file, finance, finance2):
    wl = ref_of(exported_run, WL)
    services.bank_results_import(
        actor=finance,
        run_id=exported_run.pk,
        file_name="a.csv",
        data=result_csv(bank_file, {wl: "成功", ref_of(exported_run, LJ): "成功"}),
    )
    t = Transfer.objects.get(reference=wl)
    with pytest.raises(ServiceError, match="理由"):
        services.result_correction_request(
            actor=finance, transfer_id=t.pk, to_state="failed", reason=" ", failure_reason="账户冻结"
        )
    c = services.result_correction_request(
        actor=finance, transfer_id=t.pk, to_state="failed", reason="银行来函更正", failure_reason="账户冻结"
    )
    with pytest.raises(ServiceError) as exc:
        services.result_correction_decide(actor=finance, correction_id=c.pk, accept=True)
    assert exc.value.code == "four_eyes"
    t.refresh_from_db()
    assert t.state == "succeeded"
    services.result_correction_decide(actor=finance2, correction_id=c.pk, accept=True)
    t.refresh_from_db()
    exported_run.refresh_from_db()
    assert (t.state, t.failure_reason, exported_run.state) == ("failed", "账户冻结", RunState.PARTIAL)
    entry = TransferEntry.objects.get(transfer=t, kind="corrected")
    assert entry.actor == finance2 and entry.reason == "银行来函更正"


# --- re-issue --------------------------------------------------------------------------------------


def test_full_loop_failure_account_correction_reissue_and_second_file(
    exported_run, bank_file, finance, finance2, wl_user
):
    wl, lj = ref_of(exported_run, WL), ref_of(exported_run, LJ)
    lines_before = PayoutLine.objects.count()
    services.bank_results_import(
        actor=finance,
        run_id=exported_run.pk,
        file_name="a.csv",
        data=result_csv(bank_file, {wl: ("失败", "户名账号不符"), lj: "成功"}),
    )
    ent = Enterprise.objects.get(uscc=WL)
    change = services.bank_account_change_request(
        actor=wl_user,
        enterprise_id=ent.pk,
        bank_name="中国银行银川分行",
        bank_account="1071000012345678",
        bank_cnaps="104871000018",
        reason="原账户已销户",
    )
    with pytest.raises(ServiceError, match="尚待财务核对"):
        services.reissue_batch_create(actor=finance, run_id=exported_run.pk)
    services.bank_account_change_check(actor=finance2, change_id=change.pk, accept=True)
    ent.refresh_from_db()
    assert ent.bank_account == "1071000012345678"
    batch = services.reissue_batch_create(actor=finance, run_id=exported_run.pk, note="补拨户名不符")
    with pytest.raises(ServiceError, match="尚未审批"):
        services.reissue_batch_export(actor=finance, batch_id=batch.pk, fmt="csv")
    with pytest.raises(ServiceError) as exc:
        services.reissue_batch_approve(actor=finance, batch_id=batch.pk)
    assert exc.value.code == "four_eyes"
    services.reissue_batch_approve(actor=finance2, batch_id=batch.pk)
    data, batch = services.reissue_batch_export(actor=finance, batch_id=batch.pk, fmt="csv")
    again, _ = services.reissue_batch_export(actor=finance, batch_id=batch.pk, fmt="csv")
    assert bank_rows(again) == bank_rows(data)
    new_ref = services.reissue_reference(exported_run.pk, ent.pk, batch.pk)
    assert references(data) == [new_ref]
    assert "1071000012345678" in data.decode("utf-8-sig")
    old, new = Transfer.objects.get(reference=wl), Transfer.objects.get(reference=new_ref)
    assert (old.state, new.state, new.supersedes_id, new.amount) == ("reissued", "sent", old.pk, old.amount)
    assert PayoutLine.objects.count() == lines_before
    assert not TransferLine.objects.filter(transfer=old, live=True).exists()
    assert set(TransferLine.objects.filter(transfer=new).values_list("line_id", flat=True)) == set(
        TransferLine.objects.filter(transfer=old).values_list("line_id", flat=True)
    )
    s = selectors.run_settlement(exported_run)
    assert (s.in_transit, s.failed, s.reissued) == (old.amount, old.amount, old.amount) and s.ties_out
    with pytest.raises(ServiceError, match="没有可补拨"):
        services.reissue_batch_create(actor=finance, run_id=exported_run.pk)
    services.bank_results_import(
        actor=finance,
        run_id=exported_run.pk,
        file_name="b.csv",
        data=result_csv(data, {new_ref: "成功"}, serial_prefix="SN2"),
    )
    exported_run.refresh_from_db()
    assert exported_run.state == RunState.PAID
    s = selectors.run_settlement(exported_run)
    assert s.approved == s.succeeded and s.failed == s.reissued == old.amount and s.ties_out
    months = selectors.enterprise_months(actor=wl_user)
    assert months[0].decided == months[0].sent == months[0].received and months[0].returned == 0


def test_reissue_leaves_out_a_payee_whose_filing_no_longer_covers_the_month(exported_run, bank_file, finance):
    from registry.models import FilingPeriod

    wl = ref_of(exported_run, WL)
    services.bank_results_import(
        actor=finance, run_id=exported_run.pk, file_name="a.csv", data=result_csv(bank_file, {wl: ("失败", "账户冻结")})
    )
    FilingPeriod.objects.filter(filing__centre__ref="WL-SH").update(end=dt.date(2024, 5, 31))
    with pytest.raises(ServiceError, match="没有可补拨") as exc:
        services.reissue_batch_create(actor=finance, run_id=exported_run.pk)
    assert "备案有效期" in exc.value.zh


# --- receipts --------------------------------------------------------------------------------------


def test_receipt_confirmation_and_the_unconfirmed_list(exported_run, bank_file, finance, wl_user, lj_user):
    wl = ref_of(exported_run, WL)
    services.bank_results_import(
        actor=finance, run_id=exported_run.pk, file_name="a.csv", data=result_csv(bank_file, {wl: "成功"})
    )
    t = Transfer.objects.get(reference=wl)
    assert list(selectors.unconfirmed_receipts(actor=finance, today=dt.date(2024, 7, 22))) == []
    assert list(selectors.unconfirmed_receipts(actor=finance, today=dt.date(2024, 7, 23))) == [t]
    assert list(selectors.unconfirmed_receipts(actor=wl_user, today=dt.date(2024, 7, 23))) == []
    with pytest.raises(ServiceError) as exc:
        services.transfer_confirm_receipt(actor=lj_user, transfer_id=t.pk)
    assert exc.value.status == 404
    services.transfer_confirm_receipt(actor=wl_user, transfer_id=t.pk)
    assert list(selectors.unconfirmed_receipts(actor=finance, today=dt.date(2024, 7, 23))) == []
    assert TransferEntry.objects.get(transfer=t, kind="confirmed").actor == wl_user
    lj_t = Transfer.objects.get(reference=ref_of(exported_run, LJ))
    with pytest.raises(ServiceError, match="只有银行回单显示已到账"):
        services.transfer_confirm_receipt(actor=lj_user, transfer_id=lj_t.pk)


def test_receipt_days_is_a_dated_parameter(exported_run, bank_file, finance):
    from subsidies.parameters.services import parameter_set

    parameter_set(actor=finance, name="transfers.receipt_confirm_days", value="5", effective_from=dt.date(2024, 7, 1))
    wl = ref_of(exported_run, WL)
    services.bank_results_import(
        actor=finance, run_id=exported_run.pk, file_name="a.csv", data=result_csv(bank_file, {wl: "成功"})
    )
    assert [t.reference for t in selectors.unconfirmed_receipts(actor=finance, today=dt.date(2024, 7, 13))] == [wl]


def test_isolation_of_the_selectors(exported_run, wl_user, lj_user, make_user):
    from accounts.models import Role

    assert {t.enterprise.uscc for t in selectors.transfer_list(actor=wl_user)} == {WL}
    assert {t.enterprise.uscc for t in selectors.transfer_list(actor=lj_user)} == {LJ}
    assert not selectors.transfer_list(actor=make_user("rev", Role.REGIONAL_REVIEWER)).exists()
