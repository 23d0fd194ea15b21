"""Reads for the bureau dashboard (issue 8 §4). Every figure is one SQL aggregation (GROUP BY or
conditional COUNT), so the page's query count does not grow with the data.

Budget (“预算执行”): the yearly budget per rule is configuration, not data the portal computes.
It comes from ``settings.SUBSIDY_BUDGETS`` when set, else from ``DEFAULT_BUDGETS`` below:

    SUBSIDY_BUDGETS = {"NX-STIPEND": {"*": "12000000.00", "2025": "15000000.00"},
                       "YC-RD": {"*": "5000000.00"}}

keyed by rule id, then by year (a string) with "*" as the figure for years not listed. Amounts
are decimal strings (yuan). “Used” is the sum of active lines of runs approved (or exported/paid)
whose approval falls in that year, in Asia/Shanghai time."""
from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db.models import Count, Exists, OuterRef, Q, Sum
from django.db.models.functions import TruncMonth
from django.utils.translation import gettext_lazy as _

from registry.models import Centre, CentreKind
from subsidies.models import PayoutLine, RunState
from talent.models import Degree, Researcher

DEFAULT_BUDGETS: dict[str, dict[str, str]] = {
    "NX-STIPEND": {"*": "12000000.00"},
    "YC-RD": {"*": "5000000.00"},
}
RULE_LABELS = {"NX-STIPEND": _("研发人员生活补助(NX-STIPEND)"), "YC-RD": _("研发投入奖励(YC-RD)")}
PAID_STATES = (RunState.APPROVED, RunState.EXPORTED, RunState.PAID)
TIERS = (("doctorate", _("全日制博士")), ("master", _("重点院校重点学科硕士")), ("unverified", _("学历待核验")),
         ("none", _("不符合补助学历")))


def budget_for(rule: str, year: int) -> Decimal | None:
    table = getattr(settings, "SUBSIDY_BUDGETS", None) or DEFAULT_BUDGETS
    by_year = table.get(rule) or {}
    value = by_year.get(str(year), by_year.get("*"))
    return Decimal(str(value)) if value is not None else None


@dataclass(frozen=True)
class CityKindCounts:
    cities: list[str]
    kinds: list[tuple[str, str]]  # (value, label)
    counts: dict[tuple[str, str], int]

    def values(self, kind: str) -> list[int]:
        return [self.counts.get((city, kind), 0) for city in self.cities]

    def rows(self) -> list[tuple[str, list[int], int]]:
        return [(c, [self.counts.get((c, k), 0) for k, _ in self.kinds],
                 sum(self.counts.get((c, k), 0) for k, _ in self.kinds)) for c in self.cities]


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
        return [(m, [self.amounts.get((m, r), Decimal("0.00")) for r in self.rules],
                 sum((self.amounts.get((m, r), Decimal("0.00")) for r in self.rules), Decimal("0.00")))
                for m in self.months]


def _tz():
    return zoneinfo.ZoneInfo(settings.TIME_ZONE)


def payouts_by_month(*, year: int) -> MonthlyPayouts:
    """Approved payouts per approval month and rule within a year: one GROUP BY."""
    tz = _tz()
    start = dt.datetime(year, 1, 1, tzinfo=tz)
    end = dt.datetime(year + 1, 1, 1, tzinfo=tz)
    rows = (PayoutLine.objects.filter(active=True, run__state__in=PAID_STATES, run__approved_at__gte=start,
                                      run__approved_at__lt=end)
            .annotate(month=TruncMonth("run__approved_at", tzinfo=tz))
            .values("month", "rule").annotate(total=Sum("amount")).order_by("month", "rule"))
    amounts: dict[tuple[str, str], Decimal] = {}
    rules: list[str] = []
    for r in rows:
        key = r["month"].strftime("%Y-%m")
        amounts[(key, r["rule"])] = r["total"]
        if r["rule"] not in rules:
            rules.append(r["rule"])
    months = sorted({m for m, _ in amounts})
    return MonthlyPayouts(months, sorted(rules), amounts)


def budget_use(*, year: int, payouts: MonthlyPayouts) -> list[tuple[str, str, Decimal, Decimal | None]]:
    """(rule, label, used, budget) for every budgeted rule and every rule paid in the year."""
    used: dict[str, Decimal] = {}
    for (_month, rule), amount in payouts.amounts.items():
        used[rule] = used.get(rule, Decimal("0.00")) + amount
    table = getattr(settings, "SUBSIDY_BUDGETS", None) or DEFAULT_BUDGETS
    rules = sorted(set(table) | set(used))
    return [(r, RULE_LABELS.get(r, r), used.get(r, Decimal("0.00")), budget_for(r, year)) for r in rules]


def available_years(*, today: dt.date) -> list[int]:
    first = (PayoutLine.objects.filter(run__approved_at__isnull=False)
             .order_by("run__approved_at").values_list("run__approved_at", flat=True).first())
    start = first.astimezone(_tz()).year if first else today.year
    return list(range(today.year, min(start, today.year) - 1, -1))
