"""Writes of the performance feature (annual reports and the NX-PERF evaluation). Every write is one transaction with audit rows (pghistory,
actor as context); every refusal is a ServiceError naming the record and the field, in Chinese and English,
and changes nothing.

Annual report: draft → submitted → (初审 → 复审: accepted) | returned → submitted …, the steps of
registry.ReviewStep, with the 复审 by a reviewer other than the 初审's (as for filings and grants).

Evaluation: scheme (data, per cycle) → round (scoring by assigned scorers) → computed (weighted score, rank,
优秀 rule from the nx_perf.* parameters) → 初审: each centre's result is recorded through
subsidies.grants.services.evaluation_record, which proposes the NX-PERF award at the kind's amount → 复审 by
another reviewer: each proposed award is approved through grant_approve (the grants run then pays it) and
the scores are published to the enterprises."""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils import timezone

from accounts.audit import acting
from accounts.errors import ConflictError, NotFoundError, ServiceError
from accounts.models import Role
from registry import review
from registry.models import Centre, DocumentKind, Enterprise, Filing, FilingLevel, FilingStatus, Membership, ReviewStep
from registry.services.documents import document_upload
from registry.services.entities import require_member
from registry.services.notifications import notify_enterprise
from subsidies.grants import services as grant_services
from subsidies.models import (
    CentreScore,
    EvaluationResult,
    EvaluationRound,
    ExpertAssignment,
    Indicator,
    IndicatorScheme,
    IndicatorScore,
    IndicatorSource,
    PerformanceReport,
    ReportDecision,
    ReportEvidence,
    ReportFigure,
    ReportItem,
    ReportStatus,
    RoundStatus,
)
from subsidies.parameters.services import parameter_timeline
from subsidies.performance import checks, scoring
from subsidies.performance.selectors import prefill

LABELS = {f.value: str(f.label) for f in ReportFigure}
EDITABLE = (ReportStatus.DRAFT, ReportStatus.RETURNED)


def _refuse(zh: str, en: str, *, record: str, field: str = "", code: str = "invalid", status: int | None = None):
    raise ServiceError(zh, en, code=code, record=record, field=field, status=status)


def _problems(problems: list[checks.Problem], *, record: str) -> None:
    if problems:
        raise ServiceError(
            ";".join(p.zh for p in problems),
            "; ".join(p.en for p in problems),
            code="invalid",
            record=record,
            field=problems[0].field,
        )


def _require_reviewer(actor, *, action: str, action_en: str, record: str) -> None:
    # the annual report and the evaluation belong to the regional measure (NX-PERF)
    if not actor.reviews_level(FilingLevel.REGIONAL):
        _refuse(
            f"您({actor.get_role_display()})无权{action}",
            f"you may not {action_en}",
            record=record,
            code="forbidden",
            status=403,
        )


REPORT_WORDING = review.Wording(
    record=str,
    status_zh=lambda r: str(ReportStatus(r.status).label),
    status_en=lambda r: r.status,
    not_now=review.Refusal(
        "报告当前状态为“{status}”,不能{action}",
        "the report is {status_en}; you cannot {action_en}",
        "illegal_transition",
    ),
)
ROUND_WORDING = review.Wording(
    record=str,
    status_zh=lambda rnd: str(RoundStatus(rnd.status).label),
    status_en=lambda rnd: rnd.status,
    not_now=review.Refusal(
        "评估当前状态为“{status}”,不能{action}",
        "the evaluation is {status_en}; you cannot {action_en}",
        "illegal_transition",
    ),
)


def _lock_report(report: PerformanceReport) -> PerformanceReport:
    return review.lock(PerformanceReport.objects.select_related("centre__enterprise"), report)


def _assert_report(report: PerformanceReport, *allowed, action: str, action_en: str) -> None:
    review.assert_status(report, *allowed, action=action, action_en=action_en, wording=REPORT_WORDING)


def report_deadline(year: int) -> dt.date:
    """The parameter in force on 1 January of the following year (default 03-31: 31 March of Y+1)."""
    value = parameter_timeline().at("nx_perf.report_deadline", dt.date(year + 1, 1, 1)).value
    return checks.deadline_for(year, value)


# --- annual report ---------------------------------------------------------------------------------------


