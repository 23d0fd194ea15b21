# ruff: noqa: F811  (pytest fixtures imported from grants_support)
"""Issue 12 item 6: awards decided by one person. NX-PERF evaluations (¥500,000), incubator assessments and
recognitions now pass the same two steps as grant applications: recording the result is the award's 初审,
another reviewer's 复审 (grants.grant_approve) approves it, and the grants run pays only awards that passed
both steps — never before, never on one person's word; services, pages and API alike."""

import importlib
from decimal import Decimal

import pytest
from django.apps import apps as django_apps
from django.urls import reverse
from django.utils import timezone

from accounts.errors import ConflictError, ServiceError
from subsidies.grants import incubators
from subsidies.grants import services as grants
from subsidies.models import (
    ApplicationDecision,
    ApplicationStatus,
    GrantApplication,
    PayoutLine,
    PayoutRun,
    RunKind,
)
from subsidies.runs import services as runs
from tests.api.conftest import login_client
from tests.subsidies.grants_support import (  # noqa: F401  (fixtures)
    enterprise,
    independent,
    joint,
    media_root,
    owner,
    reg1,
    reg2,
    yc1,
    yc2,
)

pytestmark = pytest.mark.django_db


def this_month() -> str:
    return timezone.localdate().strftime("%Y-%m")


def grants_lines(finance) -> set[str]:
    """The bases of the lines a grants run computed now would pay (the run is cancelled afterwards, so that
    the next call computes again)."""
    run = runs.payout_run_start(actor=finance, kind=RunKind.GRANTS, period=this_month())
    run = runs.payout_run_compute(actor=finance, run=run, inline=True)
    bases = set(PayoutLine.objects.filter(run=run, active=True).values_list("basis", flat=True))
    runs.payout_run_cancel(actor=finance, run_id=run.pk, reason="测试:只看计入哪些奖补")
    return bases


@pytest.fixture
def incubator(owner, enterprise, yc1, yc2):
    inc = incubators.incubator_create(
        actor=owner, operator=enterprise, ref="INC-2S", name="银川飞地孵化器(苏州)", city="苏州"
    )
    incubators.incubator_submit(actor=owner, incubator=inc)
    incubators.incubator_decide(actor=yc1, incubator=inc, action="first_review")
    return incubators.incubator_decide(
        actor=yc2, incubator=inc, action="approve", on=timezone.localdate().replace(month=1, day=1)
    )


def test_recording_a_result_is_only_the_first_step(independent, incubator, reg1, yc1):
    ev = grants.evaluation_record(actor=reg1, centre=independent, period="2022-2024", result="excellent")
    year = timezone.localdate().year
    assessment = incubators.incubator_assessment_record(
        actor=yc1, incubator=incubator, year=year, score="90", passed=True, amount="400000"
    )
    recognition = incubators.incubator_recognition_record(actor=yc1, incubator=incubator, programme_code="YC-INC-NAT")
    for award, amount, recorder in (
        (ev.award, "500000.00", reg1),
        (assessment.award, "400000.00", yc1),
        (recognition, "500000.00", yc1),
    ):
        award.refresh_from_db()
        assert (award.status, award.approved_amount, award.decided_at) == (ApplicationStatus.FIRST_REVIEWED, None, None)
        assert award.requested_amount == Decimal(amount)
        assert grants.first_reviewer(award) == recorder
        steps = list(award.decisions.values_list("step", "decision", "amount", "actor"))
        assert steps == [("first_review", "first_reviewed", Decimal(amount), recorder.pk)]


