"""Grant applications and awards (POLICY §2, §3 "One-time and evaluated grants").

An enterprise applies with a form and documents; staff review in the same two steps as filings
(初审, then 复审 by a different reviewer, registry.services.filings); the approved amount is fixed, or
entered within the programme's bounds. Evaluations (NX-PERF), incubator assessments (YC-INC-OPS) and
recognitions (YC-INC-*/YC-MS-*) produce awards without an application, through the same two steps:
recording the result is the 初审 of the award it proposes, and only another reviewer's 复审 (grant_approve,
as for an application) approves it; the grants run pays approved awards only. Each transition locks its
row, leaves a decision row and audit rows (pghistory, actor as context) and notifies the enterprise."""

import datetime as dt
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q, Subquery
from django.utils import timezone, translation

from accounts.audit import acting
from accounts.errors import ConflictError, NotFoundError, ServiceError
from accounts.wording import action_en, label_en, label_zh
from registry import review
from registry.models import Centre, DocumentKind, Enterprise, Filing, FilingLevel, FilingStatus
from registry.services import acceptance
from registry.services.documents import document_upload
from registry.services.entities import require_member
from registry.services.notifications import notify_users
from subsidies.grants import notices
from subsidies.grants.guide import APPLICATION_PREFIX
from subsidies.models import (
    PENDING_STATUSES,
    ApplicationDecision,
    ApplicationDocument,
    ApplicationStatus,
    EvaluationResult,
    Frequency,
    GrantApplication,
    Incubator,
    Origin,
    PerformanceEvaluation,
    Programme,
)
from subsidies.rules import grants as rules
from subsidies.selectors import regional_filings_by_centre

LEVEL_LABEL = {"regional": "自治区级", "yinchuan": "银川市级"}


# --- facts for the pure rules -------------------------------------------------------------------------


def programme_fact(p: Programme) -> rules.ProgrammeFact:
    return rules.ProgrammeFact(
        p.code,
        p.applicant,
        p.filing_level,
        p.for_independent,
        p.for_joint,
        p.origin,
        p.amount_type,
        p.amount_min,
        p.amount_max,
        p.joint_amount_max,
        p.frequency,
    )


def centre_facts(centre_ids) -> dict[int, rules.CentreFact]:
    """One query for the centres, one for their filings, one for revocations: constant whatever the count."""
    from registry.models import ReviewDecision, ReviewStep

    ids = list(centre_ids)
    rows = list(Filing.objects.filter(centre_id__in=ids).values_list("centre_id", "level", "status", "ever_revoked"))
    filings = {(c, lvl): s for c, lvl, s, _ever in rows}
    revoked = set(
        ReviewDecision.objects.filter(
            filing__centre_id__in=ids, filing__level=FilingLevel.REGIONAL, step=ReviewStep.REVOKE
        ).values_list("filing__centre_id", flat=True)
    )
    # an imported history carries no decisions: a regional filing recorded as revoked, now or earlier in its
    # history (a revoked filing, then the re-filing), counts too
    revoked |= {c for c, lvl, s, ever in rows if lvl == FilingLevel.REGIONAL and (ever or s == FilingStatus.REVOKED)}
    return {
        c.pk: rules.CentreFact(
            c.pk,
            c.kind,
            filings.get((c.pk, FilingLevel.REGIONAL)),
            c.pk in revoked,
            filings.get((c.pk, FilingLevel.YINCHUAN)),
        )
        for c in Centre.objects.filter(pk__in=ids).only("id", "kind")
    }


def programme_get(code: str) -> Programme:
    try:
        return Programme.objects.get(code=code)
    except Programme.DoesNotExist:
        raise NotFoundError(f"资助项目“{code}”不存在", "unknown programme", code="not_found") from None


# --- helpers ------------------------------------------------------------------------------------------


def _record_name(app: GrantApplication) -> str:
    who = app.researcher.name if app.researcher_id else (app.centre or app.incubator or app.enterprise)
    return f"{app.programme.code}申报(#{app.pk or '新'},{who})"


