"""The pure grant rules: bounds per programme and kind, messages naming the bounds, eligibility reasons.
No database."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from subsidies.rules import grants as rules


def prog(
    code,
    atype,
    hi,
    lo="0",
    joint=None,
    applicant="centre",
    ind=True,
    jnt=True,
    origin="application",
    freq="once_per_centre",
):
    return rules.ProgrammeFact(
        code,
        applicant,
        "regional",
        ind,
        jnt,
        origin,
        atype,
        Decimal(lo),
        Decimal(hi),
        Decimal(joint) if joint else None,
        freq,
    )


FIRST = prog("NX-FIRST", "capped", "1000000", joint="500000")
PERF = prog("NX-PERF", "fixed", "500000", joint="250000", origin="evaluation", freq="once_per_evaluation")
AWARD = prog("NX-AWARD", "ranged", "1000000", lo="50000", applicant="researcher", freq="once_per_award_year")
TH = prog("NX-TH", "fixed", "500000", jnt=False)
IND = rules.CentreFact(1, "independent", "approved", False, "approved")
JNT = rules.CentreFact(2, "joint", "approved", False, None)


@pytest.mark.parametrize(
    "p,kind,amount,ok",
    [
        (FIRST, "independent", "1000000.00", True),
        (FIRST, "independent", "1000000.01", False),
        (FIRST, "joint", "500000.00", True),
        (FIRST, "joint", "500000.01", False),
        (FIRST, "joint", "0", False),
        (AWARD, None, "50000.00", True),
        (AWARD, None, "49999.99", False),
        (AWARD, None, "1000000.01", False),
        (TH, "independent", "500000", True),
        (TH, "independent", "499999.99", False),
    ],
    ids=lambda v: str(v) if not isinstance(v, rules.ProgrammeFact) else v.code,
)
def test_bounds(p, kind, amount, ok):
    assert (rules.amount_problems(p, Decimal(amount), kind) == []) is ok


def test_messages_name_the_bounds():
    assert "核定金额须在 50,000.00 至 1,000,000.00 元之间" in rules.amount_problems(AWARD, Decimal("1"))[0]
    assert "核定金额须大于 0 且不超过 500,000.00 元" in rules.amount_problems(FIRST, Decimal("600000"), "joint")[0]


def test_perf_amount_by_kind():
    assert rules.evaluation_award(PERF, "excellent", "independent") == Decimal("500000.00")
    assert rules.evaluation_award(PERF, "excellent", "joint") == Decimal("250000.00")
    assert rules.evaluation_award(PERF, "pass", "independent") is None


def test_eligibility_reasons():
    assert rules.centre_problems(TH, JNT) == [rules.R_JOINT]
    assert rules.centre_problems(TH, IND) == []
    assert rules.centre_problems(TH, IND, awarded=True) == [rules.R_AWARDED]
    refiled = rules.CentreFact(3, "independent", "approved", True, None)
    assert rules.centre_problems(FIRST, refiled) == [rules.R_REFILING]
    assert rules.centre_problems(TH, refiled) == []
    unfiled = rules.CentreFact(4, "independent", None, False, None)
    assert rules.centre_problems(FIRST, unfiled) == [rules.R_NO_REGIONAL]


@given(
    st.decimals(min_value=-(10**7), max_value=10**7, places=2, allow_nan=False, allow_infinity=False),
    st.sampled_from(["independent", "joint"]),
)
def test_accepted_amounts_are_always_within_the_kind_cap(amount, kind):
    b = rules.bounds(FIRST, kind)
    if not rules.amount_problems(FIRST, amount, kind):
        assert Decimal("0") < amount <= b.high


def test_evaluation_periods_end_before_this_year_and_never_overlap():
    assert rules.evaluation_period_problems("2022-2024", current_year=2025, existing=["2019-2021"]) == []
    assert rules.evaluation_period_problems("2023-2025", current_year=2025) == [
        "评估期2023-2025尚未结束(2025年度至2025年12月31日结束),结束后方可录入评估结果"
    ]
    for period in ("2020-2022", "2023-2025", "2024-2026", "2022-2024"):
        assert any(
            "与该中心已录入的2022-2024评估期重叠" in p
            for p in rules.evaluation_period_problems(period, current_year=2030, existing=["2022-2024"])
        ), period
    assert rules.evaluation_period_problems("2025-2027", current_year=2030, existing=["2022-2024"]) == []
    assert rules.evaluation_years("2022-2024") == (2022, 2024) and rules.evaluation_years("2022") is None
