"""Sensible bounds for the dates people and files give the portal (issue 12 §2). A year 1 or 9999 is a
slip or a probe, never a fact of an enterprise, a centre, a contract or a degree here; refused with a
message that names the field and the range, rather than stored and computed with."""

import datetime as dt

from accounts.errors import ServiceError

EARLIEST = dt.date(1950, 1, 1)  # no enterprise, centre, contract or degree the portal keeps predates it
LATEST = dt.date(2099, 12, 31)  # nor is any agreed date later (an open-ended contract has no end date)


def check_date(
    value: dt.date | None, *, zh: str, en: str, record: str = "", earliest: dt.date = EARLIEST, latest: dt.date = LATEST
) -> dt.date | None:
    """`value` unchanged when it lies within [earliest, latest] (or is None), else a ServiceError."""
    if value is None:
        return None
    if not isinstance(value, dt.date):
        raise ServiceError(f"{zh}“{value}”不是有效日期", f"{en} is not a date", code="date_range", record=record)
    if not earliest <= value <= latest:
        raise ServiceError(
            f"{zh}{value}超出合理范围(应在{earliest}至{latest}之间)",
            f"{en} must lie between {earliest} and {latest}",
            code="date_range",
            record=record,
        )
    return value
