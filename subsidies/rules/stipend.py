"""NX-STIPEND: the monthly researcher stipend, as POLICY.md §3 reads the regional measure.

全职聘用的研发人员,若签订5年以上聘用合同,全日制博士每月5000元,重点院校重点学科硕士每月3000元,补助可持续5年.
"""

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass, field
from decimal import Decimal

from subsidies.money import quantize
from subsidies.rules.calendar import add_years, month_index, month_label
from subsidies.rules.calendar import month_end as month_end_of
from subsidies.rules.calendar import month_start as month_start_of
from subsidies.rules.params import ParamTimeline

RULE = "NX-STIPEND"
ONE_DAY = dt.timedelta(days=1)

# reasons, in the plain words staff and enterprises read
R_SHORT_TERM = "合同期限不足{years}年"
R_PART_TIME = "非全职合同"
R_JOINT = "联合研发机构不适用"
R_UNVERIFIED = "学历未核验"
R_RETURNED = "学历核验被退回补正,待申报单位补正"
R_REFUSED = "学历不予核验"
R_NO_TIER = "无符合条件的学历(全日制博士或重点院校重点学科硕士)"
R_NO_FILING = "所在研发中心的自治区备案未生效"
R_PARTIAL = "{month}未整月在岗或备案未覆盖整月"
R_CAP = "已领满{max}个月补助"
R_NO_CONTRACT = "无聘用合同"

TIER_CODE = {R_UNVERIFIED: "unverified", R_RETURNED: "returned", R_REFUSED: "refused", R_NO_TIER: "no_tier"}
TIER_LABEL = {"doctorate": "全日制博士", "master": "重点院校重点学科硕士"}
TIER_PARAM = {"doctorate": "nx_stipend.doctorate_monthly", "master": "nx_stipend.master_monthly"}


@dataclass(frozen=True)
class FilingFact:
    id: int
    status: str
    effective_from: dt.date | None
    effective_to: dt.date | None

    def window(self) -> tuple[dt.date, dt.date | None] | None:
        """The days the filing earns: approved (or since suspended/revoked, up to the recorded end)."""
        if self.effective_from is None:
            return None
        if self.status == "approved":
            return self.effective_from, self.effective_to
        if self.status in ("suspended", "revoked") and self.effective_to is not None:
            return self.effective_from, self.effective_to
        return None

    def explain(self) -> dict:
        cached = self.__dict__.get("_explained")
        if cached is None:  # one object per filing window, shared by every person at the centre
            cached = {
                "id": self.id,
                "level": "regional",
                "status": self.status,
                "effective_from": _iso(self.effective_from),
                "effective_to": _iso(self.effective_to),
            }
            object.__setattr__(self, "_explained", cached)
        return cached


@dataclass(frozen=True)
class ContractFact:
    id: int
    centre_id: int
    centre_ref: str
    centre_kind: str
    full_time: bool
    start: dt.date
    end: dt.date | None
    terminated_on: dt.date | None = None
    filings: tuple[FilingFact, ...] = ()  # the centre's regional filing(s)

    @property
    def last_day(self) -> dt.date | None:
        if self.terminated_on and (self.end is None or self.terminated_on < self.end):
            return self.terminated_on
        return self.end

    def term_qualifies(self, min_years: int) -> bool:
        """ "5年以上" includes 5: end + 1 day >= start + 5 years; open-ended qualifies (POLICY §3.1)."""
        cache = self.__dict__.get("_term")
        if cache is None:  # asked once per month of the person's history: answered once per term
            cache = {}
            object.__setattr__(self, "_term", cache)
        ok = cache.get(min_years)
        if ok is None:
            ok = cache[min_years] = self.end is None or self.end + ONE_DAY >= add_years(self.start, min_years)
        return ok

    def explain(self, min_years: int) -> dict:
        return {
            "id": self.id,
            "centre": self.centre_ref,
            "full_time": self.full_time,
            "start": _iso(self.start),
            "end": _iso(self.end),
            "terminated_on": _iso(self.terminated_on),
            "term_qualifies": self.term_qualifies(min_years),
            "min_contract_years": min_years,
        }


@dataclass(frozen=True)
class DegreeFact:
    id: int
    level: str
    full_time: bool
    key_discipline: bool
    awarded_on: dt.date
    verified_at: str | None = None  # ISO timestamp, None when not verified
    verified_by: str | None = None
    status: str = "pending"  # the reviewer's decision on an unverified claim: pending / returned / refused
    submitted_on: dt.date | None = None  # when the claim was recorded (the why-not answer names it)

    def explain(self) -> dict:
        return {
            "id": self.id,
            "level": self.level,
            "full_time": self.full_time,
            "key_discipline": self.key_discipline,
            "awarded_on": _iso(self.awarded_on),
            "verified_at": self.verified_at,
            "verified_by": self.verified_by,
        }


