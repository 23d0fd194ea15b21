"""Reads for objections, scoped by the actor in the queryset: an enterprise sees only its own; a reviewer the
objections of their bureau, finance the transfers', administrators all."""

import datetime as dt
from collections import Counter
from dataclasses import dataclass

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from accounts.models import Role
from subsidies.objections.models import (
    Bureau,
    HolidayDay,
    Objection,
    ObjectionCategory,
    ObjectionOutcome,
    ObjectionStatus,
)
from subsidies.objections.services import holiday_sets
from subsidies.objections.workdays import working_days_between

ROLE_BUREAU = {
    Role.REGIONAL_REVIEWER: Bureau.REGIONAL,
    Role.YINCHUAN_REVIEWER: Bureau.YINCHUAN,
    Role.FINANCE: Bureau.FINANCE,
}
SORTS = {
    "due_on": ("due_on", "id"),
    "-due_on": ("-due_on", "-id"),
    "raised_at": ("raised_at", "id"),
    "-raised_at": ("-raised_at", "-id"),
}


def objection_list(*, actor) -> QuerySet[Objection]:
    qs = Objection.objects.select_related("enterprise", "raised_by", "answered_by", "escalated_to", "researcher")
    if actor.is_portal_admin:
        return qs
    if actor.is_enterprise:
        return qs.filter(enterprise__memberships__user=actor)
    bureau = ROLE_BUREAU.get(actor.role)
    return qs.filter(bureau=bureau) if bureau else qs.none()


def objection_get(*, actor, pk) -> Objection:
    """404 for another enterprise's objection, or one outside the reviewer's bureau."""
    return get_object_or_404(objection_list(actor=actor), pk=pk)


def objection_queue(
    *,
    actor,
    bureau: str = "",
    status: str = "",
    category: str = "",
    subject: str = "",
    overdue: bool = False,
    sort: str = "due_on",
    today: dt.date | None = None,
) -> QuerySet[Objection]:
    """The staff queue: open by default; unknown filter values are ignored, never an error page."""
    qs = objection_list(actor=actor)
    if bureau in Bureau.values:
        qs = qs.filter(bureau=bureau)
    if status in ObjectionStatus.values:
        qs = qs.filter(status=status)
    elif status != "all":
        qs = qs.exclude(status=ObjectionStatus.CLOSED)
    if category in ObjectionCategory.values:
        qs = qs.filter(category=category)
    if subject:
        qs = qs.filter(subject=subject)
    if overdue:
        qs = qs.filter(status=ObjectionStatus.OPEN, due_on__lt=today or timezone.localdate())
    return qs.order_by(*SORTS.get(sort, SORTS["due_on"]))


@dataclass(frozen=True)
class Ageing:
    age: int  # working days since raised
    left: int  # working days until the deadline (negative: overdue by)
    overdue: bool

    @property
    def label(self) -> str:
        if self.overdue:
            return f"已逾期{-self.left}个工作日"
        return f"已{self.age}个工作日,剩{self.left}个工作日"


def ageing_of(objections, *, today: dt.date | None = None) -> dict[int, Ageing]:
    today = today or timezone.localdate()
    holidays, workdays = holiday_sets()
    out = {}
    for o in objections:
        raised = timezone.localtime(o.raised_at).date()
        end = timezone.localtime(o.answered_at).date() if o.answered_at else today
        age = working_days_between(raised, end, holidays=holidays, workdays=workdays)
        if end <= o.due_on:
            left = working_days_between(end, o.due_on, holidays=holidays, workdays=workdays)
        else:
            left = -working_days_between(o.due_on, end, holidays=holidays, workdays=workdays)
        out[o.pk] = Ageing(age, left, o.status == ObjectionStatus.OPEN and end > o.due_on)
    return out


@dataclass(frozen=True)
class Figures:
    received: int
    answered: int
    answered_on_time: int
    open: int
    overdue: int
    by_category: list  # [(category label, {outcome label: n}, total)]
    outcome_labels: list

    @property
    def on_time_percent(self) -> int:
        return round(100 * self.answered_on_time / self.answered) if self.answered else 0


def objection_figures(
    *, actor, since: dt.date | None = None, bureau: str = "", today: dt.date | None = None
) -> Figures:
    """What leadership asks for: received, answered on time, outcome by category."""
    today = today or timezone.localdate()
    qs = objection_list(actor=actor)
    if bureau in Bureau.values:
        qs = qs.filter(bureau=bureau)
    if since:
        qs = qs.filter(raised_at__date__gte=since)
    rows = list(qs.values_list("category", "outcome", "status", "due_on", "answered_at"))
    answered = [r for r in rows if r[4] is not None]
    on_time = sum(1 for r in answered if timezone.localtime(r[4]).date() <= r[3])
    counts = Counter((r[0], r[1]) for r in rows)
    outcomes = [("", "待答复"), *((o.value, str(o.label)) for o in ObjectionOutcome)]
    by_category = []
    for c in ObjectionCategory:
        cells = {label: counts.get((c.value, o), 0) for o, label in outcomes}
        total = sum(cells.values())
        if total:
            by_category.append((str(c.label), cells, total))
    return Figures(
        received=len(rows),
        answered=len(answered),
        answered_on_time=on_time,
        open=sum(1 for r in rows if r[2] == ObjectionStatus.OPEN),
        overdue=sum(1 for r in rows if r[2] == ObjectionStatus.OPEN and r[3] < today),
        by_category=by_category,
        outcome_labels=[label for _o, label in outcomes],
    )


def holiday_list(*, year: int | None = None) -> QuerySet[HolidayDay]:
    qs = HolidayDay.objects.select_related("created_by")
    if year is not None and not dt.MINYEAR <= year <= dt.MAXYEAR:
        return qs.none()  # no such calendar year: a date lookup on it would raise
    return qs.filter(day__year=year) if year else qs


def subject_label(o: Objection) -> str:
    """What the objection is about, in words (no internal keys)."""
    if o.payout_line_id:
        return f"发放明细#{o.payout_line_id}({o.service_month})"
    if o.subject == "unpaid_month":
        return f"{o.researcher.name if o.researcher_id else ''} {o.service_month} 未发放"
    if o.filing_id:
        return f"备案#{o.filing_id}"
    if o.grant_application_id:
        return f"资助申报#{o.grant_application_id}({o.rule})"
    if o.rd_submission_id:
        return f"研发投入申报#{o.rd_submission_id}({o.service_month}年度)"
    return o.get_subject_display()
