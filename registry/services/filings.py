"""The filing lifecycle (POLICY §1): draft → submitted → (returned → submitted)* → first review (初审) →
approval (复审) | rejection; an approved filing can be suspended or revoked with a date and a reason, and
reinstated. Each transition is one transaction that locks the filing row, checks the current status
(an illegal transition or a lost race is a ConflictError, HTTP 409), writes a ReviewDecision and
notifies the enterprise's members. Audit rows come from the pghistory triggers with the actor as context."""

import datetime as dt

from django.db import transaction
from django.utils import timezone, translation

from accounts.audit import acting
from accounts.dates import LATEST, check_date
from accounts.errors import ConflictError, ServiceError, save_or_refuse
from accounts.wording import label_en, label_zh
from registry import history, measures, review
from registry.identifiers import is_ningxia, is_yinchuan
from registry.models import (
    Centre,
    CentreKind,
    Document,
    DocumentKind,
    Filing,
    FilingLevel,
    FilingStatus,
    ReviewDecision,
    ReviewStep,
)
from registry.services import acceptance
from registry.services.entities import require_member
from registry.services.notifications import notify_filing_decision, notify_reviewers_of
from registry.services.windows import recorded_windows, window_sync, windows_apply


def filing_eligibility_problems(filing: Filing) -> list[str]:
    """The submission checks of POLICY §1, each message naming its rule."""
    centre, enterprise = filing.centre, filing.centre.enterprise
    problems = []
    if filing.level == FilingLevel.REGIONAL:
        if not is_ningxia(enterprise.division_code):
            problems.append(
                f"自治区备案要求依托企业注册在宁夏(区划代码64开头),{enterprise.name}为{enterprise.division_code}"
                " / a regional filing needs a Ningxia (64xxxx) enterprise"
            )
        if is_ningxia(centre.division_code):
            problems.append(
                f"自治区备案要求研发中心位于宁夏区外,{centre.name}所在地区划为{centre.division_code}"
                " / a regional filing needs a centre outside Ningxia"
            )
    elif filing.level == FilingLevel.YINCHUAN:
        if not is_yinchuan(enterprise.division_code):
            problems.append(
                f"银川市备案要求依托企业注册在银川市(区划代码6401开头),{enterprise.name}为{enterprise.division_code}"
                " / a Yinchuan filing needs an enterprise registered in Yinchuan (6401xx)"
            )
        if is_ningxia(centre.division_code):
            problems.append(
                f"银川市备案要求研发中心位于宁夏区外,{centre.name}所在地区划为{centre.division_code}"
                " / a Yinchuan filing needs a centre outside the region"
            )
    return problems


def problem_halves(problem: str) -> tuple[str, str]:
    """A submission check's message ("中文 / English") as its Chinese and English halves."""
    zh, _sep, en = problem.partition(" / ")
    return zh, en or zh


def problems_in_language(problems: list[str]) -> list[str]:
    """The submission checks as a page shows them: in the page's language only."""
    english = (translation.get_language() or "zh-hans").lower().startswith("en")
    return [problem_halves(p)[1 if english else 0] for p in problems]


def required_document_kinds(filing: Filing) -> list[str]:
    """Decision: both measures ask for the parent's business licence and proof that the centre was set up
    (registration certificate or founding agreement); a joint centre also files its agreement with the
    partner institution (联合研发机构, POLICY §1)."""
    kinds = [DocumentKind.BUSINESS_LICENCE, DocumentKind.ESTABLISHMENT_PROOF]
    if filing.centre.kind == CentreKind.JOINT:
        kinds.append(DocumentKind.COOPERATION_AGREEMENT)
    return kinds