@transaction.atomic
def report_create(*, actor, centre: Centre, year: int) -> PerformanceReport:
    record = f"研发中心 {centre.ref} {year}年度绩效报告"
    require_member(actor, centre.enterprise, action="填报年度绩效报告")
    today = timezone.localdate()
    if not isinstance(year, int) or year < 2023 or year >= today.year:
        _refuse(
            f"报告年度“{year}”无效:应为2023年至{today.year - 1}年之间已结束的年度",
            f"year {year} is not an ended year from 2023",
            record=record,
            field="year",
        )
    if not Filing.objects.filter(centre=centre, ever_approved=True).exists():
        _refuse(
            "该中心从未获得备案,不能填报年度绩效报告", "the centre has never been filed", record=record, field="centre"
        )
    if PerformanceReport.objects.filter(centre=centre, year=year).exists():
        raise ConflictError(
            "该中心该年度的报告已存在", "a report for that year exists", code="duplicate", record=record, field="year"
        )
    with acting(actor):
        report = PerformanceReport(
            centre=centre, year=year, deadline=report_deadline(year), created_by=actor, prefilled=prefill(centre, year)
        )
        report.full_clean()
        report.save()
    return report


# the columns' bounds: PositiveIntegerField, MoneyField(max_digits=14, decimal_places=2)
MAX_COUNT = 2_147_483_647
MAX_MONEY = Decimal("999999999999.99")


def _count(value, *, figure: str, record: str) -> int:
    text = str(value if value is not None else "0").strip() or "0"
    # ASCII digits only ("²".isdigit() is true, int("²") raises), and within the column
    if not (text.isascii() and text.isdigit()) or int(text) > MAX_COUNT:
        _refuse(
            f"{LABELS[figure]}应为非负整数,收到“{text}”",
            f"{figure} must be a whole number, got '{text}'",
            record=record,
            field=figure,
        )
    return int(text)


def _money(value, *, figure: str, record: str) -> Decimal:
    text = str(value if value is not None else "0").strip().replace(",", "") or "0"
    try:
        number = Decimal(text)
        # quantize itself raises for a figure beyond the context's precision (1e30): refused, not a 500
        fits = number.is_finite() and 0 <= number <= MAX_MONEY and number == number.quantize(Decimal("0.01"))
    except InvalidOperation:
        number, fits = None, False
    if not fits:
        _refuse(
            f"{LABELS[figure]}应为不小于0、最多两位小数的金额(元),收到“{text}”",
            f"{figure} must be an amount in yuan with at most two decimals, got '{text}'",
            record=record,
            field=figure,
        )
    return number


def _date(value, *, figure: str, record: str) -> dt.date | None:
    if isinstance(value, dt.date):
        return value
    text = str(value or "").strip()
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        _refuse(
            f"{LABELS[figure]}明细的日期“{text}”格式应为YYYY-MM-DD",
            f"{figure} item date '{text}' is not YYYY-MM-DD",
            record=record,
            field=f"items.{figure}",
        )
    return None


@transaction.atomic
def report_update(
    *, actor, report: PerformanceReport, figures: dict, items: list[dict], summary: str = ""
) -> PerformanceReport:
    """Replace the declared figures and their items at once. Totals must match the items; patent and
    software-copyright numbers must be well formed; nothing is saved otherwise."""
    report = _lock_report(report)
    record = str(report)
    require_member(actor, report.centre.enterprise, action="修改年度绩效报告")
    _assert_report(report, *EDITABLE, action="修改", action_en="edit it")
    totals: dict = {}
    for f in checks.COUNT_FIGURES:
        totals[f] = _count(figures.get(f), figure=f, record=record)
    totals[checks.MONEY_FIGURE] = _money(figures.get(checks.MONEY_FIGURE), figure=checks.MONEY_FIGURE, record=record)
    facts = []
    for raw in items:
        figure = raw.get("figure")
        if figure not in LABELS:
            _refuse(f"明细的指标“{figure}”无效", f"unknown item figure '{figure}'", record=record, field="items")
        amount = raw.get("amount")
        facts.append(
            checks.ItemFact(
                figure=figure,
                number=str(raw.get("number") or "").strip(),
                title=str(raw.get("title") or "").strip(),
                date=_date(raw.get("date"), figure=figure, record=record),
                product_line=str(raw.get("product_line") or "").strip(),
                amount=_money(amount, figure=figure, record=record) if amount not in (None, "") else None,
            )
        )
    problems = [p for i in facts for p in checks.item_problems(i, label=LABELS[i.figure], year=report.year)]
    problems += checks.duplicate_problems(facts, LABELS)
    problems += checks.totals_problems(totals, facts, LABELS)
    _problems(problems, record=record)
    with acting(actor):
        for f, v in totals.items():
            setattr(report, f, v)
        report.summary = (summary or "").strip()
        report.full_clean()
        report.save()
        report.items.all().delete()
        ReportItem.objects.bulk_create([ReportItem(report=report, **dataclasses.asdict(i)) for i in facts])
    return report


