"""The one money parser (subsidies.money.parse_money): what a form, the API, an import and the services
read as an amount, and what they refuse."""

from decimal import Decimal

import pytest

from accounts.errors import ServiceError
from subsidies.declarations.services import rd_declaration_record
from subsidies.money import parse_money
from subsidies.reporting.budgets import _amount as budget_amount
from subsidies.rules.grants import parse_amount
from tests.subsidies.grants_support import enterprise, independent, owner, yc1  # noqa: F401  (fixtures)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2,000,000", Decimal("2000000.00")),
        (" 1200000.5 ", Decimal("1200000.50")),
        ("0.005", Decimal("0.01")),  # half up, to the fen
        (Decimal("3.14159"), Decimal("3.14")),
        (7, Decimal("7.00")),
        ("", None),
        ("   ", None),
        (None, None),
    ],
)
def test_parse_money_reads_amounts_as_people_write_them(raw, expected):
    assert parse_money(raw) == expected


@pytest.mark.parametrize("raw", ["abc", "1.2.3", "NaN", "Infinity", "-inf", "¥100"])
def test_parse_money_refuses_what_is_not_a_finite_number(raw):
    with pytest.raises(ValueError):
        parse_money(raw)


def test_every_reader_of_amounts_accepts_thousands_separators():
    assert parse_amount("2,000,000") == Decimal("2000000.00")
    assert budget_amount("2,000,000", "预算") == Decimal("2000000.00")
    assert parse_money("1,234.565", rounded=False) == Decimal("1234.565")


@pytest.mark.django_db
def test_a_declaration_reads_2_000_000(owner, independent):  # noqa: F811
    decl = rd_declaration_record(actor=owner, centre=independent, year=2024, declared_amount="2,000,000")
    assert decl.declared_amount == Decimal("2000000.00")
    with pytest.raises(ServiceError, match="不是有效金额"):
        rd_declaration_record(actor=owner, centre=independent, year=2024, declared_amount="两百万")
