# ruff: noqa: F811  (pytest fixtures imported from grants_support)
"""Grant applications through the services: eligibility and bounds per programme, the two-step review,
once-only at submission and in the database, NX-FIRST never after a revocation, evaluations, incubators."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction

from accounts.errors import ConflictError, ServiceError
from registry import services as registry
from registry.models import Notification
from subsidies.grants import incubators
from subsidies.grants import services as grants
from subsidies.models import ApplicationStatus, GrantApplication, IncubatorAssessment, PerformanceEvaluation
from tests.subsidies.grants_support import (  # noqa: F401  (fixtures)
    doc,
    enterprise,
    independent,
    joint,
    make_centre,
    make_researcher,
    media_root,
    other_enterprise,
    other_owner,
    owner,
    programme,
    reg1,
    reg2,
    yc1,
    yc2,
)

pytestmark = pytest.mark.django_db


def apply(owner, code, centre, **kw):
    return grants.grant_apply(
        actor=owner,
        programme=programme(code),
        centre=centre,
        documents=[("批复文件", doc())],
        **kw,
        commitment=True,
    )


def approve(app, reg1, reg2, amount=None):
    grants.grant_first_review(actor=reg1, application=app)
    return grants.grant_approve(actor=reg2, application=app, amount=amount)


@pytest.mark.parametrize(
    "code,kind,expected",
    [
        ("NX-TH", "independent", Decimal("500000.00")),
        ("NX-PDW", "independent", Decimal("300000.00")),
        ("NX-PDB", "independent", Decimal("100000.00")),
    ],
)
def test_fixed_programmes_pay_their_amount(owner, independent, reg1, reg2, code, kind, expected):
    app = approve(apply(owner, code, independent), reg1, reg2)
    assert app.status == ApplicationStatus.APPROVED
    assert app.approved_amount == expected
    assert [d.step for d in app.decisions.order_by("id")] == ["submit", "first_review", "approval"]


@pytest.mark.parametrize("code", ["NX-TH", "NX-PDW", "NX-PDB", "NX-TEAM"])
def test_independent_only_programmes_refuse_a_joint_centre(owner, joint, code):
    with pytest.raises(ServiceError, match="联合研发机构不适用"):
        apply(owner, code, joint)
    assert not GrantApplication.objects.exists()


def test_nx_pdf_refuses_a_joint_centre(system, owner, joint):
    r = make_researcher(actor=system, centre=joint)
    with pytest.raises(ServiceError, match="联合研发机构不适用"):
        apply(owner, "NX-PDF", joint, researcher=r)


@pytest.mark.parametrize(
    "kind,cap,over", [("independent", "1,000,000.00", "1000000.01"), ("joint", "500,000.00", "500000.01")]
)
def test_nx_first_is_capped_by_kind(system, owner, enterprise, reg1, reg2, kind, cap, over):
    centre = make_centre(actor=system, enterprise=enterprise, ref=f"CAP-{kind}", kind=kind)
    app = apply(owner, "NX-FIRST", centre)
    grants.grant_first_review(actor=reg1, application=app)
    with pytest.raises(ServiceError, match=f"核定金额须大于 0 且不超过 {cap} 元"):
        grants.grant_approve(actor=reg2, application=app, amount=over)
    app.refresh_from_db()
    assert app.status == ApplicationStatus.FIRST_REVIEWED and app.approved_amount is None
    with pytest.raises(ServiceError, match="核定金额"):
        grants.grant_approve(actor=reg2, application=app, amount=None)  # capped: staff must enter it
    cap_value = Decimal(over) - Decimal("0.01")
    app = grants.grant_approve(actor=reg2, application=app, amount=str(cap_value))
    assert app.approved_amount == cap_value


def test_nx_award_range_message_names_the_bounds(system, owner, independent, reg1, reg2):
    r = make_researcher(actor=system, centre=independent)
    app = apply(owner, "NX-AWARD", independent, researcher=r, award_programme="塞上英才", year=2024)
    grants.grant_first_review(actor=reg1, application=app)
    for bad in ("49999.99", "1000000.01"):
        with pytest.raises(ServiceError, match="核定金额须在 50,000.00 至 1,000,000.00 元之间"):
            grants.grant_approve(actor=reg2, application=app, amount=bad)
    app = grants.grant_approve(actor=reg2, application=app, amount="50000")
    assert app.approved_amount == Decimal("50000.00")
    # another award programme the same year, or the same one another year, may be applied for
    apply(owner, "NX-AWARD", independent, researcher=r, award_programme="科技领军人才", year=2024)
    apply(owner, "NX-AWARD", independent, researcher=r, award_programme="塞上英才", year=2023)
    with pytest.raises(ServiceError, match="每人每项奖励每年限一次"):
        apply(owner, "NX-AWARD", independent, researcher=r, award_programme="塞上英才", year=2024)


def test_nx_team_cap(owner, independent, reg1, reg2):
    app = apply(owner, "NX-TEAM", independent)
    grants.grant_first_review(actor=reg1, application=app)
    with pytest.raises(ServiceError, match="不超过 2,000,000.00 元"):
        grants.grant_approve(actor=reg2, application=app, amount="2000000.01")
    assert grants.grant_approve(actor=reg2, application=app, amount="2000000").approved_amount == Decimal("2000000.00")


def test_fixed_amount_cannot_be_changed(owner, independent, reg1, reg2):
    app = apply(owner, "NX-PDW", independent)
    grants.grant_first_review(actor=reg1, application=app)
    with pytest.raises(ServiceError, match="定额资助,核定金额须为 300,000.00 元"):
        grants.grant_approve(actor=reg2, application=app, amount="250000")


def test_nx_pdf_once_per_person_and_contract_required(system, owner, independent, enterprise, reg1, reg2):
    r = make_researcher(actor=system, centre=independent, doctorate=True)
    approve(apply(owner, "NX-PDF", independent, researcher=r), reg1, reg2)
    with pytest.raises(ServiceError, match="每人限一次"):
        apply(owner, "NX-PDF", independent, researcher=r)
    other = make_centre(actor=system, enterprise=enterprise, ref="GR-IND2")
    with pytest.raises(ServiceError, match="没有聘用合同"):
        apply(owner, "NX-PDF", other, researcher=r)
    r2 = make_researcher(actor=system, centre=independent, seed=2, name="李博士", doctorate=True)
    assert approve(apply(owner, "NX-PDF", independent, researcher=r2), reg1, reg2).approved_amount == Decimal(
        "100000.00"
    )


def test_second_application_refused_at_submission(owner, independent, reg1, reg2):
    app = apply(owner, "NX-TH", independent)
    with pytest.raises(ServiceError, match="已有在审的NX-TH申报"):
        apply(owner, "NX-TH", independent)
    approve(app, reg1, reg2)
    with pytest.raises(ServiceError, match="每个中心限一次"):
        apply(owner, "NX-TH", independent)
    assert GrantApplication.objects.count() == 1


def test_second_award_impossible_in_the_database(owner, independent, reg1, reg2):
    app = approve(apply(owner, "NX-TH", independent), reg1, reg2)
    with pytest.raises(IntegrityError, match="grant_once_per_centre"), transaction.atomic(), connection.cursor() as cur:
        cur.execute(
            "INSERT INTO subsidies_grantapplication (programme_id, frequency, origin, enterprise_id, centre_id, "
            "award_programme, evaluation_period, description, approved_amount, status, status_reason, submitted_by_id,"
            " submitted_at, decided_at) VALUES (%s, 'once_per_centre', 'application', %s, %s, '', '', '', 500000, "
            "'approved', '', %s, now(), now())",
            [app.programme_id, app.enterprise_id, app.centre_id, owner.pk],
        )
    assert GrantApplication.objects.filter(status="approved").count() == 1


def test_evaluation_award_once_per_period_in_the_database(owner, independent, reg1, reg2):
    ev = grants.evaluation_record(actor=reg1, centre=independent, period="2022-2024", result="excellent")
    grants.grant_approve(actor=reg2, application=ev.award)  # the second step (issue 12)
    with pytest.raises(IntegrityError, match="grant_once_per_evaluation"), transaction.atomic():
        GrantApplication.objects.create(
            programme=ev.award.programme,
            frequency="once_per_evaluation",
            origin="evaluation",
            enterprise=ev.award.enterprise,
            centre=independent,
            evaluation_period="2022-2024",
            approved_amount=Decimal("500000"),
            status="approved",
            submitted_by=owner,
        )


def test_two_step_review_needs_a_second_person(owner, independent, reg1, reg2, yc1):
    app = apply(owner, "NX-TH", independent)
    with pytest.raises(ServiceError, match="无权初审"):
        grants.grant_first_review(actor=yc1, application=app)
    grants.grant_first_review(actor=reg1, application=app)
    with pytest.raises(ServiceError, match="复审须由初审人以外的审核员进行"):
        grants.grant_approve(actor=reg1, application=app)
    with pytest.raises(ConflictError, match="不能初审"):
        grants.grant_first_review(actor=reg2, application=app, expected_status="submitted")
    grants.grant_approve(actor=reg2, application=app)
    assert Notification.objects.filter(user=owner, title__contains="NX-TH").count() == 3


def test_return_and_resubmit(owner, independent, reg1, reg2):
    app = apply(owner, "NX-PDB", independent)
    with pytest.raises(ServiceError, match="请填写退回意见"):
        grants.grant_return(actor=reg1, application=app, comment=" ")
    grants.grant_return(actor=reg1, application=app, comment="请补充批复文件")
    grants.grant_resubmit(actor=owner, application=app, documents=[("批复文件", doc("批复v2.pdf"))], commitment=True)
    app = approve(app, reg1, reg2)
    assert app.attachments.count() == 2 and app.approved_amount == Decimal("100000.00")


def test_rejected_application_may_be_made_again(owner, independent, reg1):
    app = apply(owner, "NX-TH", independent)
    grants.grant_reject(actor=reg1, application=app, comment="材料不实")
    assert apply(owner, "NX-TH", independent).status == ApplicationStatus.SUBMITTED


def test_application_needs_a_document_and_membership(owner, other_owner, independent):
    with pytest.raises(ServiceError, match="请上传至少一份申报材料"):
        grants.grant_apply(actor=owner, programme=programme("NX-TH"), centre=independent, documents=[], commitment=True)
    with pytest.raises(ServiceError, match="企业成员"):
        apply(other_owner, "NX-TH", independent)


def test_no_regional_filing_not_eligible(system, owner, enterprise):
    centre = make_centre(actor=system, enterprise=enterprise, ref="NOFILE", regional=None)
    with pytest.raises(ServiceError, match="尚无已生效的自治区级备案"):
        apply(owner, "NX-FIRST", centre)


def test_nx_first_never_after_revocation(system, owner, enterprise, reg1, reg2):
    centre = make_centre(actor=system, enterprise=enterprise, ref="REVOKE")
    filing = centre.filings.get(level="regional")
    registry.filing_revoke(actor=reg1, filing=filing, on=dt.date(2025, 1, 1), reason="违规")
    filing = registry.filing_create(actor=owner, centre=centre, level="regional")
    from tests.registry.conftest import attach_required

    attach_required(actor=owner, filing=filing)
    registry.filing_submit(actor=owner, filing=filing, commitment=True)
    registry.filing_first_review(actor=reg1, filing=filing)
    registry.filing_approve(actor=reg2, filing=filing)
    with pytest.raises(ServiceError, match="撤销后重新备案不再给予首次备案奖励"):
        apply(owner, "NX-FIRST", centre)


def test_performance_evaluation_amounts_by_kind(owner, independent, joint, reg1, reg2):
    ev = grants.evaluation_record(actor=reg1, centre=independent, period="2022-2024", result="excellent")
    award = grants.grant_approve(actor=reg2, application=ev.award)
    assert award.approved_amount == Decimal("500000.00") and award.status == "approved"
    ev2 = grants.evaluation_record(actor=reg1, centre=joint, period="2022-2024", result="excellent")
    assert grants.grant_approve(actor=reg2, application=ev2.award).approved_amount == Decimal("250000.00")
    ev3 = grants.evaluation_record(actor=reg1, centre=independent, period="2019-2021", result="pass")
    assert ev3.award is None
    with pytest.raises(ServiceError, match="已录入"):
        grants.evaluation_record(actor=reg1, centre=independent, period="2022-2024", result="excellent")
    with pytest.raises(ServiceError, match="连续三个年度"):
        grants.evaluation_record(actor=reg1, centre=independent, period="2022-2023", result="excellent")
    assert PerformanceEvaluation.objects.count() == 3
    with pytest.raises(ServiceError, match="无需申报"):
        apply(owner, "NX-PERF", independent)


def test_incubator_lifecycle_assessment_and_recognition(
    system, owner, enterprise, other_enterprise, other_owner, yc1, yc2, reg1
):
    inc = incubators.incubator_create(
        actor=owner, operator=enterprise, ref="INC-1", name="银川飞地孵化器(上海)", city="上海"
    )
    with pytest.raises(ServiceError, match="尚未备案"):
        incubators.incubator_assessment_record(
            actor=yc1, incubator=inc, year=2024, score="90", passed=True, amount="400000"
        )
    incubators.incubator_submit(actor=owner, incubator=inc)
    # submitting again is refused naming the state (the status field has no choices: a 500 once, found by
    # schemathesis)
    with pytest.raises(ConflictError, match="已提交"):
        incubators.incubator_submit(actor=owner, incubator=inc)
    incubators.incubator_decide(actor=yc1, incubator=inc, action="first_review")
    with pytest.raises(ServiceError, match="复审须由初审人以外"):
        incubators.incubator_decide(actor=yc1, incubator=inc, action="approve")
    with pytest.raises(ServiceError, match="无权"):
        incubators.incubator_decide(actor=reg1, incubator=inc, action="approve")
    inc = incubators.incubator_decide(actor=yc2, incubator=inc, action="approve", on=dt.date(2023, 1, 1))
    assert inc.status == "approved" and inc.ever_approved
    with pytest.raises(ServiceError, match="不超过 500,000.00 元"):
        incubators.incubator_assessment_record(
            actor=yc1, incubator=inc, year=2024, score="90", passed=True, amount="500000.01"
        )
    a = incubators.incubator_assessment_record(
        actor=yc1, incubator=inc, year=2024, score="90", passed=True, amount="400000"
    )
    award = grants.grant_approve(actor=yc2, application=a.award)
    assert award.approved_amount == Decimal("400000.00") and a.award.programme.code == "YC-INC-OPS"
    failed = incubators.incubator_assessment_record(actor=yc1, incubator=inc, year=2023, score="50", passed=False)
    assert failed.award is None and IncubatorAssessment.objects.count() == 2
    nat = incubators.incubator_recognition_record(actor=yc1, incubator=inc, programme_code="YC-INC-NAT")
    ms = incubators.incubator_recognition_record(actor=yc1, incubator=inc, programme_code="YC-MS-REG")
    nat, ms = (grants.grant_approve(actor=yc2, application=x) for x in (nat, ms))
    assert (nat.approved_amount, ms.approved_amount) == (Decimal("500000.00"), Decimal("150000.00"))
    with pytest.raises(ConflictError, match="每个孵化器限一次"):
        incubators.incubator_recognition_record(actor=yc1, incubator=inc, programme_code="YC-INC-NAT")
    # a non-Yinchuan operator cannot file
    from registry.services import enterprise_upsert, membership_add
    from tests.subsidies.builders import enterprise_uscc

    szs = enterprise_upsert(
        actor=system, uscc=enterprise_uscc("91640200MA76GR003"), name="石嘴山孵化器运营", division_code="640202"
    )
    membership_add(actor=system, enterprise=szs, user=other_owner)
    with pytest.raises(ServiceError, match="运营方须注册在银川市"):
        incubators.incubator_create(actor=other_owner, operator=szs, ref="INC-2", name="x", city="北京")


# --- review findings: revoked or suspended filings, re-check at approval, NX-PERF windows, NX-PDF --------------


def _regional(centre):
    return centre.filings.get(level="regional")


def test_revoked_or_suspended_centre_gets_no_evaluation_award(owner, independent, joint, reg1):
    """POLICY §1: only an approved, not-revoked filing earns anything."""
    registry.filing_revoke(actor=reg1, filing=_regional(independent), on=dt.date(2025, 6, 1), reason="违规使用资金")
    with pytest.raises(ServiceError, match="自治区级备案当前为“已撤销”") as exc:
        grants.evaluation_record(actor=reg1, centre=independent, period="2022-2024", result="excellent")
    assert independent.ref in exc.value.record
    registry.filing_suspend(actor=reg1, filing=_regional(joint), on=dt.date(2025, 6, 1), reason="整改")
    with pytest.raises(ServiceError, match="被撤销或暂停备案的中心"):
        grants.evaluation_record(actor=reg1, centre=joint, period="2022-2024", result="excellent")
    assert not PerformanceEvaluation.objects.exists() and not GrantApplication.objects.exists()


def test_excellent_evaluation_before_the_filing_took_effect_earns_nothing(owner, independent, reg1):
    # the regional filing took effect on 2024-03-01: 2019-2021 ended before it
    with pytest.raises(ServiceError, match="晚于2019-2021评估期"):
        grants.evaluation_record(actor=reg1, centre=independent, period="2019-2021", result="excellent")
    assert not GrantApplication.objects.exists()


def test_nx_perf_once_per_three_years_overlaps_and_unfinished_periods_refused(owner, independent, reg1, reg2):
    ev = grants.evaluation_record(actor=reg1, centre=independent, period="2022-2024", result="excellent")
    assert grants.grant_approve(actor=reg2, application=ev.award).approved_amount == Decimal("500000.00")
    for period in ("2023-2025", "2020-2022", "2024-2026"):
        with pytest.raises(ServiceError, match=f"评估期{period}与该中心已录入的2022-2024评估期重叠"):
            grants.evaluation_record(actor=reg1, centre=independent, period=period, result="excellent")
    this_year = dt.date.today().year
    unfinished = f"{this_year - 2}-{this_year}"
    with pytest.raises(ServiceError, match=f"评估期{unfinished}尚未结束"):
        grants.evaluation_record(actor=reg1, centre=independent, period=unfinished, result="pass")
    assert GrantApplication.objects.filter(programme__code="NX-PERF").count() == 1


def test_nx_perf_overlapping_periods_impossible_in_the_database(owner, independent, reg1, reg2):
    ev = grants.evaluation_record(actor=reg1, centre=independent, period="2022-2024", result="excellent")
    grants.grant_approve(actor=reg2, application=ev.award)
    with pytest.raises(IntegrityError, match="evaluation_periods_disjoint"), transaction.atomic():
        PerformanceEvaluation.objects.create(
            centre=independent, period="2024-2026", result="excellent", recorded_by=reg1
        )
    with pytest.raises(IntegrityError, match="grant_evaluation_periods_disjoint"), transaction.atomic():
        GrantApplication.objects.create(
            programme=ev.award.programme,
            frequency="once_per_evaluation",
            origin="evaluation",
            enterprise=ev.award.enterprise,
            centre=independent,
            evaluation_period="2023-2025",
            approved_amount=Decimal("500000"),
            status="approved",
            submitted_by=owner,
        )
    # adjacent periods are fine
    PerformanceEvaluation.objects.create(centre=independent, period="2019-2021", result="pass", recorded_by=reg1)


def test_approval_rechecks_eligibility_after_a_revocation(owner, independent, reg1, reg2):
    app = apply(owner, "NX-TH", independent)
    grants.grant_first_review(actor=reg1, application=app)
    registry.filing_revoke(actor=reg1, filing=_regional(independent), on=dt.date(2025, 6, 1), reason="违规")
    with pytest.raises(ServiceError, match="申报人已不符合条件,不能复审通过:尚无已生效的自治区级备案") as exc:
        grants.grant_approve(actor=reg2, application=app)
    assert exc.value.code == "ineligible" and f"#{app.pk}" in exc.value.record
    app.refresh_from_db()
    assert app.status == ApplicationStatus.FIRST_REVIEWED and app.approved_amount is None


def test_approval_rechecks_eligibility_after_a_suspension(owner, independent, reg1, reg2):
    app = apply(owner, "NX-PDB", independent)
    grants.grant_first_review(actor=reg1, application=app)
    registry.filing_suspend(actor=reg1, filing=_regional(independent), on=dt.date(2025, 6, 1), reason="整改")
    with pytest.raises(ServiceError, match="不能复审通过"):
        grants.grant_approve(actor=reg2, application=app)
    assert not GrantApplication.objects.filter(status="approved").exists()


def test_nx_pdf_needs_a_verified_doctorate_and_a_current_contract(system, owner, independent, reg1, reg2):
    from talent import services as talent
    from talent.models import Contract

    no_degree = make_researcher(actor=system, centre=independent, seed=3, name="赵硕士")
    with pytest.raises(ServiceError, match="赵硕士没有经核验的博士学位"):
        apply(owner, "NX-PDF", independent, researcher=no_degree)
    unverified = make_researcher(actor=system, centre=independent, seed=4, name="钱博士", doctorate="unverified")
    with pytest.raises(ServiceError, match="钱博士没有经核验的博士学位"):
        apply(owner, "NX-PDF", independent, researcher=unverified)
    left = make_researcher(actor=system, centre=independent, seed=5, name="孙博士", doctorate=True)
    talent.contract_terminate(
        actor=system, contract=Contract.objects.get(researcher=left), terminated_on=dt.date(2025, 1, 31), reason="离职"
    )
    with pytest.raises(ServiceError, match="孙博士与GR-IND研发中心的聘用合同已终止或尚未开始"):
        apply(owner, "NX-PDF", independent, researcher=left)
    # verified after submission would pass; a contract ended between submission and approval is noticed
    ok = make_researcher(actor=system, centre=independent, seed=6, name="周博士", doctorate=True)
    app = apply(owner, "NX-PDF", independent, researcher=ok)
    grants.grant_first_review(actor=reg1, application=app)
    talent.contract_terminate(
        actor=system, contract=Contract.objects.get(researcher=ok), terminated_on=dt.date(2025, 2, 28), reason="离职"
    )
    with pytest.raises(ServiceError, match="周博士与GR-IND研发中心的聘用合同已终止"):
        grants.grant_approve(actor=reg2, application=app)
    assert not GrantApplication.objects.filter(status="approved").exists()


def _approved_incubator(owner, enterprise, yc1, yc2, *, on):
    inc = incubators.incubator_create(
        actor=owner, operator=enterprise, ref="INC-R", name="银川飞地孵化器(杭州)", city="杭州"
    )
    incubators.incubator_submit(actor=owner, incubator=inc)
    incubators.incubator_decide(actor=yc1, incubator=inc, action="first_review")
    return incubators.incubator_decide(actor=yc2, incubator=inc, action="approve", on=on)


def test_revoked_incubator_gets_no_assessment_or_recognition_award(owner, enterprise, yc1, yc2):
    inc = _approved_incubator(owner, enterprise, yc1, yc2, on=dt.date(2023, 1, 1))
    incubators.incubator_decide(actor=yc1, incubator=inc, action="revoke", comment="运营不达标", on=dt.date(2025, 1, 1))
    with pytest.raises(ServiceError, match="备案当前为“已撤销”.运营不达标.") as exc:
        incubators.incubator_assessment_record(
            actor=yc1, incubator=inc, year=2024, score="90", passed=True, amount="400000"
        )
    assert "INC-R" in exc.value.record
    with pytest.raises(ServiceError, match="被撤销或暂停备案的孵化器"):
        incubators.incubator_recognition_record(actor=yc1, incubator=inc, programme_code="YC-INC-NAT")
    assert not GrantApplication.objects.exists() and not IncubatorAssessment.objects.exists()


def test_incubator_assessment_only_for_a_year_in_force(owner, enterprise, yc1, yc2):
    inc = _approved_incubator(owner, enterprise, yc1, yc2, on=dt.date(2024, 7, 1))
    with pytest.raises(ServiceError, match="2023年度不在备案有效期内"):
        incubators.incubator_assessment_record(
            actor=yc1, incubator=inc, year=2023, score="90", passed=True, amount="400000"
        )
    a = incubators.incubator_assessment_record(
        actor=yc1, incubator=inc, year=2024, score="90", passed=True, amount="400000"
    )
    assert grants.grant_approve(actor=yc2, application=a.award).approved_amount == Decimal("400000.00")
