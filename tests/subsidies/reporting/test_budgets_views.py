"""The budget page, the dashboard's budget table and /api/v1/budgets/ (issue 8 §4): stored budgets
only ("未录入预算" where none was entered), used amounts from approved runs, history old → new."""

import datetime as dt
import re
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.models import Role
from subsidies.models import Budget, RunKind
from subsidies.reporting.budgets import budget_rules, budget_set
from subsidies.runs import services as run_services
from tests.subsidies import finance_data

pytestmark = pytest.mark.django_db
URL = "subsidies:budgets"
SEPT_2024 = dt.datetime(2024, 9, 1, 10, tzinfo=dt.UTC)


def approved_run(actor, approver, period):
    run = run_services.payout_run_start(actor=actor, kind=RunKind.MONTHLY, period=period)
    run = run_services.payout_run_compute(actor=actor, run=run, inline=True)
    return run_services.payout_run_approve(actor=approver, run_id=run.pk)


@pytest.fixture
def paid_2024(finance, finance2):
    """48,000 approved in July 2024 and 16,000 in August 2024 (NX-STIPEND), as in the dashboard test."""
    finance_data.load(4)
    with time_machine.travel(dt.datetime(2024, 7, 10, 10, tzinfo=dt.UTC), tick=False):
        approved_run(finance, finance2, "2024-06")
    with time_machine.travel(dt.datetime(2024, 8, 10, 10, tzinfo=dt.UTC), tick=False):
        approved_run(finance, finance2, "2024-07")


def row(body: str, rule: str) -> str:
    match = re.search(rf'<tr id="budget-{re.escape(rule)}".*?</tr>', body, re.S)
    assert match, f"no row for {rule}"
    return match.group(0)


def test_finance_sees_budgets_used_and_missing(client, finance, paid_2024):
    with time_machine.travel(SEPT_2024, tick=False):
        budget_set(actor=finance, rule="NX-STIPEND", year=2024, amount="80000", reference="宁科发〔2024〕12号")
        client.force_login(finance)
        response = client.get(reverse(URL), {"year": "2024"})
    assert response.status_code == 200
    body = response.content.decode()
    stipend = row(body, "NX-STIPEND")
    assert "¥80,000.00" in stipend and "宁科发〔2024〕12号" in stipend and "¥64,000.00" in stipend
    assert "80.0%" in stipend and 'aria-valuenow="80"' in stipend and "超出预算" not in stipend
    assert "未录入预算" in row(body, "YC-RD") and "未录入预算" in row(body, "NX-FIRST")
    assert body.count('<span class="badge warn">未录入预算</span>') == len(budget_rules()) - 1
    assert '<option value="2025">' in body and '<option value="2023">' in body  # 2023 … next year


def test_over_budget_is_marked(client, finance, paid_2024):
    with time_machine.travel(SEPT_2024, tick=False):
        budget_set(actor=finance, rule="NX-STIPEND", year=2024, amount="52000", reference="宁科发〔2024〕12号")
        client.force_login(finance)
        stipend = row(client.get(reverse(URL), {"year": "2024"}).content.decode(), "NX-STIPEND")
    assert "123.1%" in stipend and "超出预算" in stipend and 'aria-valuenow="100"' in stipend


