"""budget_set (issue 8 §4, 预算批复): finance and administrators only; the rule, year and amount are
checked with Chinese messages naming the record; one budget per rule and year in the database;
every change leaves an audit row with who, when, old and new."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.apps import apps
from django.db import IntegrityError, transaction

from accounts.errors import ServiceError
from accounts.models import Role
from subsidies.models import Budget
from subsidies.reporting.budgets import budget_rules, budget_set

pytestmark = pytest.mark.django_db
NOV_2026 = dt.datetime(2026, 11, 20, 10, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def frozen_today():
    with time_machine.travel(NOV_2026, tick=False):
        yield


@pytest.fixture
def admin(make_user):
    return make_user("budget_admin", Role.ADMIN, full_name="管理员乙")


def events():
    return apps.get_model("subsidies", "BudgetEvent").objects.order_by("pgh_id")


def test_finance_creates_a_budget(finance):
    budget = budget_set(
        actor=finance,
        rule="NX-STIPEND",
        year=2026,
        amount="3,200,000.5",
        reference=" 宁科发〔2026〕8号 ",
        note="自治区本级",
    )
    budget.refresh_from_db()
    assert (budget.rule, budget.year, budget.amount, budget.reference, budget.note) == (
        "NX-STIPEND",
        2026,
        Decimal("3200000.50"),
        "宁科发〔2026〕8号",
        "自治区本级",
    )
    assert budget.updated_by == finance
    [event] = events()
    assert event.pgh_label == "insert" and event.amount == Decimal("3200000.50")
    assert event.pgh_context.metadata["user"] == finance.pk


def test_a_change_is_audited_with_old_and_new(finance, admin):
    first = budget_set(actor=finance, rule="YC-RD", year=2025, amount=Decimal("1500000"), reference="银科发〔2025〕3号")
    changed = budget_set(
        actor=admin, rule="YC-RD", year=2025, amount="1800000.00", reference="银科发〔2025〕9号", note="追加预算"
    )
    assert changed.pk == first.pk and Budget.objects.count() == 1
    insert, update = events()
    assert (insert.pgh_label, update.pgh_label) == ("insert", "update")
    assert (insert.amount, update.amount) == (Decimal("1500000.00"), Decimal("1800000.00"))
    assert (insert.reference, update.reference) == ("银科发〔2025〕3号", "银科发〔2025〕9号")
    assert update.note == "追加预算" and update.updated_by_id == admin.pk
    assert (insert.pgh_context.metadata["user"], update.pgh_context.metadata["user"]) == (finance.pk, admin.pk)
    assert update.pgh_context.metadata["username"] == admin.username


def test_the_same_figures_again_change_nothing(finance):
    budget_set(actor=finance, rule="YC-RD", year=2025, amount="1500000", reference="银科发〔2025〕3号")
    budget_set(actor=finance, rule="YC-RD", year=2025, amount="1500000.00", reference="银科发〔2025〕3号")
    assert events().count() == 1


def test_grant_programme_codes_take_budgets(finance):
    assert budget_rules()[:3] == ["NX-STIPEND", "YC-RD", "NX-FIRST"] and "YC-MS-REG" in budget_rules()
    budget = budget_set(actor=finance, rule="NX-TEAM", year=2027, amount="4000000", reference="宁科发〔2026〕40号")
    assert budget.year == 2027  # next year's budget may be approved before it starts


@pytest.mark.parametrize("role", [Role.ENTERPRISE, Role.REGIONAL_REVIEWER, Role.YINCHUAN_REVIEWER, Role.SYSTEM])
def test_only_finance_and_administrators(make_user, role):
    with pytest.raises(ServiceError) as exc:
        budget_set(
            actor=make_user("u", role), rule="NX-STIPEND", year=2026, amount="1000", reference="宁科发〔2026〕8号"
        )
    assert exc.value.status == 403 and exc.value.code == "forbidden"
    assert exc.value.zh == "只有财务人员或系统管理员可以录入预算" and exc.value.record == "NX-STIPEND 2026年预算"
    assert not Budget.objects.exists() and not events().exists()


@pytest.mark.parametrize(
    "kwargs,code,message",
    [
        ({"rule": "NX-FOO"}, "budget_rule", "未知的规则或项目编号“NX-FOO”"),
        ({"rule": ""}, "budget_rule", "未知的规则或项目编号“”"),
        ({"year": 2022}, "budget_year", "预算年度须在2023年至2027年之间(填写的是2022年)"),
        ({"year": 2028}, "budget_year", "预算年度须在2023年至2027年之间(填写的是2028年)"),
        ({"year": "二〇二五"}, "budget_year", "预算年度“二〇二五”无效"),
        ({"amount": "0"}, "budget_amount", "预算金额须大于零(填写的是0)"),
        ({"amount": "-100.00"}, "budget_amount", "预算金额须大于零(填写的是-100.00)"),
        ({"amount": "一百万"}, "budget_amount", "预算金额“一百万”不是有效的金额"),
        ({"amount": ""}, "budget_amount", "预算金额“”不是有效的金额"),
        ({"amount": "NaN"}, "budget_amount", "预算金额“NaN”不是有效的金额"),
        ({"amount": "Infinity"}, "budget_amount", "预算金额“Infinity”不是有效的金额"),
        ({"amount": "100.005"}, "budget_amount", "预算金额“100.005”超过两位小数,请精确到分"),
        ({"amount": "1e15"}, "budget_amount", "预算金额“1e15”超出可录入范围"),
        ({"amount": 1000.5}, "budget_amount", "预算金额须以精确的十进制数填写"),
        ({"reference": "  "}, "budget_reference", "请填写预算批复文号"),
        ({"reference": "文" * 129}, "budget_reference", "批复文号不超过128个字符"),
    ],
    ids=[
        "unknown-rule",
        "blank-rule",
        "year-too-early",
        "year-too-late",
        "year-not-a-number",
        "zero",
        "negative",
        "words",
        "blank-amount",
        "nan",
        "infinity",
        "three-decimals",
        "too-large",
        "float",
        "blank-reference",
        "long-reference",
    ],
)
def test_bad_input_is_refused_and_nothing_changes(finance, kwargs, code, message):
    budget_set(actor=finance, rule="NX-STIPEND", year=2026, amount="3000000", reference="宁科发〔2026〕8号")
    before = list(Budget.objects.values())
    args = {"rule": "NX-STIPEND", "year": 2026, "amount": "2000000", "reference": "宁科发〔2026〕9号", **kwargs}
    with pytest.raises(ServiceError) as exc:
        budget_set(actor=finance, **args)
    assert exc.value.code == code and exc.value.zh.startswith(message), exc.value.zh
    assert exc.value.en and exc.value.record.endswith("年预算")
    assert list(Budget.objects.values()) == before and events().count() == 1


def test_the_database_holds_one_budget_per_rule_and_year(finance):
    budget_set(actor=finance, rule="NX-STIPEND", year=2026, amount="3000000", reference="宁科发〔2026〕8号")
    with pytest.raises(IntegrityError), transaction.atomic():
        Budget.objects.create(rule="NX-STIPEND", year=2026, amount=Decimal("1.00"), reference="x")
    with pytest.raises(IntegrityError), transaction.atomic():
        Budget.objects.create(rule="YC-RD", year=2026, amount=Decimal("0.00"), reference="x")
    with pytest.raises(IntegrityError), transaction.atomic():
        Budget.objects.create(rule="YC-RD", year=2026, amount=Decimal("5.00"), reference="")
    assert Budget.objects.count() == 1


def test_audit_rows_are_append_only(finance):
    budget_set(actor=finance, rule="NX-STIPEND", year=2026, amount="3000000", reference="宁科发〔2026〕8号")
    with pytest.raises(Exception), transaction.atomic():  # noqa: B017,PT011 - the trigger's own error
        events().update(amount=Decimal("1.00"))
    assert events().get().amount == Decimal("3000000.00")