@transaction.atomic
def report_attach(*, actor, report: PerformanceReport, figure: str, upload) -> ReportEvidence:
    """An evidence document for a declared figure, stored as a registry Document of the enterprise."""
    report = _lock_report(report)
    record = str(report)
    require_member(actor, report.centre.enterprise, action="上传证明材料")
    _assert_report(report, *EDITABLE, action="上传证明材料", action_en="attach evidence")
    if figure not in LABELS:
        _refuse(f"证明材料对应的指标“{figure}”无效", f"unknown figure '{figure}'", record=record, field="figure")
    document = document_upload(actor=actor, enterprise=report.centre.enterprise, kind=DocumentKind.OTHER, upload=upload)
    with acting(actor):
        return ReportEvidence.objects.create(report=report, figure=figure, document=document)


def _decide(report: PerformanceReport, *, actor, step: str, comment: str = "") -> ReportDecision:
    return ReportDecision.objects.create(report=report, step=step, decision=report.status, comment=comment, actor=actor)


def _notify(report: PerformanceReport, comment: str = "") -> None:
    status = ReportStatus(report.status)
    body = f"研发中心:{report.centre.name}({report.centre.ref})\n当前状态:{status.label}"
    body_en = f"Centre: {report.centre.name} ({report.centre.ref})\nStatus: {status.value.replace('_', ' ')}"
    if comment:
        body += f"\n意见:{comment}"
        body_en += f"\nComment: {comment}"
    notify_enterprise(
        report.centre.enterprise,
        title=f"【年度绩效报告】{report.year}年度:{status.label}",
        body=body,
        title_en=f"[Annual performance report] {report.year}: {status.value.replace('_', ' ')}",
        body_en=body_en,
    )


@transaction.atomic
def report_submit(*, actor, report: PerformanceReport) -> PerformanceReport:
    """By the deadline (or the extension staff granted); every declared figure above zero needs evidence."""
    report = _lock_report(report)
    record = str(report)
    require_member(actor, report.centre.enterprise, action="提交年度绩效报告")
    _assert_report(report, *EDITABLE, action="提交", action_en="submit it")
    due = report.extended_to or report.deadline
    today = timezone.localdate()
    if today > due:
        _refuse(
            f"报送截止日期为{due},已逾期;如需补报,请联系审核人员办理延期",
            f"the deadline {due} has passed; ask the bureau for an extension",
            record=record,
            field="deadline",
            code="deadline_passed",
        )
    with_evidence = set(report.evidence.values_list("figure", flat=True))
    missing = [f for f in checks.FIGURES if getattr(report, f) and f not in with_evidence]
    if missing:
        _refuse(
            "以下填报指标缺少证明材料:" + "、".join(LABELS[f] for f in missing),
            "evidence is missing for: " + ", ".join(missing),
            record=record,
            field=missing[0],
            code="evidence_missing",
        )
    with acting(actor):
        report.status = ReportStatus.SUBMITTED
        report.submitted_at = timezone.now()
        report.prefilled = prefill(report.centre, report.year)  # the records as they stand at submission
        report.status_reason = ""
        report.full_clean()
        report.save()
        _decide(report, actor=actor, step=ReviewStep.SUBMIT)
    return report


@transaction.atomic
def report_extend(*, actor, report: PerformanceReport, until: dt.date, reason: str) -> PerformanceReport:
    report = _lock_report(report)
    record = str(report)
    _require_reviewer(actor, action="批准延期报送", action_en="grant an extension", record=record)
    _assert_report(report, *EDITABLE, action="延期", action_en="extend it")
    if not isinstance(until, dt.date) or until <= report.deadline:
        _refuse(
            f"延期日期应晚于原截止日期{report.deadline}",
            f"the extension must be after {report.deadline}",
            record=record,
            field="extended_to",
        )
    reason = review.need_text(
        reason, what="延期理由", en="a reason is required", code="invalid", field="extension_reason", record=record
    )
    with acting(actor):
        report.extended_to, report.extension_reason = until, reason
        report.save()
    return report


