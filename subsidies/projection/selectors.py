"""The budget projection page's and API's read (预算测算): committed NX-STIPEND by month,
year, centre and enterprise, baseline against scenario, the estimates kept apart, and the entered
budgets (预算批复) with every year flagged where committed money exceeds the budget.

Committed money is exact (services.project_totals, the runs' rule); estimates are labelled as such
and never added to it."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import CharField, Count, Exists, OuterRef, Sum, Value
from django.db.models.functions import Cast, Concat
from django.utils import timezone

from accounts.errors import ServiceError
from subsidies import selectors as facts
from subsidies.parameters.services import parameter_timeline
from subsidies.projection import services
from subsidies.rules import rd_award
from subsidies.rules.calendar import month_index, month_label, parse_month
from subsidies.rules.params import DEFAULT_FROM

ZERO = Decimal("0.00")
ESTIMATE_LABEL = "估算 / estimate"
MAX_HIRES_PER_MONTH = 10_000


def can_project(user) -> bool:
    """Finance and bureau staff (reviewers, administrators); enterprises never see the bureau's budget."""
    return bool(user and user.is_authenticated and (user.is_finance or user.is_portal_admin or user.is_reviewer))


def _require(actor) -> None:
    if not can_project(actor):
        raise ServiceError(
            "只有财务人员和主管部门工作人员可以进行预算测算",
            "only finance and bureau staff may project budgets",
            code="forbidden",
            status=403,
        )


@dataclass(frozen=True)
class Hires:
    """New researchers at a rate the user states (an estimate): so many a month of each tier, from a month."""

    doctorates: int = 0
    masters: int = 0
    from_month: int | None = None

    def __bool__(self) -> bool:
        return bool(self.doctorates or self.masters)

    def as_dict(self) -> dict:
        return {
            "doctorates_per_month": self.doctorates,
            "masters_per_month": self.masters,
            "from": month_label(self.from_month) if self.from_month is not None else None,
        }


def parse_hires(doctorates="", masters="", from_month="") -> Hires:
    def count(value, label_zh, label_en) -> int:
        text = str(value if value is not None else "").strip()
        if not text:
            return 0
        if not text.isdigit() or int(text) > MAX_HIRES_PER_MONTH:
            raise ServiceError(
                f"{label_zh}应为0至{MAX_HIRES_PER_MONTH}之间的整数,收到“{text}”",
                f"{label_en} must be a whole number from 0 to {MAX_HIRES_PER_MONTH}",
                code="hires",
            )
        return int(text)

    d = count(doctorates, "每月新增全日制博士人数", "new doctorates a month")
    m = count(masters, "每月新增重点学科硕士人数", "new key-discipline masters a month")
    start = None
    if str(from_month or "").strip():
        try:
            start = parse_month(str(from_month).strip())
        except ValueError:
            raise ServiceError(
                f"新增人员起始月份“{from_month}”格式错误,应为YYYY-MM", "the hiring start must be YYYY-MM", code="hires"
            ) from None
    return Hires(d, m, start)


@dataclass
class Figures:
    """baseline / scenario / difference of one cut (a month, a year, a centre ...)."""

    key: object
    label: str
    baseline: Decimal = ZERO
    scenario: Decimal | None = None

    @property
    def difference(self) -> Decimal | None:
        return None if self.scenario is None else self.scenario - self.baseline

    def as_dict(self) -> dict:
        return {
            "key": str(self.key),
            "label": self.label,
            "baseline": _m(self.baseline),
            "scenario": _m(self.scenario),
            "difference": _m(self.difference),
        }


@dataclass
class BudgetYear:
    year: int
    budget: Decimal | None
    reference: str
    paid: Decimal  # NX-STIPEND of runs approved in the year
    baseline: Decimal  # projected, paid by runs held in the year
    scenario: Decimal | None
    estimates: Decimal  # shown beside, never added

    @property
    def committed_baseline(self) -> Decimal:
        return self.paid + self.baseline

    @property
    def committed_scenario(self) -> Decimal | None:
        return None if self.scenario is None else self.paid + self.scenario

    @property
    def over_baseline(self) -> bool:
        return self.budget is not None and self.committed_baseline > self.budget

    @property
    def over_scenario(self) -> bool:
        return self.budget is not None and self.scenario is not None and self.committed_scenario > self.budget

    def as_dict(self) -> dict:
        return {
            "year": self.year,
            "rule": services.RULE,
            "budget": _m(self.budget),
            "reference": self.reference,
            "paid": _m(self.paid),
            "projected_baseline": _m(self.baseline),
            "projected_scenario": _m(self.scenario),
            "committed_baseline": _m(self.committed_baseline),
            "committed_scenario": _m(self.committed_scenario),
            "over_budget_baseline": self.over_baseline,
            "over_budget_scenario": self.over_scenario,
            "budget_entered": self.budget is not None,
            "estimates_not_included": _m(self.estimates),
        }