def test_finance_sets_and_changes_a_budget_and_sees_the_history(client, finance, finance2):
    client.force_login(finance)
    with time_machine.travel(SEPT_2024, tick=False):
        response = client.post(
            reverse(URL),
            {"rule": "YC-RD", "year": "2024", "amount": "1500000", "reference": "银科发〔2024〕5号", "note": ""},
        )
        assert response.status_code == 302
        assert response["Location"] == reverse(URL) + "?year=2024#budget-YC-RD"
        client.force_login(finance2)
        client.post(
            reverse(URL),
            {
                "rule": "YC-RD",
                "year": "2024",
                "amount": "1800000.00",
                "reference": "银科发〔2024〕21号",
                "note": "追加",
            },
        )
        body = client.get(reverse(URL), {"year": "2024"}).content.decode()
    budget = Budget.objects.get()
    assert (budget.amount, budget.reference, budget.note) == (Decimal("1800000.00"), "银科发〔2024〕21号", "追加")
    assert "¥1,800,000.00" in row(body, "YC-RD")
    history = body[body.index('class="grid budget-history"') :]
    history = history[history.index("<tbody>") :]
    lines = re.findall(r"<tr>.*?</tr>", history, re.S)
    assert len(lines) == 2  # newest first: finance2's change, then finance's entry
    assert finance2.display_name in lines[0] and "调整" in lines[0]
    assert "¥1,500,000.00 → ¥1,800,000.00" in lines[0] and "银科发〔2024〕5号 → 银科发〔2024〕21号" in lines[0]
    assert "— → 追加" in lines[0]
    assert finance.display_name in lines[1] and "录入" in lines[1] and "¥1,500,000.00" in lines[1]


@pytest.mark.parametrize(
    "form,message",
    [
        ({"amount": "-5"}, "预算金额须大于零"),
        ({"amount": "abc"}, "预算金额“abc”不是有效的金额"),
        ({"year": "2019"}, "预算年度须在2023年至2025年之间"),
        ({"reference": ""}, "该字段是必填项"),
        ({"rule": "NX-FOO"}, "选择一个有效的选项"),
    ],
    ids=["negative", "words", "bad-year", "no-reference", "unknown-rule"],
)
def test_bad_input_is_refused_on_the_page_and_nothing_is_written(client, finance, form, message):
    client.force_login(finance)
    data = {"rule": "NX-STIPEND", "year": "2024", "amount": "1000", "reference": "宁科发〔2024〕12号", **form}
    with time_machine.travel(SEPT_2024, tick=False):
        response = client.post(reverse(URL), data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Budget.objects.exists()


@pytest.mark.parametrize("role", [Role.ENTERPRISE, Role.REGIONAL_REVIEWER, Role.YINCHUAN_REVIEWER])
def test_other_roles_are_refused(client, make_user, role):
    client.force_login(make_user("someone", role))
    assert client.get(reverse(URL)).status_code == 403
    response = client.post(
        reverse(URL), {"rule": "NX-STIPEND", "year": "2024", "amount": "1000", "reference": "宁科发〔2024〕12号"}
    )
    assert response.status_code == 403 and not Budget.objects.exists()


def test_anonymous_is_sent_to_log_in(client):
    response = client.get(reverse(URL))
    assert response.status_code == 302 and "login" in response["Location"]


def test_administrator_reaches_the_page_and_the_nav_links_it(client, make_user):
    client.force_login(make_user("adm", Role.ADMIN))
    body = client.get(reverse(URL)).content.decode()
    assert f'href="{reverse(URL)}"' in body and "年度预算(预算批复)" in body


def test_budget_page_query_count_is_constant(client, finance, finance2):
    client.force_login(finance)

    def count():
        with time_machine.travel(SEPT_2024, tick=False), CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse(URL), {"year": "2024"}).status_code == 200
        return len(ctx.captured_queries)

    with time_machine.travel(SEPT_2024, tick=False):
        budget_set(actor=finance, rule="NX-STIPEND", year=2024, amount="1000", reference="宁科发〔2024〕1号")
    few = count()
    with time_machine.travel(SEPT_2024, tick=False):
        for i, rule in enumerate(budget_rules()):
            budget_set(actor=finance, rule=rule, year=2024, amount=f"{1000 + i}", reference=f"宁科发〔2024〕{i}号")
            budget_set(
                actor=finance2,
                rule=rule,
                year=2024,
                amount=f"{2000 + i}",
                reference=f"宁科发〔2024〕{i}号",
                note="调整",
            )
    assert count() == few


