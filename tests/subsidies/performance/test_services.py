# ruff: noqa: F811  (pytest fixtures imported from the support modules)
"""Issue 19 services: the annual report's lifecycle and its refusals (deadline, totals, patent numbers,
evidence, the second person), the evaluation from scoring to the NX-PERF award the grants run pays, and the
expert's refusals (not assigned, conflict of interest, score out of range). Every refusal changes nothing."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine

from accounts.errors import ConflictError, ServiceError
from registry.models import Notification
from subsidies.models import (
    ApplicationStatus,
    CentreScore,
    Indicator,
    IndicatorScore,
    PerformanceEvaluation,
    PerformanceReport,
    ReportItem,
    ReportStatus,
    RoundStatus,
)
from subsidies.parameters.services import parameter_set
from subsidies.performance import selectors, services
from tests.subsidies.grants.test_awards_two_step import grants_lines
from tests.subsidies.grants_support import (  # noqa: F401  (fixtures)
    enterprise,
    independent,
    joint,
    media_root,
    other_enterprise,
    other_owner,
    owner,
    reg1,
    reg2,
)
from tests.subsidies.performance.support import (  # noqa: F401  (fixtures)
    DEADLINE_DAY,
    TOTAL,
    expert,
    expert2,
    figures,
    filled_report,
    patent,
    scheme,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def report(owner, independent):
    with time_machine.travel(DEADLINE_DAY, tick=False):
        return services.report_create(actor=owner, centre=independent, year=2025)


def test_report_goes_draft_submitted_first_reviewed_accepted(owner, report, reg1, reg2):
    assert report.deadline == dt.date(2026, 3, 31)
    with time_machine.travel(DEADLINE_DAY, tick=False):
        filled_report(owner, report)
        report = services.report_submit(actor=owner, report=report)
    assert report.status == ReportStatus.SUBMITTED
    assert report.prefilled["researchers"] == 0 and "grants" in report.prefilled
    services.report_first_review(actor=reg1, report=report)
    with pytest.raises(ServiceError) as exc:
        services.report_accept(actor=reg1, report=report)
    assert exc.value.code == "same_reviewer"
    report = services.report_accept(actor=reg2, report=report, comment="材料齐全")
    assert report.status == ReportStatus.ACCEPTED
    assert [d.step for d in report.decisions.all()] == ["submit", "first_review", "approval"]
    assert Notification.objects.filter(user=owner, title__contains="年度绩效报告").exists()
    assert report.events.count() >= 3, "every change leaves an audit row"


def test_totals_that_do_not_match_the_items_are_refused_and_nothing_saved(owner, report):
    items = [{"figure": "patents_applied", "number": patent(), "title": "一种装置", "date": "2025-03-01"}]
    with pytest.raises(ServiceError) as exc:
        services.report_update(actor=owner, report=report, figures=figures(patents_applied=3), items=items)
    assert exc.value.field == "patents_applied"
    assert "发明专利申请数填报为3,与列出的1条明细不一致" in exc.value.zh and "does not match" in exc.value.en
    report.refresh_from_db()
    assert report.patents_applied == 0 and not ReportItem.objects.exists()


def test_the_contract_value_must_equal_its_items(owner, report):
    items = [{"figure": "contract_value", "title": "合同", "date": "2025-03-01", "amount": "100.00"}]
    with pytest.raises(ServiceError) as exc:
        services.report_update(actor=owner, report=report, figures=figures(contract_value="200.00"), items=items)
    assert exc.value.field == "contract_value"


@pytest.mark.parametrize("number", ["CN2025112345.6", "2025212345678.0", "CN202511234568.X", "abc"])
def test_a_patent_number_in_a_wrong_format_is_refused(owner, report, number):
    items = [{"figure": "patents_granted", "number": number, "title": "一种装置", "date": "2025-03-01"}]
    with pytest.raises(ServiceError) as exc:
        services.report_update(actor=owner, report=report, figures=figures(patents_granted=1), items=items)
    assert exc.value.field == "items.patents_granted" and "专利号" in exc.value.zh and "patent number" in exc.value.en
    assert not ReportItem.objects.exists()


def test_a_result_applied_in_ningxia_names_the_product_or_line(owner, report):
    items = [{"figure": "results_applied", "title": "算法", "date": "2025-03-01"}]
    with pytest.raises(ServiceError, match="产品或产线"):
        services.report_update(actor=owner, report=report, figures=figures(results_applied=1), items=items)


def test_a_report_after_the_deadline_needs_an_extension(owner, report, reg1):
    with time_machine.travel(DEADLINE_DAY, tick=False):
        filled_report(owner, report)
    with time_machine.travel(dt.datetime(2026, 4, 2, 9, 0, tzinfo=DEADLINE_DAY.tzinfo), tick=False):
        with pytest.raises(ServiceError) as exc:
            services.report_submit(actor=owner, report=report)
        assert exc.value.field == "deadline" and "2026-03-31" in exc.value.zh and "deadline" in exc.value.en
        assert PerformanceReport.objects.get(pk=report.pk).status == ReportStatus.DRAFT
        with pytest.raises(ServiceError):
            services.report_extend(actor=owner, report=report, until=dt.date(2026, 4, 30), reason="x")
        services.report_extend(actor=reg1, report=report, until=dt.date(2026, 4, 30), reason="疫情延误")
        assert services.report_submit(actor=owner, report=report).status == ReportStatus.SUBMITTED


def test_the_deadline_is_a_parameter(owner, independent, system):
    parameter_set(actor=system, name="nx_perf.report_deadline", value="04-30", effective_from=dt.date(2026, 1, 1))
    assert services.report_deadline(2025) == dt.date(2026, 4, 30)
    with pytest.raises(ServiceError, match="MM-DD"):
        parameter_set(actor=system, name="nx_perf.report_deadline", value="02-30", effective_from=dt.date(2026, 1, 1))


def test_a_declared_figure_needs_evidence(owner, report):
    items = [{"figure": "joint_projects", "title": "联合项目", "date": "2025-03-01"}]
    with time_machine.travel(DEADLINE_DAY, tick=False):
        services.report_update(actor=owner, report=report, figures=figures(joint_projects=1), items=items)
        with pytest.raises(ServiceError) as exc:
            services.report_submit(actor=owner, report=report)
    assert exc.value.field == "joint_projects" and "证明材料" in exc.value.zh


def test_returned_report_can_be_corrected_and_another_enterprise_cannot_touch_it(owner, other_owner, report, reg1):
    with time_machine.travel(DEADLINE_DAY, tick=False):
        filled_report(owner, report)
        services.report_submit(actor=owner, report=report)
        with pytest.raises(ServiceError):
            services.report_return(actor=reg1, report=report, comment="")
        services.report_return(actor=reg1, report=report, comment="请补充专利证书")
        with pytest.raises(ServiceError):
            services.report_update(actor=other_owner, report=report, figures=figures(), items=[])
        filled_report(owner, report, patents=1)
        assert services.report_submit(actor=owner, report=report).status == ReportStatus.SUBMITTED
    assert list(selectors.report_list(actor=other_owner)) == []
    assert list(selectors.report_list(actor=owner)) == [report]


# --- evaluation ----------------------------------------------------------------------------------------------


def _score_all(rnd, actor, centre, a1="95", a2="95", b1="9"):
    return services.score_record(actor=actor, round=rnd, centre=centre, scores={"A1": a1, "A2": a2, "B1": b1})


def test_the_evaluation_feeds_nx_perf_through_both_steps_and_the_grants_run_pays(
    scheme, independent, joint, expert, expert2, reg1, reg2, finance, owner, system
):
    # two centres: at most half of them 优秀 (the default 30% of two would be none)
    parameter_set(actor=system, name="nx_perf.excellent_share", value="0.50", effective_from=dt.date(2023, 1, 1))
    rnd = services.round_create(actor=reg1, scheme=scheme)
    for centre in (independent, joint):
        services.assignment_create(actor=reg1, round=rnd, expert=expert, centre=centre)
    services.assignment_create(actor=reg1, round=rnd, expert=expert2, centre=independent)
    _score_all(rnd, expert, independent)
    with pytest.raises(ServiceError, match="评分尚未完成"):
        services.round_compute(actor=reg1, round=rnd)
    _score_all(rnd, expert2, independent, a1="85", a2="95", b1="10")
    _score_all(rnd, expert, joint, a1="70", a2="70", b1="7")
    rnd = services.round_compute(actor=reg1, round=rnd)
    results = {cs.centre_id: cs for cs in CentreScore.objects.filter(round=rnd)}
    # independent: A1 mean 90 × 0.4 + A2 95 × 0.4 + B1 9.5/10 × 20 = 36 + 38 + 19
    assert results[independent.pk].score == Decimal("93.00") and results[independent.pk].rank == 1
    assert results[independent.pk].result == "excellent"
    assert results[joint.pk].result == "pass" and results[joint.pk].rank == 2
    assert rnd.rule_used["excellent_score"] == "90.00"
    with pytest.raises(ServiceError):
        _score_all(rnd, expert, joint)  # computed: scoring is closed
    rnd = services.round_first_review(actor=reg1, round=rnd)
    ev = PerformanceEvaluation.objects.get(centre=independent, period="2023-2025")
    assert ev.result == "excellent" and ev.award.status == ApplicationStatus.FIRST_REVIEWED
    assert ev.award.requested_amount == Decimal("500000.00")
    assert PerformanceEvaluation.objects.get(centre=joint).award is None
    assert selectors.published_scores(actor=owner).count() == 0, "nothing is shown before publication"
    assert grants_lines(finance) == set()
    with pytest.raises(ServiceError) as exc:
        services.round_approve(actor=reg1, round=rnd)
    assert exc.value.code == "same_reviewer"
    rnd = services.round_approve(actor=reg2, round=rnd)
    assert rnd.status == RoundStatus.PUBLISHED
    ev.award.refresh_from_db()
    assert ev.award.status == ApplicationStatus.APPROVED and ev.award.approved_amount == Decimal("500000.00")
    assert grants_lines(finance) == {f"award:{ev.award_id}"}
    mine = list(selectors.published_scores(actor=owner))
    assert {m.centre_id for m in mine} == {independent.pk, joint.pk}
    assert [p["code"] for p in mine[0].by_indicator] == ["A1", "A2", "B1"]
    assert Notification.objects.filter(user=owner, title__contains="综合绩效评估").count() == 2


def test_an_expert_scores_only_assigned_centres_and_never_their_own_enterprise(
    scheme, independent, joint, expert, reg1, enterprise
):
    rnd = services.round_create(actor=reg1, scheme=scheme)
    services.assignment_create(actor=reg1, round=rnd, expert=expert, centre=independent)
    with pytest.raises(ServiceError) as exc:
        _score_all(rnd, expert, joint)
    assert exc.value.code == "not_assigned" and "未被分配" in exc.value.zh and "not assigned" in exc.value.en
    with pytest.raises(ServiceError) as exc:
        services.assignment_create(actor=reg1, round=rnd, expert=expert, centre=joint, declared_interest=enterprise)
    assert exc.value.code == "conflict_of_interest" and exc.value.field == "expert"
    assert not IndicatorScore.objects.exists()
    assert list(selectors.round_list(actor=expert)) == [rnd]
    assert [a.centre_id for a in selectors.assignment_list(actor=expert, round=rnd)] == [independent.pk]


@pytest.mark.parametrize(("b1", "a1"), [("11", "90"), ("-1", "90"), ("9", "abc"), ("9", "")])
def test_a_score_outside_the_range_is_refused_and_nothing_saved(scheme, independent, expert, reg1, b1, a1):
    rnd = services.round_create(actor=reg1, scheme=scheme)
    services.assignment_create(actor=reg1, round=rnd, expert=expert, centre=independent)
    with pytest.raises(ServiceError) as exc:
        _score_all(rnd, expert, independent, a1=a1, b1=b1)
    assert exc.value.field in ("score_B1", "score_A1")
    assert not IndicatorScore.objects.exists()


def test_a_scheme_in_use_is_frozen_and_the_next_cycle_copies_it(scheme, reg1):
    services.round_create(actor=reg1, scheme=scheme)
    with pytest.raises(ConflictError):
        services.indicator_set(actor=reg1, scheme=scheme, code="A1", name="改", weight="50")
    nxt = services.scheme_create(actor=reg1, period="2026-2028", name="下一期", copy_from=scheme)
    services.indicator_set(actor=reg1, scheme=nxt, code="A1", name="知识产权(调整)", weight="30")
    assert scheme.indicators.get(code="A1").weight == Decimal("40.00")
    assert nxt.indicators.get(code="A1").weight == Decimal("30.00")
    with pytest.raises(ServiceError, match="权重之和"):
        services.round_create(actor=reg1, scheme=nxt)


def test_only_reviewers_manage_the_evaluation(scheme, owner, expert):
    for actor in (owner, expert):
        with pytest.raises(ServiceError):
            services.round_create(actor=actor, scheme=scheme)
    assert TOTAL  # the support constant is the contract amount of filled_report


def _codes(scheme):
    return list(scheme.indicators.order_by("sort_order", "code").values_list("code", flat=True))


def test_the_bureau_reorders_and_deletes_indicators_of_a_scheme_not_yet_used(scheme, reg1):
    assert _codes(scheme) == ["A1", "A2", "B1"]
    assert services.indicator_move(actor=reg1, scheme=scheme, code="B1", step=-1) == ["A1", "B1", "A2"]
    assert services.indicator_move(actor=reg1, scheme=scheme, code="A1", step=-1) == ["A1", "B1", "A2"]  # first
    assert services.indicator_move(actor=reg1, scheme=scheme, code="A2", step=1) == ["A1", "B1", "A2"]  # last
    assert list(scheme.indicators.order_by("sort_order").values_list("sort_order", flat=True)) == [10, 20, 30]
    # a changed indicator keeps its place, a new one goes last
    services.indicator_set(actor=reg1, scheme=scheme, code="B1", name="人才队伍建设", weight="10")
    services.indicator_set(actor=reg1, scheme=scheme, code="C1", name="专家评议", weight="10")
    assert _codes(scheme) == ["A1", "B1", "A2", "C1"]
    services.indicator_delete(actor=reg1, scheme=scheme, code="A2")
    assert _codes(scheme) == ["A1", "B1", "C1"]
    deleted = Indicator.pgh_event_model.objects.filter(pgh_label="delete", code="A2").get()
    assert deleted.pgh_context.metadata["user"] == reg1.pk and deleted.name == "成果在宁夏转化"


def test_reordering_or_deleting_is_refused_on_a_used_scheme_an_unknown_code_and_for_others(scheme, reg1, owner, expert):
    with pytest.raises(ServiceError, match="Z9") as missing:
        services.indicator_delete(actor=reg1, scheme=scheme, code="Z9")
    assert missing.value.status == 404
    with pytest.raises(ServiceError, match="上移或下移"):
        services.indicator_move(actor=reg1, scheme=scheme, code="A1", step=2)
    for actor in (owner, expert):
        with pytest.raises(ServiceError):
            services.indicator_delete(actor=actor, scheme=scheme, code="A1")
    services.round_create(actor=reg1, scheme=scheme)
    with pytest.raises(ConflictError, match="已用于评估"):
        services.indicator_delete(actor=reg1, scheme=scheme, code="A1")
    with pytest.raises(ConflictError, match="已用于评估"):
        services.indicator_move(actor=reg1, scheme=scheme, code="B1", step=-1)
    assert _codes(scheme) == ["A1", "A2", "B1"]
