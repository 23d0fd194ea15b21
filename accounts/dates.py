"""Dates as the pages show them (cn_date, cn_datetime, cn_period: Chinese on a Chinese page, ISO otherwise), and
sensible bounds for the dates people and files give the portal. A year 1 or 9999 is a
slip or a probe, never a fact of an enterprise, a centre, a contract or a degree here; refused with a
message that names the field and the range, rather than stored and computed with."""

import datetime as dt

from django.utils import timezone, translation

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


def add_years(day: dt.date, years: int) -> dt.date:
    """29 February plus whole years lands on 28 February (民法典 第二百零二条)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def _chinese() -> bool:
    return (translation.get_language() or "zh-hans").lower().startswith("zh")


def _as_local_date(value):
    if isinstance(value, dt.datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str) and value:
        try:
            return dt.date.fromisoformat(value[:10])
        except ValueError:
            return None
    return None


def cn_date(value) -> str:
    """2024年6月1日 in Chinese, 2024-06-01 otherwise; datetimes in the portal's time zone."""
    day = _as_local_date(value)
    if day is None:
        return ""
    if _chinese():
        return f"{day.year}年{day.month}月{day.day}日"
    return day.isoformat()


def cn_datetime(value) -> str:
    """2024年6月1日 14:05 in Chinese, 2024-06-01 14:05 otherwise (local time)."""
    if not isinstance(value, dt.datetime):
        return cn_date(value)
    local = timezone.localtime(value) if timezone.is_aware(value) else value
    return f"{cn_date(local.date())} {local:%H:%M}"


def cn_period(value) -> str:
    """A run or service period: 2024-06 -> 2024年6月, 2024 -> 2024年度 (English: unchanged)."""
    text = str(value or "")
    if not _chinese():
        return text
    if len(text) == 7 and text[4] == "-" and text[:4].isdigit() and text[5:].isdigit():
        return f"{text[:4]}年{int(text[5:])}月"
    if len(text) == 4 and text.isdigit():
        return f"{text}年度"
    return text
