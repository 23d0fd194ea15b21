"""Celery adapters of the payout runs: each task takes ids, calls one service, and is safe to run twice.

The task names stay those of the module they were first defined in (subsidies.tasks), which the beat
schedule, queued messages and running workers know them by."""

import datetime

from celery import chord, shared_task
from django.utils import timezone

from subsidies.runs import services as runs


def _chunk_failed(task, exc, task_id, args, kwargs, einfo):
    """Retries exhausted: the run is marked failed with the reason (a chord never calls its body then)."""
    runs.payout_run_fail(run_id=args[0] if args else kwargs["run_id"], error=f"{type(exc).__name__}: {exc}")


@shared_task(
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(Exception,),
    max_retries=3,
    retry_backoff=True,
    on_failure=_chunk_failed,
    name="subsidies.tasks.compute_chunk",
)
def compute_chunk(run_id: int, lo: int) -> int:
    return runs.payout_run_compute_chunk(run_id=run_id, lo=lo)


@shared_task(acks_late=True, reject_on_worker_lost=True, name="subsidies.tasks.finalize_run")
def finalize_run(_results, run_id: int) -> int:
    return runs.payout_run_finalize(run_id=run_id).line_count


@shared_task(acks_late=True, reject_on_worker_lost=True, name="subsidies.tasks.resume_run")
def resume_run(run_id: int) -> int:
    return runs.payout_run_resume(run_id=run_id).line_count


def dispatch_run(run_id: int) -> None:
    """A chord over the run's chunks (researcher id ranges), finalised when all are done."""
    from subsidies.models import RunChunk

    los = list(RunChunk.objects.filter(run_id=run_id, done=False).order_by("lo").values_list("lo", flat=True))
    if not los:  # continued after its last chunk was done: only the finalising is left
        finalize_run.delay([], run_id)
        return
    chord([compute_chunk.s(run_id, lo) for lo in los])(finalize_run.s(run_id))


@shared_task(name="subsidies.tasks.check_interrupted_runs")
def check_interrupted_runs() -> list[int]:
    """Beat, every minute: runs left computing by a dead process or worker become interrupted (中断)."""
    return runs.payout_runs_interrupt_dead()


@shared_task(name="subsidies.tasks.scheduled_monthly_run")
def scheduled_monthly_run() -> int:
    """Beat, the 5th at 02:00: the previous month's NX-STIPEND run, by the system actor; an interrupted
    run of that month is continued."""
    from accounts.models import system_actor
    from subsidies.models import RunKind

    today = timezone.localdate()
    previous = (today.replace(day=1) - datetime.timedelta(days=1)).strftime("%Y-%m")
    return runs.run_payouts(actor=system_actor(), kind=RunKind.MONTHLY, period=previous, inline=False).pk


@shared_task(name="subsidies.tasks.scheduled_annual_run")
def scheduled_annual_run() -> int:
    """Beat, 1 May: the previous year's YC-RD run."""
    from accounts.models import system_actor
    from subsidies.models import RunKind

    year = str(timezone.localdate().year - 1)
    return runs.run_payouts(actor=system_actor(), kind=RunKind.ANNUAL, period=year, inline=False).pk