def first_reviewer(report: PerformanceReport):
    return review.first_reviewer(report, status=ReportStatus.FIRST_REVIEWED)


@transaction.atomic
def report_first_review(*, actor, report: PerformanceReport, comment: str = "") -> PerformanceReport:
    report = _lock_report(report)
    _require_reviewer(actor, action="初审年度绩效报告", action_en="review the report", record=str(report))
    _assert_report(report, ReportStatus.SUBMITTED, action="初审", action_en="review it")
    with acting(actor):
        report.status = ReportStatus.FIRST_REVIEWED
        report.save()
        _decide(report, actor=actor, step=ReviewStep.FIRST_REVIEW, comment=(comment or "").strip())
    return report


@transaction.atomic
def report_accept(*, actor, report: PerformanceReport, comment: str = "") -> PerformanceReport:
    """复审: by a reviewer other than the one who gave the 初审 (separation of duties)."""
    report = _lock_report(report)
    record = str(report)
    _require_reviewer(actor, action="复审年度绩效报告", action_en="approve the report", record=record)
    _assert_report(report, ReportStatus.FIRST_REVIEWED, action="复审通过", action_en="accept it")
    review.require_second_person(actor, first_reviewer(report), record=record, what="该报告")
    with acting(actor):
        report.status, report.decided_at = ReportStatus.ACCEPTED, timezone.now()
        report.save()
        _decide(report, actor=actor, step=ReviewStep.APPROVAL, comment=(comment or "").strip())
        _notify(report, comment)
    return report


@transaction.atomic
def report_return(*, actor, report: PerformanceReport, comment: str) -> PerformanceReport:
    report = _lock_report(report)
    record = str(report)
    _require_reviewer(actor, action="退回年度绩效报告", action_en="return the report", record=record)
    _assert_report(
        report, ReportStatus.SUBMITTED, ReportStatus.FIRST_REVIEWED, action="退回修改", action_en="return it"
    )
    comment = review.need_text(
        comment,
        what="退回意见(需要企业修改的内容)",
        en="a comment is required",
        code="invalid",
        field="comment",
        record=record,
    )
    with acting(actor):
        report.status, report.status_reason = ReportStatus.RETURNED, comment
        report.save()
        _decide(report, actor=actor, step=ReviewStep.RETURN, comment=comment)
        _notify(report, comment)
    return report


# --- indicator schemes -------------------------------------------------------------------------------------


def _period_problem(period: str, *, record: str) -> None:
    years = grant_services.rules.evaluation_years(period or "")
    if years is None or years[1] - years[0] != 2:
        _refuse(
            f"评估期“{period}”格式应为连续三个年度,如 2023-2025",
            f"period '{period}' must be YYYY-YYYY, three years",
            record=record,
            field="period",
        )


def _require_staff(actor, *, record: str) -> None:
    _require_reviewer(actor, action="管理综合绩效评估", action_en="manage the evaluation", record=record)


# what scheme_create copies of each indicator into the next cycle's scheme: all but the scheme itself
COPIED = ("code", "name", "weight", "max_score", "guidance", "source", "sort_order")


@transaction.atomic
def scheme_create(
    *, actor, period: str, name: str, note: str = "", copy_from: IndicatorScheme | None = None
) -> IndicatorScheme:
    """A cycle's scheme; copying the previous cycle's indicators lets the bureau change them for the next
    cycle while the past cycle keeps its own."""
    record = f"{period}评估指标体系"
    _require_staff(actor, record=record)
    _period_problem(period, record=record)
    if not (name or "").strip():
        _refuse("请填写指标体系名称", "a name is required", record=record, field="name")
    if IndicatorScheme.objects.filter(period=period).exists():
        raise ConflictError(
            "该评估期的指标体系已存在",
            "a scheme for that period exists",
            code="duplicate",
            record=record,
            field="period",
        )
    with acting(actor):
        scheme = IndicatorScheme.objects.create(
            period=period, name=name.strip(), note=(note or "").strip(), copied_from=copy_from, created_by=actor
        )
        if copy_from is not None:
            Indicator.objects.bulk_create(
                [Indicator(scheme=scheme, **{f: getattr(i, f) for f in COPIED}) for i in copy_from.indicators.all()]
            )
    return scheme