def _require_reviewer(actor, programme: Programme, *, action: str, record: str = "") -> None:
    level = programme.filing_level or "regional"
    if not actor.reviews_level(level):
        raise ServiceError(
            f"您({actor.get_role_display()})无权{action}{LEVEL_LABEL.get(level, level)}资助项目",
            f"you may not {action_en(action)} for a {label_en(FilingLevel(level).label).lower()} programme",
            code="forbidden",
            record=record,
            status=403,
        )


def _notify(app: GrantApplication, decision: ApplicationDecision) -> None:
    """In-portal messages for the enterprise's members (same transaction), email after commit."""
    status_zh = label_zh(ApplicationStatus(app.status).label)
    title = (
        f"【资助申报】{app.programme.code} {app.programme.name}:{label_zh(ApplicationStatus(decision.decision).label)}"
    )
    lines = [
        *([f"受理编号:{app.acceptance_no}"] if app.acceptance_no else []),
        f"项目:{app.programme.code} {app.programme.name}",
        f"当前状态:{status_zh}",
    ]
    if app.centre_id:
        lines.append(f"研发中心:{app.centre.name}({app.centre.ref})")
    if app.approved_amount is not None and app.status == ApplicationStatus.APPROVED:
        lines.append(f"核定金额:{app.approved_amount:,.2f} 元")
    if decision.comment:
        lines.append(f"意见:{decision.comment}")
    body = "\n".join(lines)
    # the same in English, for a reader who chose English
    with translation.override("en"):
        name_en = app.programme.display_name
    title_en = (
        f"[Grant application] {app.programme.code} {name_en}: {label_en(ApplicationStatus(decision.decision).label)}"
    )
    lines_en = [
        *([f"Acceptance number: {app.acceptance_no}"] if app.acceptance_no else []),
        f"Programme: {app.programme.code} {name_en}",
        f"Status: {label_en(ApplicationStatus(app.status).label)}",
    ]
    if app.centre_id:
        lines_en.append(f"Centre: {app.centre.name} ({app.centre.ref})")
    if app.approved_amount is not None and app.status == ApplicationStatus.APPROVED:
        lines_en.append(f"Approved amount: {app.approved_amount:,.2f} yuan")
    if decision.comment:
        lines_en.append(f"Comment: {decision.comment}")
    notify_users(
        app.enterprise.members.filter(is_active=True),
        title=title,
        body=body,
        title_en=title_en,
        body_en="\n".join(lines_en),
        what=f"application {app.pk}",
    )


def _decide(app: GrantApplication, *, actor, step: str, comment: str = "", amount=None) -> ApplicationDecision:
    decision = ApplicationDecision(
        application=app, step=step, decision=app.status, comment=comment, amount=amount, actor=actor
    )
    decision.full_clean()
    decision.save()
    _notify(app, decision)
    return decision


def _missing_step(status: str, allowed: tuple) -> tuple[str, str] | None:
    """What has to happen first when the application has not yet reached the state an action needs (skipping
    初审 is not answered as if someone had handled it); None when it has moved on: then the answer says who."""
    if status == ApplicationStatus.SUBMITTED and ApplicationStatus.FIRST_REVIEWED in allowed:
        if ApplicationStatus.SUBMITTED not in allowed:
            return "须先完成初审", "the first review (初审) must be completed first"
    if status == ApplicationStatus.RETURNED and ApplicationStatus.RETURNED not in allowed:
        return "须先由企业修改后重新提交", "the enterprise must correct and resubmit the application first"
    return None


GRANT_WORDING = review.Wording(
    record=_record_name,
    choices=ApplicationStatus,
    not_now=review.Refusal(
        "该申报当前状态为“{status}”,不能{action}。请刷新页面查看最新状态",
        "the application is {status_en}; you cannot {action_en}",
        "already_decided",
    ),
    handled=review.Refusal(
        "该申报已由{who}于{at}处理,当前状态为“{status}”,不能{action}。请刷新页面查看最新状态",
        "the application is {status_en}; you cannot {action_en}",
        "already_decided",
    ),
    step=review.Refusal(
        "{step}:当前状态为“{shown}”,不能{action}",
        "{step_en}: the application is {status_en}; you cannot {action_en} yet",
        "step_required",
    ),
    missing_step=_missing_step,
)


