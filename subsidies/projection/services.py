"""Committed NX-STIPEND for the months after the latest monthly run (POLICY §4).

One projection is the lines that on-time monthly runs for every month after the latest monthly run,
up to and including `through`, would pay if no record changed. The facts are read as a run reads them
(selectors.person_facts, selectors.paid_stipend_months, in the same researcher-id chunks) and the months
come from the same pure rule (stipend.stipend_due); a what-if is the same projection over a parameter
timeline with dated values added in memory (no ParameterValue row is written). Nothing here writes.

Why one call of the rule per person stands for a sequence of runs: a run for month R pays every
unpaid payable month up to R in service-month order and stops at the lifetime cap; whether a month is
payable, and its amount, depend only on the records and on the parameters in force on the month's
first day, never on when it is paid. So the months that runs R0, R0+1, ..., T pay together are
exactly those one call through T yields, and a month M is paid by run max(M, R0): the pending arrears
by the first projected run, every later month by its own on-time run."""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.db import connection, connections
from django.db.models import Max, Q
from django.utils import timezone

from accounts.errors import ServiceError
from accounts.forking import can_fork, fork_pool
from subsidies import selectors
from subsidies.models import PayoutRun, RunKind, RunState
from subsidies.parameters.services import parameter_timeline
from subsidies.rules import stipend
from subsidies.rules.calendar import month_index, month_label, parse_month
from subsidies.rules.params import DEFAULT_FROM, DEFAULTS, ParamTimeline, ParamValue, validate_value

ZERO = Decimal("0.00")
RULE = stipend.RULE
OVERRIDE = re.compile(r"^\s*([^=@\s]+)\s*=\s*([^@]*?)\s*@\s*(\S+)\s*$")
WHAT_IF_REFERENCE = "测算假设 / what-if (not recorded)"
# a horizon beyond this many months is refused: the measure's stipend lasts five years, and budgets are
# planned a few years ahead (预算编制); ten years covers both with room
MAX_HORIZON_MONTHS = 120


# --- inputs -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Override:
    """A dated parameter value added to the timeline of one projection only (a what-if)."""

    name: str
    value: str
    effective_from: dt.date

    def __str__(self) -> str:
        return f"{self.name}={self.value}@{self.effective_from.isoformat()}"

    def as_dict(self) -> dict:
        return {"name": self.name, "value": self.value, "effective_from": self.effective_from.isoformat()}


def parse_override(text: str) -> Override:
    """`NAME=VALUE@YYYY-MM-DD`, the name one of the portal's parameters and the value valid for it
    (the same validation as a recorded parameter value, subsidies.rules.params.validate_value)."""
    raw = str(text or "")
    m = OVERRIDE.match(raw)
    if not m:
        raise ServiceError(
            f"测算参数“{raw}”格式错误,应为 名称=取值@YYYY-MM-DD(如 nx_stipend.doctorate_monthly=6000.00@2026-01-01)",
            "a what-if must read NAME=VALUE@YYYY-MM-DD",
            code="what_if_format",
            record=raw,
        )
    name, value, day = m.groups()
    return override_from(name, value, day, record=raw)


def override_from(name: str, value, day, *, record: str = "") -> Override:
    record = record or f"{name}={value}@{day}"
    if name not in DEFAULTS:
        raise ServiceError(
            f"未知参数“{name}”;可用的参数有 {'、'.join(DEFAULTS)}",
            f"unknown parameter {name!r}",
            code="what_if_name",
            record=record,
        )
    try:
        value = validate_value(name, value)
    except ValueError as exc:
        raise ServiceError(str(exc), f"invalid value for {name}", code="what_if_value", record=record) from None
    if isinstance(day, dt.date):
        effective = day
    else:
        try:
            if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", str(day).strip()):
                raise ValueError
            effective = dt.date.fromisoformat(str(day).strip())
        except ValueError:
            raise ServiceError(
                f"生效日期“{day}”无效,应为存在的日期 YYYY-MM-DD(如 2026-01-01)",
                "the effective date must be a real date YYYY-MM-DD",
                code="what_if_date",
                record=record,
            ) from None
    return Override(name, value, effective)