def _frozen(scheme: IndicatorScheme, *, record: str) -> None:
    if scheme.rounds.exists():
        raise ConflictError(
            "该指标体系已用于评估,不能修改;请为下一评估期复制后修改",
            "the scheme is in use; copy it for the next cycle",
            code="scheme_in_use",
            record=record,
        )


@transaction.atomic
def indicator_set(
    *,
    actor,
    scheme: IndicatorScheme,
    code: str,
    name: str,
    weight,
    max_score="100",
    guidance: str = "",
    source: str = IndicatorSource.JUDGEMENT,
    sort_order: int | None = None,
) -> Indicator:
    """Add an indicator to a scheme not yet used, or change one (by its code). A new one goes last unless
    a place is given; a changed one keeps its place."""
    scheme = IndicatorScheme.objects.select_for_update().get(pk=scheme.pk)
    record = f"{scheme.period}评估指标 {code}"
    _require_staff(actor, record=record)
    _frozen(scheme, record=record)
    code = (code or "").strip()
    if not code or not (name or "").strip():
        _refuse("请填写指标编号和名称", "code and name are required", record=record, field="code")
    values = {}
    for fld, raw, lo, hi in (("weight", weight, Decimal(0), Decimal(100)), ("max_score", max_score, Decimal(0), None)):
        try:
            number = Decimal(str(raw).strip())
        except InvalidOperation:
            number = None
        if number is None or not number.is_finite() or number <= lo or (hi is not None and number > hi):
            _refuse(
                f"{'权重' if fld == 'weight' else '满分'}应为大于0{'且不超过100' if hi else ''}的数,收到“{raw}”",
                f"{fld} must be a number above 0{' and at most 100' if hi else ''}, got '{raw}'",
                record=record,
                field=fld,
            )
        values[fld] = number
    if source not in IndicatorSource.values:
        _refuse(f"数据来源“{source}”无效", f"unknown data source '{source}'", record=record, field="source")
    if sort_order is not None:
        values["sort_order"] = sort_order
    with acting(actor):
        indicator, _created = Indicator.objects.update_or_create(
            scheme=scheme,
            code=code,
            defaults={"name": name.strip(), "guidance": (guidance or "").strip(), "source": source, **values},
            create_defaults={
                "name": name.strip(),
                "guidance": (guidance or "").strip(),
                "source": source,
                "sort_order": _last_place(scheme) + 10,
                **values,
            },
        )
    return indicator


def _last_place(scheme: IndicatorScheme) -> int:
    return max(scheme.indicators.values_list("sort_order", flat=True), default=0)


def _indicator_for_change(actor, scheme: IndicatorScheme, code: str, *, verb: str) -> tuple[IndicatorScheme, Indicator]:
    scheme = IndicatorScheme.objects.select_for_update().get(pk=scheme.pk)
    code = (code or "").strip()
    record = f"{scheme.period}评估指标 {code}"
    _require_staff(actor, record=record)
    _frozen(scheme, record=record)
    indicator = scheme.indicators.filter(code=code).first()
    if indicator is None:
        raise NotFoundError(
            f"指标体系中没有编号为“{code}”的指标,无法{verb}",
            f"the scheme has no indicator '{code}'",
            record=record,
            field="code",
        )
    return scheme, indicator


@transaction.atomic
def indicator_delete(*, actor, scheme: IndicatorScheme, code: str) -> None:
    """Remove an indicator from a scheme no evaluation has used (a used scheme is kept as it was scored)."""
    _scheme, indicator = _indicator_for_change(actor, scheme, code, verb="删除")
    with acting(actor):
        indicator.delete()


