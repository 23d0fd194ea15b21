# ruff: noqa: F811  (pytest fixtures imported from grants_support)
"""An incubator filing takes effect neither before the Yinchuan measure (`yc.measure_from`) nor at an
absurd date (issue 12 §2: approval `on` 2020-01-01 was accepted). Service, API and page alike."""

import datetime as dt

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.errors import ServiceError
from registry.models import FilingStatus
from subsidies.grants import incubators
from subsidies.models import Incubator
from tests.subsidies.grants_support import enterprise, owner, yc1, yc2  # noqa: F401  (fixtures)

pytestmark = pytest.mark.django_db


@pytest.fixture
def reviewed(owner, enterprise, yc1):
    inc = incubators.incubator_create(actor=owner, operator=enterprise, ref="INC-D", name="日期孵化器", city="杭州")
    incubators.incubator_submit(actor=owner, incubator=inc)
    return incubators.incubator_decide(actor=yc1, incubator=inc, action="first_review")


def _unchanged(inc):
    inc = Incubator.objects.get(pk=inc.pk)
    assert (inc.status, inc.effective_from) == (FilingStatus.FIRST_REVIEWED, None)


@pytest.mark.parametrize("on", [dt.date(2020, 1, 1), dt.date(2022, 12, 31), dt.date(9999, 12, 31)])
def test_service_refuses_an_approval_outside_the_bounds(reviewed, yc2, on):
    with pytest.raises(ServiceError):
        incubators.incubator_decide(actor=yc2, incubator=reviewed, action="approve", on=on)
    _unchanged(reviewed)


def test_approval_from_the_measure_date_is_accepted(reviewed, yc2):
    inc = incubators.incubator_decide(actor=yc2, incubator=reviewed, action="approve", on=dt.date(2023, 1, 1))
    assert inc.effective_from == dt.date(2023, 1, 1)


def test_api_refuses_2020(reviewed, yc2):
    api = APIClient()
    api.force_authenticate(yc2)
    response = api.post(f"/api/v1/incubators/{reviewed.pk}/approve/", {"on": "2020-01-01"}, format="json")
    assert response.status_code == 400, response.content
    assert response.json()["error"]["code"] == "before_measure"
    assert "适用起始日期2023-01-01" in response.json()["error"]["message"]
    _unchanged(reviewed)


def test_page_refuses_2020(client, reviewed, yc2):
    client.force_login(yc2)
    url = reverse("subsidies:incubator_detail", args=[reviewed.pk])
    page = client.post(url, {"what": "decide", "action": "approve", "on": "2020-01-01"}, follow=True)
    assert "适用起始日期2023-01-01" in page.content.decode()
    _unchanged(reviewed)
