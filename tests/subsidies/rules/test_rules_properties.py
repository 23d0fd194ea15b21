"""Property tests (hypothesis) for NX-STIPEND and YC-RD: never negative, never past the lifetime
maximum, re-running adds nothing, and each month at most once."""

import datetime as dt
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from subsidies.rules.calendar import month_index
from subsidies.rules.params import ParamTimeline, ParamValue
from subsidies.rules.rd_award import rd_award
from subsidies.rules.stipend import ContractFact, DegreeFact, FilingFact, PersonFacts, stipend_due

days = st.dates(min_value=dt.date(2016, 1, 1), max_value=dt.date(2030, 12, 31))


@st.composite
def contracts(draw, cid):
    start = draw(days)
    end = draw(st.one_of(st.none(), st.dates(min_value=start, max_value=dt.date(2035, 12, 31))))
    terminated = draw(st.one_of(st.none(), st.dates(min_value=start, max_value=dt.date(2035, 12, 31))))
    f_start = draw(days)
    filing = FilingFact(
        cid,
        draw(st.sampled_from(["approved", "revoked", "submitted"])),
        f_start,
        draw(st.one_of(st.none(), st.dates(min_value=f_start, max_value=dt.date(2035, 1, 1)))),
    )
    return ContractFact(
        cid,
        cid % 3,
        f"C{cid % 3}",
        draw(st.sampled_from(["independent", "independent", "joint"])),
        draw(st.booleans()),
        start,
        end,
        terminated,
        (filing,),
    )


@st.composite
def people(draw):
    n = draw(st.integers(0, 3))
    cs = tuple(draw(contracts(i + 1)) for i in range(n))
    ds = tuple(
        DegreeFact(
            i,
            draw(st.sampled_from(["bachelor", "master", "doctorate"])),
            draw(st.booleans()),
            draw(st.booleans()),
            draw(days),
            draw(st.sampled_from([None, "2024-01-01T00:00:00+08:00"])),
            "r",
        )
        for i in range(draw(st.integers(0, 3)))
    )
    return PersonFacts(1, "110101199003077571", "张三", cs, ds)


params_st = st.builds(
    lambda doc, mast, mx, rule: ParamTimeline(
        (
            ParamValue("nx_stipend.doctorate_monthly", doc, dt.date(2025, 1, 1), "r"),
            ParamValue("nx_stipend.master_monthly", mast, dt.date(2020, 1, 1), "r"),
            ParamValue("nx_stipend.max_months", str(mx), dt.date(2020, 1, 1), "r"),
            ParamValue("nx_stipend.month_rule", rule, dt.date(2020, 1, 1), "r"),
        )
    ),
    st.sampled_from(["5000.00", "6000.00", "0.00"]),
    st.sampled_from(["3000.00", "3333.33"]),
    st.integers(1, 60),
    st.sampled_from(["whole_month", "daily_prorata"]),
)

through = st.integers(month_index(dt.date(2016, 1, 1)), month_index(dt.date(2031, 12, 1)))


@settings(max_examples=300, deadline=None)
@given(
    people(),
    through,
    params_st,
    st.sets(st.integers(month_index(dt.date(2016, 1, 1)), month_index(dt.date(2031, 12, 1))), max_size=70),
)
def test_stipend_properties(person, upto, params, paid):
    outcome = stipend_due(person, through=upto, paid=paid, params=params)
    months = [m.month for m in outcome.months]
    max_months = max(params.integer("nx_stipend.max_months", dt.date(2020, 1, 1)), 0)
    assert all(m.amount >= 0 for m in outcome.months)  # never negative
    assert len(set(months)) == len(months) and months == sorted(months)  # each month once, in order
    assert not set(months) & paid  # never a month already paid
    assert all(m <= upto for m in months)
    assert len(paid) + len(months) <= max(max_months, len(paid))  # never past the lifetime maximum
    # re-running with what was just paid adds nothing
    again = stipend_due(person, through=upto, paid=paid | set(months), params=params)
    assert again.months == []


@given(st.decimals(min_value=0, max_value=Decimal("1e11"), places=2))
def test_rd_award_bounds(spend):
    award = rd_award(spend, Decimal("0.15"), Decimal("1000000"))
    assert Decimal("0") <= award <= Decimal("1000000.00")
    assert award == award.quantize(Decimal("0.01"))
    assert abs(award - min(spend * Decimal("0.15"), Decimal("1000000"))) <= Decimal("0.005")


@settings(max_examples=200, deadline=None)
@given(
    people(),
    through,
    params_st,
    st.integers(month_index(dt.date(2016, 1, 1)), month_index(dt.date(2031, 1, 1))),
    st.integers(0, 40),
)
def test_contiguous_history_as_range_equals_as_set(person, upto, params, lo, n):
    """The steady-state shortcut (a paid history given as a range) pays exactly what the set would."""
    as_range = stipend_due(person, through=upto, paid=range(lo, lo + n), params=params)
    as_set = stipend_due(person, through=upto, paid=set(range(lo, lo + n)), params=params)
    assert [(m.month, m.amount, m.centre_id) for m in as_range.months] == [
        (m.month, m.amount, m.centre_id) for m in as_set.months
    ]