@transaction.atomic
def indicator_move(*, actor, scheme: IndicatorScheme, code: str, step: int) -> list[str]:
    """Move an indicator up (step -1) or down (+1) in a scheme not yet used: the scheme's order is
    renumbered 10, 20, ... Returns the codes in their new order; at either end it stays where it is."""
    scheme, indicator = _indicator_for_change(actor, scheme, code, verb="调整顺序")
    if step not in (-1, 1):
        _refuse("只能上移或下移一位", "move one place up or down", record=str(indicator), field="step")
    order = list(scheme.indicators.select_for_update().order_by("sort_order", "code"))
    at = next(n for n, i in enumerate(order) if i.pk == indicator.pk)
    to = at + step
    if 0 <= to < len(order):
        order[at], order[to] = order[to], order[at]
    with acting(actor):
        for place, item in enumerate(order, 1):
            if item.sort_order != place * 10:
                item.sort_order = place * 10
                item.save(update_fields=["sort_order"])
    return [i.code for i in order]


# --- evaluation rounds -------------------------------------------------------------------------------------


def _facts(scheme: IndicatorScheme) -> list[scoring.IndicatorFact]:
    return [scoring.IndicatorFact(i.code, i.weight, i.max_score) for i in scheme.indicators.all()]


@transaction.atomic
def round_create(*, actor, scheme: IndicatorScheme) -> EvaluationRound:
    record = f"{scheme.period}综合绩效评估"
    _require_staff(actor, record=record)
    problems = scoring.scheme_problems(_facts(scheme))
    if problems:
        _refuse(";".join(problems), "the scheme's weights must sum to 100", record=record, field="scheme")
    if EvaluationRound.objects.filter(period=scheme.period).exists():
        raise ConflictError("该评估期的综合绩效评估已创建", "the round exists", code="duplicate", record=record)
    with acting(actor):
        return EvaluationRound.objects.create(period=scheme.period, scheme=scheme, created_by=actor)


def _lock_round(rnd: EvaluationRound) -> EvaluationRound:
    return review.lock(EvaluationRound.objects.select_related("scheme"), rnd)


def _assert_round(rnd: EvaluationRound, *allowed, action: str, action_en: str) -> None:
    review.assert_status(rnd, *allowed, action=action, action_en=action_en, wording=ROUND_WORDING)


def _has_interest(expert, centre: Centre, declared: Enterprise | None) -> bool:
    return (declared is not None and declared.pk == centre.enterprise_id) or Membership.objects.filter(
        user=expert, enterprise_id=centre.enterprise_id
    ).exists()


@transaction.atomic
def assignment_create(
    *, actor, round: EvaluationRound, expert, centre: Centre, declared_interest: Enterprise | None = None
) -> ExpertAssignment:
    """Assign a scorer (an appointed expert or a reviewer) to a centre. The expert's declared interest (the
    enterprise they work for or advise) is recorded; they are never assigned to that enterprise's centre."""
    rnd = _lock_round(round)
    record = f"{rnd} · 研发中心 {centre.ref}"
    _require_staff(actor, record=record)
    _assert_round(rnd, RoundStatus.SCORING, action="分配评审专家", action_en="assign scorers")
    if expert.role not in (Role.EXPERT, Role.REGIONAL_REVIEWER):
        _refuse(
            f"{expert.display_name}不是评估专家或审核人员,不能评分",
            "the scorer must be an expert or a reviewer",
            record=record,
            field="expert",
        )
    filing = Filing.objects.filter(centre=centre, level=FilingLevel.REGIONAL, status=FilingStatus.APPROVED).first()
    if filing is None:
        _refuse(
            "该中心没有有效的自治区级备案,不参加综合绩效评估",
            "the centre has no approved regional filing",
            record=record,
            field="centre",
        )
    if _has_interest(expert, centre, declared_interest):
        _refuse(
            f"{expert.display_name}已申报与{centre.enterprise.name}存在利益关联,应当回避,不能分配评审该中心",
            "conflict of interest: the expert declared this enterprise",
            record=record,
            field="expert",
            code="conflict_of_interest",
        )
    if ExpertAssignment.objects.filter(round=rnd, expert=expert, centre=centre).exists():
        raise ConflictError("该专家已分配评审该中心", "already assigned", code="duplicate", record=record)
    with acting(actor):
        return ExpertAssignment.objects.create(
            round=rnd, expert=expert, centre=centre, declared_interest=declared_interest, assigned_by=actor
        )


