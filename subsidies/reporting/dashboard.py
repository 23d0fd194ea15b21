"""Reads for the bureau dashboard. Every figure is one SQL aggregation (GROUP BY or
conditional COUNT), so the page's query count does not grow with the data.

Budget (“预算执行”): the approved yearly budget (预算批复) per rule or grant programme is data that
finance or an administrator enters on the budget page (``subsidies.models.Budget``, set through
``subsidies.reporting.budgets.budget_set``). A rule and year without one shows “未录入预算”: the
portal never invents a figure. “Used” is the sum of active lines of runs approved (or exported/paid)
whose approval falls in that year, in Asia/Shanghai time."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db.models import Count, DateField, Exists, OuterRef, Q, QuerySet, Sum, Value
from django.db.models.functions import Cast, Coalesce, Concat, Left
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from registry.models import Centre, CentreKind
from subsidies.models import Budget, PayoutLine, Programme, RunState
from subsidies.reporting.budgets import MEASURE_RULES
from subsidies.rules.rd_award import RULE as RD_AWARD
from subsidies.rules.stipend import RULE as STIPEND
from talent.models import Degree, Researcher

RULE_LABELS = {STIPEND: _("研发人员生活补助(NX-STIPEND)"), RD_AWARD: _("研发投入奖励(YC-RD)")}
PAID_STATES = (RunState.APPROVED, RunState.EXPORTED, RunState.PAID, RunState.PARTIAL)
TIERS = (
    ("doctorate", _("全日制博士")),
    ("master", _("重点院校重点学科硕士")),
    ("unverified", _("学历待核验")),
    ("none", _("不符合补助学历")),
)


@dataclass(frozen=True)
class CityKindCounts:
    cities: list[str]
    kinds: list[tuple[str, str]]  # (value, label)
    counts: dict[tuple[str, str], int]

    def values(self, kind: str) -> list[int]:
        return [self.counts.get((city, kind), 0) for city in self.cities]

    def rows(self) -> list[tuple[str, list[int], int]]:
        return [
            (
                c,
                [self.counts.get((c, k), 0) for k, _ in self.kinds],
                sum(self.counts.get((c, k), 0) for k, _ in self.kinds),
            )
            for c in self.cities
        ]


def centres_by_city_and_kind() -> CityKindCounts:
    """One GROUP BY city, kind; cities by total, largest first."""
    counts: dict[tuple[str, str], int] = {}
    totals: dict[str, int] = {}
    for row in Centre.objects.values("city", "kind").annotate(n=Count("id")).order_by():
        counts[(row["city"], row["kind"])] = row["n"]
        totals[row["city"]] = totals.get(row["city"], 0) + row["n"]
    cities = sorted(totals, key=lambda c: (-totals[c], c))
    return CityKindCounts(cities, [(k.value, str(k.label)) for k in CentreKind], counts)


def researchers_by_tier(*, as_of: dt.date) -> list[tuple[str, str, int]]:
    """Each researcher counted once, by the best verified degree awarded by `as_of` (as NX-STIPEND
    reads it, POLICY §3.3): one query with EXISTS subqueries and conditional counts."""
    held = Degree.objects.filter(researcher=OuterRef("pk"), awarded_on__lte=as_of)
    doctorate = Q(level="doctorate", full_time=True)
    master = Q(level="master", key_discipline=True)
    qs = Researcher.objects.annotate(
        doc=Exists(held.filter(doctorate, verified_at__isnull=False)),
        mas=Exists(held.filter(master, verified_at__isnull=False)),
        unv=Exists(held.filter(doctorate | master, verified_at__isnull=True)),
    )
    agg = qs.aggregate(
        doctorate=Count("id", filter=Q(doc=True)),
        master=Count("id", filter=Q(doc=False, mas=True)),
        unverified=Count("id", filter=Q(doc=False, mas=False, unv=True)),
        none=Count("id", filter=Q(doc=False, mas=False, unv=False)),
    )
    return [(key, label, agg[key]) for key, label in TIERS]


@dataclass(frozen=True)
class MonthlyPayouts:
    months: list[str]  # YYYY-MM
    rules: list[str]
    amounts: dict[tuple[str, str], Decimal]

    def values(self, rule: str) -> list[Decimal]:
        return [self.amounts.get((m, rule), Decimal("0.00")) for m in self.months]

    def rows(self) -> list[tuple[str, list[Decimal], Decimal]]:
        return [
            (
                m,
                [self.amounts.get((m, r), Decimal("0.00")) for r in self.rules],
                sum((self.amounts.get((m, r), Decimal("0.00")) for r in self.rules), Decimal("0.00")),
            )
            for m in self.months
        ]


def _tz():
    return zoneinfo.ZoneInfo(settings.TIME_ZONE)


def payouts_by_month(*, year: int, today: dt.date | None = None) -> MonthlyPayouts:
    """Approved payouts per service month (所属月份) and rule within a year, one GROUP BY: a stipend line
    counts in the month it pays for (arrears in their own months), an annual award in its run's month.
    Every month of the year up to this one is listed, a month without money as zero; a year with no
    money at all lists none (the chart then says so)."""
    today = today or timezone.localdate()
    lines = PayoutLine.objects.filter(active=True, run__state__in=PAID_STATES)
    rows = (
        lines.annotate(
            # a run's period is YYYY-MM or YYYY: its first month, as a date
            month=Coalesce(
                "service_month",
                Cast(Concat(Left(Concat("run__period", Value("-01")), 7), Value("-01")), DateField()),
            )
        )
        .filter(month__gte=dt.date(year, 1, 1), month__lt=dt.date(year + 1, 1, 1))
        .values("month", "rule")
        .annotate(total=Sum("amount"))
        .order_by("month", "rule")
    )
    amounts: dict[tuple[str, str], Decimal] = {}
    for r in rows:
        key = r["month"].strftime("%Y-%m")
        amounts[(key, r["rule"])] = amounts.get((key, r["rule"]), Decimal("0.00")) + r["total"]
    if not amounts:
        return MonthlyPayouts([], [], {})
    last = max(12 if year < today.year else today.month, max(int(m[5:7]) for m, _r in amounts))
    months = [f"{year:04d}-{m:02d}" for m in range(1, last + 1)]
    return MonthlyPayouts(months, sorted({r for _m, r in amounts}), amounts)


def budget_use(*, actor, year: int) -> list[tuple[str, str, Decimal, Decimal | None]]:
    """(rule, label, used, budget) for the two measures' rules, every rule budgeted for the year and every
    rule paid in it; `budget` is None where no budget was entered (shown as “未录入预算”). The budget is
    spent when the money is approved (arrears of an earlier year included). Two queries."""
    used = paid_by_rule(year=year)
    budgets = dict(budget_list(actor=actor, year=year).values_list("rule", "amount"))
    labels = rule_labels()
    rules = sorted(set(MEASURE_RULES) | set(budgets) | set(used), key=lambda r: (r not in MEASURE_RULES, r))
    return [(r, labels.get(r, r), used.get(r, Decimal("0.00")), budgets.get(r)) for r in rules]


# --- budgets (预算批复) ------------------------------------------------------------------------


def rule_labels() -> dict[str, str]:
    """Display names: the two measures' rules, then every grant programme by code (one query)."""
    labels = {k: str(v) for k, v in RULE_LABELS.items()}
    for code, name in Programme.objects.values_list("code", "name"):
        labels.setdefault(code, f"{name}({code})")
    return labels


