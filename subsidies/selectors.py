"""Reads for subsidies: rule facts loaded in bulk (a few queries per chunk, never one per person)."""

from collections import defaultdict
from decimal import Decimal

from django.db.models import Count, Max, Min, Q, Sum, Value
from django.db.models.functions import Coalesce, NullIf

from registry.models import Centre, FilingLevel, FilingPeriod
from subsidies.models import PayoutLine, PayoutRun, RDDeclaration
from subsidies.rules.calendar import month_index
from subsidies.rules.rd_award import RULE as RD_AWARD
from subsidies.rules.rd_award import DeclarationFact, YinchuanFiling
from subsidies.rules.stipend import RULE as STIPEND
from subsidies.rules.stipend import ContractFact, DegreeFact, FilingFact, PersonFacts
from talent.models import Contract, Degree, Researcher


def _periods(level: str, centre_ids=None):
    qs = FilingPeriod.objects.filter(filing__level=level)
    if centre_ids is not None:
        qs = qs.filter(filing__centre_id__in=centre_ids)
    return qs.order_by("start").values_list("filing__centre_id", "filing_id", "start", "end")


def regional_filings_by_centre(centre_ids=None) -> dict[int, tuple[FilingFact, ...]]:
    """Each centre's regional windows of approval (every period, so arrears in an earlier window survive
    a suspension, revocation or re-filing)."""
    out: dict[int, list[FilingFact]] = defaultdict(list)
    for centre_id, filing_id, start, end in _periods(FilingLevel.REGIONAL, centre_ids):
        out[centre_id].append(FilingFact(filing_id, "approved", start, end))
    return {k: tuple(v) for k, v in out.items()}


def centre_index() -> dict[int, tuple[str, str, int]]:
    """centre id -> (ref, kind, enterprise id)"""
    return {
        pk: (ref, kind, ent) for pk, ref, kind, ent in Centre.objects.values_list("id", "ref", "kind", "enterprise_id")
    }


def person_facts(researcher_filter: Q, *, centres=None, filings=None) -> dict[int, PersonFacts]:
    """PersonFacts for the researchers matching the filter, in four queries."""
    centres = centres if centres is not None else centre_index()
    filings = filings if filings is not None else regional_filings_by_centre()
    contracts: dict[int, list[ContractFact]] = defaultdict(list)
    for pk, rid, cid, ft, start, end, term in (
        Contract.objects.filter(_prefixed(researcher_filter, "researcher__"))
        .values_list("id", "researcher_id", "centre_id", "full_time", "start", "end", "terminated_on")
        .order_by("start")
    ):
        ref, kind, _ent = centres[cid]
        contracts[rid].append(ContractFact(pk, cid, ref, kind, ft, start, end, term, filings.get(cid, ())))
    degrees: dict[int, list[DegreeFact]] = defaultdict(list)
    # the verifier by the name people know (display name), not the login name
    for pk, rid, level, ft, key, awarded, vat, vby, state in (
        Degree.objects.filter(_prefixed(researcher_filter, "researcher__"))
        .annotate(verifier=Coalesce(NullIf("verified_by__full_name", Value("")), "verified_by__username"))
        .values_list(
            "id",
            "researcher_id",
            "level",
            "full_time",
            "key_discipline",
            "awarded_on",
            "verified_at",
            "verifier",
            "verification_status",
        )
    ):
        degrees[rid].append(DegreeFact(pk, level, ft, key, awarded, vat.isoformat() if vat else None, vby, state))
    return {
        rid: PersonFacts(rid, number, name, tuple(contracts.get(rid, ())), tuple(degrees.get(rid, ())))
        for rid, number, name in Researcher.objects.filter(researcher_filter).values_list("id", "id_number", "name")
    }


def _prefixed(q: Q, prefix: str) -> Q:
    """Re-root a Q on Researcher fields onto a related model's `researcher__` path."""
    clone = Q()
    clone.connector, clone.negated = q.connector, q.negated
    for child in q.children:
        if isinstance(child, Q):
            clone.children.append(_prefixed(child, prefix))
        else:
            key, value = child
            clone.children.append((prefix + key, value))
    return clone


