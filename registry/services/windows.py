"""A filing's windows of approval (`FilingPeriod`), written in one way whichever path records them: the
reviewers' decisions (approve, suspend, revoke, reinstate, re-file) and the import of a centre's filing
history. A window records how it ended (suspended or revoked) and why, for the filing's timeline.
Callers run inside their own transaction and audit context (the pghistory triggers write the rows)."""

from registry.history import Entry, Window, entry_window
from registry.models import Filing, FilingPeriod


def recorded_windows(filing: Filing) -> list[Window]:
    if not filing.pk:
        return []
    return [
        Window(s, e, c, r)
        for s, e, c, r in FilingPeriod.objects.filter(filing=filing)
        .order_by("start")
        .values_list("start", "end", "closed_as", "reason")
    ]


def current_window(filing: Filing) -> Window | None:
    """The window the filing's current decision states (None: it earns nothing as it stands)."""
    return entry_window(Entry("", filing.status, filing.effective_from, filing.effective_to, filing.status_reason))


def window_sync(filing: Filing) -> None:
    """Keep the window history in step with the filing's current window: approval and reinstatement open a
    window at effective_from, suspension and revocation close it at effective_to with their reason. Earlier
    windows are kept (a re-filing or reinstatement never erases months that were earned)."""
    window = current_window(filing)
    if window is not None:
        windows_apply(filing, [window], keep_others=True)


def windows_apply(filing: Filing, targets: list[Window], *, keep_others: bool = False) -> None:
    """Make the filing's recorded windows the `targets` (matched by start date), writing only what differs:
    the same windows again write nothing (no rows, no audit rows). Unless `keep_others`, a recorded window
    that no target starts on is deleted (the caller has checked that the history says it earns nothing).
    Deletions and shortened windows go first, so the disjointness constraint holds after each statement."""
    recorded = {p.start: p for p in FilingPeriod.objects.filter(filing=filing)}
    wanted = {w.start: w for w in targets}
    if not keep_others:
        stale = [p.pk for start, p in recorded.items() if start not in wanted]
        if stale:
            FilingPeriod.objects.filter(pk__in=stale).delete()
    changed = [
        (recorded[w.start], w)
        for w in targets
        if w.start in recorded
        and (recorded[w.start].end, recorded[w.start].closed_as, recorded[w.start].reason)
        != (w.end, w.closed_as, w.reason)
    ]
    changed.sort(key=lambda pair: not _shorter(pair[1].end, pair[0].end))  # shortened (or closed) first
    for period, w in changed:
        period.end, period.closed_as, period.reason = w.end, w.closed_as, w.reason
        period.save(update_fields=["end", "closed_as", "reason"])
    for w in targets:
        if w.start not in recorded:
            FilingPeriod.objects.create(filing=filing, start=w.start, end=w.end, closed_as=w.closed_as, reason=w.reason)


def _shorter(new, old) -> bool:
    """Whether an end moves earlier (None is open: the latest of all)."""
    if new is None:
        return False
    return old is None or new <= old
