"""Yinchuan enclave incubators (POLICY §3, YC-INC / YC-MS): the operator files the incubator, the Yinchuan
bureau reviews it in two steps (registry.review, four eyes) and may revoke it from a date; its yearly
operation assessments (YC-INC-OPS) and its national or regional recognitions (YC-INC-*, YC-MS-*) propose
awards through the grants' award workflow (subsidies.grants.services.award_propose), which another reviewer
approves."""

import datetime as dt

from django.db import transaction
from django.utils import timezone

from accounts.audit import acting
from accounts.dates import check_date
from accounts.errors import ConflictError, ServiceError
from registry import review
from registry.identifiers import is_yinchuan
from registry.models import Enterprise, FilingLevel, FilingStatus
from registry.services.entities import require_member
from registry.services.filings import check_effective_from
from subsidies.grants.services import award_propose, incubator_problems, programme_fact
from subsidies.models import (
    GrantApplication,
    Incubator,
    IncubatorAssessment,
    IncubatorDecision,
    Origin,
    Programme,
)
from subsidies.parameters.services import measure_from
from subsidies.rules import grants as rules

# --- Yinchuan incubators --------------------------------------------------------------------------------


INCUBATOR_WORDING = review.Wording(
    record=str,
    choices=FilingStatus,
    not_now=review.Refusal(
        "孵化器备案当前状态为“{status}”,不能{action}",
        "the incubator filing is {status_en}; you cannot {action_en}",
        "illegal_transition",
    ),
)


def _inc_lock(incubator: Incubator | int) -> Incubator:
    # locks the operator's row too (no `of`), as the incubator's steps always have
    return review.lock(Incubator.objects.select_for_update().select_related("operator"), incubator)


def _inc_decide(incubator: Incubator, *, actor, step: str, comment: str = "") -> None:
    IncubatorDecision.objects.create(
        incubator=incubator, step=step, decision=incubator.status, comment=comment, actor=actor
    )


def _inc_assert(incubator: Incubator, *allowed, action: str) -> None:
    review.assert_status(incubator, *allowed, action=action, wording=INCUBATOR_WORDING)


def _require_yinchuan_reviewer(actor, *, action: str, record: str) -> None:
    if not actor.reviews_level(FilingLevel.YINCHUAN):
        raise ServiceError(
            f"您({actor.get_role_display()})无权{action}",
            f"you may not {action}",
            code="forbidden",
            record=record,
            status=403,
        )


@transaction.atomic
def incubator_create(*, actor, operator: Enterprise, ref: str, name: str, city: str, address: str = "") -> Incubator:
    """A draft incubator filing by its operator, which must be registered in Yinchuan (6401xx)."""
    record = f"飞地孵化器 {ref}"
    require_member(actor, operator, action="备案飞地孵化器")
    if not is_yinchuan(operator.division_code):
        raise ServiceError(
            f"飞地孵化器的运营方须注册在银川市(区划代码6401开头),{operator.name}为{operator.division_code}",
            "the operator must be registered in Yinchuan",
            code="ineligible",
            record=record,
        )
    if not (ref or "").strip() or not (name or "").strip() or not (city or "").strip():
        raise ServiceError(
            "请填写孵化器编号、名称和所在城市", "ref, name and city are required", code="required", record=record
        )
    if Incubator.objects.filter(ref=ref.strip()).exists():
        raise ConflictError(f"孵化器编号{ref}已存在", "ref exists", code="duplicate", record=record)
    with acting(actor):
        incubator = Incubator(
            ref=ref.strip(),
            operator=operator,
            name=name.strip(),
            city=city.strip(),
            address=(address or "").strip(),
            status=FilingStatus.DRAFT,
        )
        incubator.full_clean()
        incubator.save()
    return incubator


@transaction.atomic
def incubator_submit(*, actor, incubator: Incubator) -> Incubator:
    inc = _inc_lock(incubator)
    require_member(actor, inc.operator, action="提交孵化器备案")
    _inc_assert(inc, FilingStatus.DRAFT, FilingStatus.RETURNED, action="提交")
    with acting(actor):
        inc.status, inc.submitted_at, inc.status_reason = FilingStatus.SUBMITTED, timezone.now(), ""
        inc.save()
        _inc_decide(inc, actor=actor, step="submit")
    return inc


