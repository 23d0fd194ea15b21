"""Payout runs through the services, on PostgreSQL: exactly once, four eyes, bad input changes nothing."""

import datetime as dt
import io
import threading
from decimal import Decimal

import psycopg2
import pytest
import time_machine
from django.db import IntegrityError, connection, transaction
from django.db.models import Sum

from accounts.errors import ConflictError, ServiceError
from subsidies.models import PayoutLine, PayoutRun, RunKind, RunState
from subsidies.runs import lines
from subsidies.runs import services as runs
from subsidies.scenario import import_scenario
from tests.subsidies.builders import base_fragment, researchers_fragment

pytestmark = pytest.mark.django_db


@pytest.fixture
def data(db):
    import_scenario(base_fragment())
    import_scenario(researchers_fragment(12))


def snapshot():
    return (PayoutRun.objects.count(), PayoutLine.objects.count())


@pytest.mark.parametrize(
    "kind, period",
    [
        (RunKind.MONTHLY, "2024-13"),
        (RunKind.MONTHLY, "2024-6"),
        (RunKind.MONTHLY, "June"),
        (RunKind.ANNUAL, "24"),
        (RunKind.MONTHLY, "2026-11"),
        (RunKind.MONTHLY, "2027-01"),
        (RunKind.ANNUAL, "2026"),
    ],
    ids=["month-13", "no-zero", "word", "short-year", "current-month", "future-month", "current-year"],
)
def test_bad_or_future_periods_are_refused_and_write_nothing(data, finance, kind, period):
    before = snapshot()
    with time_machine.travel(dt.datetime(2026, 11, 22, 12, tzinfo=dt.UTC)), pytest.raises(ServiceError) as err:
        runs.run_payouts(actor=finance, kind=kind, period=period)
    assert "期间" in str(err.value) or "年度" in str(err.value) or "尚未结束" in str(err.value)
    assert snapshot() == before


def test_rerunning_a_month_adds_nothing(data, finance):
    first = runs.run_payouts(actor=finance, kind=RunKind.MONTHLY, period="2024-08")
    n = PayoutLine.objects.count()
    again = runs.run_payouts(actor=finance, kind=RunKind.MONTHLY, period="2024-08")
    assert again.pk == first.pk and PayoutLine.objects.count() == n > 0


def test_lines_of_a_run_sum_to_its_total(data, finance):
    run = runs.run_payouts(actor=finance, kind=RunKind.MONTHLY, period="2024-08")
    assert run.total_amount == PayoutLine.objects.filter(run=run).aggregate(s=Sum("amount"))["s"]
    assert run.line_count == PayoutLine.objects.filter(run=run).count()


def test_database_refuses_a_person_month_twice(data, finance):
    run = runs.run_payouts(actor=finance, kind=RunKind.MONTHLY, period="2024-06")
    line = PayoutLine.objects.filter(run=run).first()
    with pytest.raises(IntegrityError), transaction.atomic():
        PayoutLine.objects.create(
            run=run,
            rule="NX-STIPEND",
            researcher_id=line.researcher_id,
            centre_id=line.centre_id,
            enterprise_id=line.enterprise_id,
            beneficiary=line.beneficiary,
            beneficiary_name="x",
            service_period=line.service_period,
            service_month=line.service_month,
            amount=Decimal("1.00"),
            explanation={},
        )


def test_database_refuses_a_centre_year_award_twice(finance):
    import_scenario(
        dict(base_fragment(), rd_declarations=[{"centre": "WL-SH", "year": 2024, "verified_amount": "1000000.00"}])
    )
    run = runs.run_payouts(actor=finance, kind=RunKind.ANNUAL, period="2024")
    line = PayoutLine.objects.get(run=run)
    assert line.amount == Decimal("150000.00")
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cur:
        cur.execute(
            "INSERT INTO subsidies_payoutline (run_id, rule, kind, centre_id, enterprise_id, beneficiary, "
            "beneficiary_name, service_period, is_arrears, basis, amount, explanation, active, created_at) "
            "VALUES (%s, 'YC-RD', 'regular', %s, %s, 'x', 'x', '2024', false, '', 1, '{}', true, now())",
            [run.pk, line.centre_id, line.enterprise_id],
        )


