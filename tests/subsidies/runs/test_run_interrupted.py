"""Runs left computing by a dead computation (issue 13 part 2), in process: the periodic check tells dead
from alive by PostgreSQL advisory locks and the Celery heartbeat; an interrupted run is continued from its
page, by the command line or by the scheduled monthly run, or cancelled. The kills themselves:
test_run_kill_resume.py (command line) and test_celery_kill_resume.py (Celery)."""

import datetime as dt

import psycopg2
import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from accounts.errors import ConflictError, ServiceError
from subsidies.models import PayoutRun, RunChunk, RunKind, RunState
from subsidies.runs import leases as run_leases
from subsidies.runs import services as runs
from subsidies.scenario import import_scenario
from tests.subsidies.builders import base_fragment, researchers_fragment


@pytest.fixture
def data(db):
    import_scenario(base_fragment())
    import_scenario(researchers_fragment(12))


def stuck_run(actor, period: str, chunks_done: int = 1, holder: str = "") -> PayoutRun:
    """A run whose computation died after `chunks_done` chunks."""
    run = runs.payout_run_start(actor=actor, kind=RunKind.MONTHLY, period=period)
    run = runs.payout_run_begin_compute(actor=actor, run_id=run.pk, holder=holder)
    for lo in RunChunk.objects.filter(run=run).order_by("lo").values_list("lo", flat=True)[:chunks_done]:
        runs.payout_run_compute_chunk(run_id=run.pk, lo=lo)
    return PayoutRun.objects.get(pk=run.pk)


def other_session():
    conn = psycopg2.connect(**connection.get_connection_params())
    conn.autocommit = True
    return conn


def test_the_periodic_check_interrupts_only_runs_nothing_computes(data, finance, settings):
    settings.PAYOUT_CHUNK_SIZE = 3
    dead = stuck_run(finance, "2024-08")
    assert (dead.state, dead.progress_done, dead.progress_total) == (RunState.COMPUTING, 1, 4)

    # a command line holding the run's lease on another session: alive, and a take-over names it
    holder = other_session()
    try:
        holder.cursor().execute("SELECT pg_advisory_lock(%s, %s)", [run_leases.RUN_NS, dead.pk])
        PayoutRun.objects.filter(pk=dead.pk).update(holder="run_payouts pid 4242 @ host-a")
        assert runs.payout_runs_interrupt_dead() == []
        with pytest.raises(ConflictError, match="run_payouts pid 4242 @ host-a") as refused:
            runs.payout_run_continue(actor=finance, run_id=dead.pk, inline=True)
        assert f"pid {holder.get_backend_pid()}" in str(refused.value)
    finally:
        holder.close()  # the process dies: PostgreSQL drops its lock
    assert runs.payout_runs_interrupt_dead() == [dead.pk]
    dead.refresh_from_db()
    assert dead.state == RunState.INTERRUPTED and "1 / 4" in dead.error
    assert runs.payout_runs_interrupt_dead() == []  # once

    # a run on Celery: alive while a chunk computes, or within the lease after its last progress
    queued = stuck_run(finance, "2024-09", chunks_done=0, holder=run_leases.CELERY)
    assert runs.payout_runs_interrupt_dead() == []
    PayoutRun.objects.filter(pk=queued.pk).update(
        heartbeat_at=timezone.now() - dt.timedelta(seconds=settings.PAYOUT_LEASE_SECONDS + 1)
    )
    chunk = other_session()
    try:
        chunk.autocommit = False
        chunk.cursor().execute("SELECT pg_advisory_xact_lock_shared(%s, %s)", [run_leases.CHUNK_NS, queued.pk])
        assert runs.payout_runs_interrupt_dead() == []
    finally:
        chunk.close()
    assert runs.payout_runs_interrupt_dead() == [queued.pk]


def test_an_interrupted_run_is_continued_from_its_page_to_the_expected_lines(data, finance, finance2, client, settings):
    settings.PAYOUT_CHUNK_SIZE = 3
    expected = runs.run_payouts(actor=finance, kind=RunKind.MONTHLY, period="2024-08").line_count
    runs.payout_run_cancel(actor=finance, run_id=PayoutRun.objects.get().pk, reason="对照")
    run = stuck_run(finance, "2024-08", chunks_done=2)
    runs.payout_runs_interrupt_dead()
    client.force_login(finance2)
    url = reverse("subsidies:run_detail", args=[run.pk])
    page = client.get(url).content.decode()
    assert "继续计算" in page and "计算中断:已完成 2 / 4 个分片" in page and "开始计算" not in page
    client.post(reverse("subsidies:run_compute", args=[run.pk]))
    run.refresh_from_db()
    assert run.state == RunState.COMPUTED and run.line_count == expected
    # whoever continued the computation computed the run, as did whoever began it: neither approves it
    for computer in (finance, finance2):
        with pytest.raises(ServiceError, match="审批人不能是发起或计算该批次的人员"):
            runs.payout_run_approve(actor=computer, run_id=run.pk)
    with pytest.raises(ConflictError, match="没有未完成的计算"):
        runs.payout_run_continue(actor=finance, run_id=run.pk, inline=True)


def test_the_command_line_continues_an_interrupted_run_and_an_interrupted_run_can_be_cancelled(data, finance, settings):
    settings.PAYOUT_CHUNK_SIZE = 3
    run = stuck_run(finance, "2024-08")
    runs.payout_runs_interrupt_dead()
    again = runs.run_payouts(actor=finance, kind=RunKind.MONTHLY, period="2024-08")
    assert again.pk == run.pk and again.state == RunState.COMPUTED
    other = stuck_run(finance, "2024-09")
    runs.payout_runs_interrupt_dead()
    runs.payout_run_cancel(actor=finance, run_id=other.pk, reason="不再需要")
    assert PayoutRun.objects.get(pk=other.pk).state == RunState.CANCELLED


def test_the_scheduled_monthly_run_continues_an_interrupted_run_of_its_month(
    data, finance, settings, django_capture_on_commit_callbacks
):
    from subsidies.runs.tasks import scheduled_monthly_run

    settings.PAYOUT_CHUNK_SIZE = 3
    previous = (timezone.localdate().replace(day=1) - dt.timedelta(days=1)).strftime("%Y-%m")
    run = stuck_run(finance, previous, chunks_done=2)
    runs.payout_runs_interrupt_dead()
    with django_capture_on_commit_callbacks() as queued:
        assert scheduled_monthly_run() == run.pk
    run.refresh_from_db()
    assert run.state == RunState.COMPUTING and run.holder == run_leases.CELERY and run.progress_done == 2
    assert len(queued) == 1 and PayoutRun.objects.count() == 1  # the chunks left went to the workers