@transaction.atomic
def incubator_decide(
    *, actor, incubator: Incubator, action: str, comment: str = "", on: dt.date | None = None
) -> Incubator:
    """The Yinchuan bureau's steps on an incubator filing: first_review, approve (by another reviewer),
    return, reject, revoke — the centre filings' lifecycle."""
    inc = _inc_lock(incubator)
    _require_yinchuan_reviewer(actor, action="审核飞地孵化器备案", record=str(inc))
    comment = (comment or "").strip()
    with acting(actor):
        if action == "first_review":
            _inc_assert(inc, FilingStatus.SUBMITTED, action="初审")
            inc.status = FilingStatus.FIRST_REVIEWED
        elif action == "approve":
            _inc_assert(inc, FilingStatus.FIRST_REVIEWED, action="复审通过")
            review.require_second_person(actor, review.first_reviewer(inc), record=str(inc))
            # an incubator filing takes effect neither before the Yinchuan measure nor at an absurd date
            on = check_effective_from(FilingLevel.YINCHUAN, on or timezone.localdate(), record=str(inc))
            inc.status, inc.effective_from, inc.effective_to = FilingStatus.APPROVED, on, None
            inc.ever_approved, inc.decided_at = True, timezone.now()
        elif action in ("return", "reject"):
            _inc_assert(inc, FilingStatus.SUBMITTED, FilingStatus.FIRST_REVIEWED, action="退回或不予备案")
            comment = review.need_text(comment, what="意见", record=str(inc))
            inc.status = FilingStatus.RETURNED if action == "return" else FilingStatus.REJECTED
            inc.status_reason = comment
        elif action == "revoke":
            _inc_assert(inc, FilingStatus.APPROVED, action="撤销")
            comment = review.need_text(comment, what="撤销原因", record=str(inc))
            on = check_date(on or timezone.localdate(), zh="撤销日期", en="revocation date", record=str(inc))
            if inc.effective_from and on <= inc.effective_from:
                raise ServiceError(
                    f"撤销日期{on}须晚于备案生效日期{inc.effective_from}",
                    "revocation date must be after effective_from",
                    code="date_order",
                    record=str(inc),
                )
            inc.status, inc.effective_to, inc.status_reason = FilingStatus.REVOKED, on - dt.timedelta(days=1), comment
        else:
            raise ServiceError(f"未知操作“{action}”", "unknown action", code="action", record=str(inc))
        inc.full_clean()
        inc.save()
        _inc_decide(inc, actor=actor, step=action, comment=comment)
    return inc


@transaction.atomic
def incubator_assessment_record(
    *, actor, incubator: Incubator, year: int, score, passed: bool, amount=None, note: str = ""
) -> IncubatorAssessment:
    """YC-INC-OPS: the annual assessment; a pass proposes the operating subsidy (≤ 500,000), once a year, for
    another reviewer's 复审."""
    programme = Programme.objects.select_for_update().get(code="YC-INC-OPS")
    inc = _inc_lock(incubator)
    record = f"飞地孵化器 {inc.ref} {year}年度考核"
    _require_yinchuan_reviewer(actor, action="录入孵化器考核", record=record)
    problems = []
    score_value = rules.parse_amount(score)
    if score_value is None or not (0 <= score_value <= 100):
        problems.append(f"考核得分“{score}”应为0至100之间的数字")
    try:
        year = int(year)
    except (TypeError, ValueError):
        raise ServiceError(f"年度“{year}”无效", "invalid year", code="invalid", record=record) from None
    first = measure_from("yinchuan").year
    if not (first <= year <= timezone.localdate().year):
        problems.append(f"年度{year}无效:应在{first}年(银川市办法适用起始年度)至今年之间")
    else:
        problems += incubator_problems(inc, year=year)
    value = None
    if passed:
        value = rules.parse_amount(amount)
        problems += rules.amount_problems(programme_fact(programme), value)
    if IncubatorAssessment.objects.filter(incubator=inc, year=year).exists():
        problems.append(f"{year}年度考核结果已录入")
    if problems:
        raise ServiceError(";".join(problems), "the assessment cannot be recorded", code="invalid", record=record)
    with acting(actor):
        assessment = IncubatorAssessment(
            incubator=inc,
            year=year,
            score=score_value,
            passed=bool(passed),
            note=(note or "").strip(),
            recorded_by=actor,
        )
        if passed:
            assessment.award = award_propose(
                actor=actor,
                programme=programme,
                origin=Origin.ASSESSMENT,
                enterprise=inc.operator,
                incubator=inc,
                year=year,
                amount=value,
                record=record,
                comment=f"{year}年度考核合格(得分{score_value}),给予运营补贴",
            )
        assessment.full_clean()
        assessment.save()
    return assessment


RECOGNITIONS = ("YC-INC-NAT", "YC-INC-REG", "YC-MS-NAT", "YC-MS-REG")


@transaction.atomic
def incubator_recognition_record(
    *, actor, incubator: Incubator, programme_code: str, note: str = ""
) -> GrantApplication:
    """YC-INC-NAT/REG, YC-MS-NAT/REG: a recognition as national or regional incubator or maker space
    proposes its one-time award, for another reviewer's 复审."""
    if programme_code not in RECOGNITIONS:
        raise ServiceError(f"“{programme_code}”不是认定类项目", "not a recognition programme", code="programme")
    programme = Programme.objects.select_for_update().get(code=programme_code)
    inc = _inc_lock(incubator)
    record = f"飞地孵化器 {inc.ref} {programme.name}"
    _require_yinchuan_reviewer(actor, action="录入认定结果", record=record)
    problems = incubator_problems(inc)
    if problems:
        raise ServiceError(
            ";".join(problems), "the incubator's filing is not approved and in force", code="ineligible", record=record
        )
    with acting(actor):
        return award_propose(
            actor=actor,
            programme=programme,
            origin=Origin.RECOGNITION,
            enterprise=inc.operator,
            incubator=inc,
            amount=programme.amount_max,
            record=record,
            comment=(note or "").strip() or f"认定为{programme.name.replace('认定奖励', '')}",
        )
