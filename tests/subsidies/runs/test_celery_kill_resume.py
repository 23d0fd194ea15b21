"""Issue 13 part 2 on Celery: a real worker killed with SIGKILL mid-chunk (acks_late) does not leave its run
computing forever. The periodic check marks it interrupted (中断) once nothing computes it; the run page's
继续计算, or the beat-scheduled monthly run of its month, continues it to exactly the lines of a run never
interrupted, each person-month paid once. (marked: integration)"""

import datetime
import json
import time
from collections import Counter

import pytest
from django.db import transaction
from django.db.models import Count
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from accounts.models import system_actor
from subsidies.models import PayoutLine, PayoutRun, RunChunk, RunKind, RunState
from subsidies.runs import leases as run_leases
from subsidies.runs import services as runs
from subsidies.runs.tasks import check_interrupted_runs, scheduled_monthly_run
from subsidies.scenario import import_scenario
from tests.integration_support import CeleryWorker, RedisServer, celery_broker, wait_for
from tests.subsidies.builders import base_fragment, researchers_fragment

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

LINE_FIELDS = (
    "rule",
    "kind",
    "researcher_id",
    "centre_id",
    "enterprise_id",
    "beneficiary",
    "beneficiary_name",
    "service_period",
    "service_month",
    "is_arrears",
    "basis",
    "amount",
    "active",
    "explanation_basis_id",
)
LEASE = 2  # seconds a Celery run without a chunk computing counts as alive after its last progress


@pytest.fixture
def broker(tmp_path):
    with RedisServer(tmp_path) as server, celery_broker(server.url):
        yield server


def line_multiset(run) -> Counter:
    rows = PayoutLine.objects.filter(run=run).values_list(*LINE_FIELDS, "explanation")
    return Counter(row[:-1] + (json.dumps(row[-1], sort_keys=True),) for row in rows)


def never_interrupted(period: str) -> Counter:
    """The lines of the month computed inline in a savepoint that is rolled back."""
    lines = Counter()

    class Rollback(Exception):
        pass

    try:
        with transaction.atomic():
            run = runs.run_payouts(actor=system_actor(), kind=RunKind.MONTHLY, period=period, inline=True)
            lines = line_multiset(run)
            raise Rollback
    except Rollback:
        pass
    assert sum(lines.values()) > 0
    return lines


def paid_twice():
    return (
        PayoutLine.objects.filter(active=True)
        .values("researcher", "service_month")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
    )


def computing_a_chunk(run_id: int) -> bool:
    return any(not h["lease"] for h in run_leases.lock_holders(run_id))


def kill_mid_chunk(worker, run, *, done_at_least: int) -> PayoutRun:
    """SIGKILL the worker's process group while it holds a chunk of the run (after `done_at_least` chunks)."""
    try:
        wait_for(
            lambda: PayoutRun.objects.get(pk=run.pk).progress_done >= done_at_least and computing_a_chunk(run.pk),
            timeout=120,
            interval=0.002,
        )
    finally:
        worker.kill()
    run.refresh_from_db()
    return run


def worker_env(chunk: int) -> dict:
    return {"PAYOUT_CHUNK_SIZE": str(chunk), "PAYOUT_LEASE_SECONDS": str(LEASE)}


