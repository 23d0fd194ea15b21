"""A researcher is one record across employers (F4/F5 of the security review): an enterprise's why-not answer,
letter and objections read only its own contracts and published lines; another employer's centre, contract
dates and payments never show, a month payable under another's contract reads 其他单位 only."""

import datetime as dt
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.errors import ConflictError, NotFoundError
from subsidies.explain import selectors as explain
from subsidies.explain.months import DUE, OTHER_EMPLOYER, PAID, PAID_ELSEWHERE
from subsidies.models import PayoutLine, RunState
from subsidies.objections import services as svc
from talent.models import Contract

pytestmark = pytest.mark.django_db

TODAY = dt.date(2024, 9, 15)


@pytest.fixture
def shared(world):
    """A's researcher also works part-time at B's centre from 2024-04-01 (B's contract alone pays nothing)."""
    Contract.objects.create(
        researcher=world.a.researcher,
        centre=world.b.centre,
        full_time=False,
        start=dt.date(2024, 4, 1),
        end=dt.date(2030, 3, 31),
    )
    return world


def _leaks(text: str, world) -> list[str]:
    a = world.a
    return [s for s in (a.centre.ref, a.centre.name, "2024-03-01", "2029-02-28") if s in text]


def test_b_sees_nothing_of_a_contract_on_calendar_month_page_and_api(shared):
    world = shared
    pk = world.a.researcher.pk
    b = explain.researcher_months(
        actor=world.b.user,
        researcher=world.a.researcher,
        months=range(2024 * 12 + 2, 2024 * 12 + 8),
        today=TODAY,
    )
    by = {a.label: a for a in b}
    assert by["2024-05"].status == PAID_ELSEWHERE and by["2024-05"].line is None
    # payable under A's full-time contract only: 其他单位, no reasons, no amount
    assert by["2024-06"].status == OTHER_EMPLOYER and by["2024-06"].amount is None and not by["2024-06"].conditions
    assert "其他单位" in by["2024-06"].summary and by["2024-06"].status_label == "其他单位"
    assert by["2024-07"].status == OTHER_EMPLOYER
    assert not _leaks(" ".join(a.summary + a.if_remedied for a in b), world)
    # staff keep the full picture
    staff = explain.researcher_months(
        actor=world.users["regional_reviewer"], researcher=world.a.researcher, months=[2024 * 12 + 4], today=TODAY
    )
    assert staff[0].status == PAID
    c = Client()
    c.force_login(world.b.user)
    calendar = c.get(reverse("objections:calendar", args=[pk]))
    assert calendar.status_code == 200
    assert not _leaks(calendar.content.decode(), world)
    for month in ("2024-05", "2024-06", "2024-03"):
        page = c.get(reverse("objections:month", args=[pk, month]))
        assert page.status_code == 200 and not _leaks(page.content.decode(), world), month
    api = APIClient()
    api.force_authenticate(world.b.user)
    body = api.get(f"/api/v1/stipend-calendar/{pk}/").json()
    assert body["months"] and not _leaks(str(body), world)
    one = api.get(f"/api/v1/stipend-calendar/{pk}/", {"month": "2024-06"}).json()
    assert one["months"][0]["status"] == OTHER_EMPLOYER and not _leaks(str(one), world)


def test_a_month_in_the_other_employers_unapproved_run_reads_other_employer_only(shared):
    world = shared
    run = world.a.line.run
    run.state = RunState.COMPUTED
    run.save(update_fields=["state"])
    (b,) = explain.researcher_months(
        actor=world.b.user, researcher=world.a.researcher, months=[2024 * 12 + 4], today=TODAY
    )
    assert b.status == OTHER_EMPLOYER and b.amount is None and not b.in_run
    assert run.period not in b.summary and not _leaks(b.summary, world)


def test_b_may_not_learn_that_a_paid_the_month(shared):
    world = shared
    with pytest.raises(ConflictError) as a_paid:
        svc.objection_raise(
            actor=world.a.user,
            subject="unpaid_month",
            subject_id=world.a.researcher.pk,
            service_month="2024-05",
            category="amount",
            text="未发放",
        )
    assert a_paid.value.code == "already_paid"
    objection = svc.objection_raise(
        actor=world.b.user,
        subject="unpaid_month",
        subject_id=world.a.researcher.pk,
        service_month="2024-05",
        category="amount",
        text="未发放",
    )
    assert objection.enterprise == world.b.enterprise
    # B's expected arrears come from B's contract only: A's payable months are not B's to be told of
    amount, months = svc.expected_arrears(actor=world.users["regional_reviewer"], objection=objection)
    assert amount == Decimal("0.00") and months == []


def test_a_computed_run_line_is_not_shown_as_paid_nor_as_a_decided_amount(world):
    line = world.a.line
    line.run.state = RunState.COMPUTED
    line.run.save(update_fields=["state"])
    assert not explain.visible_lines(actor=world.a.user, researcher=world.a.researcher).exists()
    assert not explain.visible_lines(actor=world.users["regional_reviewer"], researcher=world.a.researcher).exists()
    (answer,) = explain.researcher_months(
        actor=world.a.user, researcher=world.a.researcher, months=[2024 * 12 + 4], today=TODAY
    )
    assert answer.status != PAID and answer.line is None
    # it is due and already in the run awaiting approval: said so, not "paid by another centre"
    assert answer.status == DUE and answer.in_run == line.run.period and answer.amount == line.amount
    assert f"已列入{line.run.period}期发放批次,待审批后发放" in answer.summary
    # a partially settled run is published: its line shows
    line.run.state = RunState.PARTIAL
    line.run.save(update_fields=["state"])
    assert line in explain.visible_lines(actor=world.a.user, researcher=world.a.researcher)
    assert PayoutLine.objects.filter(pk=line.pk).exists()


def test_partial_runs_count_as_published_for_objections_and_anomalies():
    from subsidies import anomalies
    from subsidies.models import PUBLISHED_RUN_STATES

    assert RunState.PARTIAL in PUBLISHED_RUN_STATES
    assert anomalies.DONE is PUBLISHED_RUN_STATES
    assert svc.PUBLISHED_RUN_STATES is PUBLISHED_RUN_STATES


def test_unknown_researcher_is_still_not_found(world):
    with pytest.raises(NotFoundError):
        svc.objection_raise(
            actor=world.b.user,
            subject="unpaid_month",
            subject_id=world.a.researcher.pk,
            service_month="2024-05",
            category="amount",
            text="x",
        )