def _lock(app: GrantApplication | int, expected_status: str | None, *, action: str) -> GrantApplication:
    return review.lock(
        GrantApplication.objects.select_related("programme", "centre", "enterprise", "researcher", "incubator"),
        app,
        expected_status,
        action=action,
        wording=GRANT_WORDING,
        missing=("申报不存在", "application not found"),
    )


def _assert_status(app: GrantApplication, *allowed: str, action: str) -> None:
    review.assert_status(app, *allowed, action=action, wording=GRANT_WORDING)


# an application under review, not yet decided: what 退回修改 and 不予支持 may still act on
UNDECIDED = (ApplicationStatus.SUBMITTED, ApplicationStatus.FIRST_REVIEWED)


def _reviewer_lock(
    application, expected_status: str | None, *allowed: str, actor, action: str, may: str = ""
) -> GrantApplication:
    """The start of a reviewer's decision: lock the application (and check the status the page showed), check
    that the actor reviews its programme's level (the refusal names `may`, default `action`) and that its
    status is one of `allowed`."""
    app = _lock(application, expected_status, action=action)
    _require_reviewer(actor, app.programme, action=may or action, record=_record_name(app))
    _assert_status(app, *allowed, action=action)
    return app


def same_award(
    programme: Programme,
    *,
    centre=None,
    researcher=None,
    incubator=None,
    award_programme="",
    year=None,
    evaluation_period="",
):
    """Applications that hold the same once-only slot as the one described."""
    qs = GrantApplication.objects.filter(programme=programme)
    f = programme.frequency
    if f == Frequency.ONCE_PER_CENTRE:
        return qs.filter(centre=centre)
    if f == Frequency.ONCE_PER_PERSON:
        return qs.filter(researcher=researcher)
    if f == Frequency.ONCE_PER_EVALUATION:
        return qs.filter(centre=centre, evaluation_period=evaluation_period)
    if f == Frequency.ONCE_PER_AWARD_YEAR:
        return qs.filter(researcher=researcher, award_programme=award_programme, year=year)
    if f == Frequency.ONCE_PER_INCUBATOR:
        return qs.filter(incubator=incubator)
    return qs.filter(incubator=incubator, year=year)


def _once_problems(programme: Programme, **slot) -> list[str]:
    same = same_award(programme, **slot)
    taken = same.filter(status=ApplicationStatus.APPROVED).first() or same.filter(status__in=PENDING_STATUSES).first()
    if taken is None:
        return []
    if taken.status == ApplicationStatus.APPROVED:
        what = {
            Frequency.ONCE_PER_CENTRE: "每个中心限一次",
            Frequency.ONCE_PER_PERSON: "每人限一次",
            Frequency.ONCE_PER_EVALUATION: "每个评估期限一次",
            Frequency.ONCE_PER_AWARD_YEAR: "每人每项奖励每年限一次",
            Frequency.ONCE_PER_INCUBATOR: "每个孵化器限一次",
            Frequency.ANNUAL_PER_INCUBATOR: "每个孵化器每年限一次",
        }[programme.frequency]
        return [
            f"已于{timezone.localtime(taken.decided_at):%Y-%m-%d}获得{programme.code}资助(申报#{taken.pk}),"
            f"{what},不能重复申报"
        ]
    return [f"已有在审的{programme.code}申报(#{taken.pk},{taken.get_status_display()}),请等待审核结果"]


def _save_award(app: GrantApplication, *, record: str) -> None:
    """Save, turning the database's once-only constraint into a clear refusal."""
    app.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            app.save()
    except IntegrityError as exc:
        if "grant_" in str(exc):
            raise ConflictError(
                f"{app.programme.code}已核准过同一事项的资助,同一事项只能获得一次",
                "this award was already granted once",
                code="already_awarded",
                record=record,
            ) from None
        raise


