"""Fixtures for the performance tests (issue 19): an enterprise with an independent and a joint centre filed at
both levels (grants_support), reviewers, an expert, and a scheme of three indicators. Data made through the
services."""

import datetime as dt
from decimal import Decimal

import pytest

from accounts.models import Role
from subsidies.performance import checks, services
from tests.subsidies.grants_support import doc


def patent(year: int = 2025, serial: int = 1234567, kind: str = "1") -> str:
    body = f"{year}{kind}{serial:07d}"
    return f"CN{body}.{checks.patent_check_digit(body)}"


def figures(**overrides) -> dict:
    base = {f: 0 for f in checks.COUNT_FIGURES} | {"contract_value": "0"}
    return base | overrides


def filled_report(owner, report, *, patents=2, year=2025):
    items = [
        {
            "figure": "patents_applied",
            "number": patent(year, 1000 + i),
            "title": f"一种传动装置{i}",
            "date": f"{year}-0{i + 1}-10",
        }
        for i in range(patents)
    ]
    items.append(
        {
            "figure": "results_applied",
            "title": "减速机控制算法",
            "date": f"{year}-06-01",
            "product_line": "银川工厂RV减速机产线",
        }
    )
    items.append({"figure": "contract_value", "title": "技术开发合同", "date": f"{year}-05-01", "amount": "1200000.00"})
    report = services.report_update(
        actor=owner,
        report=report,
        items=items,
        summary="年度总结",
        figures=figures(patents_applied=patents, results_applied=1, contract_value="1200000.00"),
    )
    for figure in ("patents_applied", "results_applied", "contract_value"):
        services.report_attach(actor=owner, report=report, figure=figure, upload=doc(f"{figure}.pdf"))
    return report


@pytest.fixture
def expert(make_user):
    return make_user("p-expert", Role.EXPERT, full_name="王专家")


@pytest.fixture
def expert2(make_user):
    return make_user("p-expert2", Role.EXPERT, full_name="李专家")


@pytest.fixture
def scheme(reg1):
    s = services.scheme_create(actor=reg1, period="2023-2025", name="2023-2025年度指标体系")
    services.indicator_set(
        actor=reg1,
        scheme=s,
        code="A1",
        name="知识产权产出",
        weight="40",
        max_score="100",
        source="report:patents_applied",
        sort_order=1,
    )
    services.indicator_set(
        actor=reg1,
        scheme=s,
        code="A2",
        name="成果在宁夏转化",
        weight="40",
        max_score="100",
        source="report:results_applied",
        sort_order=2,
    )
    services.indicator_set(
        actor=reg1,
        scheme=s,
        code="B1",
        name="人才队伍",
        weight="20",
        max_score="10",
        source="record:researchers",
        sort_order=3,
    )
    return s


DEADLINE_DAY = dt.datetime(2026, 2, 1, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))
TOTAL = Decimal("1200000.00")