def parse_overrides(texts: Iterable[str]) -> tuple[Override, ...]:
    out: dict[tuple[str, dt.date], Override] = {}
    for text in texts or ():
        o = parse_override(text)
        other = out.get((o.name, o.effective_from))
        if other is not None and other.value != o.value:
            raise ServiceError(
                f"参数{o.name}在{o.effective_from}有两个测算取值({other.value}、{o.value})",
                "two what-if values for one parameter on one date",
                code="what_if_conflict",
                record=str(o),
            )
        out[(o.name, o.effective_from)] = o
    return tuple(sorted(out.values(), key=lambda o: (o.name, o.effective_from)))


def parse_through(text: str) -> int:
    try:
        return parse_month(str(text or "").strip())
    except ValueError:
        raise ServiceError(
            f"测算截至月份“{text}”格式错误,应为YYYY-MM(如2026-12)",
            "the horizon must be YYYY-MM",
            code="through",
            record="--through",
        ) from None


def timeline_with(overrides: Iterable[Override], base: ParamTimeline | None = None) -> ParamTimeline:
    """The recorded parameter timeline with the what-if values added, in memory: a what-if on a date
    that has a recorded value stands in for it in this projection only."""
    base = base if base is not None else parameter_timeline()
    overrides = tuple(overrides)
    if not overrides:
        return base
    replaced = {(o.name, o.effective_from) for o in overrides}
    recorded = [v for v in base.values if (v.name, v.effective_from) not in replaced]
    return ParamTimeline(
        tuple(recorded) + tuple(ParamValue(o.name, o.value, o.effective_from, WHAT_IF_REFERENCE) for o in overrides)
    )


def latest_monthly_run() -> int | None:
    """The month index of the latest monthly run not cancelled (its months are paid or being paid)."""
    period = (
        PayoutRun.objects.filter(kind=RunKind.MONTHLY).exclude(state=RunState.CANCELLED).aggregate(p=Max("period"))["p"]
    )
    return parse_month(period) if period else None


# --- the projection -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Line:
    """One projected NX-STIPEND line: what the run for `run_month` would pay for `month`."""

    researcher_id: int
    beneficiary: str
    centre_id: int
    month: int
    amount: Decimal
    run_month: int
    tier: str

    @property
    def is_arrears(self) -> bool:
        return self.month < self.run_month


@dataclass
class Totals:
    """Sums of projected lines by service month and centre (the finer cut; the others derive from it)."""

    by_month_centre: dict = field(default_factory=lambda: defaultdict(lambda: [ZERO, 0]))
    people: set = field(default_factory=set)

    def add(self, line: Line) -> None:
        cell = self.by_month_centre[(line.month, line.centre_id)]
        cell[0] += line.amount
        cell[1] += 1

    def merge(self, other: Totals) -> None:
        for key, (amount, n) in other.by_month_centre.items():
            cell = self.by_month_centre[key]
            cell[0] += amount
            cell[1] += n
        self.people |= other.people

    def freeze(self) -> dict:
        """picklable (a pool worker hands it back)"""
        return {"cells": {k: (a, n) for k, (a, n) in self.by_month_centre.items()}, "people": self.people}

    @classmethod
    def thaw(cls, data: dict) -> Totals:
        t = cls()
        for k, (a, n) in data["cells"].items():
            t.by_month_centre[k] = [a, n]
        t.people = set(data["people"])
        return t

    @property
    def total(self) -> Decimal:
        return sum((a for a, _n in self.by_month_centre.values()), ZERO)

    @property
    def count(self) -> int:
        return sum(n for _a, n in self.by_month_centre.values())

    def by(self, key: Callable[[int, int], object]) -> dict:
        out: dict = defaultdict(lambda: ZERO)
        for (month, centre), (amount, _n) in self.by_month_centre.items():
            out[key(month, centre)] += amount
        return dict(sorted(out.items()))


@dataclass(frozen=True)
class Plan:
    """What a projection covers: the months of the on-time runs and the timelines it computes."""

    through: int
    start: int | None  # the first projected run (None: no monthly run yet, every month on time)
    latest_run: int | None
    overrides: tuple[Override, ...] = ()

    def run_month(self, month: int) -> int:
        return month if self.start is None else max(month, self.start)

    def as_dict(self) -> dict:
        return {
            "through": month_label(self.through),
            "latest_run": month_label(self.latest_run) if self.latest_run is not None else None,
            "first_run": month_label(self.start) if self.start is not None else None,
            "overrides": [o.as_dict() for o in self.overrides],
        }