def filing_document_problems(filing: Filing) -> list[str]:
    present = set(Document.objects.filter(filing=filing, is_current=True).values_list("kind", flat=True))
    missing = [k for k in required_document_kinds(filing) if k not in present]
    if not missing:
        return []
    with translation.override("zh-hans"):
        names = "、".join(str(DocumentKind(k).label) for k in missing)
    names_en = ", ".join(label_en(DocumentKind(k).label) for k in missing)
    return [f"缺少必备材料:{names},请上传后再提交 / required documents missing: {names_en}"]


MEASURE_NAMES = {
    FilingLevel.REGIONAL: "《宁夏回族自治区企业飞地研发中心建设支持暂行办法》",
    FilingLevel.YINCHUAN: "《银川市飞地研发中心和飞地孵化器备案支持办法》",
}


def check_effective_from(level: str, day: dt.date, *, record: str, what: str = "生效日期") -> dt.date:
    """No filing takes effect before its measure applies (the `*.measure_from` parameters),
    nor after any sensible date."""
    start = measures.measure_from(level)
    if isinstance(day, dt.date) and day < start:
        raise ServiceError(
            f"{what}{day}早于{MEASURE_NAMES.get(level, '')}的适用起始日期{start},备案不能在办法施行前生效",
            f"the filing cannot take effect before its measure applies ({start})",
            code="before_measure",
            record=record,
        )
    return check_date(day, zh=what, en="effective date", record=record, earliest=start, latest=LATEST)


def backdate_bound(filing: Filing, today: dt.date) -> tuple[dt.date, int]:
    """The earliest effective date an approval may set without a stated reason: the submission date less
    `review.backdate_days` (default 0: the submission date itself)."""
    days = measures.backdate_days(today)
    submitted = timezone.localtime(filing.submitted_at).date() if filing.submitted_at else today
    return submitted - dt.timedelta(days=days), days


def filing_import_decided(
    *,
    actor,
    centre: Centre,
    level: str,
    status: str,
    effective_from: dt.date | None,
    effective_to: dt.date | None = None,
    reason: str = "",
) -> Filing:
    """Record one filing decided elsewhere: a history of one filing (see filing_history_import)."""
    entry = history.Entry("filings[0]", status, effective_from, effective_to, reason)
    return filing_history_import(actor=actor, centre=centre, level=level, entries=[entry])


