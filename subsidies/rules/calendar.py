"""Calendar arithmetic for service months. A month index is year * 12 + (month - 1)."""

import calendar
import datetime as dt
import re

from accounts.dates import add_years  # noqa: F401  (the rules' anniversaries; talent's too)

PERIOD_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
PERIOD_YEAR = re.compile(r"^(\d{4})$")


def month_index(day: dt.date) -> int:
    return day.year * 12 + day.month - 1


def month_start(index: int) -> dt.date:
    return dt.date(index // 12, index % 12 + 1, 1)


def month_end(index: int) -> dt.date:
    year, month = index // 12, index % 12 + 1
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def days_in_month(index: int) -> int:
    return calendar.monthrange(index // 12, index % 12 + 1)[1]


def month_label(index: int) -> str:
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def parse_month(period: str) -> int:
    """'2024-06' -> month index; ValueError with a clear message otherwise."""
    m = PERIOD_MONTH.match(period or "")
    if not m:
        raise ValueError(f"期间“{period}”格式错误,应为YYYY-MM(如2024-06) / period must be YYYY-MM")
    return int(m.group(1)) * 12 + int(m.group(2)) - 1


def parse_year(period: str) -> int:
    m = PERIOD_YEAR.match(str(period or ""))
    if not m:
        raise ValueError(f"年度“{period}”格式错误,应为YYYY(如2024) / year must be YYYY")
    return int(m.group(1))