def _attach(app: GrantApplication, *, actor, documents) -> None:
    for label, upload in documents:
        doc = document_upload(actor=actor, enterprise=app.enterprise, kind=DocumentKind.OTHER, upload=upload)
        ApplicationDocument.objects.create(application=app, document=doc, label=(label or "申报材料")[:64])


# --- eligibility (the same check at submission and at approval) ----------------------------------------


def researcher_problems(programme: Programme, *, centre: Centre, researcher) -> list[str]:
    """A researcher applies through a centre that employs them. NX-PDF (进站博士给予10万元科研经费资助)
    also needs a verified doctorate and a contract in force today at that centre: the award is for a
    doctor entering the centre's postdoc workstation, not for someone who left or has not started."""
    from talent.models import Contract, DegreeLevel

    contracts = Contract.objects.filter(researcher=researcher, centre=centre)
    if not contracts.exists():
        return [f"{researcher.name}与{centre.name}没有聘用合同,不能经该中心申报"]
    problems = []
    if programme.code == "NX-PDF":
        today = timezone.localdate()
        current = contracts.filter(start__lte=today).filter(
            Q(end__isnull=True) | Q(end__gte=today), Q(terminated_on__isnull=True) | Q(terminated_on__gte=today)
        )
        if not current.exists():
            problems.append(
                f"{researcher.name}与{centre.name}的聘用合同已终止或尚未开始,NX-PDF须在职(现行有效的聘用合同)"
            )
        if not researcher.degrees.filter(level=DegreeLevel.DOCTORATE, verified_at__isnull=False).exists():
            problems.append(
                f"{researcher.name}没有经核验的博士学位,NX-PDF仅资助进站博士;请登记博士学位证书并由审核员核验"
            )
    return problems


def eligibility_problems(
    programme: Programme, *, centre: Centre | None = None, researcher=None, incubator: Incubator | None = None
) -> list[str]:
    """Why the applicant cannot receive the programme now (empty: it can), the filing's current state
    included (POLICY §1: only an approved, not revoked or suspended filing earns anything). Run at
    submission and again at approval, so a filing revoked or suspended in between is noticed. The
    once-only rules are checked separately (_once_problems)."""
    if programme.applicant == rules.INCUBATOR:
        if incubator is None:
            return ["请选择飞地孵化器"]
        return incubator_problems(incubator)
    if centre is None:
        return ["请选择研发中心"]
    problems = rules.centre_problems(programme_fact(programme), centre_facts([centre.pk])[centre.pk])
    if programme.applicant == rules.RESEARCHER:
        if researcher is None:
            return [*problems, "请选择研发人员"]
        problems += researcher_problems(programme, centre=centre, researcher=researcher)
    return problems


def incubator_problems(inc: Incubator, *, year: int | None = None) -> list[str]:
    """An incubator earns only while its Yinchuan filing is approved (not revoked or suspended) and, for an
    annual assessment, effective in the assessed year (POLICY §1)."""
    if not inc.ever_approved:
        return [f"飞地孵化器{inc.name}尚未备案"]
    if inc.status != FilingStatus.APPROVED:
        reason = f"({inc.status_reason})" if inc.status_reason else ""
        return [
            f"飞地孵化器{inc.name}的备案当前为“{FilingStatus(inc.status).label}”{reason},"
            "被撤销或暂停备案的孵化器不能获得补贴或奖励"
        ]
    if year is not None:
        first, last = dt.date(year, 1, 1), dt.date(year, 12, 31)
        if (
            inc.effective_from is None
            or inc.effective_from > last
            or (inc.effective_to is not None and inc.effective_to < first)
        ):
            return [
                f"飞地孵化器{inc.name}的备案自{inc.effective_from}起生效,{year}年度不在备案有效期内,"
                "该年度不能考核发放运营补贴"
            ]
    return []


# --- enterprise side ----------------------------------------------------------------------------------


