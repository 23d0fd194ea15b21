"""Reads of the performance feature, scoped by the actor (STYLE "Reads go through selectors"): an enterprise
sees its own centres' reports and, once published, its own scores; an expert sees the centres assigned to
them; bureau staff see everything."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal

from django.db.models import Count, DecimalField, Exists, Max, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce, ExtractYear
from django.shortcuts import get_object_or_404
from django.utils import timezone

from accounts.models import Role
from registry.models import Centre, Filing
from subsidies.models import (
    CentreScore,
    EvaluationRound,
    ExpertAssignment,
    Indicator,
    IndicatorScheme,
    PayoutLine,
    PerformanceReport,
    RDDeclaration,
    ReportStatus,
    RoundStatus,
)
from subsidies.money import ZERO, quantize
from subsidies.performance.checks import FIGURES
from subsidies.reporting.dashboard import PAID_STATES
from subsidies.rules.stipend import RULE as STIPEND
from talent.models import Contract, Degree

MILLION = Decimal(1000000)


def is_expert(actor) -> bool:
    return actor.role == Role.EXPERT


def sees_all(actor) -> bool:
    return bool(actor.is_bureau_staff or actor.is_portal_admin)


def assigned_centre_ids(actor) -> QuerySet:
    return ExpertAssignment.objects.filter(expert=actor).values("centre_id")


# --- reports ---------------------------------------------------------------------------------------------


def report_list(*, actor, year: int | None = None, status: str = "") -> QuerySet[PerformanceReport]:
    qs = PerformanceReport.objects.select_related("centre__enterprise")
    if actor.is_enterprise:
        qs = qs.filter(centre__enterprise__memberships__user=actor)
    elif is_expert(actor):
        qs = qs.filter(centre_id__in=assigned_centre_ids(actor), status=ReportStatus.ACCEPTED)
    elif not sees_all(actor):
        return qs.none()
    if year:
        qs = qs.filter(year=year)
    if status:
        qs = qs.filter(status=status)
    return qs.distinct().order_by("-year", "centre__ref")


def report_get(*, actor, pk) -> PerformanceReport:
    return get_object_or_404(report_list(actor=actor), pk=pk)


def reportable_centres(*, actor) -> QuerySet[Centre]:
    """The centres an enterprise user may file a report for: its own, with a regional or Yinchuan filing ever
    approved."""
    if not actor.is_enterprise:
        return Centre.objects.none()
    filed = Filing.objects.filter(ever_approved=True).values("centre_id")
    return Centre.objects.filter(enterprise__memberships__user=actor, pk__in=filed).distinct().order_by("ref")


def prefill(centre: Centre, year: int) -> dict:
    """The figures taken from the records: researchers employed in the year (full-time, by their
    best verified-or-claimed degree), NX-STIPEND months paid, R&D spend declared and verified, grants received."""
    start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
    contracts = (
        Contract.objects.filter(centre=centre, start__lte=end)
        .filter(Q(end__isnull=True) | Q(end__gte=start))
        .filter(Q(terminated_on__isnull=True) | Q(terminated_on__gte=start))
    )
    people = set(contracts.values_list("researcher_id", flat=True))
    full_time = set(contracts.filter(full_time=True).values_list("researcher_id", flat=True))
    best: dict[int, str] = {}
    order = {"bachelor": 1, "master": 2, "doctorate": 3}
    for rid, level in Degree.objects.filter(researcher_id__in=people, awarded_on__lte=end).values_list(
        "researcher_id", "level"
    ):
        if order.get(level, 0) > order.get(best.get(rid, ""), 0):
            best[rid] = level
    by_degree = {lvl: sum(1 for r in people if best.get(r) == lvl) for lvl in ("doctorate", "master", "bachelor")}
    by_degree["other"] = len(people) - sum(by_degree.values())
    paid = PayoutLine.objects.filter(centre=centre, active=True, run__state__in=PAID_STATES)
    stipend = paid.filter(rule=STIPEND, service_period__startswith=f"{year}-")
    months = stipend.filter(kind="regular").count()
    rd = RDDeclaration.objects.filter(centre=centre, year=year).first()
    grants = (
        paid.exclude(rule=STIPEND)
        .annotate(y=ExtractYear("run__approved_at"))
        .filter(y=year)
        .values("rule")
        .annotate(total=Sum("amount"))
        .order_by("rule")
    )
    return {
        "researchers": len(people),
        "full_time": len(full_time),
        "by_degree": by_degree,
        "stipend_months": months,
        "stipend_amount": f"{stipend.aggregate(t=Sum('amount'))['t'] or ZERO:.2f}",
        "rd_declared": f"{rd.declared_amount:.2f}" if rd and rd.declared_amount is not None else None,
        "rd_verified": f"{rd.verified_amount:.2f}" if rd and rd.verified_amount is not None else None,
        "grants": [{"rule": g["rule"], "amount": f"{g['total']:.2f}"} for g in grants],
    }


# --- evaluations -----------------------------------------------------------------------------------------


def scheme_list(*, actor) -> QuerySet[IndicatorScheme]:
    if not sees_all(actor):
        return IndicatorScheme.objects.none()
    # in use: an evaluation has scored on it, so it is kept as it was (the next cycle gets a copy)
    return IndicatorScheme.objects.prefetch_related("indicators").annotate(
        in_use=Exists(EvaluationRound.objects.filter(scheme=OuterRef("pk"))),
        weight_total=Coalesce(
            Subquery(
                Indicator.objects.filter(scheme=OuterRef("pk"))
                .values("scheme")
                .annotate(total=Sum("weight"))
                .values("total")
            ),
            Value(Decimal("0")),
            output_field=DecimalField(max_digits=7, decimal_places=2),
        ),
    )


def round_list(*, actor) -> QuerySet[EvaluationRound]:
    qs = EvaluationRound.objects.select_related("scheme")
    if sees_all(actor):
        return qs
    if is_expert(actor):
        return qs.filter(assignments__expert=actor).distinct()
    return qs.none()


def round_get(*, actor, pk) -> EvaluationRound:
    return get_object_or_404(round_list(actor=actor), pk=pk)


def assignment_list(*, actor, round: EvaluationRound) -> QuerySet[ExpertAssignment]:
    qs = ExpertAssignment.objects.filter(round=round).select_related(
        "expert", "centre__enterprise", "declared_interest"
    )
    if sees_all(actor):
        return qs
    if is_expert(actor):
        return qs.filter(expert=actor)
    return qs.none()


def assignment_get(*, actor, round: EvaluationRound, centre_pk) -> ExpertAssignment:
    """The actor's own assignment to score a centre (staff score only where assigned, too)."""
    return get_object_or_404(
        ExpertAssignment.objects.select_related("centre__enterprise", "round__scheme"),
        round=round,
        expert=actor,
        centre_id=centre_pk,
    )


