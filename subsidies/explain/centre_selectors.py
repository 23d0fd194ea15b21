"""Reads for the why-not answers of a centre: its YC-RD years and its grant eligibility. The caller
has scoped the centre or application through an actor-scoped selector (registry.selectors.centre_get,
subsidies.grants.selectors.application_get): an enterprise asks about its own, staff about those they may see.
A centre's lines are its enterprise's, so no other enterprise's record enters an answer."""

import datetime as dt

from django.db.models import Q
from django.utils import timezone

from subsidies.explain.eligibility import Eligibility, check
from subsidies.explain.months import PaidLine
from subsidies.explain.rd_years import PendingDeclaration, YearAnswer, year_answer
from subsidies.grants import services as grants
from subsidies.models import (
    PENDING_STATUSES,
    PUBLISHED_RUN_STATES,
    ApplicationStatus,
    DeclarationStatus,
    GrantApplication,
    PayoutLine,
    PayoutRun,
    Programme,
    RDDeclaration,
    RDDeclarationSubmission,
    RunKind,
    RunState,
)
from subsidies.parameters.services import parameter_timeline
from subsidies.rules import grants as rules
from subsidies.rules.rd_award import RULE as RD_AWARD
from subsidies.rules.rd_award import DeclarationFact
from subsidies.selectors import yinchuan_filings_by_centre


def next_annual_period(today: dt.date) -> int:
    """The year the next annual run pays: last year, unless a run for it is already open or approved."""
    last = today.year - 1
    done = (
        PayoutRun.objects.filter(kind=RunKind.ANNUAL, period=str(last))
        .exclude(state__in=[RunState.CANCELLED, RunState.FAILED])
        .exists()
    )
    return last + 1 if done else last


def rd_years(*, centre, years=None, today: dt.date | None = None) -> list[YearAnswer]:
    """The YC-RD answer for each year of the centre (default: from the Yinchuan measure's year, or the first
    declared year, to this year), from the annual run's rule and the same facts the run reads."""
    today = today or timezone.localdate()
    params = parameter_timeline()
    declarations = {
        y: DeclarationFact(pk, centre.pk, y, v, rev)
        for pk, y, v, rev in RDDeclaration.objects.filter(centre=centre).values_list(
            "id", "year", "verified_amount", "revision"
        )
    }
    if years is None:
        first = min([params.measure_from("yinchuan").year, *declarations])
        years = range(first, today.year + 1)
    pending = {}
    for pk, y, on, amount in (
        RDDeclarationSubmission.objects.filter(centre=centre, status=DeclarationStatus.PENDING)
        .order_by("submitted_at")
        .values_list("id", "year", "submitted_at", "declared_amount")
    ):
        pending[y] = PendingDeclaration(pk, timezone.localtime(on).date(), amount)
    verified = dict(
        RDDeclarationSubmission.objects.filter(centre=centre, status=DeclarationStatus.VERIFIED)
        .order_by("verified_at", "id")
        .values_list("year", "id")
    )  # the latest per year
    totals: dict[str, object] = {}
    shown: dict[str, list[PaidLine]] = {}
    in_run: dict[str, str] = {}
    for pk, period, amount, run_period, state, arrears in (
        PayoutLine.objects.filter(rule=RD_AWARD, centre=centre, active=True)
        .order_by("id")
        .values_list("id", "service_period", "amount", "run__period", "run__state", "is_arrears")
    ):
        totals[period] = totals.get(period, 0) + amount
        if state in PUBLISHED_RUN_STATES:
            shown.setdefault(period, []).append(PaidLine(pk, amount, run_period, state, arrears))
        else:
            in_run[period] = run_period
    filings = yinchuan_filings_by_centre([centre.pk]).get(centre.pk, ())
    nxt = next_annual_period(today)
    return [
        year_answer(
            centre_id=centre.pk,
            centre_ref=centre.ref,
            year=y,
            declaration=declarations.get(y),
            pending=pending.get(y),
            filings=filings,
            paid_total=totals.get(str(y)),
            lines=tuple(shown.get(str(y), ())),
            params=params,
            current_year=today.year,
            next_period=nxt,
            in_run=in_run.get(str(y), ""),
            submission=verified.get(y),
        )
        for y in sorted(years)
    ]