@dataclass
class Estimate:
    kind: str  # yc_rd / new_researchers / approved_grants
    label: str
    year: int  # the year it would be paid in
    amount: Decimal
    scenario: Decimal | None = None
    detail: str = ""

    def as_dict(self) -> dict:
        return {
            "kind": self.kind,
            "label": self.label,
            "estimate": True,
            "payment_year": self.year,
            "amount": _m(self.amount),
            "scenario": _m(self.scenario),
            "detail": self.detail,
        }


@dataclass
class Projection:
    plan: services.Plan
    as_of: str
    total: Figures
    months: list[Figures]
    years: list[Figures]  # by service year
    payment_years: list[Figures]  # by the year of the run that would pay
    centres: list[Figures]
    enterprises: list[Figures]
    estimates: list[Estimate]
    budgets: list[BudgetYear]
    hires: Hires
    lines: int
    people: int
    scenario_lines: int | None = None
    totals: dict = field(default_factory=dict, repr=False)  # the raw Totals, for saving a scenario

    @property
    def has_scenario(self) -> bool:
        return bool(self.plan.overrides)

    @property
    def over_budget_years(self) -> list[int]:
        return [b.year for b in self.budgets if b.over_baseline or b.over_scenario]

    def estimates_by_year(self) -> dict[int, Decimal]:
        out: dict[int, Decimal] = {}
        for e in self.estimates:
            out[e.year] = out.get(e.year, ZERO) + (e.scenario if e.scenario is not None else e.amount)
        return dict(sorted(out.items()))

    def as_dict(self) -> dict:
        return {
            "projection": {
                **self.plan.as_dict(),
                "as_of": self.as_of,
                "rule": services.RULE,
                "estimate": False,
                "hires": self.hires.as_dict(),
            },
            "committed": {
                "total": self.total.as_dict(),
                "lines": self.lines,
                "researchers": self.people,
                "scenario_lines": self.scenario_lines,
                "by_month": [f.as_dict() for f in self.months],
                "by_year": [f.as_dict() for f in self.years],
                "by_payment_year": [f.as_dict() for f in self.payment_years],
                "by_centre": [f.as_dict() for f in self.centres],
                "by_enterprise": [f.as_dict() for f in self.enterprises],
            },
            "estimates": {
                "label": ESTIMATE_LABEL,
                "included_in_committed": False,
                "items": [e.as_dict() for e in self.estimates],
            },
            "budgets": [b.as_dict() for b in self.budgets],
            "over_budget_years": self.over_budget_years,
        }


def _m(value) -> str | None:
    return None if value is None else f"{value:.2f}"


def _figures(base: dict, scen: dict | None, labels) -> list[Figures]:
    keys = sorted(set(base) | set(scen or {}))
    return [Figures(k, labels(k), base.get(k, ZERO), None if scen is None else scen.get(k, ZERO)) for k in keys]