def budget_list(*, actor, year: int | None = None) -> QuerySet[Budget]:
    """Budgets the actor may read: bureau staff (finance, administrators, reviewers, who see the
    dashboard) all of them; enterprises none."""
    if not (actor.is_finance or actor.is_portal_admin or actor.is_reviewer):
        return Budget.objects.none()
    qs = Budget.objects.select_related("updated_by").order_by("-year", "rule")
    return qs.filter(year=year) if year is not None else qs


def paid_by_rule(*, year: int) -> dict[str, Decimal]:
    """Approved payouts per rule whose run was approved within `year` (Asia/Shanghai): one GROUP BY."""
    tz = _tz()
    rows = (
        PayoutLine.objects.filter(
            active=True,
            run__state__in=PAID_STATES,
            run__approved_at__gte=dt.datetime(year, 1, 1, tzinfo=tz),
            run__approved_at__lt=dt.datetime(year + 1, 1, 1, tzinfo=tz),
        )
        .values("rule")
        .annotate(total=Sum("amount"))
        .order_by("rule")
    )
    return {r["rule"]: r["total"] for r in rows}


@dataclass(frozen=True)
class BudgetRow:
    rule: str
    label: str
    budget: Budget | None
    used: Decimal

    @property
    def remaining(self) -> Decimal | None:
        return None if self.budget is None else self.budget.amount - self.used

    @property
    def over(self) -> bool:
        return self.budget is not None and self.used > self.budget.amount