@transaction.atomic
def filing_history_import(*, actor, centre: Centre, level: str, entries: list[history.Entry]) -> Filing:
    """Record a centre's filing history at one level, decided elsewhere (scenario import, migration from the
    bureau's spreadsheets): its filings in date order, e.g. one revoked with its window, then the approved
    re-filing. Every approved window is kept and earns for the days it covers; the filing's current state
    is the last one's. It is recorded as the web path records it (one filing per level, one window per
    approval, `ever_revoked` after a revocation), so a re-filing never earns NX-FIRST either way.

    Refused, naming the centre and the filing, and changing nothing: a history that contradicts itself
    (overlapping windows, filings out of date order, a filing in review or in force followed by another)
    or the recorded history (a recorded window left out). The same eligibility checks as a submission
    apply; the system actor is recorded. The same history imported again writes nothing (no audit rows)."""
    record = f"研发中心 {centre.ref} 的{dict(FilingLevel.choices).get(level, level)}备案"
    if level not in FilingLevel.values:
        raise ServiceError(f"备案层级“{level}”无效", "level must be regional or yinchuan", code="level", record=record)
    if not entries:
        raise ServiceError("备案历史为空", "the filing history is empty", code="empty", record=record)
    for entry in entries:
        if entry.status not in FilingStatus.values:
            raise ServiceError(
                f"{entry.label}的备案状态“{entry.status}”无效",
                f"{entry.label}: unknown filing status",
                code="status",
                record=record,
            )
        # a suspended or revoked filing earns up to its effective_to; without one it earns nothing
        # (POLICY §1: only an approved, not-revoked filing earns)
        if entry.status in EARNING and entry.effective_from is None:
            raise ServiceError(
                f"{entry.label}:已备案的备案须有生效日期",
                f"{entry.label}: an approved filing needs effective_from",
                code="effective_from",
                record=record,
            )
        if entry.effective_from is not None:
            # recorded history may reach back before its submission, never before the measure
            check_effective_from(level, entry.effective_from, record=record, what=f"{entry.label}:生效日期")
        check_date(entry.effective_to, zh=f"{entry.label}:终止日期", en="effective_to", record=record)
        if entry.effective_from and entry.effective_to and entry.effective_to < entry.effective_from:
            raise ServiceError(
                f"{entry.label}:终止日期{entry.effective_to}早于生效日期{entry.effective_from}",
                f"{entry.label}: effective_to is before effective_from",
                code="effective_order",
                record=record,
            )
    problems = history.history_problems(entries)
    if problems:
        raise ServiceError(";".join(problems), "the filing history contradicts itself", code="history", record=record)
    with acting(actor):
        filing = Filing.objects.select_for_update().filter(centre=centre, level=level).first() or Filing(
            centre=centre, level=level
        )
        problems = filing_eligibility_problems(filing)
        if problems and any(e.status not in (FilingStatus.DRAFT, FilingStatus.REJECTED) for e in entries):
            raise ServiceError(";".join(problems), code="ineligible", record=record)
        problems = history.missing_windows(recorded_windows(filing), entries)
        if problems:
            raise ServiceError(
                ";".join(problems), "the imported history leaves out a recorded window", code="history", record=record
            )
        last = entries[-1]
        stated = (
            last.status,
            last.effective_from,
            last.effective_to,
            last.reason,
            filing.ever_approved or any(e.status in EARNING for e in entries),
            filing.ever_revoked or any(e.status == FilingStatus.REVOKED for e in entries),
        )
        if not filing.pk or stated != (
            filing.status,
            filing.effective_from,
            filing.effective_to,
            filing.status_reason,
            filing.ever_approved,
            filing.ever_revoked,
        ):
            (
                filing.status,
                filing.effective_from,
                filing.effective_to,
                filing.status_reason,
                filing.ever_approved,
                filing.ever_revoked,
            ) = stated
            filing.decided_at = filing.decided_at or timezone.now()
            filing.full_clean()
            filing.save()
        # every window of the history, matched to the recorded ones by start; unchanged ones are not written
        windows_apply(filing, [w for w in map(history.entry_window, entries) if w is not None])
    return filing


def _missing_step(status: str, allowed: tuple) -> tuple[str, str] | None:
    """What has to happen first when the filing has not yet reached the state an action needs (so that
    skipping 初审 is not answered as if someone else had handled the filing). None when the filing has moved
    on or elsewhere: then someone did handle it, and the answer says who."""
    decided = {FilingStatus.APPROVED, FilingStatus.SUSPENDED}
    if status == FilingStatus.DRAFT and FilingStatus.DRAFT not in allowed:
        return "企业尚未提交备案,须先由企业提交", "the enterprise has not submitted the filing yet"
    if status == FilingStatus.SUBMITTED and FilingStatus.SUBMITTED not in allowed:
        if FilingStatus.FIRST_REVIEWED in allowed:
            return "须先完成初审", "the first review (初审) must be completed first"
        if set(allowed) <= decided:
            return "须先完成初审和复审(予以备案)", "the filing must pass the first review and the approval first"
    if status == FilingStatus.FIRST_REVIEWED and set(allowed) <= decided:
        return "须先完成复审(予以备案)", "the filing must be approved first"
    return None


FILING_WORDING = review.Wording(
    record=str,
    choices=FilingStatus,
    not_now=review.Refusal(
        "当前状态为“{status}”,不能{action}",
        "the filing is {status_en}; you cannot {action_en} now",
        "illegal_transition",
    ),
    handled=review.Refusal(
        "该备案已由{who}于{at}处理,当前状态为“{status}”,不能{action}。请刷新页面查看最新状态",
        "already decided: the filing is {status_en}; you cannot {action_en}",
        "already_decided",
    ),
    step=review.Refusal(
        "{step}:当前状态为“{shown}”,不能{action}",
        "{step_en}: the filing is {status_en}; you cannot {action_en} yet",
        "step_required",
    ),
    missing_step=_missing_step,
)