@transaction.atomic
def grant_apply(
    *,
    actor,
    programme: Programme,
    centre: Centre | None = None,
    researcher=None,
    incubator: Incubator | None = None,
    award_programme: str = "",
    year: int | None = None,
    description: str = "",
    requested_amount=None,
    documents=(),
    commitment: bool,
) -> GrantApplication:
    """Submit an application with its documents (at least one). Refused when the applicant is not
    eligible, or when the rule pays once and the award exists or another application is in review. The
    enterprise accepts the 信用承诺书 (`commitment`); the application gets its 受理编号 and the programme's
    reviewers hear of it."""
    programme = Programme.objects.select_for_update().get(pk=programme.pk)  # serialises same-programme submits
    fact = programme_fact(programme)
    record = f"{programme.code} {programme.name}申报"
    if not rules.needs_application(fact):
        raise ServiceError(
            rules.ORIGIN_REASON[programme.origin],
            "this programme takes no application",
            code="no_application",
            record=record,
        )
    if programme.applicant == rules.INCUBATOR:
        if incubator is None:
            raise ServiceError("请选择飞地孵化器", "an incubator is required", code="required", record=record)
        enterprise = incubator.operator
    else:
        if centre is None:
            raise ServiceError("请选择研发中心", "a centre is required", code="required", record=record)
        enterprise = centre.enterprise
    require_member(actor, enterprise, action="申报资助")
    if programme.applicant == rules.RESEARCHER:
        if researcher is None:
            raise ServiceError("请选择研发人员", "a researcher is required", code="required", record=record)
    else:
        researcher = None
    problems = eligibility_problems(programme, centre=centre, researcher=researcher, incubator=incubator)
    award_programme = (award_programme or "").strip()
    if programme.frequency == Frequency.ONCE_PER_AWARD_YEAR:
        if not award_programme:
            problems.append("请填写获批的人才奖励/项目名称(如 塞上英才)")
        if not year or not (2000 <= int(year) <= timezone.localdate().year):
            problems.append("请填写获批年度")
    elif programme.frequency != Frequency.ANNUAL_PER_INCUBATOR:
        year = None
    amount = rules.parse_amount(requested_amount)
    if requested_amount not in (None, "") and amount is None:
        problems.append(f"申请金额“{requested_amount}”不是有效金额")
    elif amount is not None:
        problems += [
            p.replace("核定金额", "申请金额")
            for p in rules.amount_problems(fact, amount, centre.kind if centre else None)
        ]
    documents = [d for d in documents if d[1] is not None]
    if not documents:
        problems.append("请上传至少一份申报材料(如获批文件、证明材料)")
    problems += _once_problems(
        programme, centre=centre, researcher=researcher, incubator=incubator, award_programme=award_programme, year=year
    )
    if problems:
        raise ServiceError(";".join(problems), "the application is not eligible", code="ineligible", record=record)
    acceptance.require_commitment(record, commitment)
    with acting(actor):
        app = GrantApplication(
            programme=programme,
            frequency=programme.frequency,
            origin=Origin.APPLICATION,
            enterprise=enterprise,
            centre=centre,
            incubator=incubator,
            researcher=researcher,
            award_programme=award_programme,
            year=year,
            description=(description or "").strip(),
            requested_amount=amount,
            submitted_by=actor,
        )
        acceptance.accept(app, prefix=APPLICATION_PREFIX[programme.measure])
        app.full_clean(validate_constraints=False)
        app.save()
        _attach(app, actor=actor, documents=documents)
        decision = _decide(app, actor=actor, step="submit")
        notices.application_to_reviewers(app, at=decision.at, withdrawn=False, number=app.acceptance_no)
    return app