def budget_rows(*, actor, year: int, rules: list[str]) -> list[BudgetRow]:
    """Every rule of `rules` (and any other rule budgeted or paid that year) with its budget or None
    and the amount used: three queries whatever the number of rules."""
    budgets = {b.rule: b for b in budget_list(actor=actor, year=year)}
    used = paid_by_rule(year=year)
    labels = rule_labels()
    ordered = list(rules) + sorted((set(budgets) | set(used)) - set(rules))
    return [BudgetRow(r, labels.get(r, r), budgets.get(r), used.get(r, Decimal("0.00"))) for r in ordered]


HISTORY_FIELDS = (("amount", _("预算金额")), ("reference", _("批复文号")), ("note", _("说明")))


def budget_history(*, budgets: list[Budget]) -> list[dict]:
    """Every change of these budgets, newest first, from the audit trigger's event rows: who (the
    acting user recorded in the audit context), when, and old → new of each field that changed.
    Two queries (events with their context, then the users named)."""
    from accounts.models import User

    if not budgets:
        return []
    event_model = Budget.events.rel.related_model
    events = list(
        event_model.objects.filter(pgh_obj__in=[b.pk for b in budgets])
        .select_related("pgh_context")
        .order_by("pgh_obj_id", "pgh_id")
    )
    contexts = [(e.pgh_context.metadata if e.pgh_context_id and e.pgh_context else {}) for e in events]
    users = User.objects.in_bulk({c.get("user") for c in contexts if c.get("user")})
    rows, previous = [], {}
    for e, ctx in zip(events, contexts, strict=True):
        before = previous.get(e.pgh_obj_id)
        previous[e.pgh_obj_id] = e
        if e.pgh_label == "update" and before is not None:
            changes = [
                {"field": str(label), "name": name, "old": getattr(before, name), "new": getattr(e, name)}
                for name, label in HISTORY_FIELDS
                if getattr(before, name) != getattr(e, name)
            ]
            if not changes:
                continue
        else:
            changes = [
                {"field": str(label), "name": name, "old": None, "new": getattr(e, name)}
                for name, label in HISTORY_FIELDS
                if e.pgh_label != "insert" or getattr(e, name) != ""
            ]
        who = users.get(ctx.get("user"))
        rows.append(
            {
                "at": e.pgh_created_at,
                "label": e.pgh_label,
                "rule": e.rule,
                "year": e.year,
                "budget_id": e.pgh_obj_id,
                "who": who.display_name if who else (ctx.get("username") or "—"),
                "changes": changes,
                "id": e.pgh_id,
            }
        )
    rows.sort(key=lambda r: (r["at"], r["id"]), reverse=True)
    return rows


def available_years(*, today: dt.date) -> list[int]:
    first = (
        PayoutLine.objects.filter(run__approved_at__isnull=False)
        .order_by("run__approved_at")
        .values_list("run__approved_at", flat=True)
        .first()
    )
    start = first.astimezone(_tz()).year if first else today.year
    return list(range(today.year, min(start, today.year) - 1, -1))
