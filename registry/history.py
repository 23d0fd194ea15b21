"""A filing's history as windows of approval (POLICY §1; SCENARIOS.md, the `filings` list): pure checks,
shared by the import of a centre's filing history and by the reviewers' decisions on the web.

Each filing of the history that was approved is a window (inclusive dates) that earns for the days it
covers: an approved filing from its effective_from (to its effective_to, or open); a suspended or
revoked one from effective_from to effective_to. A suspended or revoked filing without effective_to
earns nothing (README, "Filing windows"). Windows of one level follow each other without overlapping."""

import datetime as dt
from dataclasses import dataclass

APPROVED, SUSPENDED, REVOKED = "approved", "suspended", "revoked"
EARNING = (APPROVED, SUSPENDED, REVOKED)
IN_REVIEW = ("draft", "submitted", "first_reviewed", "returned")


@dataclass(frozen=True)
class Entry:
    """One filing of an imported history; `label` is how messages name it (e.g. `filings[1]`)."""

    label: str
    status: str
    effective_from: dt.date | None
    effective_to: dt.date | None = None
    reason: str = ""


@dataclass(frozen=True)
class Window:
    """One window of approval: how it ended (`closed_as` suspended or revoked; blank: open or ended on its
    recorded date) and why."""

    start: dt.date
    end: dt.date | None
    closed_as: str = ""
    reason: str = ""


def span(start: dt.date, end: dt.date | None) -> str:
    return f"{start}至{end}" if end else f"{start}起长期有效"


def entry_window(entry: Entry) -> Window | None:
    """The window a filing of the history earns in, or None."""
    if entry.status not in EARNING or entry.effective_from is None:
        return None
    if entry.status != APPROVED and entry.effective_to is None:
        return None  # suspended or revoked with no end recorded: nothing earns (POLICY §1)
    return Window(
        entry.effective_from, entry.effective_to, "" if entry.status == APPROVED else entry.status, entry.reason
    )


def history_problems(entries: list[Entry]) -> list[str]:
    """Why a history of one level contradicts itself: a filing still in review or in force followed by
    another, filings out of date order, overlapping windows. Each message names the filings."""
    problems = []
    previous: Entry | None = None  # the latest filing with an effective date
    last_window: tuple[Entry, Window] | None = None
    for i, entry in enumerate(entries):
        later = i < len(entries) - 1
        if later and entry.status in IN_REVIEW:
            problems.append(
                f"{entry.label}尚在审核中(状态{entry.status}),只能是同级备案历史的最后一条"
                f" / {entry.label} is still in review ({entry.status}): only the last filing of a"
                " level can be"
            )
        window = entry_window(entry)
        if later and window is not None and window.end is None:
            problems.append(
                f"{entry.label}自{window.start}起长期有效,其后不能再有同级备案"
                f" / {entry.label} is in force with no end: no filing of its level can follow it"
            )
        if entry.effective_from is not None:
            if previous is not None and entry.effective_from <= previous.effective_from:
                problems.append(
                    f"{entry.label}的生效日期{entry.effective_from}不晚于前一条备案{previous.label}的生效日期"
                    f"{previous.effective_from},备案历史须按时间先后排列"
                    f" / {entry.label} takes effect on {entry.effective_from}, not after its predecessor"
                    f" {previous.label} ({previous.effective_from})"
                )
            previous = entry
        if window is not None:
            if last_window is not None:
                before, prior = last_window
                if prior.end is None or window.start <= prior.end:
                    problems.append(
                        f"{entry.label}的有效期间({span(window.start, window.end)})与{before.label}的有效期间"
                        f"({span(prior.start, prior.end)})重叠"
                        f" / the window of {entry.label} overlaps the window of {before.label}"
                    )
            last_window = (entry, window)
    return problems


def missing_windows(recorded: list[Window], entries: list[Entry]) -> list[str]:
    """Recorded windows that an imported history leaves out (matched by start date: the filing that
    opened the window). An imported history is the whole history: it may close a recorded window, move
    its end or state that it earns nothing, never drop it unmentioned."""
    starts = {e.effective_from for e in entries if e.effective_from is not None}
    return [
        f"已记录的有效期间{span(w.start, w.end)}不在导入的备案历史中(导入的历史须列出已记录的每一次备案)"
        f" / the recorded window from {w.start} is missing from the imported history"
        for w in recorded
        if w.start not in starts
    ]


def next_window_problems(recorded: list[Window], start: dt.date) -> list[str]:
    """A new window (approval of a re-filing, reinstatement) opens after every recorded window has ended."""
    problems = []
    for w in recorded:
        if w.end is None or start <= w.end:
            problems.append(
                f"生效日期{start}须晚于已记录的有效期间{span(w.start, w.end)}"
                f" / {start} must be after the recorded window from {w.start}"
            )
    return problems
