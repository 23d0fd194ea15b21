"""Filing dates within the measures' bounds: no filing takes effect before its measure
(`nx.measure_from`, `yc.measure_from`), in the web review and in imported history alike; an approval
backdated past the submission (`review.backdate_days`, default 0) needs a stated reason, which the review
record shows; centres' `established_on` within sensible bounds. Service, API and page alike."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.errors import ServiceError
from registry import services
from registry.models import Centre, Filing, FilingPeriod, FilingStatus, ReviewDecision, ReviewStep
from subsidies.parameters.services import parameter_set

pytestmark = pytest.mark.django_db
SUBMITTED_ON = dt.datetime(2026, 3, 10, 2, 0, tzinfo=dt.UTC)  # 10:00 in Asia/Shanghai


@pytest.fixture
def first_reviewed(owner, centre, regional1):
    from tests.registry.conftest import attach_required

    filing = services.filing_create(actor=owner, centre=centre, level="regional")
    attach_required(actor=owner, filing=filing)
    with time_machine.travel(SUBMITTED_ON):
        services.filing_submit(actor=owner, filing=filing, commitment=True)
    return services.filing_first_review(actor=regional1, filing=filing)


def _unchanged(filing):
    f = Filing.objects.get(pk=filing.pk)
    assert (f.status, f.effective_from) == (FilingStatus.FIRST_REVIEWED, None)
    assert not FilingPeriod.objects.filter(filing=filing).exists()


# --- not before the measure -------------------------------------------------------------------------


def test_approval_before_the_measure_is_refused_even_with_a_reason(first_reviewed, regional2):
    with pytest.raises(ServiceError, match="早于.*适用起始日期2023-06-01") as err:
        services.filing_approve(
            actor=regional2, filing=first_reviewed, effective_from=dt.date(2000, 1, 1), backdate_reason="补录"
        )
    assert err.value.code == "before_measure"
    _unchanged(first_reviewed)


def test_import_of_recorded_history_before_the_measure_is_refused(system, centre):
    with pytest.raises(ServiceError, match="适用起始日期2023-01-01"):
        services.filing_import_decided(
            actor=system, centre=centre, level="yinchuan", status="approved", effective_from=dt.date(2022, 12, 31)
        )
    assert not Filing.objects.filter(centre=centre).exists()
    # history from the measure's date on imports without any reason (it is recorded, not decided here)
    f = services.filing_import_decided(
        actor=system, centre=centre, level="regional", status="approved", effective_from=dt.date(2023, 6, 1)
    )
    assert f.effective_from == dt.date(2023, 6, 1)


def test_scenario_import_refuses_an_effective_date_before_the_measure():
    from subsidies.scenario import ScenarioError, import_scenario
    from tests.subsidies.builders import base_fragment

    fragment = base_fragment()
    fragment["centres"][0]["filings"][0]["effective_from"] = "2000-01-01"
    with pytest.raises(ScenarioError, match="2023-06-01"):
        import_scenario(fragment)
    assert not Centre.objects.exists()


def test_reinstatement_and_suspension_dates_are_bounded(first_reviewed, regional2):
    services.filing_approve(actor=regional2, filing=first_reviewed, effective_from=dt.date(2026, 3, 10))
    with pytest.raises(ServiceError, match="超出合理范围"):
        services.filing_suspend(actor=regional2, filing=first_reviewed, on=dt.date(9999, 12, 31), reason="整改")
    assert Filing.objects.get(pk=first_reviewed.pk).status == FilingStatus.APPROVED


# --- backdating needs a reason ------------------------------------------------------------------------


def test_backdating_past_the_submission_needs_a_reason(first_reviewed, regional2):
    with pytest.raises(ServiceError, match="早于企业提交日期2026-03-10,追溯生效须填写追溯理由") as err:
        services.filing_approve(actor=regional2, filing=first_reviewed, effective_from=dt.date(2026, 3, 9))
    assert err.value.code == "backdate_reason"
    _unchanged(first_reviewed)
    f = services.filing_approve(
        actor=regional2,
        filing=first_reviewed,
        effective_from=dt.date(2024, 3, 1),
        backdate_reason="2024年已按纸质材料备案,本次补录",
        comment="同意",
    )
    assert f.effective_from == dt.date(2024, 3, 1)
    decision = ReviewDecision.objects.get(filing=f, step=ReviewStep.APPROVAL)
    assert decision.comment == (
        "追溯生效:生效日期2024-03-01早于企业提交日期2026-03-10;理由:2024年已按纸质材料备案,本次补录\n同意"
    )


def test_the_submission_date_itself_and_later_need_no_reason(first_reviewed, regional2):
    f = services.filing_approve(actor=regional2, filing=first_reviewed, effective_from=dt.date(2026, 3, 10))
    assert f.effective_from == dt.date(2026, 3, 10)
    assert "追溯" not in ReviewDecision.objects.get(filing=f, step=ReviewStep.APPROVAL).comment


def test_the_bound_is_a_parameter(first_reviewed, regional2, admin_user):
    parameter_set(actor=admin_user, name="review.backdate_days", value="30", effective_from=dt.date(2026, 1, 1))
    with pytest.raises(ServiceError, match="早于企业提交日期2026-03-10超过30天"):
        services.filing_approve(actor=regional2, filing=first_reviewed, effective_from=dt.date(2026, 2, 7))
    f = services.filing_approve(actor=regional2, filing=first_reviewed, effective_from=dt.date(2026, 2, 8))
    assert f.effective_from == dt.date(2026, 2, 8)


def test_api_approval_checks_the_measure_and_the_reason(first_reviewed, regional2):
    api = APIClient()
    api.force_authenticate(regional2)
    url = f"/api/v1/filings/{first_reviewed.pk}/approve/"
    before = api.post(url, {"effective_from": "2000-01-01", "backdate_reason": "补录"}, format="json")
    assert before.status_code == 400 and before.json()["error"]["code"] == "before_measure"
    no_reason = api.post(url, {"effective_from": "2024-03-01"}, format="json")
    assert no_reason.status_code == 400 and no_reason.json()["error"]["code"] == "backdate_reason"
    _unchanged(first_reviewed)
    done = api.post(url, {"effective_from": "2024-03-01", "backdate_reason": "纸质备案补录"}, format="json")
    assert done.status_code == 200 and done.json()["effective_from"] == "2024-03-01"
    decisions = api.get(f"/api/v1/filings/{first_reviewed.pk}/decisions/").json()
    assert "追溯生效" in decisions[-1]["comment"] and "纸质备案补录" in decisions[-1]["comment"]


def test_page_shows_the_bound_and_asks_for_the_reason(client, first_reviewed, regional2):
    client.force_login(regional2)
    url = reverse("registry:review_decide", args=[first_reviewed.pk])
    page = client.get(url).content.decode()
    assert 'name="backdate_reason"' in page and "企业提交日期" in page and "须填写追溯理由" in page
    assert "适用起始日期" in page
    refused = client.post(
        url,
        {"action": "approve", "on": "2000-01-01", "seen_status": "first_reviewed", "backdate_reason": "补录"},
        follow=True,
    ).content.decode()
    assert "适用起始日期2023-06-01" in refused
    refused = client.post(
        url, {"action": "approve", "on": "2024-03-01", "seen_status": "first_reviewed"}, follow=True
    ).content.decode()
    assert "追溯生效须填写追溯理由" in refused
    _unchanged(first_reviewed)
    client.post(
        url,
        {"action": "approve", "on": "2024-03-01", "seen_status": "first_reviewed", "backdate_reason": "纸质备案补录"},
    )
    assert Filing.objects.get(pk=first_reviewed.pk).effective_from == dt.date(2024, 3, 1)
    # the reason stands in the review record every later reader sees
    assert "追溯生效" in client.get(url).content.decode()


# --- established_on -----------------------------------------------------------------------------------


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31", "1900-01-01"])
def test_established_on_outside_sensible_bounds_is_refused(client, owner, enterprise, day):
    with pytest.raises(ServiceError, match="成立日期.*超出合理范围"):
        services.centre_create(
            actor=owner,
            enterprise=enterprise,
            name="测试中心",
            city="北京",
            division_code="110108",
            established_on=dt.date.fromisoformat(day),
        )
    api = APIClient()
    api.force_authenticate(owner)
    response = api.post(
        "/api/v1/centres/",
        {
            "enterprise": enterprise.pk,
            "name": "测试中心",
            "city": "北京",
            "division_code": "110108",
            "established_on": day,
        },
        format="json",
    )
    assert response.status_code == 400 and response.json()["error"]["code"] == "date_range", response.content
    client.force_login(owner)
    page = client.post(
        reverse("registry:centre_create", args=[enterprise.pk]),
        {
            "name": "测试中心",
            "kind": "independent",
            "city": "北京",
            "division_code": "110108",
            "headcount": "1",
            "established_on": day,
        },
        follow=True,
    ).content.decode()
    assert "超出合理范围" in page
    assert not Centre.objects.filter(name="测试中心").exists()
    ok = services.centre_create(
        actor=owner,
        enterprise=enterprise,
        name="测试中心",
        city="北京",
        division_code="110108",
        established_on=dt.date(2023, 11, 1),
    )
    assert ok.established_on == dt.date(2023, 11, 1)
