"""NX-STIPEND as POLICY.md §3 words it; pure functions, no database."""

import datetime as dt
from decimal import Decimal

import pytest

from subsidies.rules.calendar import add_years, month_index
from subsidies.rules.params import ParamTimeline, ParamValue
from subsidies.rules.stipend import ContractFact, DegreeFact, FilingFact, PersonFacts, stipend_due, stipend_status

D = dt.date
FILED = (FilingFact(1, "approved", D(2024, 3, 1), None),)
PHD = DegreeFact(1, "doctorate", True, False, D(2019, 7, 1), "2024-01-01T00:00:00+08:00", "system")
KEY_MASTER = DegreeFact(2, "master", True, True, D(2016, 7, 1), "2024-01-01T00:00:00+08:00", "system")
PARAMS = ParamTimeline()


def contract(start, end, *, full_time=True, kind="independent", terminated_on=None, centre=1, filings=FILED, cid=1):
    return ContractFact(cid, centre, f"C{centre}", kind, full_time, start, end, terminated_on, filings)


def person(*contracts, degrees=(PHD,)):
    return PersonFacts(1, "110101199003077571", "张三", tuple(contracts), tuple(degrees))


def months(outcome):
    return [(m.label, m.amount) for m in outcome.months]


def due(p, through="2024-06", paid=(), params=PARAMS):
    y, m = map(int, through.split("-"))
    return stipend_due(p, through=month_index(D(y, m, 1)), paid=set(paid), params=params)


def test_exactly_five_years_includes_five():
    exact = person(contract(D(2024, 4, 1), D(2029, 3, 31)))
    short = person(contract(D(2024, 4, 1), D(2029, 3, 30)))
    assert months(due(exact, "2024-05")) == [("2024-04", Decimal("5000.00")), ("2024-05", Decimal("5000.00"))]
    outcome = due(short, "2024-05")
    assert outcome.months == [] and "合同期限不足5年" in outcome.reasons


def test_leap_day_plus_five_years_lands_on_28_february():
    assert add_years(D(2024, 2, 29), 5) == D(2029, 2, 28)
    p = person(contract(D(2024, 2, 29), D(2029, 2, 27)), degrees=(PHD,))
    fil = (FilingFact(1, "approved", D(2024, 1, 1), None),)
    p = person(contract(D(2024, 3, 1), D(2029, 2, 28), filings=fil))
    assert [m for m, _ in months(due(p, "2024-03"))] == ["2024-03"]


def test_open_ended_contract_qualifies():
    assert len(due(person(contract(D(2024, 4, 1), None)), "2024-06").months) == 3


@pytest.mark.parametrize(
    "kwargs, reason",
    [
        ({"full_time": False}, "非全职合同"),
        ({"kind": "joint"}, "联合研发机构不适用"),
    ],
    ids=["part-time", "joint-centre"],
)
def test_part_time_and_joint_earn_nothing(kwargs, reason):
    outcome = due(person(contract(D(2024, 4, 1), None, **kwargs)))
    assert outcome.months == [] and reason in outcome.reasons


def test_mid_month_start_pays_from_next_whole_month():
    assert [m for m, _ in months(due(person(contract(D(2024, 4, 2), None))))] == ["2024-05", "2024-06"]


def test_month_of_filing_is_paid_only_if_whole():
    late_filing = (FilingFact(1, "approved", D(2024, 4, 15), None),)
    assert [m for m, _ in months(due(person(contract(D(2024, 3, 1), None, filings=late_filing))))] == [
        "2024-05",
        "2024-06",
    ]


def test_revoked_filing_stops_after_last_whole_month():
    revoked = (FilingFact(1, "revoked", D(2024, 3, 1), D(2024, 5, 20)),)
    assert [m for m, _ in months(due(person(contract(D(2024, 3, 1), None, filings=revoked))))] == ["2024-03", "2024-04"]


def test_unapproved_filing_earns_nothing():
    draft = (FilingFact(1, "submitted", D(2024, 3, 1), None),)
    outcome = due(person(contract(D(2024, 3, 1), None, filings=draft)))
    assert outcome.months == [] and "所在研发中心的自治区备案未生效" in outcome.reasons


def test_early_termination_stops_after_last_whole_month():
    p = person(contract(D(2024, 3, 1), D(2029, 2, 28), terminated_on=D(2024, 5, 30)))
    assert [m for m, _ in months(due(p))] == ["2024-03", "2024-04"]
    p = person(contract(D(2024, 3, 1), D(2029, 2, 28), terminated_on=D(2024, 5, 31)))
    assert [m for m, _ in months(due(p))] == ["2024-03", "2024-04", "2024-05"]


def test_tiers_best_verified_degree_on_first_day_of_month():
    phd_in_may = DegreeFact(1, "doctorate", True, False, D(2024, 5, 1), "2024-05-02T00:00:00+08:00", "r")
    phd_mid_may = DegreeFact(3, "doctorate", True, False, D(2024, 5, 2), "2024-05-02T00:00:00+08:00", "r")
    assert months(due(person(contract(D(2024, 3, 1), None), degrees=(KEY_MASTER, phd_in_may)))) == [
        ("2024-03", Decimal("3000.00")),
        ("2024-04", Decimal("3000.00")),
        ("2024-05", Decimal("5000.00")),
        ("2024-06", Decimal("5000.00")),
    ]
    assert [a for _, a in months(due(person(contract(D(2024, 3, 1), None), degrees=(KEY_MASTER, phd_mid_may))))][
        2
    ] == Decimal("3000.00")


