"""YC-RD: 每年按飞地研发中心当年研发费用总投入的15%,最高不超过100万元 (POLICY §3 YC-RD)."""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from subsidies.money import quantize
from subsidies.rules.params import ParamTimeline

RULE = "YC-RD"
R_NO_FILING = "该年度银川市备案未生效"
R_NOT_VERIFIED = "研发投入尚未核定"
R_BEFORE_MEASURE = "该年度早于银川市办法的适用起始日期{since}"

# the conditions of a centre-year (the why / why-not answer names each, from this code), in order
C_MEASURE, C_FILING, C_VERIFIED, C_SPEND = "before_measure", "no_filing", "not_verified", "zero_spend"


@dataclass(frozen=True)
class YinchuanFiling:
    id: int
    status: str
    effective_from: dt.date | None
    effective_to: dt.date | None

    def effective_in(self, year: int, since: dt.date = dt.date.min) -> bool:
        """Approved and effective on at least one day of the year on or after `since` (the measure's own date),
        or since suspended/revoked, up to its end."""
        if self.effective_from is None:
            return False
        if dt.date(year, 12, 31) < since:
            return False
        if self.status == "approved":
            end = self.effective_to
        elif self.status in ("suspended", "revoked") and self.effective_to is not None:
            end = self.effective_to
        else:
            return False
        start = max(self.effective_from, since)
        return start <= dt.date(year, 12, 31) and (end is None or end >= max(dt.date(year, 1, 1), start))


@dataclass(frozen=True)
class DeclarationFact:
    id: int
    centre_id: int
    year: int
    verified_amount: Decimal | None
    revision: int


@dataclass(frozen=True)
class RDCondition:
    """One condition of a centre-year's award and whether it held: `code` its stable key (the one the
    why-not answer words with its facts, subsidies.explain.rd_years), `reason` the summary the runs note in
    AwardResult.reasons when it failed (None for a condition they do not name: a verified spend of 0 earns 0)."""

    code: str
    held: bool
    reason: str | None = None
    facts: tuple = ()

    def fact(self, name, default=None):
        return dict(self.facts).get(name, default)


@dataclass(frozen=True)
class AwardResult:
    amount: Decimal  # the line to write now: the award, or the adjustment (may be negative)
    award: Decimal  # what the centre-year is due in total
    kind: str  # "regular" | "adjustment" | "none"
    reasons: tuple[str, ...]
    explanation: dict
    conditions: tuple[RDCondition, ...] = ()  # each condition checked, held or not, in the rule's order


def rd_award(verified_amount: Decimal, rate: Decimal, cap: Decimal) -> Decimal:
    """min(rate × verified, cap), rounded half-up to the fen."""
    return quantize(min(Decimal(rate) * Decimal(verified_amount), Decimal(cap)))


def rd_due(
    declaration: DeclarationFact,
    filings: tuple[YinchuanFiling, ...] | YinchuanFiling | None,
    *,
    paid_total: Decimal | None,
    params: ParamTimeline,
) -> AwardResult:
    """The award for one centre-year, or the adjustment when `paid_total` (sum of the centre-year's
    lines so far, None when never paid) differs: one award per centre and year, never a second
    (POLICY YC-RD 4)."""
    year_start = dt.date(declaration.year, 1, 1)
    rate, cap = params.at("yc_rd.rate", year_start), params.at("yc_rd.cap", year_start)
    explanation = {
        "rule": RULE,
        "year": declaration.year,
        "declaration_id": declaration.id,
        "declaration_revision": declaration.revision,
        "verified_amount": str(declaration.verified_amount) if declaration.verified_amount is not None else None,
        "filing": None,
        "parameters": [rate.explain(), cap.explain()],
        "paid_before": str(paid_total) if paid_total is not None else None,
    }
    if isinstance(filings, YinchuanFiling):
        filings = (filings,)
    # nothing earns before the Yinchuan measure applies (yc.measure_from), whatever a record says
    since = params.measure_from("yinchuan")
    in_year = [f for f in filings or () if f.effective_in(declaration.year, since)]
    if in_year:
        explanation["filing"] = {
            "id": in_year[0].id,
            "level": "yinchuan",
            "windows": [
                [f.effective_from.isoformat(), f.effective_to.isoformat() if f.effective_to else None] for f in in_year
            ],
        }
    conditions = rd_conditions(declaration, in_year, since=since)
    reasons = [c.reason for c in conditions if not c.held and c.reason]
    award = (
        Decimal("0.00") if reasons else rd_award(declaration.verified_amount, Decimal(rate.value), Decimal(cap.value))
    )
    explanation["award"] = str(award)
    explanation["capped"] = bool(not reasons and award == quantize(cap.value))
    if paid_total is None:
        kind = "regular" if award > 0 else "none"
        return AwardResult(
            award if award > 0 else Decimal("0.00"), award, kind, tuple(reasons), explanation, conditions
        )
    difference = quantize(award - paid_total)
    kind = "adjustment" if difference != 0 else "none"
    return AwardResult(difference, award, kind, tuple(reasons), explanation, conditions)


def rd_conditions(
    declaration: DeclarationFact, in_year: list[YinchuanFiling], *, since: dt.date
) -> tuple[RDCondition, ...]:
    """The conditions of YC-RD for one centre-year, as rd_due checks them: the year is not before the Yinchuan
    measure (yc.measure_from); the Yinchuan filing was approved and effective in it (POLICY YC-RD 2; not asked
    of a year before the measure, which nothing can earn); the spend is verified (YC-RD 1); and the verified
    spend is above 0 (else the award is 0 and nothing is paid)."""
    year = declaration.year
    out = [
        RDCondition(
            C_MEASURE, year >= since.year, R_BEFORE_MEASURE.format(since=since.isoformat()), (("since", since),)
        )
    ]
    if year >= since.year:
        windows = tuple((f.effective_from, f.effective_to) for f in in_year)
        out.append(RDCondition(C_FILING, bool(in_year), R_NO_FILING, (("year", year), ("windows", windows))))
    verified = declaration.verified_amount
    out.append(RDCondition(C_VERIFIED, verified is not None, R_NOT_VERIFIED, (("year", year),)))
    if verified is not None:
        out.append(RDCondition(C_SPEND, verified > 0, None, (("verified", verified),)))
    return tuple(out)