def test_dashboard_uses_stored_budgets_and_says_when_none(client, finance, paid_2024):
    client.force_login(finance)
    with time_machine.travel(SEPT_2024, tick=False):
        body = client.get(reverse("subsidies:bureau_dashboard")).content.decode()
        assert "未录入预算" in body and "2024年尚未录入预算" in body  # the chart says so too
        assert "¥12,000,000.00" not in body and "¥5,000,000.00" not in body  # no invented figure
        assert f'href="{reverse(URL)}?year=2024"' in body
        budget_set(actor=finance, rule="NX-STIPEND", year=2024, amount="128000", reference="宁科发〔2024〕12号")
        body = client.get(reverse("subsidies:bureau_dashboard")).content.decode()
    table = body[body.index('id="c4"') :]
    assert re.search(
        r'研发人员生活补助\(NX-STIPEND\)</th><td class="num">¥64,000.00</td>'
        r'<td class="num">¥128,000.00</td><td class="num">50.0%</td>',
        table,
    )
    assert re.search(
        r'研发投入奖励\(YC-RD\)</th><td class="num">¥0.00</td><td class="num">'
        r'<span class="badge warn">未录入预算</span>',
        table,
    )


def test_reviewers_see_the_dashboard_budgets_without_the_link(client, finance, make_user):
    with time_machine.travel(SEPT_2024, tick=False):
        budget_set(actor=finance, rule="YC-RD", year=2024, amount="500000", reference="银科发〔2024〕5号")
        client.force_login(make_user("rev", Role.YINCHUAN_REVIEWER))
        body = client.get(reverse("subsidies:bureau_dashboard")).content.decode()
    assert "¥500,000.00" in body and reverse(URL) not in body


def test_api_lists_budgets_with_used_for_finance_only(finance, make_user, paid_2024):
    with time_machine.travel(SEPT_2024, tick=False):
        budget_set(actor=finance, rule="NX-STIPEND", year=2024, amount="80000", reference="宁科发〔2024〕12号")
        budget_set(actor=finance, rule="YC-RD", year=2025, amount="90000", reference="银科发〔2024〕30号")
    api = APIClient()
    api.force_authenticate(finance)
    rows = api.get("/api/v1/budgets/").json()["results"]
    assert [(r["rule"], r["year"], r["amount"], r["used"], r["reference"]) for r in rows] == [
        ("YC-RD", 2025, "90000.00", "0.00", "银科发〔2024〕30号"),
        ("NX-STIPEND", 2024, "80000.00", "64000.00", "宁科发〔2024〕12号"),
    ]
    assert api.get("/api/v1/budgets/", {"year": 2024}).json()["count"] == 1
    api.force_authenticate(make_user("ent", Role.ENTERPRISE))
    response = api.get("/api/v1/budgets/")
    assert response.status_code == 403 and response.json()["error"]["code"] == "permission_denied"


def test_budget_api_queries_do_not_grow_with_rows(client, finance):
    """`used` is one GROUP BY per year listed, not one query per budget."""
    client.force_login(finance)

    def count():
        with time_machine.travel(SEPT_2024, tick=False), CaptureQueriesContext(connection) as ctx:
            response = client.get("/api/v1/budgets/", {"year": "2024"})
            assert response.status_code == 200
        return len(ctx.captured_queries), response.json()

    with time_machine.travel(SEPT_2024, tick=False):
        budget_set(actor=finance, rule="NX-STIPEND", year=2024, amount="1000", reference="宁科发〔2024〕1号")
    few, body = count()
    assert body["count"] == 1 if "count" in body else len(body) == 1
    with time_machine.travel(SEPT_2024, tick=False):
        for i, rule in enumerate(budget_rules()):
            budget_set(actor=finance, rule=rule, year=2024, amount=f"{1000 + i}", reference=f"宁科发〔2024〕{i}号")
    many, _body = count()
    assert many == few
