"""Payout runs: start, compute (in chunks, inline or on Celery), approve, cancel.

Exactly once: a chunk computes under its row lock and is marked done in the same transaction as its
lines; only one run of a kind computes at a time; and the partial unique constraints (person-month,
centre-year award, adjustment basis) make a second payment impossible whatever the code does."""

import contextlib
import datetime as dt
import functools
import gc
import os
import zlib
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, OperationalError, connection, connections, transaction
from django.db.models import Count, F, Max, Min, Sum
from django.utils import timezone

from accounts import dispatch
from accounts.audit import acting
from accounts.errors import ConflictError, ServiceError
from accounts.forking import can_fork, fork_pool
from subsidies.models import (
    OPEN_RUN_STATES,
    PayoutRun,
    RunChunk,
    RunKind,
    RunState,
)
from subsidies.parameters.services import measure_from
from subsidies.rules.calendar import month_index, parse_month, parse_year
from subsidies.run_notices import notify_run_enterprises
from subsidies.runs import leases as run_leases
from subsidies.runs import lines


def _require_finance(actor, action: str, record: str = "") -> None:
    if not (actor.is_finance or actor.is_portal_admin or actor.role == "system"):
        raise ServiceError(
            f"只有财务人员可以{action}", f"only finance staff may {action}", code="forbidden", status=403, record=record
        )


def _before_measure(period: str, start: dt.date, measure: str) -> ServiceError:
    return ServiceError(
        f"{period}早于{measure}的适用起始日期{start},该期间没有可发放的款项",
        f"the period is before the measure applies ({start})",
        code="before_measure",
    )


def validate_period(kind: str, period: str, *, today: dt.date) -> str:
    """A well-formed period that has ended: month M after M ends, year Y after Y ends (POLICY §4), and
    not before the measure it pays under applies (`1900-01` is a slip, not a period)."""
    try:
        if kind == RunKind.MONTHLY:
            index = parse_month(period)
            start = measure_from("regional")
            if index < month_index(start):
                raise _before_measure(period, start, "自治区办法")
            if index >= month_index(today):
                raise ServiceError(
                    f"{period}尚未结束,月度发放须在次月进行", "the month has not ended yet", code="future_period"
                )
        elif kind == RunKind.ANNUAL:
            start = measure_from("yinchuan")
            if parse_year(period) < start.year:
                raise _before_measure(period, start, "银川市办法")
            if parse_year(period) >= today.year:
                raise ServiceError(
                    f"{period}年度尚未结束,年度奖励须在次年进行", "the year has not ended yet", code="future_period"
                )
        elif kind == RunKind.GRANTS:
            # grants are paid once approved: the run for month M pays the awards approved up to M's end
            start = min(measure_from("regional"), measure_from("yinchuan"))
            if parse_month(period) < month_index(start):
                raise _before_measure(period, start, "两项办法")
            if parse_month(period) > month_index(today):
                raise ServiceError(
                    f"{period}尚未开始,项目资助批次只能发放已核准的资助",
                    "the month is in the future",
                    code="future_period",
                )
        else:
            raise ServiceError(f"未知批次类型“{kind}”", "unknown run kind", code="kind")
    except ValueError as exc:
        raise ServiceError(str(exc), code="period") from None
    return period


def _lock_kind(kind: str) -> None:
    """Serialise run starts of one kind across processes for the rest of the transaction."""
    with connection.cursor() as cur:
        cur.execute("SELECT pg_advisory_xact_lock(%s)", [(0x5EED << 32) | zlib.crc32(kind.encode())])


@transaction.atomic
def payout_run_start(*, actor, kind: str, period: str) -> PayoutRun:
    """A new run for a period, with its chunks. Refused while another run of that period is open or
    another run of the kind is computing (one computation at a time keeps the 60-month count exact)."""
    _require_finance(actor, "发起发放批次", f"{kind} {period}")
    validate_period(kind, period, today=timezone.localdate())
    _lock_kind(kind)
    busy = PayoutRun.objects.filter(kind=kind, state=RunState.COMPUTING).first()
    if busy is not None:
        raise ConflictError(
            f"批次#{busy.pk}({busy.period})正在计算,请等待完成后再发起",
            "another run of this kind is computing",
            code="run_in_progress",
        )
    open_run = PayoutRun.objects.filter(kind=kind, period=period, state__in=OPEN_RUN_STATES).first()
    if open_run is not None:
        raise ConflictError(
            f"{period}已有未审批的批次#{open_run.pk},请在该批次上继续",
            "an open run for this period exists",
            code="run_exists",
        )
    with acting(actor):
        try:
            with transaction.atomic():
                run = PayoutRun.objects.create(kind=kind, period=period, created_by=actor)
        except IntegrityError as exc:
            raise ConflictError(
                f"{period}已有未审批的批次", "an open run for this period exists", code="run_exists"
            ) from exc
    return run


