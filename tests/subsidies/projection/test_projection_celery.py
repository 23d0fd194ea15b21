"""A long projection on a real Celery worker over a real Redis broker (marked: integration): the API
answers 202 with a job, the worker computes it chunk by chunk, and the job's result is the same
projection the command prints."""

import io
import json
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.test import override_settings
from rest_framework.test import APIClient

from subsidies.models import RunKind
from subsidies.projection.models import ProjectionJob
from subsidies.runs import services as runs
from subsidies.scenario import import_scenario
from tests.integration_support import CeleryWorker, wait_for
from tests.subsidies.builders import base_fragment, researchers_fragment
from tests.subsidies.runs.test_celery_integration import redis_broker  # noqa: F401  (the fixture)

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]
RAISE = "nx_stipend.doctorate_monthly=6000.00@2024-10-01"


@override_settings(PAYOUT_CHUNK_SIZE=4, PROJECTION_INLINE_LIMIT=1, PAYOUT_RUNS_ON_CELERY=True)
def test_a_long_projection_runs_on_a_worker_with_progress(redis_broker, tmp_path, finance):  # noqa: F811
    import_scenario(base_fragment())
    import_scenario(researchers_fragment(12))
    runs.run_payouts(actor=finance, kind=RunKind.MONTHLY, period="2024-06", inline=True)
    client = APIClient()
    client.force_authenticate(finance)
    r = client.get("/api/v1/projection/", {"through": "2025-06", "set": [RAISE]})
    assert r.status_code == 202, r.content
    job_id = r.json()["job"]["id"]
    assert ProjectionJob.objects.get(pk=job_id).state == "queued"
    worker = CeleryWorker(redis_broker.url, tmp_path, "p1", {"PAYOUT_CHUNK_SIZE": "4"})
    try:
        wait_for(lambda: ProjectionJob.objects.get(pk=job_id).state == "done", timeout=120)
    finally:
        worker.stop()
    job = client.get(f"/api/v1/projection/jobs/{job_id}/").json()
    assert job["progress_total"] == 3 and job["progress_done"] == 3
    out = io.StringIO()
    call_command("project_payouts", "--through", "2025-06", "--set", RAISE, "--format", "json", stdout=out)
    assert Decimal(job["result"]["committed"]["total"]["scenario"]) == Decimal(
        json.loads(out.getvalue())["summary"]["total"]
    )
