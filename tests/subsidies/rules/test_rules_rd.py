import datetime as dt
from decimal import Decimal

import pytest

from subsidies.rules.params import ParamTimeline
from subsidies.rules.rd_award import DeclarationFact, YinchuanFiling, rd_award, rd_due

P = ParamTimeline()
FILED = YinchuanFiling(1, "approved", dt.date(2024, 1, 1), None)


@pytest.mark.parametrize(
    "spend, award",
    [
        ("2000000.00", "300000.00"),
        ("6666666.60", "999999.99"),
        ("6666666.66", "1000000.00"),
        ("6666666.67", "1000000.00"),
        ("9000000", "1000000.00"),
        ("0.03", "0.00"),
        ("0.04", "0.01"),
        ("100.10", "15.02"),
    ],
)
def test_award_is_15_percent_capped_and_rounded_half_up(spend, award):
    assert rd_award(Decimal(spend), Decimal("0.15"), Decimal("1000000")) == Decimal(award)


def test_no_award_without_yinchuan_filing_that_year():
    d = DeclarationFact(1, 1, 2023, Decimal("1000000"), 1)
    assert rd_due(d, FILED, paid_total=None, params=P).kind == "none"
    assert rd_due(d, None, paid_total=None, params=P).kind == "none"


def test_revised_declaration_after_payment_is_an_adjustment():
    d = DeclarationFact(1, 1, 2024, Decimal("3000000"), 2)
    result = rd_due(d, FILED, paid_total=Decimal("300000.00"), params=P)
    assert (result.kind, result.amount, result.award) == ("adjustment", Decimal("150000.00"), Decimal("450000.00"))
    assert rd_due(d, FILED, paid_total=Decimal("450000.00"), params=P).kind == "none"
