"""Which failed transfers a re-issue batch (补拨) may pay again: pure, no ORM.

The entitlement of a failed transfer is unchanged (its lines stay the approved lines), so a payee is
left out only where POLICY says the money was never earned as the records now stand:
- POLICY §1: "Only an approved, not-revoked filing earns anything, and only for periods on or after its
  effective date." A revocation or suspension recorded with an end date reaching back over a line's
  service month (NX-STIPEND, NX-STIPEND §3.4: every day of the month inside an approved window) or over
  its whole year (YC-RD §3 YC-RD 2: a year with no approved and effective day earns nothing) means the
  line is no longer payable; the payee's transfer is then held for staff review, not re-issued.
- POLICY §3 NX-STIPEND 6: an early termination does not recover months already paid, and a line's month
  was whole when it was computed, so a contract ended since is no reason to leave a payee out.
- One-time and evaluated grants (award:<id>) were fixed at approval: they are always re-issued.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from subsidies.rules.rd_award import RULE as RD_AWARD
from subsidies.rules.stipend import RULE as STIPEND


@dataclass(frozen=True)
class LineFact:
    line_id: int
    rule: str
    service_period: str  # YYYY-MM (monthly) or YYYY (annual)
    centre_id: int | None
    basis: str = ""


Window = tuple[dt.date, dt.date | None]


def _period_bounds(period: str) -> tuple[dt.date, dt.date]:
    if len(period) == 4:
        year = int(period)
        return dt.date(year, 1, 1), dt.date(year, 12, 31)
    year, month = int(period[:4]), int(period[5:7])
    first = dt.date(year, month, 1)
    nxt = dt.date(year + (month == 12), month % 12 + 1, 1)
    return first, nxt - dt.timedelta(days=1)


def _covers(window: Window, first: dt.date, last: dt.date) -> bool:
    start, end = window
    return start <= first and (end is None or end >= last)


def _overlaps(window: Window, first: dt.date, last: dt.date) -> bool:
    start, end = window
    return start <= last and (end is None or end >= first)


def line_still_payable(line: LineFact, *, regional: tuple[Window, ...], yinchuan: tuple[Window, ...]) -> bool:
    """Whether the line's period is still inside its centre's approved filing windows as now recorded."""
    if line.basis.startswith("award:") or line.centre_id is None:
        return True
    first, last = _period_bounds(line.service_period)
    if line.rule == STIPEND:
        return any(_covers(w, first, last) for w in regional)
    if line.rule == RD_AWARD:
        return any(_overlaps(w, first, last) for w in yinchuan)
    return True


def unpayable_lines(
    lines: list[LineFact], *, regional: dict[int, tuple[Window, ...]], yinchuan: dict[int, tuple[Window, ...]]
) -> list[LineFact]:
    """The lines of a failed transfer that may no longer be paid; none means the transfer is re-issued."""
    return [
        ln
        for ln in lines
        if not line_still_payable(ln, regional=regional.get(ln.centre_id, ()), yinchuan=yinchuan.get(ln.centre_id, ()))
    ]