def paid_stipend_months(researcher_filter: Q) -> dict[int, range | frozenset]:
    """Months already paid per person (all centres, all runs not cancelled). Contiguous histories,
    the usual case, come back as a `range` without fetching every month."""
    rows = (
        PayoutLine.objects.filter(_prefixed(researcher_filter, "researcher__"), rule=STIPEND, active=True)
        .values("researcher_id")
        .annotate(n=Count("id"), lo=Min("service_month"), hi=Max("service_month"))
    )
    out: dict[int, range | frozenset] = {}
    holes = []
    for r in rows:
        lo, hi = month_index(r["lo"]), month_index(r["hi"])
        if hi - lo + 1 == r["n"]:
            out[r["researcher_id"]] = range(lo, hi + 1)
        else:
            holes.append(r["researcher_id"])
    if holes:
        sets: dict[int, set] = defaultdict(set)
        for rid, month in PayoutLine.objects.filter(rule=STIPEND, active=True, researcher_id__in=holes).values_list(
            "researcher_id", "service_month"
        ):
            sets[rid].add(month_index(month))
        out.update({rid: frozenset(s) for rid, s in sets.items()})
    return out


def yinchuan_filings_by_centre(centre_ids=None) -> dict[int, tuple[YinchuanFiling, ...]]:
    """Each centre's Yinchuan windows of approval (every period, as the annual run reads them)."""
    out: dict[int, list[YinchuanFiling]] = defaultdict(list)
    for centre_id, filing_id, start, end in _periods(FilingLevel.YINCHUAN, centre_ids):
        out[centre_id].append(YinchuanFiling(filing_id, "approved", start, end))
    return {k: tuple(v) for k, v in out.items()}


def declarations_through(year: int) -> list[DeclarationFact]:
    return [
        DeclarationFact(pk, c, y, v, rev)
        for pk, c, y, v, rev in RDDeclaration.objects.filter(year__lte=year)
        .order_by("year", "centre_id")
        .values_list("id", "centre_id", "year", "verified_amount", "revision")
    ]


def rd_paid(years) -> dict[tuple[int, str], tuple[Decimal, set[str]]]:
    """(centre id, year) -> (sum paid so far, bases of the lines paid)"""
    out = {}
    rows = (
        PayoutLine.objects.filter(rule=RD_AWARD, active=True, service_period__in=[str(y) for y in years])
        .values("centre_id", "service_period")
        .annotate(total=Sum("amount"))
    )
    for r in rows:
        out[(r["centre_id"], r["service_period"])] = (r["total"], set())
    for cid, period, basis in PayoutLine.objects.filter(
        rule=RD_AWARD, active=True, service_period__in=[str(y) for y in years]
    ).values_list("centre_id", "service_period", "basis"):
        out[(cid, period)][1].add(basis)
    return out


def run_list(*, actor):
    """Runs are finance's and administrators' business; others see none."""
    if not (actor.is_finance or actor.is_portal_admin):
        return PayoutRun.objects.none()
    return PayoutRun.objects.select_related("created_by", "computed_by", "approved_by")


def enterprise_stipends_by_month(*, actor, months: int = 12) -> list[tuple[str, Decimal, int]]:
    """NX-STIPEND paid to the actor's enterprises, by service period: (YYYY-MM, amount, line count) for the
    `months` consecutive months ending at the latest month paid (or this month), oldest first, months
    without a payment as zero. Only lines of approved, exported or paid runs count as received; a line of
    a cancelled run is inactive and never counts. One query whatever the number of lines."""
    from django.utils import timezone

    from subsidies.models import RunState

    if not actor.is_enterprise:
        return []
    rows = (
        PayoutLine.objects.filter(
            enterprise__memberships__user=actor,
            active=True,
            rule=STIPEND,
            run__state__in=[RunState.APPROVED, RunState.EXPORTED, RunState.PAID, RunState.PARTIAL],
        )
        .order_by()
        .values("service_period")
        .annotate(total=Sum("amount"), n=Count("id"))
    )
    by_period = {r["service_period"]: (r["total"], r["n"]) for r in rows}
    last = max(by_period, default=f"{timezone.localdate():%Y-%m}")
    year, month = int(last[:4]), int(last[5:7])
    out = []
    for k in range(months - 1, -1, -1):
        y, m = divmod(year * 12 + month - 1 - k, 12)
        period = f"{y:04d}-{m + 1:02d}"
        total, n = by_period.get(period, (Decimal("0.00"), 0))
        out.append((period, total, n))
    return out
