"""预算测算 in a real browser (issue 18): finance costs a raise of the doctorate stipend on the projection
page, sees baseline, scenario and difference, and the year whose budget only the raise would exceed
flagged; then saves the scenario and finds it, immutable, with its totals."""

from decimal import Decimal

import pytest
from playwright.sync_api import expect

from accounts.models import Role
from subsidies.models import RunKind
from subsidies.projection import selectors
from subsidies.projection.models import ProjectionScenario
from subsidies.reporting.budgets import budget_set
from subsidies.runs import services as runs
from tests.subsidies import finance_data

pytestmark = [pytest.mark.browser]
RAISE = "nx_stipend.doctorate_monthly=6000.00@2025-01-01"


@pytest.fixture
def data(transactional_db, make_user):
    finance = make_user("caiwu_p", Role.FINANCE, full_name="财务测算")
    finance_data.load(4)
    runs.run_payouts(actor=finance, kind=RunKind.MONTHLY, period="2024-12")
    p = selectors.budget_projection(actor=finance, through="2025-12", overrides=[RAISE])
    year = next(b for b in p.budgets if b.year == 2025)
    assert year.committed_scenario > year.committed_baseline
    # a budget the baseline fits in and the raise does not
    budget = year.committed_baseline + (year.committed_scenario - year.committed_baseline) / 2
    budget_set(actor=finance, rule="NX-STIPEND", year=2025, amount=f"{budget:.2f}", reference="宁科发〔2025〕3号")
    return {"finance": finance, "baseline": p.total.baseline, "scenario": p.total.scenario}


def test_finance_costs_a_stipend_raise_against_the_budget(page, login, data, screenshot):
    login("caiwu_p")
    page.goto("/subsidies/projection/")
    page.get_by_label("测算截至月份").fill("2025-12")
    page.get_by_label("参数 1").select_option("nx_stipend.doctorate_monthly")
    page.get_by_label("测算取值 1").fill("6000.00")
    page.get_by_label("生效日期 1").fill("2025-01-01")
    page.get_by_role("button", name="开始测算").click()
    page.wait_for_load_state("load")
    expect(page.locator("#total-baseline")).to_contain_text(f"{data['baseline']:,.2f}")
    expect(page.locator("#total-scenario")).to_contain_text(f"{data['scenario']:,.2f}")
    expect(page.locator("#total-difference")).to_contain_text(f"{data['scenario'] - data['baseline']:,.2f}")
    row = page.locator("#budget-year-2025")
    expect(row).to_contain_text("方案超出预算")
    expect(row).not_to_contain_text("基线超出预算")
    expect(page.locator("#estimates")).to_contain_text("估算")
    screenshot("projection_raise")
    page.get_by_label("方案名称").fill("博士补助提高到6000元")
    page.get_by_role("button", name="保存方案").click()
    page.wait_for_url("**/subsidies/projection/scenarios/*/")
    expect(page.locator("#scenario-total")).to_contain_text(f"{data['scenario']:,.2f}")
    expect(page.locator("#scenario-over")).to_contain_text("2025")
    s = ProjectionScenario.objects.get()
    assert s.difference == data["scenario"] - data["baseline"] > Decimal(0) and s.over_budget_years == [2025]