def test_one_person_cannot_take_both_steps(independent, incubator, reg1, reg2, yc1, yc2):
    ev = grants.evaluation_record(actor=reg1, centre=independent, period="2022-2024", result="excellent")
    recognition = incubators.incubator_recognition_record(actor=yc1, incubator=incubator, programme_code="YC-MS-NAT")
    for award, recorder, other in ((ev.award, reg1, reg2), (recognition, yc1, yc2)):
        with pytest.raises(ServiceError, match="复审须由初审人以外的审核员进行") as exc:
            grants.grant_approve(actor=recorder, application=award)
        assert exc.value.code == "same_reviewer" and exc.value.status == 403
        with pytest.raises(ServiceError, match="复审须由初审人以外的审核员进行"):
            grants.grant_reject(actor=recorder, application=award, comment="自己否决")
        award.refresh_from_db()
        assert award.status == ApplicationStatus.FIRST_REVIEWED
        approved = grants.grant_approve(actor=other, application=award, comment="复核无误")
        assert approved.status == ApplicationStatus.APPROVED and approved.decided_at is not None
        assert list(approved.decisions.values_list("step", "actor")) == [
            ("first_review", recorder.pk),
            ("approval", other.pk),
        ]


def test_an_award_is_not_returned_to_an_applicant_but_may_be_rejected(independent, reg1, reg2):
    ev = grants.evaluation_record(actor=reg1, centre=independent, period="2022-2024", result="excellent")
    with pytest.raises(ConflictError, match="不能退回修改"):
        grants.grant_return(actor=reg2, application=ev.award, comment="请修改")
    rejected = grants.grant_reject(actor=reg2, application=ev.award, comment="评估结论有误")
    assert (rejected.status, rejected.approved_amount) == (ApplicationStatus.REJECTED, None)


def test_the_grants_run_pays_an_award_only_after_both_steps(independent, incubator, reg1, reg2, yc1, yc2, finance):
    ev = grants.evaluation_record(actor=reg1, centre=independent, period="2022-2024", result="excellent")
    recognition = incubators.incubator_recognition_record(actor=yc1, incubator=incubator, programme_code="YC-MS-NAT")
    assert grants_lines(finance) == set(), "a first-step-only award is never paid"
    grants.grant_approve(actor=reg2, application=ev.award)
    assert grants_lines(finance) == {f"award:{ev.award_id}"}
    grants.grant_approve(actor=yc2, application=recognition)
    assert grants_lines(finance) == {f"award:{ev.award_id}", f"award:{recognition.pk}"}


def test_the_run_pays_no_approval_given_by_one_person_alone(independent, reg1, finance):
    """Whatever set it approved (an older single-step award, a direct write), an award without a second
    person's 复审 after its 初审 gives no line."""
    ev = grants.evaluation_record(actor=reg1, centre=independent, period="2022-2024", result="excellent")
    GrantApplication.objects.filter(pk=ev.award_id).update(
        status=ApplicationStatus.APPROVED, approved_amount=Decimal("500000.00"), decided_at=timezone.now()
    )
    ApplicationDecision.objects.create(
        application_id=ev.award_id,
        step="approval",
        decision=ApplicationStatus.APPROVED,
        actor=reg1,
        amount=Decimal("500000.00"),
    )
    assert grants_lines(finance) == set()
    assert not grants.passed_both_steps(GrantApplication.objects.filter(pk=ev.award_id)).exists()


def test_earlier_single_person_awards_go_back_for_the_second_step(independent, reg1, reg2, finance):
    """The data migration: an unpaid award approved by one person becomes 初审通过 with its amount proposed."""
    ev = grants.evaluation_record(actor=reg1, centre=independent, period="2022-2024", result="excellent")
    # as the portal recorded it before: approved at once, one approval decision by the recorder
    GrantApplication.objects.filter(pk=ev.award_id).update(
        status=ApplicationStatus.APPROVED,
        approved_amount=Decimal("500000.00"),
        requested_amount=None,
        decided_at=timezone.now(),
    )
    ApplicationDecision.objects.filter(application_id=ev.award_id).update(
        step="approval", decision=ApplicationStatus.APPROVED
    )
    migration = importlib.import_module("subsidies.migrations.0013_awards_two_step_review")
    migration.back_to_second_review(django_apps, None)
    award = GrantApplication.objects.get(pk=ev.award_id)
    assert (award.status, award.approved_amount, award.requested_amount) == (
        ApplicationStatus.FIRST_REVIEWED,
        None,
        Decimal("500000.00"),
    )
    assert grants.first_reviewer(award) == reg1
    with pytest.raises(ServiceError, match="复审须由初审人以外"):
        grants.grant_approve(actor=reg1, application=award)
    grants.grant_approve(actor=reg2, application=award)
    assert grants_lines(finance) == {f"award:{award.pk}"}