def filing_assert_status(filing: Filing, *allowed: str, action: str, race: bool = False) -> None:
    """Refuse an action the filing's status does not allow (409). `race`: the decider saw another status
    on the page, so someone else has moved the filing since."""
    review.assert_status(filing, *allowed, action=action, wording=FILING_WORDING, race=race)


# --- helpers ---------------------------------------------------------------------------------------------


def _lock(filing: Filing | int, expected_status: str | None = None, *, action: str = "处理") -> Filing:
    """The filing re-read under a row lock; refused when someone else has moved it from `expected_status`,
    the status the decider saw (registry.review.lock)."""
    return review.lock(
        Filing.objects.select_related("centre__enterprise"),
        filing,
        expected_status,
        action=action,
        wording=FILING_WORDING,
        missing=("备案不存在", "filing not found"),
    )


def _require_reviewer(actor, filing: Filing, *, action: str) -> None:
    if not actor.reviews_level(filing.level):
        raise ServiceError(
            f"您({actor.get_role_display()})无权{action}{filing.get_level_display()}备案",
            f"you may not {action} a {filing.level} filing",
            code="forbidden",
            record=str(filing),
            status=403,
        )


def _reviewer_step(
    actor, filing: Filing | int, expected_status: str | None, *allowed: str, action: str, role_action: str = ""
) -> Filing:
    """The start of every reviewer step: the filing re-read under a lock (refused when someone else moved it
    from `expected_status`), then refused unless `actor` reviews its level (wording `role_action`, default
    `action`) and it stands in one of the `allowed` statuses."""
    filing = _lock(filing, expected_status, action=action)
    _require_reviewer(actor, filing, action=role_action or action)
    filing_assert_status(filing, *allowed, action=action)
    return filing


def _record(filing: Filing, *, actor, step: str, comment: str = "") -> ReviewDecision:
    decision = ReviewDecision(filing=filing, step=step, decision=filing.status, comment=comment, actor=actor)
    decision.full_clean()
    decision.save()
    notify_filing_decision(decision)
    return decision


def _save(filing: Filing) -> None:
    filing.full_clean()
    filing.save()
    window_sync(filing)


EARNING = history.EARNING


# --- enterprise side -------------------------------------------------------------------------------------


@transaction.atomic
def filing_create(*, actor, centre: Centre, level: str) -> Filing:
    """Start a draft filing for a centre at one level. A rejected or revoked filing of the same level is
    reopened as a draft (one filing per centre and level; `ever_approved` is kept so NX-FIRST is never paid
    twice)."""
    record = f"研发中心 {centre.ref}"
    if level not in FilingLevel.values:
        raise ServiceError(
            f"备案层级“{level}”无效,应为自治区级或银川市级",
            "level must be regional or yinchuan",
            code="level",
            record=record,
        )
    require_member(actor, centre.enterprise, action="发起备案")
    with acting(actor):
        existing = Filing.objects.select_for_update().filter(centre=centre, level=level).first()
        if existing is not None:
            if existing.status not in (FilingStatus.REJECTED, FilingStatus.REVOKED):
                raise ConflictError(
                    f"该中心已有{existing.get_level_display()}备案(状态:{existing.get_status_display()}),不能重复发起",
                    "a filing at this level already exists",
                    code="duplicate",
                    record=record,
                )
            existing.status = FilingStatus.DRAFT
            existing.status_reason = ""
            existing.acceptance_no = None  # a new matter: its submission gets a new 受理编号
            existing.commitment_at = None
            _save(existing)
            return existing
        filing = Filing(centre=centre, level=level, status=FilingStatus.DRAFT)
        save_or_refuse(
            lambda: _save(filing),
            ConflictError(
                "该中心的同级备案刚刚已被创建,请刷新",
                "a filing at this level was just created",
                code="duplicate",
                record=record,
            ),
        )
    return filing


