"""One-time and evaluated grants (POLICY §2 NX-FIRST … YC-MS-REG and §3 "One-time and evaluated grants"):
who may receive a programme, the amount's bounds, and why not. Pure: frozen dataclasses in, Decimals and
reasons (plain Chinese) out; no ORM, no clock."""

from dataclasses import dataclass
from decimal import Decimal

from subsidies.money import parse_money, quantize

CENTRE, RESEARCHER, INCUBATOR = "centre", "researcher", "incubator"
FIXED, CAPPED, RANGED = "fixed", "capped", "ranged"
ONCE_PER_CENTRE = "once_per_centre"
ONCE_PER_PERSON = "once_per_person"
ONCE_PER_EVALUATION = "once_per_evaluation"
ONCE_PER_AWARD_YEAR = "once_per_award_year"
ONCE_PER_INCUBATOR = "once_per_incubator"
ANNUAL_PER_INCUBATOR = "annual_per_incubator"
NO_APPLICATION_ORIGINS = ("evaluation", "assessment", "recognition")

R_JOINT = "联合研发机构不适用"
R_INDEPENDENT_ONLY = "仅适用于联合研发机构"
R_NO_REGIONAL = "尚无已生效的自治区级备案"
R_NO_YINCHUAN = "尚无已生效的银川市级备案"
R_REFILING = "该中心曾被撤销备案,撤销后重新备案不再给予首次备案奖励(仅限首次备案)"
R_AWARDED = "已获得该项资助(每个中心限一次)"
R_PENDING = "已有在审的申报,请等待审核结果"
R_BY_EVALUATION = "根据每三年一次的综合绩效评估结果核定,评估为“优秀”时自动给予,无需申报"
R_BY_ASSESSMENT = "由年度考核结果核定,无需申报"
R_BY_RECOGNITION = "由认定结果核定,无需申报"
R_NOT_CENTRE = "该项目的申报主体为飞地孵化器运营方,不适用于研发中心"
ORIGIN_REASON = {"evaluation": R_BY_EVALUATION, "assessment": R_BY_ASSESSMENT, "recognition": R_BY_RECOGNITION}


@dataclass(frozen=True)
class ProgrammeFact:
    code: str
    applicant: str
    filing_level: str
    for_independent: bool
    for_joint: bool
    origin: str
    amount_type: str
    amount_min: Decimal
    amount_max: Decimal
    joint_amount_max: Decimal | None
    frequency: str


@dataclass(frozen=True)
class CentreFact:
    id: int
    kind: str  # "independent" | "joint"
    regional_status: str | None  # the regional filing's status, None without one
    regional_revoked_before: bool  # the regional filing was ever revoked (a re-filing cannot earn NX-FIRST)
    yinchuan_status: str | None


@dataclass(frozen=True)
class Bounds:
    low: Decimal  # exclusive when `exclusive_low`
    high: Decimal
    fixed: bool
    exclusive_low: bool

    def message(self) -> str:
        if self.fixed:
            return f"该项目为定额资助,核定金额须为 {self.high:,.2f} 元"
        if self.exclusive_low:
            return f"核定金额须大于 0 且不超过 {self.high:,.2f} 元"
        return f"核定金额须在 {self.low:,.2f} 至 {self.high:,.2f} 元之间"


def bounds(programme: ProgrammeFact, centre_kind: str | None = None) -> Bounds:
    """The amount a programme allows for a centre of a kind: NX-FIRST ≤1,000,000 / ≤500,000, NX-PERF
    500,000 / 250,000 (the joint figure applies to 联合研发机构); ranged NX-AWARD 50,000–1,000,000."""
    high = programme.amount_max
    if centre_kind == "joint" and programme.joint_amount_max is not None:
        high = programme.joint_amount_max
    high = quantize(high)
    if programme.amount_type == FIXED:
        return Bounds(high, high, True, False)
    if programme.amount_type == CAPPED:
        return Bounds(quantize(0), high, False, True)
    return Bounds(quantize(programme.amount_min), high, False, False)


def parse_amount(value) -> Decimal | None:
    """The amount (subsidies.money.parse_money), or None when it is blank or not an amount."""
    try:
        return parse_money(value)
    except ValueError:
        return None


def amount_problems(programme: ProgrammeFact, amount: Decimal | None, centre_kind: str | None = None) -> list[str]:
    """Empty when the amount is within the programme's bounds; else the message naming the bounds."""
    b = bounds(programme, centre_kind)
    if amount is None:
        return [f"请填写核定金额({b.message()})"]
    if b.fixed:
        ok = amount == b.high
    elif b.exclusive_low:
        ok = Decimal("0") < amount <= b.high
    else:
        ok = b.low <= amount <= b.high
    return [] if ok else [f"核定金额 {amount:,.2f} 元不符合{programme.code}的规定:{b.message()}"]