def _plan_chunks(run: PayoutRun) -> list[tuple[int, int]]:
    from talent.models import Researcher

    if run.kind == RunKind.MONTHLY:
        size = settings.PAYOUT_CHUNK_SIZE
        bounds = Researcher.objects.aggregate(lo=Min("id"), hi=Max("id"))
        if bounds["lo"] is None:
            return [(0, 1)]
        return [(lo, min(lo + size, bounds["hi"] + 1)) for lo in range(bounds["lo"], bounds["hi"] + 1, size)]
    return [(0, 2**62)]  # annual and grants: the centre-years and awards are few; one chunk


@transaction.atomic
def payout_run_begin_compute(*, actor, run_id: int, holder: str = "") -> PayoutRun:
    """Move a run to computing and (re)plan its chunks. A computed or failed run can be computed
    again: it then adds only what became payable since (running a month again adds nothing).
    `holder` names who computes it (run_leases.this_process() or CELERY), for a refusal's message."""
    _require_finance(actor, "计算发放批次", f"批次#{run_id}")
    run = PayoutRun.objects.select_for_update().get(pk=run_id)
    if run.state not in (RunState.DRAFT, RunState.COMPUTED, RunState.FAILED):
        raise ConflictError(
            f"批次#{run.pk}状态为“{run.get_state_display()}”,不能计算",
            "the run cannot be computed in its state",
            code="illegal_transition",
        )
    _lock_kind(run.kind)
    busy = PayoutRun.objects.filter(kind=run.kind, state=RunState.COMPUTING).exclude(pk=run.pk).first()
    if busy is not None:
        raise ConflictError(
            f"批次#{busy.pk}正在计算,请稍后", "another run of this kind is computing", code="run_in_progress"
        )
    chunks = _plan_chunks(run)
    RunChunk.objects.filter(run=run).delete()
    RunChunk.objects.bulk_create([RunChunk(run=run, lo=lo, hi=hi) for lo, hi in chunks])
    with acting(actor):
        run.state, run.computed_by, run.error = RunState.COMPUTING, actor, ""
        run.progress_done, run.progress_total = 0, len(chunks)
        run.holder, run.holder_since = holder, timezone.now()
        run.heartbeat_at = run.holder_since
        run.save()
    return run


def payout_run_compute(*, actor, run: PayoutRun, inline: bool | None = None, processes: int = 1) -> PayoutRun:
    """Compute a run: inline (command line, tests) or as a Celery chord over researcher id ranges,
    queued when the transaction commits. Inline, the command line may spread the chunks over several
    processes (never a web request: a threaded server does not fork). Computed here outside a
    transaction, the run is held by this process's lease (run_leases) from before it is marked computing
    until it is finalised, so a second process is refused and a dead one is noticed."""
    claim = functools.partial(payout_run_begin_compute, actor=actor, run_id=run.pk)
    return _compute_claimed(run, claim, inline=inline, processes=processes)


def _compute_claimed(run: PayoutRun, claim, *, inline: bool | None, processes: int) -> PayoutRun:
    """Mark the run computing for a holder (`claim(holder=...)`) and compute its open chunks: here under
    this process's lease (from before the claim until it is finalised), here inside the caller's
    transaction, or as a Celery chord queued when the transaction commits."""
    if inline is None:
        inline = not getattr(settings, "PAYOUT_RUNS_ON_CELERY", False)
    if inline and not connection.in_atomic_block:
        with run_leases.run_lease(run) as lease:
            run = claim(holder=lease.holder)
            _compute_chunks_here(run.pk, processes=processes)
            return payout_run_finalize(run_id=run.pk)
    run = claim(holder="" if inline else run_leases.CELERY)
    if inline:
        _compute_chunks_here(run.pk, processes=processes)
        return payout_run_finalize(run_id=run.pk)
    dispatch.call_after_commit("subsidies.runs.tasks.dispatch_run", run.pk)
    return run