@transaction.atomic
def filing_submit(*, actor, filing: Filing, commitment: bool) -> Filing:
    """Submit (or resubmit after 退回修改). Runs the eligibility rules and the required-documents check;
    the enterprise accepts the 信用承诺书 (`commitment`) and the matter gets its 受理编号."""
    filing = _lock(filing)
    require_member(actor, filing.centre.enterprise, action="提交备案")
    filing_assert_status(filing, FilingStatus.DRAFT, FilingStatus.RETURNED, action="提交")
    problems = filing_eligibility_problems(filing) + filing_document_problems(filing)
    if problems:
        halves = [problem_halves(p) for p in problems]
        raise ServiceError(
            ";".join(zh for zh, _en in halves),
            "the filing cannot be submitted: " + "; ".join(en for _zh, en in halves),
            code="ineligible",
            record=str(filing),
        )
    acceptance.require_commitment(filing, commitment)
    with acting(actor):
        filing.status = FilingStatus.SUBMITTED
        filing.submitted_at = timezone.now()
        filing.status_reason = ""
        acceptance.accept(filing)
        _save(filing)
        decision = _record(filing, actor=actor, step=ReviewStep.SUBMIT)
        notify_reviewers_of(decision, number=filing.acceptance_no)  # new work in the reviewers' inbox
    return filing


@transaction.atomic
def filing_withdraw(*, actor, filing: Filing, reason: str = "") -> Filing:
    """撤回: the enterprise takes a submitted filing back before the first review has decided
    it; the filing is a draft again, to be corrected and submitted as a new matter (a new 受理编号). The
    withdrawal is a review record (who, when, the number withdrawn) and in the audit trail."""
    filing = _lock(filing)
    require_member(actor, filing.centre.enterprise, action="撤回备案")
    if filing.status != FilingStatus.SUBMITTED:
        raise ConflictError(
            f"当前状态为“{label_zh(FilingStatus(filing.status).label)}”,只有已提交、尚未初审的备案可以撤回",
            f"the filing is {label_en(FilingStatus(filing.status).label)}; only a submitted filing not yet "
            "reviewed can be withdrawn",
            code="illegal_transition",
            record=str(filing),
        )
    number = filing.acceptance_no or ""
    comment = ";".join(x for x in (f"撤回受理编号{number}" if number else "", (reason or "").strip()) if x)
    with acting(actor):
        filing.status = FilingStatus.DRAFT
        filing.acceptance_no = None
        filing.commitment_at = None
        filing.status_reason = ""
        _save(filing)
        decision = _record(filing, actor=actor, step=ReviewStep.WITHDRAW, comment=comment)
        notify_reviewers_of(decision, number=number)  # the work has left their queue
    return filing


# --- reviewer side ---------------------------------------------------------------------------------------


@transaction.atomic
def filing_return(*, actor, filing: Filing, comment: str, expected_status: str | None = None) -> Filing:
    """退回修改: back to the enterprise with what to correct."""
    filing = _reviewer_step(
        actor,
        filing,
        expected_status,
        FilingStatus.SUBMITTED,
        FilingStatus.FIRST_REVIEWED,
        action="退回修改",
        role_action="退回",
    )
    comment = review.need_text(comment, what="退回意见(需要企业修改的内容)", record=str(filing))
    with acting(actor):
        filing.status = FilingStatus.RETURNED
        filing.status_reason = comment
        _save(filing)
        _record(filing, actor=actor, step=ReviewStep.RETURN, comment=comment)
    return filing


