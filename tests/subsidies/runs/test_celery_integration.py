"""Payout runs on a real Celery worker over a real Redis broker (marked: integration).

The run is split into chunks (researcher id ranges) executed as a chord. A worker killed mid-run:
test_celery_kill_resume.py."""

import pytest
from django.db.models import Count
from django.test import override_settings

from enclave_portal.celery import app as celery_app
from subsidies.models import PayoutLine, PayoutRun, RunChunk, RunKind, RunState
from subsidies.runs import services as runs
from subsidies.scenario import import_scenario
from tests.integration_support import CeleryWorker, RedisServer, wait_for
from tests.subsidies.builders import base_fragment, researchers_fragment

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def _reset_connections():
    if celery_app._pool is not None:
        celery_app._pool.force_close_all()
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


@pytest.fixture
def redis_broker(tmp_path):
    server = RedisServer(tmp_path)
    # the app reads Django settings under the CELERY_ namespace, so the keys carry the prefix
    old = dict(
        CELERY_BROKER_URL=celery_app.conf.broker_url,
        CELERY_BROKER_TRANSPORT_OPTIONS=celery_app.conf.broker_transport_options,
    )
    celery_app.conf.update(CELERY_BROKER_URL=server.url, CELERY_BROKER_TRANSPORT_OPTIONS={"visibility_timeout": 3600})
    _reset_connections()
    try:
        yield server
    finally:
        celery_app.conf.update(**old)
        _reset_connections()
        server.stop()


def expected_months(period: str) -> int:
    """The same run computed inline in a rolled-back savepoint gives the reference line count."""
    from django.db import transaction

    from accounts.models import system_actor

    count = 0

    class Rollback(Exception):
        pass

    try:
        with transaction.atomic():
            run = runs.run_payouts(actor=system_actor(), kind=RunKind.MONTHLY, period=period, inline=True)
            count = run.line_count
            raise Rollback
    except Rollback:
        pass
    return count


def start_async(finance, period):
    run = runs.payout_run_start(actor=finance, kind=RunKind.MONTHLY, period=period)
    return runs.payout_run_compute(actor=finance, run=run, inline=False)


@override_settings(PAYOUT_CHUNK_SIZE=4)
def test_run_is_chunked_across_a_real_worker(redis_broker, tmp_path, finance):
    import_scenario(base_fragment())
    import_scenario(researchers_fragment(24))
    want = expected_months("2024-08")
    assert want > 0
    worker = CeleryWorker(redis_broker.url, tmp_path, "w1", {"PAYOUT_CHUNK_SIZE": "4"})
    try:
        run = start_async(finance, "2024-08")
        assert RunChunk.objects.filter(run=run).count() == 6
        wait_for(lambda: PayoutRun.objects.get(pk=run.pk).state == RunState.COMPUTED, timeout=90)
    finally:
        worker.stop()
    run.refresh_from_db()
    assert (run.progress_done, run.progress_total) == (6, 6)
    assert run.line_count == want == PayoutLine.objects.filter(run=run).count()
    # nothing paid twice
    dupes = PayoutLine.objects.values("researcher", "service_month").annotate(n=Count("id")).filter(n__gt=1)
    assert not dupes.exists()
