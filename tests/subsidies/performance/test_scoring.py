"""The evaluation's pure arithmetic and the report's pure checks (issue 19): no database."""

import datetime as dt
from decimal import Decimal as D

from subsidies.performance import checks, scoring

IND = [scoring.IndicatorFact("A", D(60), D(100)), scoring.IndicatorFact("B", D(40), D(10))]
RULE = scoring.ExcellentRule(threshold=D(90), share=D("0.30"), pass_score=D(60))


def test_weighted_score_is_the_mean_scaled_by_weight_and_rounded_half_up():
    means = scoring.indicator_means([("A", D(90)), ("A", D(95)), ("B", D("8.5"))])
    assert means["A"] == D("92.5")
    score, parts = scoring.weighted_score(IND, means)
    assert score == D("89.50")  # 92.5 × 0.6 + 8.5/10 × 40
    assert [p["weighted"] for p in parts] == ["55.50", "34.00"]


def test_an_indicator_nobody_scored_counts_zero():
    assert scoring.weighted_score(IND, {"A": D(100)})[0] == D("60.00")


def test_equal_scores_share_a_rank():
    assert scoring.competition_ranks({1: D(90), 2: D(95), 3: D(90), 4: D(80)}) == {2: 1, 1: 2, 3: 2, 4: 4}


def test_excellent_needs_the_threshold_and_the_top_share():
    assert scoring.classify(D(99), 1, 2, RULE) == "pass", "30% of two centres, rounded down, is none"
    assert scoring.classify(D(95), 1, 4, RULE) == "excellent"
    assert scoring.classify(D(92), 2, 4, RULE) == "pass", "30% of 4 centres is one excellent"
    assert scoring.classify(D("89.99"), 1, 10, RULE) == "pass"
    assert scoring.classify(D("59.99"), 5, 10, RULE) == "fail"
    only_share = scoring.ExcellentRule(D(0), D("0.5"), D(60))
    assert scoring.classify(D(70), 2, 4, only_share) == "excellent"
    assert scoring.classify(D(70), 3, 4, only_share) == "pass"
    only_threshold = scoring.ExcellentRule(D(85), D(0), D(60))
    assert scoring.classify(D(85), 4, 4, only_threshold) == "excellent"
    neither = scoring.ExcellentRule(D(0), D(0), D(60))
    assert scoring.classify(D(100), 1, 1, neither) == "pass"


def test_evaluate_orders_best_first():
    half = scoring.ExcellentRule(D(90), D("0.5"), D(60))
    out = scoring.evaluate(IND, {7: [("A", D(100)), ("B", D(10))], 8: [("A", D(50)), ("B", D(5))]}, half)
    assert [(o.centre_id, o.score, o.rank, o.result) for o in out] == [
        (7, D("100.00"), 1, "excellent"),
        (8, D("50.00"), 2, "fail"),
    ]


def test_scheme_weights_must_sum_to_100_and_scores_stay_in_range():
    assert scoring.scheme_problems(IND) == []
    assert "当前为60" in scoring.scheme_problems(IND[:1])[0]
    assert scoring.score_problem(IND[1], D(11)) is not None
    assert scoring.score_problem(IND[1], D(-1)) is not None
    assert scoring.score_problem(IND[1], D("9.999")) is not None
    assert scoring.score_problem(IND[1], D(10)) is None


def test_patent_numbers_carry_the_cnipa_check_digit_and_the_invention_type():
    body = "202310123456"
    good = f"CN{body}.{checks.patent_check_digit(body)}"
    assert checks.patent_number_problem(good) is None
    assert checks.patent_number_problem("ZL " + good[2:]) is None
    wrong = "0" if good[-1] != "0" else "1"
    assert checks.patent_number_problem(good[:-1] + wrong) == "check_digit"
    assert checks.patent_number_problem("CN2023201234567") == "format"
    utility = "202320123456"
    assert checks.patent_number_problem(f"{utility}.{checks.patent_check_digit(utility)}") == "not_invention"


def test_totals_are_checked_against_items_and_deadline_is_next_year():
    labels = {f: f for f in checks.FIGURES}
    items = [
        checks.ItemFact("patents_applied", "x", "t", dt.date(2025, 1, 1)),
        checks.ItemFact("contract_value", "", "c", dt.date(2025, 1, 1), amount=D("10.00")),
    ]
    totals = {f: 0 for f in checks.COUNT_FIGURES} | {"patents_applied": 2, "contract_value": D("10.00")}
    problems = checks.totals_problems(totals, items, labels)
    assert [p.field for p in problems] == ["patents_applied"]
    assert checks.deadline_for(2025, "03-31") == dt.date(2026, 3, 31)
