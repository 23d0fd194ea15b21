"""Stage tracking of a grant application (提交 → 初审 → 复审 → 办结) and of a YC-RD declaration (提交 → 核定 →
办结) for the enterprise, with the filings' Stage (registry.tracking) and page partial: the done
stages with who and when, the stage in progress with its start, promised time limit and days left."""

from django.utils.translation import gettext_lazy as _

from registry import guide as filing_guides
from registry.tracking import CURRENT, SKIPPED, Stage, mark_done, mark_due, two_step_stages
from subsidies.grants.guide import VERIFY_DAYS
from subsidies.models import (
    ApplicationDecision,
    ApplicationStatus,
    DeclarationStatus,
    GrantApplication,
    RDDeclarationSubmission,
)

DECIDED = {ApplicationStatus.APPROVED, ApplicationStatus.REJECTED}


def _round(app: GrantApplication) -> tuple[ApplicationDecision | None, list[ApplicationDecision]]:
    """The latest submission and the decisions after it (an award from a recorded result has no submission:
    all its decisions)."""
    decisions = list(app.decisions.select_related("actor").order_by("at", "id"))
    starts = [i for i, d in enumerate(decisions) if d.step == "submit"]
    if not starts:
        return None, decisions
    return decisions[starts[-1]], decisions[starts[-1] + 1 :]


def _accepted(number: str | None):
    return _("已受理") + (f" {number}" if number else "")


def application_stages(*, application: GrantApplication) -> list[Stage]:
    app = application
    stages = two_step_stages()
    submit, first, approval, decision = stages
    submitted, after = _round(app)
    if app.status == ApplicationStatus.RETURNED:
        submit.state, submit.result = CURRENT, _("待企业补正后重新提交")
        return stages
    if submitted is None:
        submit.state = SKIPPED  # an award proposed by a recorded result: nobody applied
    else:
        mark_done(submit, actor=submitted.actor, at=submitted.at, result=_accepted(app.acceptance_no))
    by_step = {}
    for d in after:
        by_step.setdefault(d.step, d)
    if app.status == ApplicationStatus.WITHDRAWN:
        first.state = approval.state = SKIPPED
        withdrawal = by_step.get("withdraw")
        if withdrawal is not None:
            mark_done(decision, actor=withdrawal.actor, at=withdrawal.at, result=ApplicationStatus.WITHDRAWN.label)
        return stages
    if "first_review" in by_step:
        d = by_step["first_review"]
        mark_done(first, actor=d.actor, at=d.at, result=ApplicationStatus(d.decision).label)
    elif app.status == ApplicationStatus.SUBMITTED and submitted is not None:
        mark_due(first, submitted.at, filing_guides.FIRST_REVIEW_DAYS)
        return stages
    if "approval" in by_step:
        d = by_step["approval"]
        mark_done(approval, actor=d.actor, at=d.at, result=ApplicationStatus(d.decision).label)
    elif app.status == ApplicationStatus.FIRST_REVIEWED and first.at is not None:
        mark_due(approval, first.at, filing_guides.APPROVAL_DAYS)
        return stages
    elif app.status in DECIDED:
        approval.state = SKIPPED  # refused at the first review
    if app.status in DECIDED:
        final = by_step.get("approval") or by_step.get("first_review")
        if final is not None:
            mark_done(decision, actor=final.actor, at=final.at, result=ApplicationStatus(final.decision).label)
    return stages


def declaration_stages(*, submission: RDDeclarationSubmission) -> list[Stage]:
    """A declaration has one review step, the Yinchuan bureau's 核定 (YC-RD 1)."""
    sub = submission
    submit, verify, decision = Stage("submit", _("提交")), Stage("verify", _("核定")), Stage("decision", _("办结"))
    mark_done(submit, actor=sub.submitted_by, at=sub.submitted_at, result=_accepted(sub.acceptance_no))
    if sub.status == DeclarationStatus.PENDING:
        mark_due(verify, sub.submitted_at, VERIFY_DAYS)
    elif sub.status == DeclarationStatus.WITHDRAWN:
        verify.state = SKIPPED
        mark_done(decision, actor=sub.withdrawn_by, at=sub.withdrawn_at, result=DeclarationStatus.WITHDRAWN.label)
    else:
        for stage in (verify, decision):
            mark_done(stage, actor=sub.verified_by, at=sub.verified_at, result=DeclarationStatus.VERIFIED.label)
    return [submit, verify, decision]