def test_revised_declaration_after_payment_gives_one_adjustment_line(finance):
    import_scenario(
        dict(base_fragment(), rd_declarations=[{"centre": "WL-SH", "year": 2024, "verified_amount": "2000000.00"}])
    )
    runs.run_payouts(actor=finance, kind=RunKind.ANNUAL, period="2024")
    import_scenario({"rd_declarations": [{"centre": "WL-SH", "year": 2024, "verified_amount": "3000000.00"}]})
    runs.run_payouts(actor=finance, kind=RunKind.ANNUAL, period="2024")
    runs.run_payouts(actor=finance, kind=RunKind.ANNUAL, period="2024")
    lines = list(PayoutLine.objects.order_by("id").values_list("kind", "amount"))
    assert lines == [("regular", Decimal("300000.00")), ("adjustment", Decimal("150000.00"))]


def test_explanation_bases_are_immutable(data, finance):
    from subsidies.models import ExplanationBasis

    runs.run_payouts(actor=finance, kind=RunKind.MONTHLY, period="2024-06")
    basis = ExplanationBasis.objects.first()
    with pytest.raises(Exception, match="protect|Cannot"), transaction.atomic():
        ExplanationBasis.objects.filter(pk=basis.pk).update(body={})
    with pytest.raises(Exception, match="protect|Cannot"), transaction.atomic():
        ExplanationBasis.objects.filter(pk=basis.pk).delete()


def test_lines_are_append_only(data, finance):
    runs.run_payouts(actor=finance, kind=RunKind.MONTHLY, period="2024-06")
    line = PayoutLine.objects.first()
    with pytest.raises(Exception, match="protect|Cannot"), transaction.atomic():
        PayoutLine.objects.filter(pk=line.pk).update(amount=Decimal("1.00"))
    with pytest.raises(Exception, match="protect|Cannot"), transaction.atomic():
        PayoutLine.objects.filter(pk=line.pk).delete()


def _copy_line_like(line, **changes):
    """Insert a copy of a line through COPY, as the run code writes lines, with some columns changed."""
    values = {
        "run_id": line.run_id,
        "rule": "NX-STIPEND",
        "kind": "regular",
        "researcher_id": line.researcher_id,
        "centre_id": line.centre_id,
        "enterprise_id": line.enterprise_id,
        "beneficiary": line.beneficiary,
        "beneficiary_name": line.beneficiary_name,
        "service_period": "2030-01",
        "service_month": "2030-01-01",
        "is_arrears": "f",
        "basis": "",
        "amount": "1.00",
        "explanation": "{}",
        "active": "t",
        "created_at": "2026-01-01T00:00:00+00:00",
        "explanation_basis_id": line.explanation_basis_id,
    }
    values.update(changes)
    with connection.cursor() as cur:
        cur.cursor.copy_expert(
            f"COPY subsidies_payoutline ({', '.join(values)}) FROM STDIN",
            io.StringIO("\t".join(str(v) for v in values.values()) + "\n"),
        )


def test_database_refuses_a_line_of_a_missing_run_or_basis(data, finance):
    """run and explanation basis are checked once per statement: still, no line without them."""
    runs.run_payouts(actor=finance, kind=RunKind.MONTHLY, period="2024-06")
    line = PayoutLine.objects.first()
    before = PayoutLine.objects.count()
    with pytest.raises(psycopg2.IntegrityError, match="payout run that does not exist"), transaction.atomic():
        _copy_line_like(line, run_id=line.run_id + 999)
    with pytest.raises(psycopg2.IntegrityError, match="explanation basis that does not exist"), transaction.atomic():
        _copy_line_like(line, explanation_basis_id="0" * 40)
    with pytest.raises(IntegrityError, match="does not exist"), transaction.atomic():
        PayoutLine.objects.create(
            run_id=line.run_id + 999,
            rule="NX-STIPEND",
            enterprise_id=line.enterprise_id,
            beneficiary="x",
            beneficiary_name="x",
            service_period="2030-02",
            amount=Decimal("1.00"),
            explanation={},
        )
    assert PayoutLine.objects.count() == before
    with transaction.atomic():  # the check itself lets a well-formed line through
        _copy_line_like(line)
    assert PayoutLine.objects.count() == before + 1