@dataclass(frozen=True)
class PersonFacts:
    researcher_id: int
    id_number: str
    name: str
    contracts: tuple[ContractFact, ...] = ()
    degrees: tuple[DegreeFact, ...] = ()


@dataclass(frozen=True)
class StipendMonth:
    month: int
    amount: Decimal
    centre_id: int
    contract_id: int
    tier: str
    explanation: dict

    @property
    def label(self) -> str:
        return month_label(self.month)


@dataclass(frozen=True)
class Reason:
    """One failed condition, with the facts it concerns: `text` is the summary reason the runs
    note (StipendOutcome.reasons), `code` its stable key; the wording with the facts is in subsidies.explain."""

    code: str
    text: str | None
    facts: tuple = ()

    def fact(self, name, default=None):
        return dict(self.facts).get(name, default)


@dataclass
class MonthWhy:
    """The reasons stipend_due noted, month by month: filled only when the why-not answer asks for them
    (the runs pass none). `general` holds those that concern every month (no eligible contract, no tier)."""

    general: list[Reason] = field(default_factory=list)
    months: dict[int, list[Reason]] = field(default_factory=dict)
    current: int | None = None
    capped_from: int | None = None

    def add(self, reason: Reason) -> None:
        if self.current is None:
            target = self.general
        else:
            contract = reason.fact("contract")
            # a contract's own failing (term, filing) is that month's reason only if the contract covers it
            if contract is not None and not _overlaps(contract, self.current):
                return
            target = self.months.setdefault(self.current, [])
        if all(r.code != reason.code or r.facts != reason.facts for r in target):
            target.append(reason)


@dataclass
class StipendOutcome:
    months: list[StipendMonth] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)
    months_used: int = 0
    why: MonthWhy | None = None

    def note(self, reason: str | None, code: str = "", **facts) -> None:
        if reason is not None and reason not in self.reasons:
            self.reasons.append(reason)
        if self.why is not None:
            self.why.add(Reason(code, reason, tuple(facts.items())))


def _overlaps(contract: "ContractFact", month: int) -> bool:
    last = contract.last_day
    return contract.start <= month_end_of(month) and (last is None or last >= month_start_of(month))


def _iso(day):
    return day.isoformat() if day else None


def why_no_tier(degrees: tuple[DegreeFact, ...], day: dt.date, unverified: bool) -> str:
    """The reason a month has no tier: no qualifying degree, or one that waits for review, was returned for
    correction or was refused (a pending claim is told first: it may still be verified)."""
    if not unverified:
        return R_NO_TIER
    statuses = {
        d.status
        for d in degrees
        if d.verified_at is None
        and d.awarded_on <= day
        and ((d.level == "doctorate" and d.full_time) or (d.level == "master" and d.key_discipline))
    }
    if "pending" in statuses or not statuses:
        return R_UNVERIFIED
    return R_RETURNED if "returned" in statuses else R_REFUSED


def tier_on(degrees: tuple[DegreeFact, ...], day: dt.date) -> tuple[str | None, DegreeFact | None, bool]:
    """The best verified degree awarded on or before `day` (POLICY §3.3). Returns (tier, degree,
    whether an unverified degree would have earned a tier)."""
    best: tuple[str | None, DegreeFact | None] = (None, None)
    unverified_would_earn = False
    for d in degrees:
        if d.awarded_on > day:
            continue
        tier = (
            "doctorate"
            if (d.level == "doctorate" and d.full_time)
            else ("master" if (d.level == "master" and d.key_discipline) else None)
        )
        if tier is None:
            continue
        if d.verified_at is None:
            unverified_would_earn = True
            continue
        if tier == "doctorate":
            return tier, d, False
        best = (tier, d)
    return best[0], best[1], unverified_would_earn and best[0] is None


def _eligible_contracts(person: PersonFacts, outcome: StipendOutcome) -> list[ContractFact]:
    """Full-time contracts at independent centres (POLICY §3.2); others are noted as reasons."""
    if not person.contracts:
        outcome.note(R_NO_CONTRACT, "no_contract")
    eligible = []
    for c in person.contracts:
        if not c.full_time:
            outcome.note(R_PART_TIME, "part_time", contract=c)
        elif c.centre_kind != "independent":
            outcome.note(R_JOINT, "joint", contract=c)
        else:
            eligible.append(c)
    return eligible


