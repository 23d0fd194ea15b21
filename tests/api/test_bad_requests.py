"""Requests that used to end in a 500 get a clear 4xx (issue 12 §4): enrolment without a nationality,
JSON nested thousands of levels deep (on every JSON endpoint, the token endpoint included), and the
same new ID number enrolled by several requests at once."""

import threading

import pytest
from django.db import connection
from django.test import Client
from rest_framework.test import APIClient

from accounts.models import Role
from accounts.parsers import MAX_DEPTH, json_depth
from registry.models import Membership
from talent.models import Contract, Researcher
from tests.talent.conftest import ZHANG, centre_a, make_centre  # noqa: F401 - fixtures

pytestmark = pytest.mark.django_db


@pytest.fixture
def owner(make_user, centre_a):  # noqa: F811
    user = make_user("ent_a", Role.ENTERPRISE, full_name="甲企业经办人")
    Membership.objects.create(enterprise=centre_a.enterprise, user=user, is_owner=True)
    return user


def enrol_body(centre, **extra):
    return {
        "centre": centre.pk,
        "id_number": ZHANG,
        "name": "张三",
        "start": "2024-04-01",
        "end": "2029-03-31",
        **extra,
    }


def test_enrolment_without_nationality_is_not_a_500(owner, centre_a):  # noqa: F811
    client = APIClient()
    client.force_authenticate(owner)
    created = client.post("/api/v1/researchers/", enrol_body(centre_a), format="json")
    assert created.status_code == 201, created.content
    assert Researcher.objects.get(id_number=ZHANG).nationality == ""


def test_passport_without_nationality_is_a_clear_400(owner, centre_a):  # noqa: F811
    client = APIClient()
    client.force_authenticate(owner)
    refused = client.post(
        "/api/v1/researchers/", enrol_body(centre_a, id_type="passport", id_number="E12345678"), format="json"
    )
    assert refused.status_code == 400, refused.content
    assert refused.json()["error"]["code"] == "nationality" and "国籍" in refused.json()["error"]["message"]
    assert not Researcher.objects.exists()
    with_nationality = client.post(
        "/api/v1/researchers/",
        enrol_body(centre_a, id_type="passport", id_number="E12345678", nationality="德国"),
        format="json",
    )
    assert with_nationality.status_code == 201, with_nationality.content
    assert Researcher.objects.get(id_number="E12345678").nationality == "德国"


def deep(levels: int) -> str:
    return "[" * levels + "]" * levels


def test_json_depth_counts_brackets_outside_strings():
    assert json_depth(b'{"a": [1, {"b": "[[[{{"}], "c": "\\"]]"}') == 3
    assert json_depth(b"17") == 0 and json_depth(deep(5).encode()) == 5


@pytest.mark.parametrize(
    "path", ["/api/v1/auth/token/", "/api/v1/researchers/", "/api/v1/filings/", "/api/v1/centres/"]
)
def test_deeply_nested_json_is_a_400_on_every_endpoint(owner, path):
    client = Client()
    client.force_login(owner)
    response = client.post(path, deep(3000), content_type="application/json")
    assert response.status_code == 400, response.content[:300]
    assert response.json()["error"]["code"] == "json_too_deep"
    assert "嵌套" in response.json()["error"]["message"]


def test_json_within_the_bound_still_parses(make_user):
    make_user("tok", Role.ENTERPRISE)
    body = '{"username": "tok", "password": "pw-Test-2024!", "x": ' + deep(MAX_DEPTH - 1) + "}"
    assert Client().post("/api/v1/auth/token/", body, content_type="application/json").status_code == 200


@pytest.mark.django_db(transaction=True)
def test_concurrent_enrolments_of_one_new_id_number(owner, centre_a):  # noqa: F811
    barrier = threading.Barrier(8)
    statuses = []

    def enrol():
        client = APIClient()
        client.force_authenticate(owner)
        try:
            barrier.wait(timeout=20)
            body = enrol_body(centre_a, nationality="中国")
            statuses.append(client.post("/api/v1/researchers/", body, format="json").status_code)
        except Exception:  # noqa: BLE001 - the test client re-raises what a server answers with a 500
            statuses.append(500)
        finally:
            connection.close()

    threads = [threading.Thread(target=enrol) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert len(statuses) == 8 and 500 not in statuses, statuses
    assert statuses.count(201) >= 1 and set(statuses) <= {201, 409}, statuses
    assert Researcher.objects.filter(id_number=ZHANG).count() == 1
    assert Contract.objects.filter(researcher__id_number=ZHANG).count() == 1