def published_scores(*, actor) -> QuerySet[CentreScore]:
    """Scores by indicator, after publication only: an enterprise its own centres', staff all."""
    qs = CentreScore.objects.filter(round__status=RoundStatus.PUBLISHED).select_related("round__scheme", "centre")
    if actor.is_enterprise:
        return qs.filter(centre__enterprise__memberships__user=actor).distinct()
    if sees_all(actor):
        return qs
    return qs.none()


def source_values(period: str, centre_ids) -> dict[int, dict[str, str]]:
    """The figure behind each data source for the centres, over the period's years: report fields summed over
    the accepted reports, records from the payouts, contracts and verified declarations."""
    start, end = (int(x) for x in period.split("-"))
    out: dict[int, dict[str, str]] = defaultdict(dict)
    sums = (
        PerformanceReport.objects.filter(
            centre_id__in=centre_ids, year__gte=start, year__lte=end, status=ReportStatus.ACCEPTED
        )
        .values("centre_id")
        .annotate(**{f: Sum(f) for f in FIGURES})
    )
    for row in sums:
        for f in FIGURES:
            out[row["centre_id"]][f"report:{f}"] = str(row[f] or 0)
    for cid in centre_ids:
        last = Centre.objects.filter(pk=cid).first()
        if last is None:
            continue
        out[cid]["record:researchers"] = str(prefill(last, end)["researchers"])
    months = (
        PayoutLine.objects.filter(
            centre_id__in=centre_ids,
            rule=STIPEND,
            kind="regular",
            active=True,
            run__state__in=PAID_STATES,
            service_period__gte=f"{start}-01",
            service_period__lte=f"{end}-12",
        )
        .values("centre_id")
        .annotate(n=Count("id"))
    )
    for row in months:
        out[row["centre_id"]]["record:stipend_months"] = str(row["n"])
    rd = (
        RDDeclaration.objects.filter(centre_id__in=centre_ids, year__gte=start, year__lte=end)
        .values("centre_id")
        .annotate(t=Sum("verified_amount"))
    )
    for row in rd:
        out[row["centre_id"]]["record:rd_verified"] = f"{row['t'] or ZERO:.2f}"
    return out


# --- statistics (统计分析) -------------------------------------------------------------------------------


def _centres(*, city: str = "", kind: str = "", level: str = "") -> QuerySet[Centre]:
    qs = Centre.objects.select_related("enterprise")
    if city:
        qs = qs.filter(city=city)
    if kind:
        qs = qs.filter(kind=kind)
    if level:
        qs = qs.filter(pk__in=Filing.objects.filter(level=level, ever_approved=True).values("centre_id"))
    return qs.order_by("ref")


def cities() -> list[str]:
    return list(Centre.objects.order_by("city").values_list("city", flat=True).distinct())


