"""POST /api/v1/payout-runs/grants/ (issue 9): finance starts a grants (项目资助) run for a month through the
same services as monthly and annual runs - 201 with the computed run, 409 for a second start of the month,
403 for the other roles, and the Idempotency-Key replay of accounts.api.idempotent."""

from decimal import Decimal

import pytest
from django.utils import timezone

from accounts.models import IdempotencyKey, Role
from subsidies.grants.services import grant_approve, grant_first_review
from subsidies.models import PayoutLine, PayoutRun, RunKind, RunState
from tests.api.conftest import login_client

pytestmark = pytest.mark.django_db

URL = "/api/v1/payout-runs/grants/"


def _error(response):
    body = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "message_en", "record", "fields"}
    return body["error"]


@pytest.fixture
def awarded(world, make_user):
    """Enterprise A's NX-FIRST application approved at 600,000.00 by a second regional reviewer (POLICY §2)."""
    second = make_user("api-reg-second", Role.REGIONAL_REVIEWER, full_name="区审核丙")
    app = grant_first_review(actor=world.users["regional_reviewer"], application=world.a.application)
    return grant_approve(actor=second, application=app, amount="600000.00", comment="同意")


def this_month() -> str:
    return timezone.localdate().strftime("%Y-%m")


def test_finance_starts_a_grants_run_and_a_replay_returns_the_first_result(world, awarded):
    fin = world.client("finance")
    # kind, state, totals and approver are the services': sent anyway, they are ignored
    body = {
        "period": this_month(),
        "kind": "monthly",
        "state": "approved",
        "total_amount": "1.00",
        "approved_by": world.users["admin"].pk,
    }
    first = fin.post(URL, body, format="json", HTTP_IDEMPOTENCY_KEY="grants-run-1")
    assert first.status_code == 201, first.content
    data = first.json()
    assert (data["kind"], data["period"], data["state"]) == ("grants", this_month(), "computed")
    assert (data["line_count"], data["total_amount"], data["approved_by"]) == (1, "600000.00", None)
    assert data["created_by"] == data["computed_by"] == world.users["finance"].display_name
    run = PayoutRun.objects.get(pk=data["id"])
    assert run.kind == RunKind.GRANTS and run.state == RunState.COMPUTED and run.approved_by is None
    line = PayoutLine.objects.get(run=run)
    assert (line.rule, line.amount, line.enterprise_id, line.basis) == (
        "NX-FIRST",
        Decimal("600000.00"),
        world.a.enterprise.pk,
        f"award:{awarded.pk}",
    )

    replay = fin.post(URL, body, format="json", HTTP_IDEMPOTENCY_KEY="grants-run-1")
    assert replay.status_code == 201 and replay.json() == data
    assert replay["Idempotent-Replayed"] == "true"
    assert PayoutRun.objects.filter(kind=RunKind.GRANTS).count() == 1
    assert PayoutLine.objects.filter(run__kind=RunKind.GRANTS).count() == 1

    # the same key for another request is refused and starts nothing
    other = fin.post(URL, {"period": "2024-01"}, format="json", HTTP_IDEMPOTENCY_KEY="grants-run-1")
    assert other.status_code == 422 and _error(other)["code"] == "idempotency_key_reused"
    assert not PayoutRun.objects.filter(kind=RunKind.GRANTS, period="2024-01").exists()
    assert IdempotencyKey.objects.filter(user=world.users["finance"]).count() == 1

    # the run is an ordinary run from here on: its lines, and four-eyes approval by another finance user
    lines = fin.get(f"/api/v1/payout-runs/{run.pk}/lines/").json()["results"]
    assert [(x["rule"], x["amount"]) for x in lines] == [("NX-FIRST", "600000.00")]
    own = fin.post(f"/api/v1/payout-runs/{run.pk}/approve/", format="json")
    assert own.status_code == 403 and _error(own)["code"] == "four_eyes"
    approved = login_client(world.finance2).post(f"/api/v1/payout-runs/{run.pk}/approve/", format="json")
    assert approved.status_code == 200 and approved.json()["state"] == "approved"


def test_a_second_start_of_the_month_is_409_and_changes_nothing(world, awarded):
    fin = world.client("finance")
    first = fin.post(URL, {"period": this_month()}, format="json")
    assert first.status_code == 201, first.content
    before = (PayoutRun.objects.count(), PayoutLine.objects.count(), IdempotencyKey.objects.count())

    again = fin.post(URL, {"period": this_month()}, format="json")
    err = _error(again)
    assert again.status_code == 409 and err["code"] == "run_exists"
    assert f"已有未审批的批次#{first.json()['id']}" in err["message"]
    # a refusal under a key is remembered: the replay gives the same 409 without running again
    keyed = world.client("admin").post(URL, {"period": this_month()}, format="json", HTTP_IDEMPOTENCY_KEY="g-2")
    replay = world.client("admin").post(URL, {"period": this_month()}, format="json", HTTP_IDEMPOTENCY_KEY="g-2")
    assert keyed.status_code == replay.status_code == 409 and keyed.json() == replay.json()
    assert (PayoutRun.objects.count(), PayoutLine.objects.count()) == before[:2]


@pytest.mark.parametrize(
    "body, code",
    [
        pytest.param({"period": "2099-01"}, "future_period", id="future-month"),
        # not of the documented shape (the schema's pattern, issue 12 §7): refused by the serializer
        pytest.param({"period": "2024-13"}, "invalid", id="no-such-month"),
        pytest.param({"period": "2999-01"}, "invalid", id="outside-the-pattern"),
        pytest.param({}, "invalid", id="no-period"),
    ],
)
def test_a_bad_period_is_400_and_starts_nothing(world, body, code):
    response = world.client("finance").post(URL, body, format="json")
    assert response.status_code == 400, response.content
    assert _error(response)["code"] == code
    assert not PayoutRun.objects.filter(kind=RunKind.GRANTS).exists()


@pytest.mark.parametrize("role", ["enterprise", "regional_reviewer", "yinchuan_reviewer"])
def test_roles_other_than_finance_and_admin_get_403(world, awarded, role):
    response = world.client(role).post(URL, {"period": this_month()}, format="json", HTTP_IDEMPOTENCY_KEY="not-mine")
    assert response.status_code == 403 and _error(response)["code"] == "permission_denied"
    assert not PayoutRun.objects.filter(kind=RunKind.GRANTS).exists()
    assert not IdempotencyKey.objects.filter(key="not-mine").exists()


def test_anonymous_gets_401(world):
    response = world.client("anon").post(URL, {"period": this_month()}, format="json")
    assert response.status_code == 401 and _error(response)["code"] == "not_authenticated"


def test_the_route_is_in_the_openapi_schema(world):
    schema = world.client("anon").get("/api/v1/schema/", {"format": "json"}).json()
    operation = schema["paths"]["/api/v1/payout-runs/grants/"]["post"]
    assert "Idempotency-Key" in [p["name"] for p in operation["parameters"]]
    request_ref = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    assert request_ref.endswith("/GrantRunStartRequest")  # COMPONENT_SPLIT_REQUEST
    assert list(schema["components"]["schemas"]["GrantRunStartRequest"]["properties"]) == ["period"]
    assert operation["responses"]["201"]["content"]["application/json"]["schema"]["$ref"].endswith("/PayoutRun")