def _month_pieces(
    contracts, first: dt.date, last: dt.date, min_years: int, outcome: StipendOutcome, since: dt.date = dt.date.min
):
    """(from, to, contract, filing) pieces of the month covered by a qualifying contract at a centre
    whose regional filing is approved and effective, on or after `since` (the measure's own date)."""
    pieces = []
    for c in contracts:
        if not c.term_qualifies(min_years):
            outcome.note(R_SHORT_TERM.format(years=min_years), "short_term", contract=c, years=min_years)
            continue
        c_last = c.last_day
        lo, hi = max(c.start, first, since), min(c_last, last) if c_last else last
        if lo > hi:
            continue
        earning = False
        for f in c.filings:
            w = f.window()
            if w is None:
                continue
            a, b = max(lo, w[0]), min(hi, w[1]) if w[1] else hi
            if a <= b:
                pieces.append((a, b, c, f))
                earning = True
        if not earning:
            outcome.note(R_NO_FILING, "no_filing", contract=c)
    return pieces


def _unpaid_months(first: int, through: int, paid: Collection[int]):
    """Months first..through not in `paid`, in order. A contiguous history (a range, the usual case)
    is skipped in one step rather than month by month."""
    if isinstance(paid, range) and paid.step == 1 and len(paid):
        yield from range(first, min(paid.start, through + 1))
        yield from range(max(paid.stop, first), through + 1)
        return
    for m in range(first, through + 1):
        if m not in paid:
            yield m


def _covers(piece, ctx) -> bool:
    return piece[0] == ctx.first and piece[1] == ctx.last


def _covered_days(pieces) -> int:
    total, cursor = 0, None
    for a, b, _c, _f in sorted(pieces, key=lambda p: p[0]):
        if cursor is not None and a <= cursor:
            a = cursor + ONE_DAY
        if a <= b:
            total += (b - a).days + 1
            cursor = b
        elif cursor is None or b > cursor:
            cursor = b
    return total


def stipend_due(
    person: PersonFacts, *, through: int, paid: Collection[int], params: ParamTimeline, why: MonthWhy | None = None
) -> StipendOutcome:
    """The NX-STIPEND months payable up to and including month index `through` that are not in `paid`
    (the person's months already paid, at any centre). Months are taken in service-month order and
    stop at the lifetime maximum (POLICY §3.5); a month's amount and tier are those in force on its
    first day (§3.3, §3.8). With `why`, the reasons are also recorded month by month, with their facts."""
    outcome = StipendOutcome(months_used=len(paid), why=why)
    contracts = _eligible_contracts(person, outcome)
    if not contracts:
        return outcome
    # degrees only accumulate: with no qualifying degree by the last month, no month qualifies
    if tier_on(person.degrees, month_start_of(through))[0] is None:
        last = month_start_of(through)
        missing = why_no_tier(person.degrees, last, tier_on(person.degrees, last)[2])
        outcome.note(missing, TIER_CODE[missing], degrees=person.degrees)
        return outcome
    # nothing earns before the regional measure applies (nx.measure_from), whatever a record says
    since = params.measure_from("regional")
    first_month = max(min(month_index(c.start) for c in contracts), month_index(since))
    used = len(paid)
    explained: dict = {}  # one explanation object per contract/degree/filing/parameter, shared by months

    def once(key, make, *args):
        value = explained.get(key)
        if value is None:
            value = explained[key] = make(*args)
        return value

    for m in _unpaid_months(first_month, through, paid):
        if outcome.why is not None:
            outcome.why.current = m
        ctx = params.month(m)
        pieces = _month_pieces(contracts, ctx.first, ctx.last, ctx.min_years_int, outcome, since)
        if not pieces:
            continue
        covered = ctx.days if _covers(pieces[0], ctx) else _covered_days(pieces)
        if covered < ctx.days and ctx.whole_month:
            outcome.note(R_PARTIAL.format(month=ctx.label), "partial", pieces=tuple(pieces), month=m)
            continue
        tier, degree, unverified = tier_on(person.degrees, ctx.first)
        if tier is None:
            missing = why_no_tier(person.degrees, ctx.first, unverified)
            outcome.note(missing, TIER_CODE[missing], degrees=person.degrees)
            continue
        if used >= ctx.max_months_int:
            outcome.note(R_CAP.format(max=ctx.max_months.value), "cap", max=ctx.max_months.value, used=used)
            if outcome.why is not None:
                outcome.why.capped_from = m
            break
        # a move between filed centres with no gap: the month goes to the contract in force on its
        # last covered day (POLICY §3.4)
        _a, _b, contract, filing = pieces[0] if len(pieces) == 1 else max(pieces, key=lambda p: (p[1], p[0]))
        rate = ctx.rates[tier]
        amount = quantize(Decimal(rate.value) * covered / ctx.days) if covered < ctx.days else ctx.full_amount(tier)
        outcome.months.append(
            StipendMonth(
                month=m,
                amount=amount,
                centre_id=contract.centre_id,
                contract_id=contract.id,
                tier=tier,
                explanation={
                    "rule": RULE,
                    "service_month": ctx.label,
                    "tier": tier,
                    "tier_label": TIER_LABEL[tier],
                    "contract": once(("c", contract.id, ctx.min_years_int), contract.explain, ctx.min_years_int),
                    "degree": once(("d", degree.id), degree.explain),
                    "filing": once(("f", filing.id), filing.explain),
                    "covered_days": covered,
                    "days_in_month": ctx.days,
                    "month_rule": ctx.month_rule.value,
                    "months_used_before": used,
                    "months_used_after": used + 1,
                    "max_months": ctx.max_months_int,
                    "parameters": ctx.explain_parameters(tier),
                },
            )
        )
        used += 1
    return outcome


