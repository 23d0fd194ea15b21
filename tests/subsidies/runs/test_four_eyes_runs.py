"""Four eyes on runs (issue 12 §6): whoever started, computed or recomputed a run at any time may not
approve it, not only the last one to compute it. Service, API and page alike."""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.errors import ServiceError
from accounts.models import Role
from subsidies.models import PayoutRun, RunKind, RunState
from subsidies.runs import services as run_services
from tests.subsidies import finance_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def data(db):
    return finance_data.load(3)


@pytest.fixture
def finance3(make_user):
    return make_user("finance3", Role.FINANCE, full_name="财务三")


def recomputed_run(starter, first, last):
    """Started by `starter`, computed by `first`, computed again by `last`."""
    run = run_services.payout_run_start(actor=starter, kind=RunKind.MONTHLY, period="2024-06")
    run_services.payout_run_compute(actor=first, run=run, inline=True)
    run = run_services.payout_run_compute(actor=last, run=run, inline=True)
    assert run.state == RunState.COMPUTED and run.computed_by_id == last.pk
    return run


def test_an_earlier_computer_cannot_approve(data, finance, finance2, finance3):
    run = recomputed_run(finance3, finance2, finance3)
    with pytest.raises(ServiceError, match="审批人不能是") as err:
        run_services.payout_run_approve(actor=finance2, run_id=run.pk)
    assert err.value.code == "four_eyes" and err.value.status == 403
    assert PayoutRun.objects.get(pk=run.pk).state == RunState.COMPUTED
    # someone who never computed it may
    assert run_services.payout_run_approve(actor=finance, run_id=run.pk).approved_by_id == finance.pk


def test_starter_and_last_computer_still_cannot_approve(data, finance, finance2, finance3):
    run = recomputed_run(finance, finance2, finance3)
    for who in (finance, finance2, finance3):
        with pytest.raises(ServiceError, match="审批人不能是"):
            run_services.payout_run_approve(actor=who, run_id=run.pk)
    assert PayoutRun.objects.get(pk=run.pk).state == RunState.COMPUTED


def test_api_refuses_an_earlier_computer(data, finance, finance2, finance3):
    run = recomputed_run(finance3, finance2, finance3)
    client = APIClient()
    client.force_authenticate(finance2)
    response = client.post(f"/api/v1/payout-runs/{run.pk}/approve/")
    assert response.status_code == 403, response.content
    assert "审批人不能是" in response.content.decode()
    assert PayoutRun.objects.get(pk=run.pk).state == RunState.COMPUTED
    client.force_authenticate(finance)
    assert client.post(f"/api/v1/payout-runs/{run.pk}/approve/").status_code == 200


def test_page_refuses_an_earlier_computer_and_says_why(client, data, finance2, finance3):
    run = recomputed_run(finance3, finance2, finance3)
    client.force_login(finance2)
    response = client.post(reverse("subsidies:run_approve", args=[run.pk]), follow=True)
    assert "审批人不能是发起或计算该批次的人员" in response.content.decode()
    assert PayoutRun.objects.get(pk=run.pk).state == RunState.COMPUTED
