"""The money loop with the bank file rendered by a real Celery worker over a real Redis broker (marked:
integration): the worker's export creates the run's transfers, a result file with one failure, a re-issue
approved by a second finance user and a second result file bring the run to 已拨付."""

from pathlib import Path

import pytest

from registry.models import Enterprise
from subsidies.exports.services import export_request
from subsidies.models import ExportRecord, PayoutLine, RunState
from subsidies.runs.services import payout_run_approve, run_payouts
from subsidies.scenario import import_scenario
from subsidies.transfers import selectors, services
from subsidies.transfers.models import Transfer
from tests.integration_support import CeleryWorker, RedisServer, celery_broker, wait_for
from tests.subsidies.transfers.conftest import LJ, SCENARIO, WL, result_csv

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def test_export_on_a_worker_failure_reissue_and_second_file_bring_the_run_to_paid(
    settings, tmp_path, finance, finance2
):
    exports = tmp_path / "exports"
    settings.EXPORT_ROOT = exports
    settings.PAYOUT_RUNS_ON_CELERY = True  # exports follow it
    import_scenario(SCENARIO)
    run = run_payouts(actor=finance, kind="monthly", period="2024-06", inline=True)
    run = payout_run_approve(actor=finance2, run_id=run.pk)
    lines = PayoutLine.objects.count()
    with RedisServer(tmp_path) as redis, celery_broker(redis.url):
        worker = CeleryWorker(redis.url, tmp_path, "money", {"EXPORT_ROOT": str(exports)})
        try:
            record = export_request(actor=finance, run_id=run.pk, fmt="bank_csv")
            wait_for(lambda: ExportRecord.objects.get(pk=record.pk).state == "done", timeout=120)
        finally:
            worker.stop()
    record.refresh_from_db()
    run.refresh_from_db()
    assert run.state == RunState.EXPORTED and Transfer.objects.filter(run=run, state="sent").count() == 2
    data = Path(record.file_path).read_bytes()
    wl = services.original_reference(run.pk, Enterprise.objects.get(uscc=WL).pk)
    lj = services.original_reference(run.pk, Enterprise.objects.get(uscc=LJ).pk)
    services.bank_results_import(
        actor=finance,
        run_id=run.pk,
        file_name="回单1.csv",
        data=result_csv(data, {wl: ("失败", "账户已冻结"), lj: "成功"}),
    )
    run.refresh_from_db()
    assert run.state == RunState.PARTIAL
    batch = services.reissue_batch_create(actor=finance, run_id=run.pk)
    services.reissue_batch_approve(actor=finance2, batch_id=batch.pk)
    second, _ = services.reissue_batch_export(actor=finance, batch_id=batch.pk, fmt="csv")
    new_ref = services.reissue_reference(run.pk, Enterprise.objects.get(uscc=WL).pk, batch.pk)
    services.bank_results_import(
        actor=finance,
        run_id=run.pk,
        file_name="回单2.csv",
        data=result_csv(second, {new_ref: "成功"}, serial_prefix="SN2"),
    )
    run.refresh_from_db()
    s = selectors.run_settlement(run)
    assert run.state == RunState.PAID and s.ties_out and s.succeeded == s.approved and s.reissued == s.failed
    assert PayoutLine.objects.count() == lines  # a re-issue never creates payout lines