def budget_projection(
    *, actor, through, overrides=(), hires: Hires | None = None, progress=None, processes: int = 1
) -> Projection:
    """The whole page: committed (baseline and, with what-ifs, scenario), estimates, budgets."""
    from registry.models import Centre

    _require(actor)
    p = services.plan(through=through, overrides=overrides)
    result = services.project_totals(p, processes=processes, progress=progress)
    base, scen = result.baseline, result.scenario
    names = {
        pk: (ref, name, uscc, ename)
        for pk, ref, name, uscc, ename in Centre.objects.values_list(
            "id", "ref", "name", "enterprise__uscc", "enterprise__name"
        )
    }
    ent_names = {uscc: ename for _r, _n, uscc, ename in names.values()}

    def cut(key):
        return base.by(key), (scen.by(key) if scen is not None else None)

    def pay_year(m, c):
        return (p.run_month(m) + 1) // 12  # the run for month R is held in R+1 (POLICY §5)

    def largest_first(f):
        return -(f.scenario if f.scenario is not None else f.baseline), f.label

    by_month = cut(lambda m, c: month_label(m))
    by_year = cut(lambda m, c: m // 12)
    by_pay_year = cut(pay_year)
    centres = sorted(_figures(*cut(lambda m, c: names[c][0]), lambda ref: ref), key=largest_first)
    centre_names = {ref: name for ref, name, _u, _e in names.values()}
    for f in centres:
        f.label = f"{f.key} {centre_names[f.key]}"
    enterprises = sorted(_figures(*cut(lambda m, c: names[c][2]), lambda uscc: ent_names[uscc]), key=largest_first)
    hires = hires or Hires()
    estimates = _estimates(p, hires)
    payment_years = _figures(*by_pay_year, str)
    budgets = _budgets(actor, p, payment_years, estimates)
    total = Figures("total", "合计", base.total, scen.total if scen is not None else None)
    return Projection(
        plan=p,
        as_of=result.as_of,
        total=total,
        months=_figures(*by_month, str),
        years=_figures(*by_year, str),
        payment_years=payment_years,
        centres=centres,
        enterprises=enterprises,
        estimates=estimates,
        budgets=budgets,
        hires=hires,
        lines=base.count,
        people=len(base.people),
        scenario_lines=scen.count if scen is not None else None,
        totals={"baseline": base, "scenario": scen},
    )


def _budgets(actor, p, payment_years: list[Figures], estimates: list[Estimate]) -> list[BudgetYear]:
    from subsidies.reporting.dashboard import budget_list, paid_by_rule

    today = timezone.localdate()
    years = [f.key for f in payment_years] or [today.year]
    first = min(min(years), today.year)
    by_year = {f.key: f for f in payment_years}
    entered = {b.year: b for b in budget_list(actor=actor).filter(rule=services.RULE)}
    est: dict[int, Decimal] = {}
    for e in estimates:
        est[e.year] = est.get(e.year, ZERO) + e.amount
    out = []
    for year in range(first, max(years) + 1):
        f = by_year.get(year)
        b = entered.get(year)
        paid = paid_by_rule(year=year).get(services.RULE, ZERO) if year <= today.year else ZERO
        out.append(
            BudgetYear(
                year=year,
                budget=b.amount if b else None,
                reference=b.reference if b else "",
                paid=paid,
                baseline=f.baseline if f else ZERO,
                scenario=(f.scenario if f and f.scenario is not None else (ZERO if p.overrides else None)),
                estimates=est.get(year, ZERO),
            )
        )
    return out


def _estimates(p: services.Plan, hires: Hires) -> list[Estimate]:
    base = parameter_timeline()
    scen = services.timeline_with(p.overrides, base) if p.overrides else None
    out = _rd_estimates(p, base, scen) + _grant_estimates()
    if hires:
        out += _hire_estimates(p, hires, base, scen)
    return out


def _rd_estimates(p, base, scen) -> list[Estimate]:
    """YC-RD (POLICY §4): a declared, verified year not yet paid at the award rule gives; a year not yet
    declared, each centre's latest verified spend at that year's rate and cap (rd_award.rd_due, the
    annual run's rule), for every year whose annual run (May of the next year) falls in the horizon."""
    today = timezone.localdate()
    last_run_year = (p.through - 4) // 12 - 1  # the run for year Y is held in May of Y+1
    filings = facts.yinchuan_filings_by_centre()
    declarations = facts.declarations_through(max(last_run_year, today.year))
    paid = facts.rd_paid({d.year for d in declarations})
    latest: dict[int, rd_award.DeclarationFact] = {}
    declared: dict[int, set[int]] = {}
    out: list[Estimate] = []
    refs = facts.centre_index()
    for d in declarations:
        declared.setdefault(d.centre_id, set()).add(d.year)
        if d.verified_amount is not None:
            latest[d.centre_id] = d
            paid_total = paid.get((d.centre_id, str(d.year)), (None, set()))[0]
            due = rd_award.rd_due(d, filings.get(d.centre_id), paid_total=paid_total, params=base)
            if due.kind != "none":
                alt = rd_award.rd_due(d, filings.get(d.centre_id), paid_total=paid_total, params=scen) if scen else None
                out.append(
                    Estimate(
                        "yc_rd",
                        "YC-RD 已核定待发放",
                        max(d.year + 1, today.year),
                        due.amount,
                        alt.amount if alt else None,
                        f"{refs[d.centre_id][0]} {d.year}",
                    )
                )
    first_year = today.year - 1  # the year just ended may still be declared (by 30 April)
    for centre_id, window in filings.items():
        ref = refs[centre_id][0]
        spend = latest.get(centre_id)
        if spend is None:
            continue  # no verified spend to go by
        for year in range(max(first_year, spend.year + 1), last_run_year + 1):
            if year in declared.get(centre_id, ()):
                continue
            guess = rd_award.DeclarationFact(0, centre_id, year, spend.verified_amount, 1)
            due = rd_award.rd_due(guess, window, paid_total=None, params=base)
            alt = rd_award.rd_due(guess, window, paid_total=None, params=scen) if scen else None
            if due.kind == "none" and (alt is None or alt.kind == "none"):
                continue
            out.append(
                Estimate(
                    "yc_rd",
                    "YC-RD 未申报年度(按最近核定投入)",
                    year + 1,
                    due.amount,
                    alt.amount if alt else None,
                    f"{ref} {year}(按{spend.year}年核定投入 {spend.verified_amount})",
                )
            )
    return out


def _grant_estimates() -> list[Estimate]:
    """Grants approved and not yet paid: the next grants run pays them."""
    from subsidies.models import GrantApplication, PayoutLine

    paid = PayoutLine.objects.filter(
        rule=OuterRef("programme__code"),
        active=True,
        basis=Concat(Value("award:"), Cast(OuterRef("pk"), output_field=CharField())),
    )
    rows = (
        GrantApplication.objects.filter(status="approved", approved_amount__isnull=False)
        .exclude(Exists(paid))
        .values("programme__code", "programme__name")
        .annotate(total=Sum("approved_amount"), n=Count("id"))
        .order_by("programme__code")
    )
    year = timezone.localdate().year
    return [
        Estimate(
            "approved_grants",
            "已核准待发放的项目资助",
            year,
            r["total"],
            None,
            f"{r['programme__code']} {r['programme__name']} × {r['n']}",
        )
        for r in rows
    ]


def _hire_estimates(p, hires: Hires, base, scen) -> list[Estimate]:
    """New researchers at the stated rate, each from the first whole month after joining, at the tier's
    amount in force (baseline and scenario timelines), to the lifetime maximum."""
    start = (
        hires.from_month
        if hires.from_month is not None
        else (p.start if p.start is not None else month_index(timezone.localdate()))
    )
    start = max(start, month_index(DEFAULT_FROM))  # no parameter, and no measure, before it
    out = []
    for tier, per_month, label in (
        ("doctorate", hires.doctorates, "全日制博士"),
        ("master", hires.masters, "重点学科硕士"),
    ):
        if not per_month:
            continue
        by_year: dict[int, list[Decimal]] = {}
        for m in range(start, p.through + 1):
            year = (p.run_month(m) + 1) // 12
            cell = by_year.setdefault(year, [ZERO, ZERO])
            for i, timeline in enumerate((base, scen or base)):
                ctx = timeline.month(m)
                people = per_month * min(m - start + 1, ctx.max_months_int)
                cell[i] += ctx.full_amount(tier) * people
        for year, (amount, alt) in sorted(by_year.items()):
            out.append(
                Estimate(
                    "new_researchers",
                    f"新增研发人员({label})",
                    year,
                    amount,
                    alt if scen is not None else None,
                    f"每月新增{per_month}人,自{month_label(start)}起",
                )
            )
    return out


def scenario_list(*, actor):
    from subsidies.projection.models import ProjectionScenario

    if not can_project(actor):
        return ProjectionScenario.objects.none()
    return ProjectionScenario.objects.select_related("created_by").order_by("-created_at", "-id")


def scenario_get(*, actor, pk: int):
    from accounts.errors import NotFoundError

    s = scenario_list(actor=actor).filter(pk=pk).first()
    if s is None:
        raise NotFoundError("测算方案不存在", "no such scenario", code="not_found", status=404)
    return s