@transaction.atomic
def grant_resubmit(
    *, actor, application: GrantApplication, description: str | None = None, documents=(), commitment: bool
) -> GrantApplication:
    """After 退回修改: the enterprise corrects and sends the application again, accepting the 信用承诺书
    again; the matter keeps its 受理编号 (an application submitted before 受理编号 were issued gets one now)."""
    app = _lock(application, None, action="重新提交")
    require_member(actor, app.enterprise, action="重新提交申报")
    _assert_status(app, ApplicationStatus.RETURNED, action="重新提交")
    acceptance.require_commitment(_record_name(app), commitment)
    with acting(actor):
        if description is not None:
            app.description = description.strip()
        app.status, app.status_reason = ApplicationStatus.SUBMITTED, ""
        acceptance.accept(app, prefix=APPLICATION_PREFIX[app.programme.measure])
        app.save()
        _attach(app, actor=actor, documents=[d for d in documents if d[1] is not None])
        decision = _decide(app, actor=actor, step="submit")
        notices.application_to_reviewers(app, at=decision.at, withdrawn=False, number=app.acceptance_no)
    return app


@transaction.atomic
def grant_withdraw(*, actor, application: GrantApplication, reason: str = "") -> GrantApplication:
    """撤回: the enterprise takes back a submitted application before the first review has
    decided it. The application is closed as withdrawn (a new application is a new matter, with a new
    受理编号; the once-only slot is free again); the withdrawal is a decision row (who, when, the number
    withdrawn) and in the audit trail, and the programme's reviewers hear that it left their queue."""
    app = _lock(application, None, action="撤回")
    require_member(actor, app.enterprise, action="撤回申报")
    if app.status != ApplicationStatus.SUBMITTED or app.origin != Origin.APPLICATION:
        after = app.status != ApplicationStatus.SUBMITTED and app.decisions.filter(step="first_review").exists()
        zh_why = "初审已经开始或完成,如需修改请联系审核员退回" if after else "只有已提交、尚未初审的申报可以撤回"
        raise ConflictError(
            f"该申报当前状态为“{label_zh(ApplicationStatus(app.status).label)}”,不能撤回:{zh_why}",
            f"the application is {label_en(ApplicationStatus(app.status).label)}; only a submitted application "
            "not yet reviewed can be withdrawn",
            code="illegal_transition",
            record=_record_name(app),
        )
    number = app.acceptance_no or ""
    reason = (reason or "").strip()
    comment = ";".join(x for x in (f"撤回受理编号{number}" if number else "", reason) if x)
    with acting(actor):
        app.status, app.status_reason, app.decided_at = ApplicationStatus.WITHDRAWN, reason, timezone.now()
        app.save()
        decision = _decide(app, actor=actor, step="withdraw", comment=comment)
        notices.application_to_reviewers(app, at=decision.at, withdrawn=True, number=number)
    return app


# --- reviewer side ------------------------------------------------------------------------------------


@transaction.atomic
def grant_first_review(
    *, actor, application: GrantApplication, comment: str = "", expected_status: str | None = None
) -> GrantApplication:
    app = _reviewer_lock(application, expected_status, ApplicationStatus.SUBMITTED, actor=actor, action="初审")
    with acting(actor):
        app.status = ApplicationStatus.FIRST_REVIEWED
        app.save()
        _decide(app, actor=actor, step="first_review", comment=(comment or "").strip())
    return app


def first_reviewer(app: GrantApplication):
    return review.first_reviewer(app, status=ApplicationStatus.FIRST_REVIEWED)


def passed_both_steps(qs):
    """The approved applications and awards whose approval (复审) was given by someone other than their
    初审: what the grants run may pay. An award recorded by one person alone is never among them."""
    first = (
        ApplicationDecision.objects.filter(
            application=OuterRef(OuterRef("pk")), step="first_review", decision=ApplicationStatus.FIRST_REVIEWED
        )
        .order_by("-id")
        .values("actor")[:1]
    )
    second = ApplicationDecision.objects.filter(
        application=OuterRef("pk"), step="approval", decision=ApplicationStatus.APPROVED
    ).exclude(actor=Subquery(first))  # no 初审 at all: the comparison is NULL, nothing passes
    return qs.filter(Exists(second), status=ApplicationStatus.APPROVED)


def _require_second_person(actor, app: GrantApplication, *, action: str) -> None:
    review.require_second_person(actor, first_reviewer(app), record=_record_name(app), what="该申报", action=action)


