"""Bureau dashboard: SQL aggregations, accessible SVG charts with data tables, constant queries."""

import datetime as dt
import re
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.template import Context, Template
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from accounts.models import Role
from subsidies import charts
from subsidies.models import RunKind
from subsidies.reporting import dashboard
from subsidies.reporting.budgets import budget_set
from subsidies.runs import services as run_services
from tests.subsidies import finance_data

URL = "subsidies:bureau_dashboard"


def approved_run(actor, approver, period):
    run = run_services.payout_run_start(actor=actor, kind=RunKind.MONTHLY, period=period)
    run = run_services.payout_run_compute(actor=actor, run=run, inline=True)
    return run_services.payout_run_approve(actor=approver, run_id=run.pk)


@pytest.mark.django_db
def test_dashboard_figures(client, finance, finance2, make_user):
    with time_machine.travel(dt.datetime(2024, 7, 1, 10, tzinfo=dt.UTC), tick=False):
        budget_set(actor=finance, rule="NX-STIPEND", year=2024, amount="52000.00", reference="宁科发〔2024〕12号")
        budget_set(actor=finance, rule="NX-STIPEND", year=2025, amount="100000.00", reference="宁科发〔2024〕30号")
    finance_data.load(4)  # people 0..3: doctorate, master, doctorate, master
    with time_machine.travel(dt.datetime(2024, 7, 10, 10, tzinfo=dt.UTC), tick=False):
        june = approved_run(finance, finance2, "2024-06")
    with time_machine.travel(dt.datetime(2024, 8, 10, 10, tzinfo=dt.UTC), tick=False):
        july = approved_run(finance, finance2, "2024-07")
    assert june.total_amount == Decimal("48000.00") and july.total_amount == Decimal("16000.00")
    client.force_login(make_user("rev", Role.YINCHUAN_REVIEWER))
    with time_machine.travel(dt.datetime(2024, 9, 1, 10, tzinfo=dt.UTC), tick=False):
        body = client.get(reverse(URL)).content.decode()
        assert dashboard.researchers_by_tier(as_of=dt.date(2024, 9, 1)) == [
            ("doctorate", "全日制博士", 2),
            ("master", "重点院校重点学科硕士", 2),
            ("unverified", "学历待核验", 0),
            ("none", "不符合补助学历", 0),
        ]
    # centres by city and kind: 上海 1 independent, 杭州 1 independent, 北京 1 joint
    assert re.search(r"<th scope=\"row\">北京</th><td class=\"num\">0</td><td class=\"num\">1</td>", body)
    # payouts per service month: the June run's arrears in their own months (April to June), July's in July;
    # every month of the year up to September, a month without money as zero
    by_month = dashboard.payouts_by_month(year=2024, today=dt.date(2024, 9, 1))
    assert by_month.months == [f"2024-{m:02d}" for m in range(1, 10)]
    assert by_month.values("NX-STIPEND") == [Decimal("0.00")] * 3 + [Decimal("16000.00")] * 4 + [Decimal("0.00")] * 2
    for month in (4, 5, 6, 7):
        assert f'<th scope="row">2024年{month}月</th><td class="num">¥16,000.00</td>' in body
    assert '<th scope="row">2024年1月</th><td class="num">¥0.00</td>' in body
    assert '<th scope="row">2024年8月</th><td class="num">¥0.00</td>' in body
    # the budget is spent when the money is approved (52,000 entered for 2024, 64,000 approved in 2024)
    assert "¥64,000.00" in body and "¥52,000.00" in body and "123.1%" in body
    assert dashboard.payouts_by_month(year=2023, today=dt.date(2024, 9, 1)).months == []
    assert body.count('role="img"') == 4 and body.count("<title id=") == 4 and body.count("<desc id=") == 4


@pytest.mark.django_db
def test_dashboard_query_count_is_constant(client, make_user):
    client.force_login(make_user("adm", Role.ADMIN))

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse(URL)).status_code == 200
        return len(ctx.captured_queries)

    finance_data.load(5)
    few = count()
    finance_data.load(30, offset=50)
    assert count() == few


@pytest.mark.django_db
def test_empty_dashboard_renders(client, make_user):
    client.force_login(make_user("fin", Role.FINANCE))
    body = client.get(reverse(URL), {"year": "abc"}).content.decode()
    assert "尚无研发中心" in body and "本年度尚无已审批的发放" in body


def test_chart_escapes_labels_and_is_labelled():
    svg = charts.horizontal_bars(title="<t>", desc="d&d", categories=["<script>"], series=[charts.Series("a", [3])])
    assert "<script>" not in svg and "&lt;script&gt;" in svg and "&lt;t&gt;" in svg and "d&amp;d" in svg
    assert 'role="img"' in svg and "aria-labelledby" in svg


def render(text, **ctx):
    return Template("{% load portal_format %}" + text).render(Context(ctx))


@pytest.mark.parametrize(
    "value,expected",
    [
        (Decimal("1234.56"), "¥1,234.56"),
        (Decimal("1234.565"), "¥1,234.57"),
        (0, "¥0.00"),
        ("1000000", "¥1,000,000.00"),
        (None, ""),
        ("abc", ""),
    ],
)
def test_yuan(value, expected):
    assert render("{{ v|yuan }}", v=value) == expected


def test_dates_in_chinese_and_english():
    day = dt.date(2024, 6, 1)
    moment = dt.datetime(2024, 5, 31, 17, 30, tzinfo=dt.UTC)  # 2024-06-01 01:30 in Asia/Shanghai
    with translation.override("zh-hans"):
        assert render("{{ d|cn_date }}", d=day) == "2024年6月1日"
        assert render("{{ d|cn_date }}", d=moment) == "2024年6月1日"
        assert render("{{ d|cn_datetime }}", d=moment) == "2024年6月1日 01:30"
        assert render("{{ p|cn_period }} {{ y|cn_period }}", p="2024-06", y="2024") == "2024年6月 2024年度"
    with translation.override("en"):
        assert render("{{ d|cn_date }}", d=day) == "2024-06-01"
        assert render("{{ p|cn_period }}", p="2024-06") == "2024-06"


@pytest.mark.parametrize("done,total,pct", [(0, 0, 0), (1, 4, 25), (4, 4, 100), (5, 4, 100), (None, 3, 0)])
def test_percent(done, total, pct):
    assert render("{{ d|percent:t }}", d=done, t=total) == str(pct)