def test_runs_are_never_deleted_or_renumbered(data, finance):
    run = runs.run_payouts(actor=finance, kind=RunKind.MONTHLY, period="2024-06")
    with pytest.raises(Exception, match="protect|Cannot"), transaction.atomic():
        PayoutRun.objects.filter(pk=run.pk).delete()
    with pytest.raises(Exception, match="protect|Cannot"), transaction.atomic():
        PayoutRun.objects.filter(pk=run.pk).update(id=run.pk + 1000)
    assert PayoutRun.objects.filter(pk=run.pk).exists()


def test_four_eyes_on_approval(data, finance, finance2):
    run = runs.run_payouts(actor=finance, kind=RunKind.MONTHLY, period="2024-06")
    with pytest.raises(ServiceError, match="审批人不能是"):
        runs.payout_run_approve(actor=finance, run_id=run.pk)
    assert PayoutRun.objects.get(pk=run.pk).state == RunState.COMPUTED
    assert runs.payout_run_approve(actor=finance2, run_id=run.pk).state == RunState.APPROVED
    with pytest.raises(ConflictError):
        runs.payout_run_approve(actor=finance2, run_id=run.pk)


def test_non_finance_cannot_start_runs(data, make_user):
    reviewer = make_user("rev", "regional_reviewer")
    with pytest.raises(ServiceError) as err:
        runs.run_payouts(actor=reviewer, kind=RunKind.MONTHLY, period="2024-06")
    assert err.value.status == 403 and PayoutRun.objects.count() == 0


def test_second_open_run_for_a_period_is_refused(data, finance):
    runs.payout_run_start(actor=finance, kind=RunKind.MONTHLY, period="2024-06")
    with pytest.raises(ConflictError):
        runs.payout_run_start(actor=finance, kind=RunKind.MONTHLY, period="2024-06")


def test_cancelled_run_frees_its_months(data, finance, finance2):
    run = runs.run_payouts(actor=finance, kind=RunKind.MONTHLY, period="2024-06")
    n = run.line_count
    runs.payout_run_cancel(actor=finance, run_id=run.pk, reason="数据有误")
    again = runs.run_payouts(actor=finance, kind=RunKind.MONTHLY, period="2024-06")
    assert again.pk != run.pk and again.line_count == n
    assert PayoutLine.objects.filter(active=True).count() == n


def test_approved_run_cannot_be_cancelled(data, finance, finance2):
    run = runs.run_payouts(actor=finance, kind=RunKind.MONTHLY, period="2024-06")
    runs.payout_run_approve(actor=finance2, run_id=run.pk)
    with pytest.raises(ConflictError):
        runs.payout_run_cancel(actor=finance, run_id=run.pk)


def test_every_line_explains_itself(data, finance):
    run = runs.run_payouts(actor=finance, kind=RunKind.MONTHLY, period="2024-06")
    line = PayoutLine.objects.filter(run=run).select_related("explanation_basis").first()
    e = line.full_explanation
    # the month's own values live on the line; the shared inputs in its immutable basis
    assert {"service_month", "months_used_before", "months_used_after", "covered_days"} <= set(line.explanation)
    assert line.explanation_basis.body["contract"]["id"]
    assert {"contract", "degree", "filing", "months_used_before", "months_used_after", "parameters"} <= set(e)
    assert all(p["legal_reference"] and p["effective_from"] for p in e["parameters"])