def _programme_label(p: Programme) -> str:
    return f"{p.code} {p.display_name}"


def centre_eligibility(*, centre, programmes=None) -> list[Eligibility]:
    """For each programme a centre may apply for or receive (not the incubators'): each condition of the rule
    (centre_conditions), held or not, with the once-only award and an application in review as the rule
    counts them for the centre (subsidies.grants.selectors.centre_benefits does the same)."""
    programmes = Programme.objects.all() if programmes is None else programmes
    programmes = [p for p in programmes if p.applicant != rules.INCUBATOR]
    fact = grants.centre_facts([centre.pk])[centre.pk]
    approved, in_review = set(), set()
    for code, status in GrantApplication.objects.filter(centre=centre).values_list("programme__code", "status"):
        if status == ApplicationStatus.APPROVED:
            approved.add(code)
        elif status in PENDING_STATUSES:
            in_review.add(code)
    out = []
    for p in programmes:
        pf = grants.programme_fact(p)
        once = pf.frequency == rules.ONCE_PER_CENTRE
        conditions = rules.centre_conditions(pf, fact, awarded=once and p.code in approved, pending=p.code in in_review)
        out.append(
            Eligibility(
                p.code,
                _programme_label(p),
                f"{centre.name}({centre.ref})",
                tuple(check(c.code, c.held, c.reason) for c in conditions),
                "" if rules.needs_application(pf) else rules.ORIGIN_REASON[p.origin],
            )
        )
    return out


def application_eligibility(app: GrantApplication) -> Eligibility:
    """Whether the application's applicant meets the programme's conditions now, each condition named: the
    checks the submission and the approval run (eligibility_problems, _once_problems), the application itself
    not counted as the award or the review it would collide with."""
    p = app.programme
    pf = grants.programme_fact(p)
    others = GrantApplication.objects.filter(programme=p).exclude(pk=app.pk)
    checks = []
    if p.applicant == rules.INCUBATOR:
        problems = grants.incubator_problems(app.incubator) if app.incubator_id else ["请选择飞地孵化器"]
        checks.append(check("incubator", not problems, ";".join(problems)))
        subject = app.incubator.name if app.incubator_id else ""
    else:
        centre = app.centre
        fact = grants.centre_facts([centre.pk])[centre.pk]
        once = pf.frequency == rules.ONCE_PER_CENTRE
        awarded = once and others.filter(centre=centre, status=ApplicationStatus.APPROVED).exists()
        pending = others.filter(centre=centre, status__in=PENDING_STATUSES).exists() and once
        conditions = rules.centre_conditions(pf, fact, awarded=awarded, pending=pending)
        checks += [check(c.code, c.held, c.reason) for c in conditions]
        subject = f"{centre.name}({centre.ref})"
        if p.applicant == rules.RESEARCHER and app.researcher_id:
            problems = grants.researcher_problems(p, centre=centre, researcher=app.researcher)
            checks += [check("researcher", False, r) for r in problems] or [check("researcher", True)]
            subject = f"{app.researcher.name}({centre.name})"
    if pf.frequency != rules.ONCE_PER_CENTRE:
        slot = dict(
            centre=app.centre,
            researcher=app.researcher,
            incubator=app.incubator,
            award_programme=app.award_programme,
            year=app.year,
            evaluation_period=app.evaluation_period,
        )
        taken = grants.same_award(p, **slot).exclude(pk=app.pk)
        clash = taken.filter(Q(status=ApplicationStatus.APPROVED) | Q(status__in=PENDING_STATUSES)).first()
        reason = f"同一事项已有{clash.get_status_display()}的{p.code}申报(#{clash.pk})" if clash else ""
        checks.append(check("once", clash is None, reason))
    return Eligibility(
        p.code,
        _programme_label(p),
        subject,
        tuple(checks),
        "" if rules.needs_application(pf) else rules.ORIGIN_REASON[p.origin],
    )