@pytest.mark.parametrize(
    "degree, expected",
    [
        (DegreeFact(1, "doctorate", False, True, D(2019, 7, 1), "x", "r"), None),
        (DegreeFact(1, "master", True, False, D(2019, 7, 1), "x", "r"), None),
        (DegreeFact(1, "bachelor", True, True, D(2019, 7, 1), "x", "r"), None),
        (DegreeFact(1, "doctorate", True, False, D(2019, 7, 1), None, None), None),
        (DegreeFact(1, "master", False, True, D(2019, 7, 1), "x", "r"), Decimal("3000.00")),
    ],
    ids=["part-time-phd", "ordinary-master", "bachelor", "unverified-phd", "part-time-key-master"],
)
def test_degree_tiers(degree, expected):
    outcome = due(person(contract(D(2024, 3, 1), None), degrees=(degree,)), "2024-03")
    assert (outcome.months[0].amount if outcome.months else None) == expected


def test_part_time_doctorate_with_key_master_earns_master_tier():
    pt_phd = DegreeFact(1, "doctorate", False, False, D(2020, 7, 1), "x", "r")
    assert months(due(person(contract(D(2024, 3, 1), None), degrees=(pt_phd, KEY_MASTER)), "2024-03")) == [
        ("2024-03", Decimal("3000.00"))
    ]


def test_unverified_degree_reason():
    unverified = DegreeFact(1, "doctorate", True, False, D(2019, 7, 1), None, None)
    assert "学历未核验" in due(person(contract(D(2024, 3, 1), None), degrees=(unverified,))).reasons


def test_sixty_months_for_life_across_centres():
    # (dates after the regional measure's own date, 2023-06-01: nothing earns before it)
    fil = (FilingFact(1, "approved", D(2023, 6, 1), None),)
    old_phd = DegreeFact(1, "doctorate", True, False, D(2010, 7, 1), "2023-01-01T00:00:00+08:00", "system")
    p = person(
        contract(D(2024, 1, 1), D(2028, 12, 31), centre=1, filings=fil, cid=1),
        contract(D(2029, 1, 1), None, centre=2, filings=fil, cid=2),
        degrees=(old_phd,),
    )
    outcome = due(p, "2032-06")
    assert len(outcome.months) == 60
    assert outcome.months[-1].label == "2028-12"
    assert "已领满60个月补助" in outcome.reasons
    # months already paid count too, arrears included
    outcome = due(p, "2032-06", paid=set(range(month_index(D(2024, 1, 1)), month_index(D(2024, 1, 1)) + 59)))
    assert [m.label for m in outcome.months] == ["2028-12"]


def test_move_between_centres_pays_month_once_to_centre_on_last_day():
    p = person(
        contract(D(2024, 3, 1), D(2029, 2, 28), terminated_on=D(2024, 5, 14), centre=1, cid=1),
        contract(D(2024, 5, 15), None, centre=2, cid=2),
    )
    may = [m for m in due(p).months if m.label == "2024-05"]
    assert len(may) == 1 and may[0].centre_id == 2


def test_parameter_change_from_a_date():
    params = ParamTimeline((ParamValue("nx_stipend.doctorate_monthly", "6000.00", D(2024, 5, 1), "ref", 9),))
    assert [a for _, a in months(due(person(contract(D(2024, 3, 1), None)), params=params))] == [
        Decimal("5000.00"),
        Decimal("5000.00"),
        Decimal("6000.00"),
        Decimal("6000.00"),
    ]


def test_daily_prorata_rounds_half_up():
    params = ParamTimeline((ParamValue("nx_stipend.month_rule", "daily_prorata", D(2020, 1, 1), "ref", 9),))
    outcome = due(person(contract(D(2024, 4, 11), None)), "2024-04", params=params)
    assert months(outcome) == [("2024-04", Decimal("3333.33"))]  # 5000 × 20/30


def test_arrears_skip_paid_months():
    p = person(contract(D(2024, 3, 1), None))
    assert [m for m, _ in months(due(p, paid={month_index(D(2024, 4, 1))}))] == ["2024-03", "2024-05", "2024-06"]


def test_every_line_explains_itself():
    m = due(person(contract(D(2024, 4, 1), D(2029, 3, 31)), degrees=(PHD,)), "2024-04").months[0]
    e = m.explanation
    assert e["contract"]["start"] == "2024-04-01" and e["contract"]["term_qualifies"] is True
    assert e["degree"]["verified_at"] and e["filing"]["effective_from"] == "2024-03-01"
    assert (e["months_used_before"], e["months_used_after"]) == (0, 1)
    assert e["parameters"][0]["name"] == "nx_stipend.doctorate_monthly" and e["parameters"][0]["legal_reference"]


def test_status_next_month_and_reasons():
    status = stipend_status(person(contract(D(2024, 4, 1), None)), as_of=D(2024, 6, 15), paid=set(), params=PARAMS)
    assert status.next_payable == "2024-04" and status.tier == "doctorate" and status.months_used == 0
    status = stipend_status(
        person(contract(D(2024, 4, 1), None, kind="joint")), as_of=D(2024, 6, 15), paid=set(), params=PARAMS
    )
    assert status.next_payable is None and status.reasons == ("联合研发机构不适用",)