def default_amount(programme: ProgrammeFact, centre_kind: str | None = None) -> Decimal | None:
    """The amount staff start from: the fixed amount, else nothing (staff enter it within the bounds)."""
    b = bounds(programme, centre_kind)
    return b.high if b.fixed else None


@dataclass(frozen=True)
class GrantCondition:
    """One condition of a programme for a centre and whether it held: `code` its stable key,
    `reason` the refusal the rule gives when it fails (centre_problems), in plain Chinese."""

    code: str
    held: bool
    reason: str


def centre_conditions(
    programme: ProgrammeFact, centre: CentreFact, *, awarded: bool = False, pending: bool = False
) -> tuple[GrantCondition, ...]:
    """Each condition the programme asks of a centre, in the rule's order, held or not; only those that apply
    to it (a programme with no filing level asks for no filing). centre_problems is its failed reasons."""
    if programme.applicant == INCUBATOR:
        return (GrantCondition("not_centre", False, R_NOT_CENTRE),)
    out = []
    if centre.kind == "joint":
        out.append(GrantCondition("joint", programme.for_joint, R_JOINT))
    if centre.kind == "independent":
        out.append(GrantCondition("independent_only", programme.for_independent, R_INDEPENDENT_ONLY))
    if programme.filing_level == "regional":
        out.append(GrantCondition("no_regional", centre.regional_status == "approved", R_NO_REGIONAL))
    if programme.filing_level == "yinchuan":
        out.append(GrantCondition("no_yinchuan", centre.yinchuan_status == "approved", R_NO_YINCHUAN))
    if programme.code == "NX-FIRST":
        out.append(GrantCondition("refiling", not centre.regional_revoked_before, R_REFILING))
    if programme.frequency == ONCE_PER_CENTRE:
        out.append(GrantCondition("awarded", not awarded, R_AWARDED))
    out.append(GrantCondition("pending", not pending, R_PENDING))
    return tuple(out)


def centre_problems(
    programme: ProgrammeFact, centre: CentreFact, *, awarded: bool = False, pending: bool = False
) -> list[str]:
    """Why a centre cannot apply for the programme now (empty: it can). `awarded` is whether the once-only
    award exists for the centre; per-person and per-period rules pass False and are checked per person."""
    return [c.reason for c in centre_conditions(programme, centre, awarded=awarded, pending=pending) if not c.held]


def needs_application(programme: ProgrammeFact) -> bool:
    return programme.origin not in NO_APPLICATION_ORIGINS


def evaluation_years(period: str) -> tuple[int, int] | None:
    """(first year, last year) of a well-formed period "YYYY-YYYY", else None."""
    parts = (period or "").strip().split("-")
    if len(parts) != 2 or not all(p.isdigit() and len(p) == 4 for p in parts):
        return None
    return int(parts[0]), int(parts[1])


def evaluation_period_problems(period: str, *, current_year: int | None = None, existing=()) -> list[str]:
    """NX-PERF evaluates every three years (POLICY §2 NX-PERF, §3 "once per centre per three-year evaluation
    period"): the period is three consecutive calendar years, YYYY-YYYY, all of them ended (a year is a
    calendar year, §4), and it shares no year with the centre's `existing` evaluation periods, so that
    2022-2024, 2023-2025 and 2024-2026 cannot all be paid. The measure fixes no calendar of windows: the
    first evaluation may start in any year, the next one starts after it ends."""
    years = evaluation_years(period)
    if years is None:
        return [f"评估期“{period}”格式应为“起始年-结束年”,如 2022-2024"]
    start, end = years
    if end - start != 2:
        return [f"评估期“{period}”应为连续三个年度(如 2022-2024)"]
    problems = []
    if current_year is not None and end >= current_year:
        problems.append(f"评估期{period}尚未结束({end}年度至{end}年12月31日结束),结束后方可录入评估结果")
    for other in existing:
        other_years = evaluation_years(other)
        if other_years is not None and start <= other_years[1] and other_years[0] <= end:
            problems.append(f"评估期{period}与该中心已录入的{other}评估期重叠(每三年评估一次,同一年度不能重复评估)")
    return problems


def evaluation_award(programme: ProgrammeFact, result: str, centre_kind: str) -> Decimal | None:
    """NX-PERF: 优秀 earns the kind's amount (500,000 independent / 250,000 joint); anything else nothing."""
    if result != "excellent":
        return None
    return bounds(programme, centre_kind).high