@transaction.atomic
def filing_first_review(*, actor, filing: Filing, comment: str = "", expected_status: str | None = None) -> Filing:
    """初审通过."""
    filing = _reviewer_step(actor, filing, expected_status, FilingStatus.SUBMITTED, action="初审")
    with acting(actor):
        filing.status = FilingStatus.FIRST_REVIEWED
        _save(filing)
        _record(filing, actor=actor, step=ReviewStep.FIRST_REVIEW, comment=(comment or "").strip())
    return filing


def first_reviewer(filing: Filing):
    """The reviewer of the latest first review (the one that led to the current round)."""
    return review.first_reviewer(filing, status=FilingStatus.FIRST_REVIEWED)


def _require_second_person(actor, filing: Filing, *, action: str) -> None:
    review.require_second_person(actor, first_reviewer(filing), record=str(filing), what="该备案", action=action)


@transaction.atomic
def filing_approve(
    *,
    actor,
    filing: Filing,
    effective_from: dt.date | None = None,
    comment: str = "",
    expected_status: str | None = None,
    backdate_reason: str = "",
) -> Filing:
    """复审通过 (备案): by a reviewer other than the first reviewer; the filing earns from effective_from
    (default: the approval date), never before its measure applies. An effective date earlier than the
    submission (less `review.backdate_days`) needs a stated reason, which the review record shows."""
    filing = _reviewer_step(
        actor, filing, expected_status, FilingStatus.FIRST_REVIEWED, action="复审通过", role_action="复审"
    )
    _require_second_person(actor, filing, action="复审通过")
    today = timezone.localdate()
    effective_from = check_effective_from(filing.level, effective_from or today, record=str(filing))
    bound, days = backdate_bound(filing, today)
    comment = (comment or "").strip()
    if effective_from < bound:
        reason = (backdate_reason or "").strip()
        reach = f"早于企业提交日期{bound + dt.timedelta(days=days)}" + (f"超过{days}天" if days else "")
        if not reason:
            raise ServiceError(
                f"生效日期{effective_from}{reach},追溯生效须填写追溯理由",
                "an effective date before the submission needs a stated reason",
                code="backdate_reason",
                record=str(filing),
            )
        comment = f"追溯生效:生效日期{effective_from}{reach};理由:{reason}" + (f"\n{comment}" if comment else "")
    _require_new_window(filing, effective_from)
    with acting(actor):
        filing.status = FilingStatus.APPROVED
        filing.effective_from = effective_from
        filing.effective_to = None
        filing.ever_approved = True
        filing.decided_at = timezone.now()
        filing.status_reason = ""
        _save(filing)
        _record(filing, actor=actor, step=ReviewStep.APPROVAL, comment=comment)
    return filing


@transaction.atomic
def filing_reject(*, actor, filing: Filing, comment: str, expected_status: str | None = None) -> Filing:
    """不予备案, at the first review or at the approval (then by a second person)."""
    filing = _reviewer_step(
        actor, filing, expected_status, FilingStatus.SUBMITTED, FilingStatus.FIRST_REVIEWED, action="作出不予备案决定"
    )
    step = ReviewStep.FIRST_REVIEW if filing.status == FilingStatus.SUBMITTED else ReviewStep.APPROVAL
    if step == ReviewStep.APPROVAL:
        _require_second_person(actor, filing, action="作出复审决定")
    comment = review.need_text(comment, what="不予备案的理由", record=str(filing))
    with acting(actor):
        filing.status = FilingStatus.REJECTED
        filing.status_reason = comment
        filing.decided_at = timezone.now()
        _save(filing)
        _record(filing, actor=actor, step=step, comment=comment)
    return filing


def _require_new_window(filing: Filing, start: dt.date) -> None:
    """An approval after a re-filing, or a reinstatement, opens a window after the recorded ones (the same
    check as an imported history's: windows never overlap, and a later one never starts earlier)."""
    problems = history.next_window_problems(recorded_windows(filing), start)
    if problems:
        raise ServiceError(
            ";".join(problems), "the new window overlaps the filing's history", code="date_order", record=str(filing)
        )


