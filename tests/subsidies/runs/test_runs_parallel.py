"""Without Celery, a run's chunks are computed by several processes (PAYOUT_INLINE_WORKERS): committed
data, real PostgreSQL connections per process, and exactly the lines one process computes."""

import pytest
from django.db.models import Sum

from subsidies.models import PayoutLine, PayoutRun, RunChunk, RunKind, RunState
from subsidies.runs import services as runs
from subsidies.scenario import import_scenario
from tests.subsidies.builders import base_fragment, researchers_fragment

pytestmark = pytest.mark.django_db(transaction=True)


def _lines(run):
    return sorted(
        PayoutLine.objects.filter(run=run).values_list(
            "researcher_id", "service_period", "amount", "centre_id", "explanation_basis_id"
        )
    )


def test_chunks_computed_by_several_processes_give_exactly_the_serial_lines(finance, finance2, settings, monkeypatch):
    import_scenario(base_fragment())
    import_scenario(researchers_fragment(24))
    settings.PAYOUT_CHUNK_SIZE = 4
    settings.PAYOUT_INLINE_WORKERS = 2
    used = []
    real = runs._compute_chunks_here
    monkeypatch.setattr(
        runs, "_compute_chunks_here", lambda run_id, processes=1: used.append(real(run_id, processes)) or used[-1]
    )

    parallel = runs.run_payouts(
        actor=finance, kind=RunKind.MONTHLY, period="2025-06", processes=settings.PAYOUT_INLINE_WORKERS
    )
    assert used == [2], "the chunks were not spread over two processes"
    assert parallel.state == RunState.COMPUTED
    assert RunChunk.objects.filter(run=parallel).count() == 6
    assert not RunChunk.objects.filter(run=parallel, done=False).exists()
    assert parallel.progress_done == parallel.progress_total == 6
    expected = _lines(parallel)
    assert len(expected) == parallel.line_count > 0
    assert PayoutLine.objects.filter(run=parallel).aggregate(t=Sum("amount"))["t"] == parallel.total_amount

    # void it, and compute the same month in one process: the same lines, person-month by person-month
    runs.payout_run_cancel(actor=finance2, run_id=parallel.pk, reason="比对")
    settings.PAYOUT_INLINE_WORKERS = 1
    serial = runs.run_payouts(
        actor=finance, kind=RunKind.MONTHLY, period="2025-06", processes=settings.PAYOUT_INLINE_WORKERS
    )
    assert used == [2, 1]
    assert _lines(serial) == expected
    # and a second parallel pass of the month adds nothing
    settings.PAYOUT_INLINE_WORKERS = 2
    again = runs.run_payouts(
        actor=finance, kind=RunKind.MONTHLY, period="2025-06", processes=settings.PAYOUT_INLINE_WORKERS
    )
    assert again.pk == serial.pk and again.line_count == serial.line_count
    assert PayoutRun.objects.filter(kind=RunKind.MONTHLY).count() == 2