@transaction.atomic
def score_record(
    *, actor, round: EvaluationRound, centre: Centre, scores: dict, comments: dict | None = None
) -> list[IndicatorScore]:
    """The actor's scores of one centre, all indicators at once: refused whole if one is out of range, if the
    actor is not assigned to the centre, or if they declared an interest in its enterprise."""
    rnd = _lock_round(round)
    record = f"{rnd} · 研发中心 {centre.ref}"
    _assert_round(rnd, RoundStatus.SCORING, action="评分", action_en="score")
    assignment = ExpertAssignment.objects.filter(round=rnd, expert=actor, centre=centre).first()
    if assignment is None:
        _refuse(
            "您未被分配评审该中心,不能评分",
            "you are not assigned to this centre",
            record=record,
            field="centre",
            code="not_assigned",
            status=403,
        )
    if _has_interest(actor, centre, assignment.declared_interest):
        _refuse(
            f"您已申报与{centre.enterprise.name}存在利益关联,应当回避,不能评分",
            "conflict of interest: you may not score your own enterprise",
            record=record,
            field="centre",
            code="conflict_of_interest",
            status=403,
        )
    indicators = list(rnd.scheme.indicators.all())
    values = {}
    for ind in indicators:
        raw = scores.get(ind.code)
        try:
            value = Decimal(str(raw).strip()) if raw not in (None, "") else None
        except InvalidOperation:
            value = None
        if value is None:
            _refuse(
                f"指标{ind.code}({ind.name})的得分“{raw if raw is not None else ''}”无效,请填写0至{ind.max_score}之间的数",
                f"indicator {ind.code}: '{raw}' is not a score from 0 to {ind.max_score}",
                record=record,
                field=f"score_{ind.code}",
            )
        problem = scoring.score_problem(scoring.IndicatorFact(ind.code, ind.weight, ind.max_score), value)
        if problem:
            _refuse(
                problem,
                f"indicator {ind.code}: the score must be from 0 to {ind.max_score}, got {value}",
                record=record,
                field=f"score_{ind.code}",
                code="score_range",
            )
        values[ind] = value
    unknown = set(scores) - {i.code for i in indicators}
    if unknown:
        _refuse(
            "未知指标:" + "、".join(sorted(unknown)),
            "unknown indicators: " + ", ".join(sorted(unknown)),
            record=record,
            field="scores",
        )
    comments = comments or {}
    out = []
    with acting(actor):
        for ind, value in values.items():
            row, _created = IndicatorScore.objects.update_or_create(
                assignment=assignment,
                indicator=ind,
                defaults={"score": value, "comment": str(comments.get(ind.code) or "").strip()},
            )
            out.append(row)
    return out


def excellent_rule(day: dt.date) -> scoring.ExcellentRule:
    timeline = parameter_timeline()
    return scoring.ExcellentRule(
        timeline.decimal("nx_perf.excellent_score", day),
        timeline.decimal("nx_perf.excellent_share", day),
        timeline.decimal("nx_perf.pass_score", day),
    )


@transaction.atomic
def round_compute(*, actor, round: EvaluationRound) -> EvaluationRound:
    """Every assigned scorer must have scored every indicator of their centres; then the weighted scores,
    ranks and results under the 优秀 rule in force today (kept on the round)."""
    rnd = _lock_round(round)
    record = str(rnd)
    _require_staff(actor, record=record)
    _assert_round(rnd, RoundStatus.SCORING, RoundStatus.COMPUTED, action="汇总评分", action_en="compute")
    indicators = list(rnd.scheme.indicators.all())
    assignments = list(rnd.assignments.select_related("centre", "expert").prefetch_related("scores__indicator"))
    if not assignments:
        _refuse("尚未分配评审专家", "no scorer is assigned", record=record, field="assignments")
    incomplete = [
        f"{a.centre.ref}({a.expert.display_name})" for a in assignments if len(a.scores.all()) < len(indicators)
    ]
    if incomplete:
        _refuse(
            "以下评分尚未完成:" + "、".join(incomplete),
            "scoring is incomplete: " + ", ".join(incomplete),
            record=record,
            field="scores",
            code="incomplete",
        )
    pairs: dict[int, list] = {}
    for a in assignments:
        pairs.setdefault(a.centre_id, []).extend((s.indicator.code, s.score) for s in a.scores.all())
    rule = excellent_rule(timezone.localdate())
    outcomes = scoring.evaluate(scoring_facts := _facts(rnd.scheme), pairs, rule)
    names = {i.code: i.name for i in indicators}
    with acting(actor):
        rnd.results.all().delete()
        CentreScore.objects.bulk_create(
            [
                CentreScore(
                    round=rnd,
                    centre_id=o.centre_id,
                    score=o.score,
                    rank=o.rank,
                    result=o.result,
                    by_indicator=[{**p, "name": names[p["code"]]} for p in o.by_indicator],
                )
                for o in outcomes
            ]
        )
        rnd.status, rnd.computed_at = RoundStatus.COMPUTED, timezone.now()
        rnd.rule_used = {**rule.explain(), "indicators": len(scoring_facts), "centres": len(outcomes)}
        rnd.save()
    return rnd


