"""Issue 13 part 2: the real `run_payouts` command, its process group killed with SIGKILL part-way, then
run again, finishes the run: the chunks not done are computed, the chunks done are kept, and the lines
are those of a run never interrupted; a run really computing elsewhere is refused, naming its holder."""

import json
import os
import signal
import subprocess
import sys
from collections import Counter

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Count

from accounts.errors import ConflictError
from accounts.models import system_actor
from subsidies.models import PayoutLine, PayoutRun, RunChunk, RunKind, RunState
from subsidies.runs import leases as run_leases
from subsidies.runs import services as runs
from subsidies.scenario import import_scenario
from tests.integration_support import ROOT, database_url, wait_for
from tests.subsidies.builders import base_fragment, researchers_fragment

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

PERIOD = "2026-10"  # contracts from 2024-03..05: some 30 months each, arrears included
CHUNK = 8
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


def command(tmp_path, name: str) -> tuple[subprocess.Popen, object]:
    """`manage.py run_payouts --month PERIOD` in its own process group, on the test database, with two
    processes computing the chunks."""
    env = dict(
        os.environ,
        DATABASE_URL=database_url(),
        PAYOUT_CHUNK_SIZE=str(CHUNK),
        PAYOUT_INLINE_WORKERS="2",
        DJANGO_SETTINGS_MODULE="enclave_portal.settings",
    )
    log = open(tmp_path / f"{name}.log", "w+")
    proc = subprocess.Popen(
        [sys.executable, "manage.py", "run_payouts", "--month", PERIOD],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    return proc, log


def finish(proc, log, timeout=300) -> str:
    assert proc.wait(timeout=timeout) == 0, _read(log)
    return _read(log)


def _read(log) -> str:
    log.flush()
    log.seek(0)
    return log.read()


def kill_group(proc) -> None:
    """SIGKILL the command and its chunk processes, then wait until the server has ended their sessions:
    a backend notices its client gone, and releases the advisory locks, only an instant after the kill."""
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)
    if run := open_run():
        wait_for(lambda: not run_leases.lock_holders(run.pk), timeout=60)


def line_multiset(run) -> Counter:
    rows = PayoutLine.objects.filter(run=run).values_list(*LINE_FIELDS, "explanation")
    return Counter(row[:-1] + (json.dumps(row[-1], sort_keys=True),) for row in rows)


def paid_twice():
    return (
        PayoutLine.objects.filter(active=True, rule="NX-STIPEND")
        .values("researcher", "service_month")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
    )


def chunks_done(run_id) -> int:
    return RunChunk.objects.filter(run_id=run_id, done=True).count()


def open_run():
    return PayoutRun.objects.filter(kind=RunKind.MONTHLY, period=PERIOD).exclude(state=RunState.CANCELLED).first()


@pytest.fixture
def reference(tmp_path):
    """The population, and the lines of a run of the month never interrupted (then cancelled, so the
    month can be paid again by the run under test)."""
    import_scenario(base_fragment())
    import_scenario(researchers_fragment(240, seed=13))
    proc, log = command(tmp_path, "reference")
    assert "已计算" in finish(proc, log)
    run = PayoutRun.objects.get(kind=RunKind.MONTHLY, period=PERIOD)
    assert run.state == RunState.COMPUTED and run.progress_total >= 30
    lines = line_multiset(run)
    assert sum(lines.values()) == run.line_count > 3000
    runs.payout_run_cancel(actor=system_actor(), run_id=run.pk, reason="对照")
    return lines


def test_a_command_killed_after_some_chunks_is_finished_by_running_it_again(reference, tmp_path):
    proc, log = command(tmp_path, "killed")
    try:
        run = wait_for(open_run, timeout=60, interval=0.01)
        wait_for(lambda: chunks_done(run.pk) >= 6, timeout=120, interval=0.005)
        # the periodic check sees the command alive: its lease is held
        assert runs.payout_runs_interrupt_dead() == []
    finally:
        kill_group(proc)
    run.refresh_from_db()
    done = set(RunChunk.objects.filter(run=run, done=True).values_list("lo", "lines"))
    before = set(PayoutLine.objects.filter(run=run).values_list("id", flat=True))
    assert run.state == RunState.COMPUTING and 6 <= len(done) < run.progress_total, (
        "the command finished before it could be killed"
    )
    assert len(before) == sum(n for _lo, n in done) > 0  # only done chunks' lines were committed
    assert not paid_twice().exists()

    # nobody holds it any more: the periodic check marks it interrupted
    assert runs.payout_runs_interrupt_dead() == [run.pk]
    run.refresh_from_db()
    assert run.state == RunState.INTERRUPTED and "中断" in run.error

    proc, log = command(tmp_path, "continued")
    out = finish(proc, log)
    run.refresh_from_db()
    assert f"run #{run.pk}" in out and run.state == RunState.COMPUTED
    assert line_multiset(run) == reference
    assert not paid_twice().exists()
    # the chunks done before the kill were kept, not computed again
    assert done <= set(RunChunk.objects.filter(run=run).values_list("lo", "lines"))
    assert before <= set(PayoutLine.objects.filter(run=run).values_list("id", flat=True))
    assert run.progress_done == run.progress_total == RunChunk.objects.filter(
        run=run
    ).count() >= 30 and run.line_count == sum(reference.values())
    assert PayoutRun.objects.filter(kind=RunKind.MONTHLY).count() == 2  # the reference and this one


def test_a_command_killed_before_any_chunk_is_done_is_finished_by_running_it_again(reference, tmp_path):
    proc, log = command(tmp_path, "killed-early")
    try:
        run = wait_for(lambda: (r := open_run()) and r.state == RunState.COMPUTING and r, timeout=60, interval=0.002)
    finally:
        kill_group(proc)
    assert chunks_done(run.pk) == 0 and not PayoutLine.objects.filter(run=run).exists(), (
        "a chunk was done before the command could be killed"
    )
    run.refresh_from_db()
    assert run.state == RunState.COMPUTING  # left computing: running the command again continues it

    proc, log = command(tmp_path, "continued-early")
    finish(proc, log)
    run.refresh_from_db()
    assert run.state == RunState.COMPUTED
    assert line_multiset(run) == reference
    assert not paid_twice().exists()


def test_a_run_really_computing_elsewhere_is_refused_naming_its_holder(reference, tmp_path):
    proc, log = command(tmp_path, "holder")
    try:
        run = wait_for(open_run, timeout=60, interval=0.01)
        wait_for(lambda: chunks_done(run.pk) >= 1, timeout=120, interval=0.005)
        with pytest.raises(CommandError) as refused:
            call_command("run_payouts", month=PERIOD)
        run.refresh_from_db()
        assert run.state == RunState.COMPUTING and chunks_done(run.pk) < run.progress_total, (
            "the first command finished before the second was refused"
        )
        message = str(refused.value)
        assert f"run_payouts pid {proc.pid}" in message and "正由" in message and "自" in message, message
        assert "is being computed by" in message
        # the run page's 继续计算 is refused the same way
        with pytest.raises(ConflictError, match=f"pid {proc.pid}"):
            runs.payout_run_continue(actor=system_actor(), run_id=run.pk, inline=True)
    except BaseException:
        kill_group(proc)
        raise
    finish(proc, log)
    run.refresh_from_db()
    assert run.state == RunState.COMPUTED and line_multiset(run) == reference
    assert not paid_twice().exists()
