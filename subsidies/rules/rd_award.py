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
class AwardResult:
    amount: Decimal  # the line to write now: the award, or the adjustment (may be negative)
    award: Decimal  # what the centre-year is due in total
    kind: str  # "regular" | "adjustment" | "none"
    reasons: tuple[str, ...]
    explanation: dict


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
    reasons = []
    if declaration.year < since.year:
        reasons.append(R_BEFORE_MEASURE.format(since=since.isoformat()))
    elif not in_year:
        reasons.append(R_NO_FILING)
    if declaration.verified_amount is None:
        reasons.append(R_NOT_VERIFIED)
    award = (
        Decimal("0.00") if reasons else rd_award(declaration.verified_amount, Decimal(rate.value), Decimal(cap.value))
    )
    explanation["award"] = str(award)
    explanation["capped"] = bool(not reasons and award == quantize(cap.value))
    if paid_total is None:
        kind = "regular" if award > 0 else "none"
        return AwardResult(award if award > 0 else Decimal("0.00"), award, kind, tuple(reasons), explanation)
    difference = quantize(award - paid_total)
    kind = "adjustment" if difference != 0 else "none"
    return AwardResult(difference, award, kind, tuple(reasons), explanation)
