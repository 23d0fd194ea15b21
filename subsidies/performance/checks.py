"""Pure checks of an annual performance report (and "Bad input"): the deadline, the totals
against their listed items, the format of patent and software-copyright numbers. Each problem names the
field, in Chinese and in English."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

COUNT_FIGURES = (
    "patents_applied",
    "patents_granted",
    "software_copyrights",
    "results_delivered",
    "results_applied",
    "joint_projects",
    "talent_trained",
)
MONEY_FIGURE = "contract_value"
FIGURES = (*COUNT_FIGURES, MONEY_FIGURE)
PATENT_FIGURES = ("patents_applied", "patents_granted")
# CNIPA application number: year (4), type (1: invention, 8: PCT invention entering China), serial (7),
# a point and the check digit; "CN" or "ZL" (a granted patent's certificate) may precede it
PATENT_RE = re.compile(r"^(?:CN|ZL)?(\d{4})([1-9])(\d{7})\.([0-9X])$")
SOFTWARE_RE = re.compile(r"^\d{4}SR\d{6,7}$")  # 中国版权保护中心 registration number, e.g. 2023SR0123456
INVENTION_TYPES = ("1", "8")


@dataclass(frozen=True)
class Problem:
    field: str
    zh: str
    en: str


@dataclass(frozen=True)
class ItemFact:
    figure: str
    number: str
    title: str
    date: dt.date | None
    product_line: str = ""
    amount: Decimal | None = None


def deadline_for(year: int, month_day: str) -> dt.date:
    """The report on year Y is due on the parameter's MM-DD of Y+1 (default 31 March)."""
    month, day = (int(x) for x in month_day.split("-"))
    return dt.date(year + 1, month, day)


def patent_check_digit(digits: str) -> str:
    """CNIPA check digit of the 12 digits: Σ digit × (2,3,…,9,2,3,…) mod 11; 10 is X."""
    weights = [2, 3, 4, 5, 6, 7, 8, 9]
    total = sum(int(d) * weights[i % 8] for i, d in enumerate(digits))
    rest = total % 11
    return "X" if rest == 10 else str(rest)


def patent_number_problem(number: str) -> str | None:
    text = number.replace(" ", "").upper()
    m = PATENT_RE.match(text)
    if m is None:
        return "format"
    year, kind, serial, check = m.groups()
    if kind not in INVENTION_TYPES:
        return "not_invention"
    if patent_check_digit(year + kind + serial) != check:
        return "check_digit"
    return None


def item_problems(item: ItemFact, *, label: str, year: int) -> list[Problem]:
    field = f"items.{item.figure}"
    out = []
    if not item.title.strip():
        out.append(Problem(field, f"{label}的条目缺少名称", f"an item of {item.figure} has no title"))
    if item.date is None:
        out.append(Problem(field, f"{label}“{item.title}”缺少日期", f"an item of {item.figure} has no date"))
    elif item.date.year != year:
        out.append(
            Problem(
                field,
                f"{label}“{item.title}”的日期{item.date}不在{year}年度内",
                f"{item.figure} item dated {item.date} is outside {year}",
            )
        )
    if item.figure in PATENT_FIGURES:
        why = patent_number_problem(item.number or "")
        if why == "format":
            out.append(
                Problem(
                    field,
                    f"{label}“{item.title}”的专利号“{item.number}”格式不正确,"
                    "应为申请号如 CN202310123456.7 或 ZL202310123456.7",
                    f"patent number '{item.number}' has a wrong format (expected e.g. CN202310123456.7)",
                )
            )
        elif why == "not_invention":
            out.append(
                Problem(
                    field,
                    f"{label}“{item.title}”的专利号“{item.number}”不是发明专利(第5位应为1或8)",
                    f"patent number '{item.number}' is not an invention patent",
                )
            )
        elif why == "check_digit":
            out.append(
                Problem(
                    field,
                    f"{label}“{item.title}”的专利号“{item.number}”校验位不正确",
                    f"patent number '{item.number}' has a wrong check digit",
                )
            )
    if item.figure == "software_copyrights" and not SOFTWARE_RE.match((item.number or "").replace(" ", "").upper()):
        out.append(
            Problem(
                field,
                f"{label}“{item.title}”的登记号“{item.number}”格式不正确,应如 2023SR0123456",
                f"software copyright number '{item.number}' has a wrong format (e.g. 2023SR0123456)",
            )
        )
    if item.figure == "results_applied" and not item.product_line.strip():
        out.append(
            Problem(
                field,
                f"{label}“{item.title}”须写明在宁夏应用的产品或产线",
                "a result applied in Ningxia must name the product or line",
            )
        )
    if item.figure == MONEY_FIGURE and (item.amount is None or item.amount <= 0):
        out.append(
            Problem(field, f"{label}“{item.title}”须填写合同金额(大于0)", "a contract item needs an amount above zero")
        )
    return out


def totals_problems(
    totals: Mapping[str, int | Decimal], items: Sequence[ItemFact], labels: Mapping[str, str]
) -> list[Problem]:
    """Each count figure equals its number of items; the contract value equals the sum of its items."""
    out = []
    for figure in COUNT_FIGURES:
        listed = sum(1 for i in items if i.figure == figure)
        if int(totals.get(figure) or 0) != listed:
            out.append(
                Problem(
                    figure,
                    f"{labels[figure]}填报为{totals.get(figure) or 0},与列出的{listed}条明细不一致",
                    f"{figure}: the total {totals.get(figure) or 0} does not match the {listed} listed items",
                )
            )
    listed_value = sum((i.amount or Decimal(0) for i in items if i.figure == MONEY_FIGURE), Decimal(0))
    declared = Decimal(totals.get(MONEY_FIGURE) or 0)
    if declared != listed_value:
        out.append(
            Problem(
                MONEY_FIGURE,
                f"{labels[MONEY_FIGURE]}填报为{declared:.2f}元,与明细合计{listed_value:.2f}元不一致",
                f"contract_value: {declared:.2f} does not match the items' sum {listed_value:.2f}",
            )
        )
    return out


def duplicate_problems(items: Sequence[ItemFact], labels: Mapping[str, str]) -> list[Problem]:
    seen: set = set()
    out = []
    for i in items:
        if not i.number:
            continue
        key = (i.figure, i.number.replace(" ", "").upper())
        if key in seen:
            out.append(
                Problem(
                    f"items.{i.figure}",
                    f"{labels[i.figure]}的编号{i.number}重复列出",
                    f"{i.figure}: number {i.number} is listed twice",
                )
            )
        seen.add(key)
    return out