# --- pages and API ------------------------------------------------------------------------------------------


def test_pages_take_the_two_steps(client, independent, reg1, reg2, finance):
    client.force_login(reg1)
    response = client.post(
        reverse("subsidies:evaluation_new"),
        {"centre": independent.pk, "period": "2022-2024", "result": "excellent", "note": ""},
        follow=True,
    )
    assert "待另一名审核员复审" in response.content.decode()
    award = GrantApplication.objects.get(programme__code="NX-PERF")
    assert award.status == ApplicationStatus.FIRST_REVIEWED
    home = client.get(reverse("subsidies:grant_home")).content.decode()
    assert f'href="{reverse("subsidies:grant_detail", args=[award.pk])}"' in home  # in the review queue too
    detail = reverse("subsidies:grant_detail", args=[award.pk])
    page = client.get(detail).content.decode()
    assert "您已作出初审,复审须由其他审核员进行" in page and "录入结果即为初审" in page
    assert 'value="return"' not in page  # no applicant to return it to
    refused = client.post(
        detail, {"action": "approve", "amount": "", "comment": "", "seen_status": "first_reviewed"}, follow=True
    )
    assert "复审须由初审人以外的审核员进行" in refused.content.decode()
    award.refresh_from_db()
    assert award.status == ApplicationStatus.FIRST_REVIEWED

    client.force_login(finance)
    client.post(reverse("subsidies:grants_run_start"), {"period": this_month()})
    run = PayoutRun.objects.get(kind=RunKind.GRANTS)
    assert run.line_count == 0 and not PayoutLine.objects.filter(basis=f"award:{award.pk}").exists()
    runs.payout_run_cancel(actor=finance, run_id=run.pk, reason="测试")

    client.force_login(reg2)
    client.post(detail, {"action": "approve", "amount": "", "comment": "复核", "seen_status": "first_reviewed"})
    award.refresh_from_db()
    assert (award.status, award.approved_amount) == (ApplicationStatus.APPROVED, Decimal("500000.00"))
    assert grants_lines(finance) == {f"award:{award.pk}"}


def test_api_takes_the_two_steps(independent, reg1, reg2, finance):
    first, second = login_client(reg1), login_client(reg2)
    created = first.post(
        "/api/v1/evaluations/", {"centre": independent.pk, "period": "2022-2024", "result": "excellent"}, format="json"
    )
    assert created.status_code == 201, created.content
    award_id = created.json()["award"]
    assert (created.json()["award_status"], created.json()["award_amount"]) == ("first_reviewed", None)
    same = first.post(f"/api/v1/grant-applications/{award_id}/approve/", {}, format="json")
    assert same.status_code == 403 and same.json()["error"]["code"] == "same_reviewer"

    fin = login_client(finance)
    run = fin.post("/api/v1/payout-runs/grants/", {"period": this_month()}, format="json")
    assert run.status_code == 201 and run.json()["line_count"] == 0
    runs.payout_run_cancel(actor=finance, run_id=run.json()["id"], reason="测试")

    approved = second.post(f"/api/v1/grant-applications/{award_id}/approve/", {}, format="json")
    assert approved.status_code == 200 and approved.json()["approved_amount"] == "500000.00"
    decisions = first.get(f"/api/v1/grant-applications/{award_id}/decisions/").json()
    assert [(d["step"], d["decision"]) for d in decisions] == [
        ("first_review", "first_reviewed"),
        ("approval", "approved"),
    ]
    again = fin.post("/api/v1/payout-runs/grants/", {"period": this_month()}, format="json")
    assert again.status_code == 201 and again.json()["line_count"] == 1