def statistics(*, actor, city: str = "", kind: str = "", level: str = "") -> dict:
    """The bureau's statistics page and annual report export: money paid by rule, year, city and centre;
    outcomes per centre and year (accepted reports); ratios per million yuan of support; researchers by
    degree and city. Staff only (an empty result for anyone else)."""
    if not sees_all(actor):
        return {
            "centres": [],
            "paid_by_rule": [],
            "paid_by_year": [],
            "paid_by_city": [],
            "outcomes": [],
            "trend": [],
            "ratios": [],
            "researchers": [],
            "years": [],
        }
    centres = list(_centres(city=city, kind=kind, level=level))
    ids = [c.pk for c in centres]
    lines = PayoutLine.objects.filter(centre_id__in=ids, active=True, run__state__in=PAID_STATES).annotate(
        y=ExtractYear("run__approved_at")
    )
    by_rule = list(lines.values("rule").annotate(total=Sum("amount")).order_by("rule"))
    by_year_rule = list(lines.values("y", "rule").annotate(total=Sum("amount")).order_by("y", "rule"))
    by_city = list(lines.values("centre__city").annotate(total=Sum("amount")).order_by("centre__city"))
    by_centre = {r["centre_id"]: r["total"] for r in lines.values("centre_id").annotate(total=Sum("amount"))}
    reports = (
        PerformanceReport.objects.filter(centre_id__in=ids, status=ReportStatus.ACCEPTED)
        .values("centre_id")
        .annotate(last=Max("year"), **{f: Sum(f) for f in FIGURES})
    )
    outcome = {r["centre_id"]: r for r in reports}
    trend = list(
        PerformanceReport.objects.filter(centre_id__in=ids, status=ReportStatus.ACCEPTED)
        .values("year")
        .annotate(**{f: Sum(f) for f in FIGURES})
        .order_by("year")
    )
    names = {c.pk: c for c in centres}
    outcomes, ratios = [], []
    for c in centres:
        o = outcome.get(c.pk, {})
        paid = by_centre.get(c.pk) or ZERO
        row = {"centre": c, "paid": quantize(paid), **{f: o.get(f) or 0 for f in FIGURES}}
        row["counts"] = [row[f] for f in FIGURES]
        outcomes.append(row)
        results = (o.get("results_delivered") or 0) + (o.get("results_applied") or 0)
        patents = o.get("patents_applied") or 0
        ratios.append(
            {
                "centre": c,
                "paid": quantize(paid),
                "patents_per_million": quantize(patents * MILLION / paid) if paid else None,
                "results_per_million": quantize(results * MILLION / paid) if paid else None,
            }
        )
    total_paid = sum((r["paid"] for r in outcomes), ZERO)
    totals = {f: sum(r[f] for r in outcomes) for f in FIGURES}
    if total_paid:
        ratios.append(
            {
                "centre": None,
                "paid": total_paid,
                "patents_per_million": quantize(totals["patents_applied"] * MILLION / total_paid),
                "results_per_million": quantize(
                    (totals["results_delivered"] + totals["results_applied"]) * MILLION / total_paid
                ),
            }
        )
    researchers = _researchers_by_city_degree(centres)
    years = sorted({r["y"] for r in by_year_rule if r["y"]})
    return {
        "centres": centres,
        "names": names,
        "paid_by_rule": by_rule,
        "paid_by_year": by_year_rule,
        "paid_by_city": by_city,
        "outcomes": outcomes,
        "totals": totals,
        "total_paid": total_paid,
        "trend": trend,
        "ratios": ratios,
        "researchers": researchers,
        "years": years,
    }


def _researchers_by_city_degree(centres) -> list[dict]:
    """Researchers with a contract in force today, by the centre's city and their best degree."""
    today = timezone.localdate()
    ids = [c.pk for c in centres]
    city = {c.pk: c.city for c in centres}
    current = (
        Contract.objects.filter(centre_id__in=ids, start__lte=today)
        .filter(Q(end__isnull=True) | Q(end__gte=today))
        .filter(Q(terminated_on__isnull=True) | Q(terminated_on__gt=today))
        .values_list("researcher_id", "centre_id")
    )
    where = dict(current)
    order = {"bachelor": 1, "master": 2, "doctorate": 3}
    best: dict[int, str] = {}
    for rid, level in Degree.objects.filter(researcher_id__in=where).values_list("researcher_id", "level"):
        if order.get(level, 0) > order.get(best.get(rid, ""), 0):
            best[rid] = level
    table: dict[str, dict[str, int]] = defaultdict(lambda: {"doctorate": 0, "master": 0, "bachelor": 0, "other": 0})
    for rid, cid in where.items():
        table[city[cid]][best.get(rid, "other")] += 1
    return [{"city": c, **v, "total": sum(v.values())} for c, v in sorted(table.items())]
