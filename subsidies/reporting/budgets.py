"""Approved yearly budgets (预算批复) per rule and year, entered by finance or an administrator
. The bureau dashboard and the budget page compare them with what was paid."""

from __future__ import annotations

from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.audit import acting
from accounts.errors import ConflictError, ServiceError
from subsidies.models import Budget, Programme
from subsidies.money import parse_money, quantize
from subsidies.rules.rd_award import RULE as RD_AWARD
from subsidies.rules.stipend import RULE as STIPEND

# The measures' own rules; the grant programmes' codes come from Programme (POLICY §3).
MEASURE_RULES = (STIPEND, RD_AWARD)
# The regional measure dates from 2023 (POLICY §1): no budget of either measure predates it.
FIRST_BUDGET_YEAR = 2023
MAX_AMOUNT = Decimal("999999999999.99")  # MoneyField: 14 digits, 2 places
REFERENCE_MAX = 128
NOTE_MAX = 2000


def budget_rules() -> list[str]:
    """Every code a budget may be set for: the two measures' rules, then the grant programmes in their order."""
    return [*MEASURE_RULES, *Programme.objects.order_by("sort_order", "code").values_list("code", flat=True)]


def latest_budget_year(today=None) -> int:
    """Budgets are approved for the current year or, before it starts, the next one."""
    return (today or timezone.localdate()).year + 1


def _amount(value, record: str) -> Decimal:
    if isinstance(value, float):  # a float near money is a bug: refuse it rather than round it
        raise ServiceError(
            "预算金额须以精确的十进制数填写(如 1200000.00)",
            "the amount must be an exact decimal",
            code="budget_amount",
            record=record,
        )
    try:
        amount = parse_money(value, rounded=False)  # checked to the fen below: refused, not rounded
    except ValueError:
        amount = None
    if amount is None:
        raise ServiceError(
            f"预算金额“{value}”不是有效的金额,请填写数字(元),如 1200000.00",
            "the amount is not a number",
            code="budget_amount",
            record=record,
        )
    if amount <= 0:
        raise ServiceError(
            f"预算金额须大于零(填写的是{value})",
            "the amount must be greater than zero",
            code="budget_amount",
            record=record,
        )
    if amount > MAX_AMOUNT:
        raise ServiceError(
            f"预算金额“{value}”超出可录入范围", "the amount is too large", code="budget_amount", record=record
        )
    if amount != amount.quantize(Decimal("0.01")):  # a budget is approved to the fen: refuse, do not round
        raise ServiceError(
            f"预算金额“{value}”超过两位小数,请精确到分",
            "the amount has more than two decimal places",
            code="budget_amount",
            record=record,
        )
    return quantize(amount)


def _year(value, record: str, today) -> int:
    try:
        year = int(str(value).strip())
    except (TypeError, ValueError):
        raise ServiceError(
            f"预算年度“{value}”无效,请填写四位年份,如 2025", "the year is not a year", code="budget_year", record=record
        ) from None
    last = latest_budget_year(today)
    if not FIRST_BUDGET_YEAR <= year <= last:
        raise ServiceError(
            f"预算年度须在{FIRST_BUDGET_YEAR}年至{last}年之间(填写的是{year}年)",
            f"the year must be between {FIRST_BUDGET_YEAR} and {last}",
            code="budget_year",
            record=record,
        )
    return year


@transaction.atomic
def budget_set(*, actor, rule: str, year: int, amount, reference: str, note: str = "") -> Budget:
    """Create or change the budget of `rule` for `year`. Only finance staff and administrators; the
    same figures again change nothing (no audit row). The audit trigger records who, when, old and new."""
    rule = (rule or "").strip()
    record = f"{rule or '—'} {year}年预算"
    if not (actor.is_finance or actor.is_portal_admin):
        raise ServiceError(
            "只有财务人员或系统管理员可以录入预算",
            "only finance staff or administrators may set budgets",
            code="forbidden",
            record=record,
            status=403,
        )
    if rule not in budget_rules():
        raise ServiceError(
            f"未知的规则或项目编号“{rule}”;可录入预算的有 NX-STIPEND、YC-RD 及各资助项目编号",
            "unknown rule or programme code",
            code="budget_rule",
            record=record,
        )
    year = _year(year, record, timezone.localdate())
    record = f"{rule} {year}年预算"
    amount = _amount(amount, record)
    reference = (reference or "").strip()
    if not reference:
        raise ServiceError(
            "请填写预算批复文号(如 宁科发〔2024〕12号)",
            "the approval document number is required",
            code="budget_reference",
            record=record,
        )
    if len(reference) > REFERENCE_MAX:
        raise ServiceError(
            f"批复文号不超过{REFERENCE_MAX}个字符", "the reference is too long", code="budget_reference", record=record
        )
    note = (note or "").strip()
    if len(note) > NOTE_MAX:
        raise ServiceError(f"说明不超过{NOTE_MAX}个字符", "the note is too long", code="budget_note", record=record)
    with acting(actor):
        budget = Budget.objects.select_for_update().filter(rule=rule, year=year).first()
        if budget is not None:
            if (budget.amount, budget.reference, budget.note) == (amount, reference, note):
                return budget
            budget.amount, budget.reference, budget.note, budget.updated_by = amount, reference, note, actor
            budget.full_clean()
            budget.save()
            return budget
        budget = Budget(rule=rule, year=year, amount=amount, reference=reference, note=note, updated_by=actor)
        budget.full_clean(validate_constraints=False)  # the unique constraint is the database's to hold
        try:
            with transaction.atomic():
                budget.save()
        except IntegrityError as exc:  # another request created it between our read and write
            raise ConflictError(
                "该规则该年度的预算刚由他人录入,请刷新后再修改",
                "a budget for this rule and year was just created by someone else; reload and change it",
                code="budget_conflict",
                record=record,
            ) from exc
        return budget
