"""Working days as the State Council's holiday notices set them (pure): Monday to Friday, less the public
holidays (放假), plus the weekends worked in their place (调休上班)."""

import datetime as dt
from collections.abc import Collection

ONE_DAY = dt.timedelta(days=1)


def is_working_day(day: dt.date, *, holidays: Collection[dt.date], workdays: Collection[dt.date]) -> bool:
    if day in workdays:
        return True
    return day.weekday() < 5 and day not in holidays


def add_working_days(
    start: dt.date, n: int, *, holidays: Collection[dt.date], workdays: Collection[dt.date]
) -> dt.date:
    """The n-th working day after `start` (the day an objection is raised does not count): the answer is due
    by the end of that day."""
    if n < 1:
        raise ValueError(f"工作日数应为正整数,收到{n} / the number of working days must be positive")
    day, left = start, n
    while left:
        day += ONE_DAY
        if is_working_day(day, holidays=holidays, workdays=workdays):
            left -= 1
    return day


def working_days_between(
    start: dt.date, end: dt.date, *, holidays: Collection[dt.date], workdays: Collection[dt.date]
) -> int:
    """Working days after `start` up to and including `end` (0 when end <= start): an objection's age."""
    count, day = 0, start
    while day < end:
        day += ONE_DAY
        if is_working_day(day, holidays=holidays, workdays=workdays):
            count += 1
    return count
