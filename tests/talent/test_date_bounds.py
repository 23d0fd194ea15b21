"""Contract and degree dates within sensible bounds (issue 12 §2: 0001-01-01 and 9999-12-31 passed for a
contract start). Service, API and page alike; a refusal writes nothing."""

import datetime as dt

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.errors import ServiceError
from talent import services
from talent.models import Contract, Degree, Researcher
from tests.talent.conftest import ZHANG

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "start, end",
    [(dt.date(1, 1, 1), None), (dt.date(9999, 12, 31), None), (dt.date(2024, 4, 1), dt.date(9999, 12, 31))],
    ids=["start-year-1", "start-9999", "end-9999"],
)
def test_service_refuses_absurd_contract_dates(centre_a, ent_user_a, start, end):
    r = services.researcher_upsert(actor=ent_user_a, id_type="resident_id", id_number=ZHANG, name="张三")
    with pytest.raises(ServiceError, match="超出合理范围"):
        services.contract_upsert(actor=ent_user_a, researcher=r, centre=centre_a, full_time=True, start=start, end=end)
    assert not Contract.objects.exists()


def test_api_enrolment_with_a_start_in_year_1_is_a_400(centre_a, ent_user_a):
    api = APIClient()
    api.force_authenticate(ent_user_a)
    response = api.post(
        "/api/v1/researchers/",
        {"centre": centre_a.pk, "id_number": ZHANG, "name": "张三", "start": "0001-01-01"},
        format="json",
    )
    assert response.status_code == 400 and response.json()["error"]["code"] == "date_range", response.content
    assert not Researcher.objects.exists() and not Contract.objects.exists()


def test_page_enrolment_with_a_start_in_9999_is_refused(client, centre_a, ent_user_a):
    client.force_login(ent_user_a)
    page = client.post(
        reverse("talent:researcher_create"),
        {
            "centre": centre_a.pk,
            "id_type": "resident_id",
            "id_number": ZHANG,
            "name": "张三",
            "full_time": "on",
            "start": "9999-12-31",
        },
    )
    assert "超出合理范围" in page.content.decode()
    assert not Contract.objects.exists()


def test_degree_awarded_in_1900_is_refused(centre_a, ent_user_a):
    r = services.researcher_upsert(actor=ent_user_a, id_type="resident_id", id_number=ZHANG, name="张三")
    with pytest.raises(ServiceError, match="学位授予日期1900-07-01超出合理范围"):
        services.degree_upsert(
            actor=ent_user_a, researcher=r, level="doctorate", full_time=True, awarded_on=dt.date(1900, 7, 1)
        )
    assert not Degree.objects.exists()