@dataclass(frozen=True)
class MonthVerdict:
    """One service month as a run would judge it today: payable with its amount and explanation,
    or not, with every condition that failed."""

    month: int
    payable: bool
    amount: Decimal | None = None
    tier: str | None = None
    explanation: dict | None = None
    reasons: tuple[Reason, ...] = ()

    @property
    def label(self) -> str:
        return month_label(self.month)


def stipend_month_verdict(
    person: PersonFacts, *, month: int, paid: Collection[int], params: ParamTimeline
) -> MonthVerdict:
    """Whether `month` (not in `paid`) is payable, by the very computation a run does (stipend_due up to that
    month, so earlier unpaid months count towards the maximum first, as they would in the run), and if not,
    why: the month's own reasons, those concerning every month, the maximum reached, or a month the measure
    or any contract does not reach."""
    why = MonthWhy()
    outcome = stipend_due(person, through=month, paid=paid, params=params, why=why)
    for m in outcome.months:
        if m.month == month:
            return MonthVerdict(month, True, m.amount, m.tier, m.explanation)
    reasons = [r for r in why.general if r.fact("contract") is None or _overlaps(r.fact("contract"), month)]
    reasons += [r for r in why.months.get(month, ()) if r not in reasons]
    if why.capped_from is not None and month >= why.capped_from and all(r.code != "cap" for r in reasons):
        reasons.append(
            Reason(
                "cap",
                R_CAP.format(max=params.month(month).max_months.value),
                (("max", params.month(month).max_months.value), ("used", len(paid))),
            )
        )
    if not reasons:
        since = params.measure_from("regional")
        if month < month_index(since):
            reasons.append(Reason("before_measure", None, (("since", since),)))
        else:
            reasons.append(Reason("outside_contract", None, (("contracts", person.contracts),)))
    return MonthVerdict(month, False, reasons=tuple(reasons))


@dataclass(frozen=True)
class StipendStatus:
    tier: str | None
    months_used: int
    max_months: int
    next_payable: str | None
    reasons: tuple[str, ...]

    @property
    def eligible(self) -> bool:
        return self.next_payable is not None


def stipend_status(
    person: PersonFacts, *, as_of: dt.date, paid: Collection[int], params: ParamTimeline, horizon_months: int = 120
) -> StipendStatus:
    """What the enterprise and staff see for one researcher: tier today, months used of the maximum,
    the next payable month (looking ahead as if nothing changes) and, when none, the reasons."""
    today_month = month_index(as_of)
    ahead = stipend_due(person, through=today_month + horizon_months, paid=paid, params=params)
    tier, _degree, unverified = tier_on(person.degrees, as_of)
    reasons = list(ahead.reasons)
    why = why_no_tier(person.degrees, as_of, unverified) if tier is None and unverified else None
    if why is not None and why not in reasons:
        reasons.append(why)
    next_month = ahead.months[0].label if ahead.months else None
    return StipendStatus(
        tier=tier,
        months_used=len(paid),
        max_months=params.integer("nx_stipend.max_months", as_of),
        next_payable=next_month,
        reasons=tuple(reasons) if next_month is None else (),
    )