def test_parameter_change_applies_from_its_date_and_past_runs_keep_theirs(data, finance, system):
    from subsidies.parameters.services import parameter_set

    runs.run_payouts(actor=finance, kind=RunKind.MONTHLY, period="2024-06")
    paid_before = list(PayoutLine.objects.order_by("id").values_list("amount", flat=True))
    parameter_set(actor=system, name="nx_stipend.doctorate_monthly", value="6000", effective_from=dt.date(2024, 7, 1))
    runs.run_payouts(actor=finance, kind=RunKind.MONTHLY, period="2024-07")
    assert list(PayoutLine.objects.order_by("id").values_list("amount", flat=True)[: len(paid_before)]) == paid_before
    july_phd = PayoutLine.objects.filter(service_period="2024-07", explanation_basis__body__tier="doctorate")
    assert july_phd.exists() and set(july_phd.values_list("amount", flat=True)) == {Decimal("6000.00")}


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_starts_for_one_period_give_one_run(finance):
    import_scenario(base_fragment())
    results = []
    barrier = threading.Barrier(6)

    def start():
        barrier.wait()
        try:
            runs.payout_run_start(actor=finance, kind=RunKind.MONTHLY, period="2024-06")
            results.append("ok")
        except ConflictError:
            results.append("409")
        finally:
            connection.close()

    threads = [threading.Thread(target=start) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == ["409"] * 5 + ["ok"]
    assert PayoutRun.objects.filter(period="2024-06").count() == 1


def test_a_run_left_computing_can_be_continued_to_exactly_the_expected_lines(data, finance, settings):
    from subsidies.models import RunChunk

    settings.PAYOUT_CHUNK_SIZE = 3  # 12 researchers: four chunks, one of them done before the "crash"
    expected = runs.run_payouts(actor=finance, kind=RunKind.MONTHLY, period="2024-08").line_count
    runs.payout_run_cancel(actor=finance, run_id=PayoutRun.objects.get().pk)
    run = runs.payout_run_start(actor=finance, kind=RunKind.MONTHLY, period="2024-08")
    run = runs.payout_run_begin_compute(actor=finance, run_id=run.pk)
    first = RunChunk.objects.filter(run=run).order_by("lo").first()
    runs.payout_run_compute_chunk(run_id=run.pk, lo=first.lo)  # then the worker "dies"
    stuck = PayoutRun.objects.get(pk=run.pk)
    assert stuck.state == RunState.COMPUTING and (stuck.progress_done, stuck.progress_total) == (1, 4)
    run = runs.payout_run_continue(actor=finance, run_id=run.pk, inline=True)
    again = runs.payout_run_continue
    assert run.state == RunState.COMPUTED and run.line_count == expected
    with pytest.raises(ConflictError):
        again(actor=finance, run_id=run.pk, inline=True)


def test_database_voids_only_the_lines_of_a_cancelled_run_and_audits_each_void(data, finance, finance2):
    from subsidies.models import PayoutLineVoid

    run = runs.run_payouts(actor=finance, kind=RunKind.MONTHLY, period="2024-06")
    runs.payout_run_approve(actor=finance2, run_id=run.pk)
    with pytest.raises(Exception, match="cancelled payout run"), transaction.atomic():
        PayoutLine.objects.filter(run=run).update(active=False)
    assert PayoutLine.objects.filter(run=run, active=True).count() == run.line_count
    # a second run for a later month pays nothing of what the approved run paid
    later = runs.run_payouts(actor=finance, kind=RunKind.MONTHLY, period="2024-07")
    assert not PayoutLine.objects.filter(run=later, service_period__lte="2024-06").exists()

    runs.payout_run_cancel(actor=finance2, run_id=later.pk, reason="测试作废")
    voids = PayoutLineVoid.objects.filter(pgh_obj__run=later)
    assert voids.count() == later.line_count > 0
    assert {v.pgh_context.metadata["username"] for v in voids} == {finance2.username}
    assert {v.pgh_context.metadata["reason"] for v in voids} == {"测试作废"}


def test_a_chunk_that_fails_marks_its_run_failed_with_the_reason(data, finance, finance2, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("磁盘已满")

    monkeypatch.setattr(lines, "stipend_rows", broken)
    with pytest.raises(RuntimeError):
        runs.run_payouts(actor=finance, kind=RunKind.MONTHLY, period="2024-06")
    run = PayoutRun.objects.get(kind=RunKind.MONTHLY, period="2024-06")
    assert run.state == RunState.FAILED and "磁盘已满" in run.error
    assert not PayoutLine.objects.filter(run=run).exists()
    monkeypatch.undo()
    # the next start of the kind is not held up; computing the failed run again finishes it
    again = runs.run_payouts(actor=finance, kind=RunKind.MONTHLY, period="2024-06")
    assert again.pk == run.pk and again.state == RunState.COMPUTED and again.line_count > 0


def test_celery_chunk_out_of_retries_marks_the_run_failed(data, finance):
    from subsidies.runs.tasks import compute_chunk

    run = runs.payout_run_start(actor=finance, kind=RunKind.MONTHLY, period="2024-06")
    run = runs.payout_run_begin_compute(actor=finance, run_id=run.pk)
    compute_chunk.on_failure(ValueError("连接中断"), "task-id", (run.pk, 0), {}, None)
    run.refresh_from_db()
    assert run.state == RunState.FAILED and "连接中断" in run.error