@transaction.atomic
def grant_approve(
    *, actor, application: GrantApplication, amount=None, comment: str = "", expected_status: str | None = None
) -> GrantApplication:
    """复审通过: by a reviewer other than the first; the amount is the fixed one, or entered within the
    programme's bounds (outside them: refused, naming the bounds)."""
    app = _reviewer_lock(
        application, expected_status, ApplicationStatus.FIRST_REVIEWED, actor=actor, action="复审通过", may="复审"
    )
    record = _record_name(app)
    _require_second_person(actor, app, action="复审通过")
    fact = programme_fact(app.programme)
    kind = app.centre.kind if app.centre_id else None
    value = rules.parse_amount(amount)
    if value is None and amount in (None, ""):
        # an award from an evaluation, assessment or recognition: the amount its 初审 proposed
        value = app.requested_amount if app.origin != Origin.APPLICATION else rules.default_amount(fact, kind)
    problems = (
        rules.amount_problems(fact, value, kind)
        if value is not None or amount in (None, "")
        else [f"核定金额“{amount}”不是有效金额"]
    )
    if problems:
        raise ServiceError(
            ";".join(problems), "the amount is outside the programme's bounds", code="amount_bounds", record=record
        )
    # the filing may have been revoked or suspended since submission: the same check again (POLICY §1)
    again = eligibility_problems(app.programme, centre=app.centre, researcher=app.researcher, incubator=app.incubator)
    if rules.R_REFILING in again:
        raise ServiceError(rules.R_REFILING, "NX-FIRST is paid only on a first filing", code="refiling", record=record)
    if again:
        raise ServiceError(
            "申报人已不符合条件,不能复审通过:" + ";".join(again),
            "the applicant is no longer eligible",
            code="ineligible",
            record=record,
        )
    with acting(actor):
        app.status, app.approved_amount, app.decided_at = ApplicationStatus.APPROVED, value, timezone.now()
        _save_award(app, record=record)
        _decide(app, actor=actor, step="approval", comment=(comment or "").strip(), amount=value)
    return app


@transaction.atomic
def grant_return(
    *, actor, application: GrantApplication, comment: str, expected_status: str | None = None
) -> GrantApplication:
    app = _reviewer_lock(application, expected_status, *UNDECIDED, actor=actor, action="退回修改", may="退回")
    if app.origin != Origin.APPLICATION:
        raise ConflictError(
            f"{app.get_origin_display()}产生的奖补没有申报人可修改,不能退回修改;"
            "结果有误的,请作出不予支持决定并说明理由",
            "an award from an evaluation, assessment or recognition cannot be returned",
            code="illegal_transition",
            record=_record_name(app),
        )
    comment = review.need_text(comment, what="退回意见(需要企业修改的内容)", record=_record_name(app))
    with acting(actor):
        app.status, app.status_reason = ApplicationStatus.RETURNED, comment
        app.save()
        _decide(app, actor=actor, step="return", comment=comment)
    return app


@transaction.atomic
def grant_reject(
    *, actor, application: GrantApplication, comment: str, expected_status: str | None = None
) -> GrantApplication:
    app = _reviewer_lock(application, expected_status, *UNDECIDED, actor=actor, action="作出不予支持决定")
    step = "first_review" if app.status == ApplicationStatus.SUBMITTED else "approval"
    if step == "approval":
        _require_second_person(actor, app, action="作出复审决定")
    comment = review.need_text(comment, what="不予支持的理由", record=_record_name(app))
    with acting(actor):
        app.status, app.status_reason, app.decided_at = ApplicationStatus.REJECTED, comment, timezone.now()
        app.save()
        _decide(app, actor=actor, step=step, comment=comment)
    return app


# --- awards without an application ----------------------------------------------------------------------