@override_settings(PAYOUT_CHUNK_SIZE=4, PAYOUT_LEASE_SECONDS=LEASE)
def test_a_worker_killed_mid_chunk_leaves_the_run_interrupted_and_the_page_continues_it(
    broker, tmp_path, finance, client
):
    import_scenario(base_fragment())
    import_scenario(researchers_fragment(80, seed=11))
    want = never_interrupted("2024-10")
    worker = CeleryWorker(broker.url, tmp_path, "w1", worker_env(4), concurrency=1)
    run = runs.payout_run_start(actor=finance, kind=RunKind.MONTHLY, period="2024-10")
    runs.payout_run_compute(actor=finance, run=run, inline=False)
    run = kill_mid_chunk(worker, run, done_at_least=3)
    assert run.state == RunState.COMPUTING and 3 <= run.progress_done < run.progress_total == 20, (
        "the worker finished before it could be killed"
    )
    done_before = set(RunChunk.objects.filter(run=run, done=True).values_list("lo", "lines"))
    assert not paid_twice().exists()

    worker2 = CeleryWorker(broker.url, tmp_path, "w2", worker_env(4))
    try:
        # the killed chunk's message stays unacknowledged; the queued chunks are computed by the new worker;
        # then nothing computes the run: the periodic check (the beat task, on the worker) interrupts it
        deadline = time.time() + 120
        while PayoutRun.objects.get(pk=run.pk).state == RunState.COMPUTING and time.time() < deadline:
            check_interrupted_runs.delay()
            time.sleep(1)
        run.refresh_from_db()
        assert run.state == RunState.INTERRUPTED and run.progress_done < run.progress_total
        assert worker2.succeeded("subsidies.tasks.check_interrupted_runs") >= 1

        client.force_login(finance)
        page = client.get(reverse("subsidies:run_detail", args=[run.pk])).content.decode()
        assert "继续计算" in page and "计算中断" in page
        with override_settings(PAYOUT_RUNS_ON_CELERY=True):
            client.post(reverse("subsidies:run_compute", args=[run.pk]))
        wait_for(lambda: PayoutRun.objects.get(pk=run.pk).state == RunState.COMPUTED, timeout=120)
    finally:
        worker2.stop()
    run.refresh_from_db()
    assert line_multiset(run) == want
    assert not paid_twice().exists()
    assert done_before <= set(RunChunk.objects.filter(run=run).values_list("lo", "lines"))
    assert run.line_count == sum(want.values()) and run.progress_done == run.progress_total == 20


@override_settings(PAYOUT_CHUNK_SIZE=20, PAYOUT_LEASE_SECONDS=LEASE)
def test_the_scheduled_monthly_run_continues_an_interrupted_run_of_its_month(broker, tmp_path):
    today = timezone.localdate()
    period = (today.replace(day=1) - datetime.timedelta(days=1)).strftime("%Y-%m")
    import_scenario(base_fragment())
    import_scenario(researchers_fragment(60, seed=3))
    want = never_interrupted(period)
    worker = CeleryWorker(broker.url, tmp_path, "w1", worker_env(20), concurrency=1)
    # the beat task itself starts the month's run; its worker dies in the first chunk
    scheduled_monthly_run.delay()
    run = wait_for(lambda: PayoutRun.objects.filter(period=period).first(), timeout=60, interval=0.01)
    run = kill_mid_chunk(worker, run, done_at_least=0)
    assert run.state == RunState.COMPUTING and run.progress_done == 0 and run.progress_total == 3, (
        "a chunk was done before the worker could be killed"
    )
    assert not PayoutLine.objects.filter(run=run).exists()

    # within the lease the run counts as alive (its chunks may be queued); after it, as interrupted
    young = (timezone.now() - run.heartbeat_at).total_seconds() < LEASE - 0.5
    interrupted = runs.payout_runs_interrupt_dead()
    if young:
        assert interrupted == []
    wait_for(
        lambda: PayoutRun.objects.get(pk=run.pk).state == RunState.INTERRUPTED
        or runs.payout_runs_interrupt_dead() == [run.pk],
        timeout=30,
        interval=0.5,
    )
    assert PayoutRun.objects.get(pk=run.pk).state == RunState.INTERRUPTED

    worker2 = CeleryWorker(broker.url, tmp_path, "w2", worker_env(20))
    try:
        scheduled_monthly_run.delay()  # next time beat fires: the month's interrupted run goes on
        wait_for(lambda: PayoutRun.objects.get(pk=run.pk).state == RunState.COMPUTED, timeout=120)
        assert worker2.succeeded("subsidies.tasks.scheduled_monthly_run") == 1
    finally:
        worker2.stop()
    run.refresh_from_db()
    assert PayoutRun.objects.filter(kind=RunKind.MONTHLY).count() == 1
    assert line_multiset(run) == want
    assert not paid_twice().exists()
