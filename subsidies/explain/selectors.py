"""Reads for the why-not answer, scoped by the actor: an enterprise asks about the people it employs, a
reviewer about those at the centres of their bureau (talent.selectors.staff_researchers), finance and
administrators about everyone. Another enterprise's lines never show: a month it paid reads 'paid elsewhere'."""

import dataclasses
import datetime as dt

from django.db.models import Q, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone

from subsidies.explain.months import DUE, NOT_PAYABLE, NOT_YET_DUE, OTHER_EMPLOYER, MonthAnswer, PaidLine, month_answers
from subsidies.models import PUBLISHED_RUN_STATES, PayoutLine, PayoutRun, RunKind, RunState
from subsidies.parameters.services import parameter_timeline
from subsidies.rules.calendar import month_index
from subsidies.rules.stipend import RULE as STIPEND
from subsidies.selectors import paid_stipend_months, person_facts
from talent import selectors as talent_selectors
from talent.models import Contract, Degree, Researcher

# months shown before the first contract and after today, on the researcher's calendar
CALENDAR_AHEAD = 3


def explainable_researchers(*, actor) -> QuerySet[Researcher]:
    if actor.is_portal_admin or actor.is_finance:
        return Researcher.objects.all()
    if actor.is_reviewer:
        return talent_selectors.staff_researchers(actor=actor)
    if actor.is_enterprise:
        return talent_selectors.researcher_list(actor=actor)
    return Researcher.objects.none()


def explainable_researcher_get(*, actor, pk: int) -> Researcher:
    """404 for a person the actor may not ask about (their existence is not disclosed), or for an id that is not
    a number."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise Http404("researcher not found") from None
    return get_object_or_404(explainable_researchers(actor=actor), pk=pk)


def next_stipend_period(today: dt.date) -> int:
    """The month the next monthly run pays: last month, unless a run for it is already open or approved."""
    last = month_index(today) - 1
    label = f"{last // 12:04d}-{last % 12 + 1:02d}"
    done = (
        PayoutRun.objects.filter(kind=RunKind.MONTHLY, period=label)
        .exclude(state__in=[RunState.CANCELLED, RunState.FAILED])
        .exists()
    )
    return last + 1 if done else last


def _scope(actor, enterprises):
    """The enterprises whose contracts and lines answer: an enterprise user's own; staff everyone's (None), or
    the ones they name (an objection's enterprise, to tell it what it will be paid)."""
    return actor.enterprises.all() if actor.is_enterprise else enterprises


def _visible_lines(researcher: Researcher, enterprises) -> dict[int, PaidLine]:
    """Lines of published runs only (a computed run's line is not yet paid, nor decided), of `enterprises`."""
    qs = PayoutLine.objects.filter(
        researcher=researcher, rule=STIPEND, active=True, run__state__in=PUBLISHED_RUN_STATES
    )
    if enterprises is not None:
        qs = qs.filter(enterprise__in=enterprises)
    return {
        month_index(sm): PaidLine(pk, amount, period, state, arrears)
        for pk, sm, amount, period, state, arrears in qs.values_list(
            "id", "service_month", "amount", "run__period", "run__state", "is_arrears"
        )
    }


def _lines_in_runs(researcher: Researcher, enterprises) -> dict[int, PaidLine | None]:
    """The months an active line of a run not yet approved holds: the line where `enterprises` (None: all)
    include its payee, else None (another employer's run is not disclosed)."""
    qs = PayoutLine.objects.filter(researcher=researcher, rule=STIPEND, active=True).exclude(
        run__state__in=PUBLISHED_RUN_STATES
    )
    mine = None if enterprises is None else {getattr(e, "pk", e) for e in enterprises}
    return {
        month_index(sm): PaidLine(pk, amount, period, state, arrears) if mine is None or ent in mine else None
        for pk, sm, amount, period, state, arrears, ent in qs.values_list(
            "id", "service_month", "amount", "run__period", "run__state", "is_arrears", "enterprise_id"
        )
    }


def _own(facts, enterprises):
    """The facts an enterprise may read: its own contracts only (a researcher is one record across employers;
    another employer's centre, dates, full-time flag, termination and filing are not disclosed)."""
    mine = set(
        Contract.objects.filter(researcher_id=facts.researcher_id, centre__enterprise__in=enterprises).values_list(
            "id", flat=True
        )
    )
    return dataclasses.replace(facts, contracts=tuple(c for c in facts.contracts if c.id in mine))


def _facts(researcher: Researcher):
    facts = person_facts(Q(pk=researcher.pk))[researcher.pk]
    # the date each claim was recorded, so that a pending verification says since when
    submitted = dict(Degree.objects.filter(researcher=researcher).values_list("id", "created_at"))
    degrees = tuple(
        dataclasses.replace(d, submitted_on=timezone.localtime(submitted[d.id]).date()) if d.id in submitted else d
        for d in facts.degrees
    )
    return dataclasses.replace(facts, degrees=degrees)


def researcher_months(
    *, actor, researcher: Researcher, months=None, today: dt.date | None = None, enterprises=None
) -> list[MonthAnswer]:
    """The answer for each month (default: from the first contract's month, or the measure's, to a few
    months ahead). The caller has scoped `researcher` through explainable_researcher_get. An enterprise user
    (or staff naming `enterprises`) is answered from those enterprises' contracts and lines only."""
    today = today or timezone.localdate()
    scope = _scope(actor, enterprises)
    full = _facts(researcher)
    facts = full if scope is None else _own(full, scope)
    params = parameter_timeline()
    current = month_index(today)
    if months is None:
        since = month_index(params.measure_from("regional"))
        starts = [month_index(c.start) for c in facts.contracts]
        first = max(min(starts, default=current), since)
        months = range(min(first, current), current + CALENDAR_AHEAD)
    paid = paid_stipend_months(Q(pk=researcher.pk)).get(researcher.pk, frozenset())
    answer = dict(
        months=months,
        paid=paid,
        lines=_visible_lines(researcher, scope),
        in_runs=_lines_in_runs(researcher, scope),
        params=params,
        current_month=current,
        next_period=next_stipend_period(today),
    )
    if scope is None:
        return month_answers(facts, **answer)
    # an enterprise: answered from its own contracts; a month payable only under another employer's contract
    # reads 'other employer', with no detail of it
    everyone = {a.month: a for a in month_answers(full, **answer)}
    own = month_answers(facts, **answer)
    return [
        MonthAnswer(a.month, OTHER_EMPLOYER, next_period=a.next_period)
        if a.status == NOT_PAYABLE and everyone[a.month].status in (DUE, NOT_YET_DUE)
        else a
        for a in own
    ]


def researcher_month(*, actor, researcher: Researcher, month: int, today: dt.date | None = None) -> MonthAnswer:
    return researcher_months(actor=actor, researcher=researcher, months=[month], today=today)[0]


def visible_lines(*, actor, researcher: Researcher) -> QuerySet[PayoutLine]:
    """The person's NX-STIPEND lines of published runs the actor may see (an enterprise: its own), with their
    explanations: a computed run's line is neither paid nor a decided amount (核定金额), for staff either."""
    qs = (
        PayoutLine.objects.filter(researcher=researcher, rule=STIPEND, active=True, run__state__in=PUBLISHED_RUN_STATES)
        .select_related("explanation_basis", "run")
        .order_by("service_month", "id")
    )
    return qs.filter(enterprise__in=actor.enterprises.all()) if actor.is_enterprise else qs
