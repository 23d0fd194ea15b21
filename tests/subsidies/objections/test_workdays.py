"""Working days from the shipped State Council notices (pure arithmetic + the data migration's rows)."""

import datetime as dt

import pytest

from subsidies.objections.models import HolidayDay
from subsidies.objections.services import answer_due_on, holiday_sets
from subsidies.objections.workdays import add_working_days, is_working_day, working_days_between

D = dt.date


@pytest.mark.django_db
def test_shipped_notices_cover_2024_to_2026_with_working_weekends():
    holidays, workdays = holiday_sets()
    assert D(2024, 2, 10) in holidays and D(2024, 2, 18) in workdays  # 春节2024, 2月18日(周日)上班
    assert D(2025, 10, 8) in holidays and D(2025, 9, 28) in workdays  # 国庆中秋2025共8天
    assert D(2026, 2, 23) in holidays and D(2026, 2, 28) in workdays  # 春节2026共9天, 2月28日(周六)上班
    assert {d.year for d in holidays} == {2024, 2025, 2026}
    row = HolidayDay.objects.get(day=D(2026, 1, 4))
    assert row.kind == "workday" and row.source == "《国务院办公厅关于2026年部分节假日安排的通知》(2025-11-04发布)"


def test_working_day_rules():
    holidays, workdays = {D(2026, 10, 1)}, {D(2026, 10, 10)}
    assert not is_working_day(D(2026, 10, 1), holidays=holidays, workdays=workdays)  # Thursday, holiday
    assert is_working_day(D(2026, 10, 10), holidays=holidays, workdays=workdays)  # Saturday worked
    assert not is_working_day(D(2026, 10, 11), holidays=holidays, workdays=workdays)  # Sunday


@pytest.mark.django_db
def test_fifteen_working_days_skip_mid_autumn_and_national_day_and_count_the_worked_weekends():
    # raised Friday 2026-09-18: 20 Sep (Sun, worked), 21-24, [25-27 中秋], 28-30 = 8; [1-7 Oct 国庆];
    # 8, 9, 10 (Sat, worked), 12, 13, 14, 15 -> the 15th working day is Thursday 15 October
    assert answer_due_on(D(2026, 9, 18)) == D(2026, 10, 15)


@pytest.mark.django_db
def test_the_parameter_sets_the_number_of_days(make_user):
    from accounts.models import Role
    from subsidies.parameters.services import parameter_set

    admin = make_user("adm", Role.ADMIN)
    parameter_set(actor=admin, name="objection.answer_working_days", value="5", effective_from=D(2026, 1, 1))
    assert answer_due_on(D(2026, 9, 18)) == D(2026, 9, 24)  # 20 Sep (Sun, worked), 21, 22, 23, 24


def test_age_and_bad_input():
    assert working_days_between(D(2026, 11, 27), D(2026, 12, 1), holidays=set(), workdays=set()) == 2
    assert working_days_between(D(2026, 12, 1), D(2026, 11, 27), holidays=set(), workdays=set()) == 0
    with pytest.raises(ValueError):
        add_working_days(D(2026, 1, 1), 0, holidays=set(), workdays=set())
