"""Stage tracking of a filing for the enterprise (已提交 → 初审中 → 复审中 → 办结): each stage of
the current round (since the latest submission) with who and when for the done ones, and for the stage
in progress the date it started, the promised time limit (registry.guide) and the days remaining.

`Stage`, `mark_done` and `mark_due` are shared: grant applications and YC-RD declarations
(subsidies.grants.tracking) build their stages with them, for the same page partial
(templates/registry/partials/stages.html)."""

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from registry import guide
from registry.models import Filing, FilingStatus, ReviewDecision, ReviewStep

DONE, CURRENT, TODO, SKIPPED = "done", "current", "todo", "skipped"
DECIDED = {FilingStatus.APPROVED, FilingStatus.REJECTED, FilingStatus.SUSPENDED, FilingStatus.REVOKED}


@dataclass
class Stage:
    key: str
    name: object
    state: str = TODO
    who: str = ""
    at: dt.datetime | None = None
    result: object = ""
    started: dt.date | None = None
    due: dt.date | None = None

    @property
    def days_left(self) -> int | None:
        return None if self.due is None else (self.due - timezone.localdate()).days

    @property
    def overdue(self) -> bool:
        return self.days_left is not None and self.days_left < 0


def _round(filing: Filing) -> list[ReviewDecision]:
    decisions = list(ReviewDecision.objects.filter(filing=filing).select_related("actor").order_by("at", "id"))
    starts = [i for i, d in enumerate(decisions) if d.step == ReviewStep.SUBMIT]
    return decisions[starts[-1] :] if starts else []


def mark_done(stage: Stage, *, actor, at: dt.datetime, result) -> None:
    """The stage is done: by whom (None: not recorded), when, with what result."""
    stage.state, stage.who, stage.at, stage.result = DONE, actor.display_name if actor else "", at, result


def mark_due(stage: Stage, since: dt.datetime, days: int) -> None:
    """The stage is in progress since `since`, promised within `days` calendar days."""
    stage.state = CURRENT
    stage.started = timezone.localtime(since).date()
    stage.due = stage.started + dt.timedelta(days=days)


def two_step_stages() -> list[Stage]:
    """The stages of a two-step review, none started: 提交, 初审, 复审, 办结."""
    return [
        Stage("submit", _("提交")),
        Stage("first_review", _("初审")),
        Stage("approval", _("复审")),
        Stage("decision", _("办结")),
    ]


def _done(stage: Stage, decision: ReviewDecision) -> None:
    mark_done(stage, actor=decision.actor, at=decision.at, result=FilingStatus(decision.decision).label)


def filing_stages(*, filing: Filing) -> list[Stage]:
    stages = two_step_stages()
    submit, first, approval, decision = stages
    decisions = _round(filing)
    if filing.status in (FilingStatus.DRAFT, FilingStatus.RETURNED) or not decisions:
        submit.state = CURRENT
        submit.result = _("待企业补正后重新提交") if filing.status == FilingStatus.RETURNED else _("待提交")
        return stages
    _done(submit, decisions[0])
    submit.result = _("已受理") + (f" {filing.acceptance_no}" if filing.acceptance_no else "")
    by_step = {}
    for d in decisions[1:]:
        by_step.setdefault(d.step, d)
    if ReviewStep.FIRST_REVIEW in by_step:
        _done(first, by_step[ReviewStep.FIRST_REVIEW])
    elif filing.status == FilingStatus.SUBMITTED:
        mark_due(first, decisions[0].at, guide.FIRST_REVIEW_DAYS)
        return stages
    if ReviewStep.APPROVAL in by_step:
        _done(approval, by_step[ReviewStep.APPROVAL])
    elif filing.status == FilingStatus.FIRST_REVIEWED:
        mark_due(approval, first.at, guide.APPROVAL_DAYS)
        return stages
    elif filing.status in DECIDED:
        approval.state = SKIPPED  # refused at the first review
    if filing.status in DECIDED:
        final = by_step.get(ReviewStep.APPROVAL) or by_step.get(ReviewStep.FIRST_REVIEW)
        if final is not None:
            _done(decision, final)
    return stages