def plan(*, through, overrides: Iterable = ()) -> Plan:
    """Validate a projection's inputs (a horizon YYYY-MM, what-ifs NAME=VALUE@DATE or Override). The
    horizon reaches at most MAX_HORIZON_MONTHS past the first projected run (or this month, with no
    run yet) and starts no earlier than the parameters' first date."""
    through = parse_through(through) if isinstance(through, str) else int(through)
    latest = latest_monthly_run()
    start = latest + 1 if latest is not None else None
    anchor = start if start is not None else month_index(timezone.localdate())
    if through - anchor > MAX_HORIZON_MONTHS:
        raise ServiceError(
            f"测算期限不能超过{month_label(anchor)}之后{MAX_HORIZON_MONTHS}个月",
            f"the horizon may reach at most {MAX_HORIZON_MONTHS} months past {month_label(anchor)}",
            code="through",
            record="--through",
        )
    if through < month_index(DEFAULT_FROM):
        raise ServiceError(
            f"测算截至月份不能早于{month_label(month_index(DEFAULT_FROM))}",
            f"the horizon cannot end before {month_label(month_index(DEFAULT_FROM))}",
            code="through",
            record="--through",
        )
    items = list(overrides or ())
    texts = [o for o in items if not isinstance(o, Override)]
    given = parse_overrides(texts) + tuple(o for o in items if isinstance(o, Override))
    return Plan(
        through=through,
        start=start,
        latest_run=latest,
        overrides=tuple(sorted(set(given), key=lambda o: (o.name, o.effective_from))),
    )


def chunk_bounds(size: int | None = None) -> list[tuple[int, int]]:
    """Researcher-id ranges of the runs' chunk size (the same slices a monthly run computes)."""
    from django.db.models import Min

    from talent.models import Researcher

    size = size or settings.PAYOUT_CHUNK_SIZE
    b = Researcher.objects.aggregate(lo=Min("id"), hi=Max("id"))
    if b["lo"] is None:
        return []
    return [(lo, min(lo + size, b["hi"] + 1)) for lo in range(b["lo"], b["hi"] + 1, size)]


def chunk_lines(
    p: Plan,
    timelines: list[ParamTimeline],
    lo: int,
    hi: int,
    *,
    researcher_filter: Q | None = None,
    centres=None,
    filings=None,
    want_lines: bool = True,
) -> list:
    """One researcher-id slice, read once, projected over each timeline (baseline, what-if, ...): per
    timeline its Lines or (want_lines False) its Totals, summed as the months come."""
    from subsidies.runs.services import _collector_paused

    who = Q(id__gte=lo, id__lt=hi)
    if researcher_filter is not None:
        who &= researcher_filter
    people = selectors.person_facts(who, centres=centres, filings=filings)
    paid = selectors.paid_stipend_months(who)
    empty = range(0)
    out: list = [[] for _ in timelines] if want_lines else [Totals() for _ in timelines]
    start = p.start
    with _collector_paused():
        for rid, person in people.items():
            done = paid.get(rid, empty)
            for sink, timeline in zip(out, timelines, strict=True):
                months = stipend.stipend_due(person, through=p.through, paid=done, params=timeline).months
                if not months:
                    continue
                if want_lines:
                    for m in months:
                        run = m.month if start is None or m.month > start else start
                        sink.append(Line(rid, person.id_number, m.centre_id, m.month, m.amount, run, m.tier))
                    continue
                cells = sink.by_month_centre
                for m in months:
                    cell = cells.get((m.month, m.centre_id))
                    if cell is None:
                        cells[(m.month, m.centre_id)] = [m.amount, 1]
                    else:
                        cell[0] += m.amount
                        cell[1] += 1
                sink.people.add(rid)
    return out


# The pool's shared state: set in the parent before the fork, read by the children.
_POOL: dict = {}