@transaction.atomic
def round_reopen(*, actor, round: EvaluationRound, comment: str) -> EvaluationRound:
    """Back to scoring (before the 初审 recorded any result)."""
    rnd = _lock_round(round)
    _require_staff(actor, record=str(rnd))
    _assert_round(rnd, RoundStatus.COMPUTED, action="退回重新评分", action_en="reopen it")
    comment = review.need_text(
        comment, what="退回理由", en="a reason is required", code="invalid", field="comment", record=str(rnd)
    )
    with acting(actor):
        rnd.results.all().delete()
        rnd.status, rnd.status_reason = RoundStatus.SCORING, comment
        rnd.save()
    return rnd


@transaction.atomic
def round_first_review(*, actor, round: EvaluationRound) -> EvaluationRound:
    """初审: each centre's result becomes its PerformanceEvaluation through evaluation_record, which proposes
    the NX-PERF award for 优秀 (500,000 independent / 250,000 joint) for another reviewer's 复审."""
    rnd = _lock_round(round)
    _require_staff(actor, record=str(rnd))
    _assert_round(rnd, RoundStatus.COMPUTED, action="初审", action_en="review it")
    with acting(actor):
        for cs in rnd.results.select_related("centre__enterprise"):
            evaluation = grant_services.evaluation_record(
                actor=actor,
                centre=cs.centre,
                period=rnd.period,
                result=cs.result,
                note=f"{rnd.period}综合绩效评估:综合得分{cs.score},排名第{cs.rank}",
            )
            cs.evaluation = evaluation
            cs.save()
        rnd.status, rnd.first_reviewed_by = RoundStatus.FIRST_REVIEWED, actor
        rnd.save()
    return rnd


@transaction.atomic
def round_approve(*, actor, round: EvaluationRound) -> EvaluationRound:
    """复审 by another reviewer: approves each proposed NX-PERF award (grant_approve, so the next grants run
    pays it) and publishes the scores to the enterprises."""
    rnd = _lock_round(round)
    record = str(rnd)
    _require_staff(actor, record=record)
    _assert_round(rnd, RoundStatus.FIRST_REVIEWED, action="复审", action_en="approve it")
    review.require_second_person(actor, rnd.first_reviewed_by_id, record=record, what="该评估")
    with acting(actor):
        for cs in rnd.results.select_related("centre__enterprise", "evaluation__award"):
            award = cs.evaluation.award if cs.evaluation_id else None
            if award is not None:
                grant_services.grant_approve(
                    actor=actor, application=award, comment=f"{rnd.period}综合绩效评估复审通过"
                )
            label = EvaluationResult(cs.result).label
            notify_enterprise(
                cs.centre.enterprise,
                title=f"【综合绩效评估】{rnd.period}:{cs.centre.name} {label}",
                body=f"研发中心:{cs.centre.name}({cs.centre.ref})\n综合得分:{cs.score}\n排名:第{cs.rank}名\n"
                f"评估结果:{label}" + (f"\nNX-PERF奖补:{award.requested_amount:,.2f} 元" if award else ""),
                title_en=f"[Performance evaluation] {rnd.period}: {cs.centre.name} {cs.result}",
                body_en=f"Centre: {cs.centre.name} ({cs.centre.ref})\nScore: {cs.score}\nRank: {cs.rank}\n"
                f"Result: {cs.result}" + (f"\nNX-PERF award: {award.requested_amount:,.2f} yuan" if award else ""),
            )
        rnd.status, rnd.approved_by, rnd.published_at = RoundStatus.PUBLISHED, actor, timezone.now()
        rnd.save()
    return rnd