def award_propose(
    *,
    actor,
    programme: Programme,
    origin: str,
    enterprise: Enterprise,
    amount: Decimal,
    comment: str,
    centre=None,
    incubator=None,
    evaluation_period: str = "",
    year=None,
    record: str,
) -> GrantApplication:
    """The award a recorded result proposes: its 初审 by the reviewer who recorded the result, with the
    amount. It is approved — and payable — only by another reviewer's 复审 (grant_approve), the two steps of
    an application (separation of duties: _require_second_person)."""
    problems = _once_problems(
        programme, centre=centre, incubator=incubator, year=year, evaluation_period=evaluation_period
    )
    if problems:
        raise ConflictError(";".join(problems), "already awarded", code="already_awarded", record=record)
    app = GrantApplication(
        programme=programme,
        frequency=programme.frequency,
        origin=origin,
        enterprise=enterprise,
        centre=centre,
        incubator=incubator,
        evaluation_period=evaluation_period,
        year=year,
        requested_amount=amount,
        status=ApplicationStatus.FIRST_REVIEWED,
        submitted_by=actor,
        description=comment,
    )
    _save_award(app, record=record)
    _decide(app, actor=actor, step="first_review", comment=comment, amount=amount)
    return app


@transaction.atomic
def evaluation_record(*, actor, centre: Centre, period: str, result: str, note: str = "") -> PerformanceEvaluation:
    """NX-PERF: record a centre's three-yearly evaluation; 优秀 proposes the award at the kind's amount
    (500,000 independent / 250,000 joint), once per evaluation period, for another reviewer's 复审."""
    programme = Programme.objects.select_for_update().get(code="NX-PERF")
    record = f"研发中心 {centre.ref} {period}综合绩效评估"
    _require_reviewer(actor, programme, action="录入绩效评估", record=record)
    period = (period or "").strip()
    existing = list(PerformanceEvaluation.objects.filter(centre=centre).values_list("period", flat=True))
    if period in existing:
        problems = [f"该中心{period}评估期的结果已录入"]
    else:
        problems = rules.evaluation_period_problems(period, current_year=timezone.localdate().year, existing=existing)
    if result not in EvaluationResult.values:
        problems.append(f"评估结果“{result}”无效,应为优秀、合格或不合格")
    filing = Filing.objects.filter(centre=centre, level=FilingLevel.REGIONAL).first()
    if filing is None or not filing.ever_approved:
        problems.append("该中心从未获得自治区级备案,不能录入绩效评估")
    elif filing.status != FilingStatus.APPROVED:
        # POLICY §1: only an approved, not revoked (or suspended) filing earns anything
        problems.append(
            f"该中心的自治区级备案当前为“{FilingStatus(filing.status).label}”,"
            "被撤销或暂停备案的中心不能录入绩效评估、获得奖补"
        )
    else:
        years = rules.evaluation_years(period)
        # the first window of approval (a reinstatement keeps the windows before it)
        windows = regional_filings_by_centre([centre.pk]).get(centre.pk, ())
        first = min((w.effective_from for w in windows), default=filing.effective_from)
        if (
            result == EvaluationResult.EXCELLENT
            and years is not None
            and first is not None
            and first > dt.date(years[1], 12, 31)
        ):
            problems.append(f"该中心的自治区级备案自{first}起生效,晚于{period}评估期,该评估期不能获得NX-PERF奖补")
    if problems:
        raise ServiceError(";".join(problems), "the evaluation cannot be recorded", code="invalid", record=record)
    with acting(actor):
        evaluation = PerformanceEvaluation(
            centre=centre, period=period, result=result, note=(note or "").strip(), recorded_by=actor
        )
        amount = rules.evaluation_award(programme_fact(programme), result, centre.kind)
        if amount is not None:
            evaluation.award = award_propose(
                actor=actor,
                programme=programme,
                origin=Origin.EVALUATION,
                enterprise=centre.enterprise,
                centre=centre,
                evaluation_period=period,
                amount=amount,
                record=record,
                comment=f"{period}综合绩效评估结果为“优秀”({centre.get_kind_display()}),依NX-PERF给予奖补",
            )
        evaluation.full_clean()
        evaluation.save()
    return evaluation