@contextlib.contextmanager
def _collector_paused():
    """The rule builds many short-lived objects and no reference cycles, while the chunk's facts stay
    alive throughout: the cyclic garbage collector would only walk them again and again (measured: a
    fifth of a steady-state chunk's time). Reference counting still frees everything."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


@transaction.atomic
def payout_run_compute_chunk(*, run_id: int, lo: int) -> int:
    """Compute one chunk; safe to run twice: a done chunk is skipped (under its row lock), and the unique
    constraints abort the chunk rather than let a person-month or award be paid twice."""
    # the chunk's row only: chunks of one run compute side by side (a lock on the run row would queue them)
    chunk = RunChunk.objects.select_for_update(of=("self",)).select_related("run").get(run_id=run_id, lo=lo)
    run = chunk.run
    if chunk.done or run.state != RunState.COMPUTING:
        return 0
    run_leases.hold_chunk(run_id)  # until this transaction ends: the run is being computed
    # a chunk lost in a crash is simply computed again (it is not marked done), so its commit need
    # not wait for the WAL flush
    # and the lines' foreign keys are checked as they are copied, not at commit, so the progress update
    # below holds the run's row for an instant rather than through every chunk's checks
    with connection.cursor() as cur:
        cur.execute("SET LOCAL synchronous_commit TO OFF")
        cur.execute("SET CONSTRAINTS ALL IMMEDIATE")
    if run.kind == RunKind.MONTHLY:
        with _collector_paused():
            rows, bases = lines.stipend_rows(run, chunk.lo, chunk.hi)
        lines.insert_bases(bases)
    elif run.kind == RunKind.GRANTS:
        rows = lines.grant_rows(run)
    else:
        rows = lines.rd_rows(run)
    written = lines.insert_lines(rows)
    chunk.done, chunk.lines = True, written
    chunk.save(update_fields=["done", "lines"])
    PayoutRun.objects.filter(pk=run_id).update(progress_done=F("progress_done") + 1, heartbeat_at=timezone.now())
    return written


@transaction.atomic
def payout_run_finalize(*, run_id: int) -> PayoutRun:
    run = PayoutRun.objects.select_for_update().get(pk=run_id)
    if run.state != RunState.COMPUTING:
        return run
    pending = run.chunks.filter(done=False).count()
    if pending:
        return run  # a chunk is still out; the last one to finish (or a resume) finalises
    totals = run.lines.filter(active=True).aggregate(n=Count("id"), total=Sum("amount"))
    with acting(run.computed_by):
        run.state, run.computed_at = RunState.COMPUTED, timezone.now()
        run.line_count, run.total_amount = totals["n"], totals["total"] or Decimal("0.00")
        run.progress_done = run.progress_total
        run.save()
    return run


def payout_run_continue(*, actor, run_id: int, inline: bool | None = None, processes: int = 1) -> PayoutRun:
    """Go on with a run whose computation died (interrupted, or still marked computing): the chunks not
    done are computed (on Celery, or here in `processes`) and the run finalised; done chunks keep their
    lines. Refused, naming who and since when, while the run is really computing elsewhere."""
    _require_finance(actor, "继续计算发放批次", f"批次#{run_id}")
    run = PayoutRun.objects.get(pk=run_id)
    _check_continuable(run)
    claim = functools.partial(_claim_for_continuing, actor=actor, run_id=run.pk)
    return _compute_claimed(run, claim, inline=inline, processes=processes)


def _check_continuable(run: PayoutRun) -> None:
    if run.state not in (RunState.COMPUTING, RunState.INTERRUPTED):
        raise ConflictError(
            f"批次#{run.pk}状态为“{run.get_state_display()}”,没有未完成的计算",
            "only an interrupted run can be continued",
            code="illegal_transition",
        )


@transaction.atomic
def _claim_for_continuing(*, actor, run_id: int, holder: str) -> PayoutRun:
    run = PayoutRun.objects.select_for_update().get(pk=run_id)
    _check_continuable(run)
    refused = run_leases.refusal(run)
    if refused is not None:
        raise refused
    _lock_kind(run.kind)
    busy = PayoutRun.objects.filter(kind=run.kind, state=RunState.COMPUTING).exclude(pk=run.pk).first()
    if busy is not None:
        raise ConflictError(
            f"批次#{busy.pk}正在计算,请稍后", "another run of this kind is computing", code="run_in_progress"
        )
    with acting(actor, reason="continue"):
        # who continues a computation computes the run: four eyes keep them from approving it
        run.state, run.computed_by, run.error = RunState.COMPUTING, actor, ""
        run.progress_done = run.chunks.filter(done=True).count()
        run.holder, run.holder_since = holder, timezone.now()
        run.heartbeat_at = run.holder_since
        run.save()
    return run


def payout_runs_interrupt_dead(*, kind: str | None = None) -> list[int]:
    """The periodic check (and the command line, before it starts): runs computing with no live
    computation — no lease, no chunk computing, no recent progress on Celery — become interrupted (中断),
    to be continued from the run page, the command line or the next scheduled run. Their ids."""
    runs = PayoutRun.objects.filter(state=RunState.COMPUTING)
    if kind is not None:
        runs = runs.filter(kind=kind)
    return [pk for pk in runs.order_by("pk").values_list("pk", flat=True) if payout_run_interrupt_if_dead(run_id=pk)]


@transaction.atomic
def payout_run_interrupt_if_dead(*, run_id: int) -> bool:
    from accounts.models import system_actor

    # a run row locked right now is being finalised or continued: alive
    run = PayoutRun.objects.select_for_update(skip_locked=True).filter(pk=run_id, state=RunState.COMPUTING).first()
    if run is None or run_leases.refusal(run) is not None:
        return False
    with acting(system_actor(), reason="no live computation"):
        run.state = RunState.INTERRUPTED
        run.error = (
            f"计算进程已中断(完成 {run.progress_done} / {run.progress_total} 个分片),可继续计算 / "
            f"the computation stopped ({run.progress_done} of {run.progress_total} chunks done); "
            f"continue it"
        )
        run.save()
    return True


@transaction.atomic
def payout_run_fail(*, run_id: int, error: str) -> PayoutRun:
    """A chunk failed for good (after its retries): the run is marked failed with the reason, so
    finance sees why and can compute it again or cancel it, and the next run of the kind is not held
    up behind a run that will never finish. Chunks done keep their lines; computing again adds only
    what they did not pay."""
    from accounts.models import system_actor

    run = PayoutRun.objects.select_for_update().get(pk=run_id)
    if run.state != RunState.COMPUTING:
        return run
    with acting(run.computed_by or system_actor(), reason="chunk failed"):
        run.state, run.error = RunState.FAILED, (error or "计算出错 / computation failed")[:2000]
        run.save()
    return run


def payout_run_resume(*, run_id: int) -> PayoutRun:
    """After a worker died mid-run (Celery's resume_run): continue it here, for whoever computed it."""
    from accounts.models import system_actor

    run = PayoutRun.objects.select_related("computed_by").get(pk=run_id)
    return payout_run_continue(actor=run.computed_by or system_actor(), run_id=run_id, inline=True)


def _compute_chunk_in_child(args: tuple[int, int]) -> tuple[int, int]:
    """In a forked process: one chunk on the process's own connection; (lines written, pid)."""
    run_id, lo = args
    try:
        try:
            return payout_run_compute_chunk(run_id=run_id, lo=lo), os.getpid()
        except OperationalError:
            # the chunk's connection was lost before it committed (nothing of it is written): a chunk is an
            # idempotent transaction, so it is computed once more on a fresh connection
            connections.close_all()
            return payout_run_compute_chunk(run_id=run_id, lo=lo), os.getpid()
    finally:
        connections.close_all()


def _compute_chunks_here(run_id: int, processes: int = 1) -> int:
    """Compute a run's chunks not done, in this process or, when asked, in a pool of forked processes
    (the command line asks for PAYOUT_INLINE_WORKERS, one per core by default): the same independent,
    idempotent chunk transactions a Celery chord runs, each on its own connection. Inside an open transaction (the tests) the chunks
    must see its uncommitted rows, so they run here, one after the other. Returns the number of
    processes that computed chunks."""
    los = list(RunChunk.objects.filter(run_id=run_id, done=False).order_by("lo").values_list("lo", flat=True))
    workers = min(processes, len(los))
    try:
        if workers <= 1 or connection.in_atomic_block or not can_fork():
            for lo in los:
                payout_run_compute_chunk(run_id=run_id, lo=lo)
            return 1 if los else 0
        pids = set()
        with fork_pool(workers) as pool:
            for _written, pid in pool.imap_unordered(_compute_chunk_in_child, [(run_id, lo) for lo in los]):
                pids.add(pid)
        return len(pids)
    except Exception as exc:
        # chunks done stay done; the run is marked failed with the reason (an interrupt, like a killed
        # worker, leaves it computing for finance to continue)
        payout_run_fail(run_id=run_id, error=f"{type(exc).__name__}: {exc}")
        raise


def _run_computers(run: PayoutRun) -> set[int]:
    """Everyone who started the run or computed it at any time: the run's row keeps only the last
    computer, its audit rows (pghistory, one per change of the row) keep every one."""
    ids = {run.created_by_id, run.computed_by_id, *run.events.values_list("computed_by_id", flat=True)}
    return ids - {None}


@transaction.atomic
def payout_run_approve(*, actor, run_id: int) -> PayoutRun:
    """Four eyes: the approver is a finance user other than anyone who started the run or computed
    or recomputed it at any time."""
    _require_finance(actor, "审批发放批次", f"批次#{run_id}")
    run = PayoutRun.objects.select_for_update().get(pk=run_id)
    if run.state != RunState.COMPUTED:
        raise ConflictError(
            f"批次#{run.pk}状态为“{run.get_state_display()}”,只有已计算的批次可以审批",
            "only a computed run can be approved",
            code="illegal_transition",
        )
    if actor.pk in _run_computers(run):
        raise ServiceError(
            "审批人不能是发起或计算该批次的人员,请由另一名财务人员审批",
            "a different finance user must approve than the one who computed",
            code="four_eyes",
            status=403,
            record=f"批次#{run.pk}({run.period})",
        )
    with acting(actor):
        run.state, run.approved_by, run.approved_at = RunState.APPROVED, actor, timezone.now()
        run.save()
    notify_run_enterprises(run)  # each enterprise hears of its approved payments
    return run


@transaction.atomic
def payout_run_cancel(*, actor, run_id: int, reason: str = "") -> PayoutRun:
    """Cancel before approval: the run's lines are voided (kept, marked inactive) so the months
    they held can be paid by another run."""
    _require_finance(actor, "作废发放批次", f"批次#{run_id}")
    run = PayoutRun.objects.select_for_update().get(pk=run_id)
    if run.state not in (RunState.DRAFT, RunState.COMPUTED, RunState.FAILED, RunState.INTERRUPTED):
        raise ConflictError(
            f"批次#{run.pk}状态为“{run.get_state_display()}”,不能作废",
            "only a run not yet approved can be cancelled",
            code="illegal_transition",
        )
    with acting(actor, reason=reason):
        run.state, run.cancelled_at, run.error = RunState.CANCELLED, timezone.now(), reason
        run.save()
        # the database voids only a cancelled run's lines; each void is an audit row (who, when, reason)
        run.lines.filter(active=True).update(active=False)
    return run


@transaction.atomic
def payout_run_mark(*, actor, run_id: int, state: str) -> PayoutRun:
    """approved -> exported -> paid."""
    _require_finance(actor, "更新批次状态", f"批次#{run_id}")
    run = PayoutRun.objects.select_for_update().get(pk=run_id)
    allowed = {RunState.EXPORTED: (RunState.APPROVED, RunState.EXPORTED), RunState.PAID: (RunState.EXPORTED,)}
    if state not in allowed or run.state not in allowed[state]:
        raise ConflictError(
            f"批次#{run.pk}不能从“{run.get_state_display()}”变为“{RunState(state).label}”",
            "illegal run transition",
            code="illegal_transition",
        )
    if run.state != state:
        with acting(actor):
            run.state = state
            run.save()
        if state == RunState.PAID:
            notify_run_enterprises(run)  # and of their transfer
    return run


def run_payouts(*, actor, kind: str, period: str, inline: bool = True, processes: int = 1) -> PayoutRun:
    """The command-line entry (and the scheduled runs'): start a run for the period, or compute again the
    open one, which then adds only what became payable since, or continue it if its computation died
    (chunks done are kept). Inline, `processes` compute the chunks side by side."""
    validate_period(kind, period, today=timezone.localdate())
    payout_runs_interrupt_dead(kind=kind)  # a dead run of the kind holds nothing up
    open_run = PayoutRun.objects.filter(kind=kind, period=period, state__in=OPEN_RUN_STATES).first()
    if open_run is not None and open_run.state in (RunState.COMPUTING, RunState.INTERRUPTED):
        return payout_run_continue(actor=actor, run_id=open_run.pk, inline=inline, processes=processes)
    run = open_run or payout_run_start(actor=actor, kind=kind, period=period)
    return payout_run_compute(actor=actor, run=run, inline=inline, processes=processes)