def _end_date(filing: Filing, on: dt.date, *, what: str) -> dt.date:
    """A suspension or revocation on day `on` ends the earning window the day before (effective dates are
    inclusive, SCENARIOS)."""
    if not isinstance(on, dt.date):
        raise ServiceError(f"请填写{what}日期", f"{what} date is required", code="date_required", record=str(filing))
    check_date(on, zh=f"{what}日期", en=f"{what} date", record=str(filing))
    if filing.effective_from and on <= filing.effective_from:
        raise ServiceError(
            f"{what}日期{on}须晚于备案生效日期{filing.effective_from}",
            f"{what} date must be after effective_from",
            code="date_order",
            record=str(filing),
        )
    return on - dt.timedelta(days=1)


@transaction.atomic
def filing_suspend(*, actor, filing: Filing, on: dt.date, reason: str, expected_status: str | None = None) -> Filing:
    """暂停备案 from `on` (the filing earns up to the day before)."""
    filing = _reviewer_step(actor, filing, expected_status, FilingStatus.APPROVED, action="暂停")
    reason = review.need_text(reason, what="暂停原因", record=str(filing))
    with acting(actor):
        filing.effective_to = _end_date(filing, on, what="暂停")
        filing.status = FilingStatus.SUSPENDED
        filing.status_reason = reason
        filing.decided_at = timezone.now()
        _save(filing)
        _record(filing, actor=actor, step=ReviewStep.SUSPEND, comment=f"自{on}起暂停:{reason}")
    return filing


@transaction.atomic
def filing_revoke(*, actor, filing: Filing, on: dt.date, reason: str, expected_status: str | None = None) -> Filing:
    """撤销备案 from `on`. A suspended filing being revoked keeps the earlier end of its window."""
    filing = _reviewer_step(
        actor, filing, expected_status, FilingStatus.APPROVED, FilingStatus.SUSPENDED, action="撤销"
    )
    reason = review.need_text(reason, what="撤销原因", record=str(filing))
    with acting(actor):
        end = _end_date(filing, on, what="撤销")
        if filing.status == FilingStatus.SUSPENDED and filing.effective_to and filing.effective_to < end:
            end = filing.effective_to
        filing.effective_to = end
        filing.status = FilingStatus.REVOKED
        filing.ever_revoked = True
        filing.status_reason = reason
        filing.decided_at = timezone.now()
        _save(filing)
        _record(filing, actor=actor, step=ReviewStep.REVOKE, comment=f"自{on}起撤销:{reason}")
    return filing


@transaction.atomic
def filing_reinstate(
    *, actor, filing: Filing, on: dt.date | None = None, comment: str = "", expected_status: str | None = None
) -> Filing:
    """恢复备案 after a suspension. Decision: the filing earns again from the reinstatement date; the
    suspended days stay unpaid (the window restarts at `on`, so the gap is never paid in arrears)."""
    filing = _reviewer_step(
        actor, filing, expected_status, FilingStatus.SUSPENDED, action="恢复备案", role_action="恢复"
    )
    on = check_effective_from(filing.level, on or timezone.localdate(), record=str(filing), what="恢复日期")
    if filing.effective_to and on <= filing.effective_to:
        raise ServiceError(
            f"恢复日期{on}须晚于暂停前的最后有效日{filing.effective_to}",
            "reinstatement must be after the suspension began",
            code="date_order",
            record=str(filing),
        )
    _require_new_window(filing, on)
    with acting(actor):
        filing.status = FilingStatus.APPROVED
        filing.effective_from = on
        filing.effective_to = None
        filing.status_reason = ""
        filing.decided_at = timezone.now()
        _save(filing)
        _record(filing, actor=actor, step=ReviewStep.REINSTATE, comment=(comment or "").strip() or f"自{on}起恢复")
    return filing