def _chunk_in_child(bounds: tuple[int, int]):
    lo, hi = bounds
    try:
        per = chunk_lines(
            _POOL["plan"],
            _POOL["timelines"],
            lo,
            hi,
            centres=_POOL["centres"],
            filings=_POOL["filings"],
            want_lines=_POOL["lines"],
        )
        if _POOL["lines"]:
            return [[_line_tuple(ln) for ln in lines] for lines in per]
        return [t.freeze() for t in per]
    finally:
        connections.close_all()


def _line_tuple(ln: Line) -> tuple:
    return (ln.researcher_id, ln.beneficiary, ln.centre_id, ln.month, ln.amount, ln.run_month, ln.tier)


def _chunks(
    p: Plan,
    timelines,
    *,
    want_lines: bool,
    processes: int,
    researcher_filter=None,
    progress: Callable[[int, int], None] | None = None,
) -> Iterator[list]:
    """Per chunk, per timeline: its Lines (want_lines) or its Totals. Chunks are read in this process or,
    outside a transaction and when asked, in forked processes each on its own connection, as the
    command-line runs spread their chunks."""
    centres = selectors.centre_index()
    filings = selectors.regional_filings_by_centre()
    bounds = chunk_bounds()
    total = len(bounds)
    workers = min(processes, total)
    # a few chunks are read faster here than through a pool of processes (fewer than two per process)
    few = total < 2 * workers
    if workers <= 1 or few or connection.in_atomic_block or researcher_filter is not None or not can_fork():
        for i, (lo, hi) in enumerate(bounds, 1):
            yield chunk_lines(
                p,
                timelines,
                lo,
                hi,
                researcher_filter=researcher_filter,
                centres=centres,
                filings=filings,
                want_lines=want_lines,
            )
            if progress:
                progress(i, total)
        return
    _POOL.update(plan=p, timelines=timelines, centres=centres, filings=filings, lines=want_lines)
    try:
        with fork_pool(workers) as pool:
            for i, per in enumerate(pool.imap(_chunk_in_child, bounds), 1):
                if want_lines:
                    yield [[Line(*t) for t in lines] for lines in per]
                else:
                    yield [Totals.thaw(d) for d in per]
                if progress:
                    progress(i, total)
    finally:
        _POOL.clear()


def project_lines(p: Plan, *, what_if: bool = True, processes: int = 1) -> Iterator[Line]:
    """The projected lines, chunk by chunk (memory stays one chunk's worth): over the timeline with
    the plan's what-ifs (or the recorded one when what_if is False or there are none)."""
    timeline = timeline_with(p.overrides if what_if else ())
    for per in _chunks(p, [timeline], want_lines=True, processes=processes):
        yield from per[0]


@dataclass
class Result:
    """Baseline and (when what-ifs were given) scenario totals of one projection."""

    plan: Plan
    baseline: Totals
    scenario: Totals | None
    centres: dict  # centre id -> (ref, kind, enterprise id)
    as_of: str = ""


def project_totals(
    p: Plan,
    *,
    processes: int = 1,
    researcher_filter: Q | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Result:
    """Totals of the baseline and, with what-ifs, of the scenario, from one read of the facts."""
    base = parameter_timeline()
    timelines = [base] + ([timeline_with(p.overrides, base)] if p.overrides else [])
    baseline, scenario = Totals(), (Totals() if p.overrides else None)
    for per in _chunks(
        p, timelines, want_lines=False, processes=processes, researcher_filter=researcher_filter, progress=progress
    ):
        baseline.merge(per[0])
        if scenario is not None:
            scenario.merge(per[1])
    return Result(
        plan=p,
        baseline=baseline,
        scenario=scenario,
        centres=selectors.centre_index(),
        as_of=timezone.now().isoformat(timespec="seconds"),
    )


def summary_of(totals: Totals, centres: dict) -> dict:
    """{"total", "lines", "by_rule", "by_month", "by_year", "by_centre"} with money as strings."""

    def money(d):
        return {str(k): f"{v:.2f}" for k, v in d.items()}

    return {
        "total": f"{totals.total:.2f}",
        "lines": totals.count,
        "by_rule": {RULE: f"{totals.total:.2f}"},
        "by_month": money(totals.by(lambda m, c: month_label(m))),
        "by_year": money(totals.by(lambda m, c: m // 12)),
        "by_centre": money(totals.by(lambda m, c: centres[c][0])),
    }
