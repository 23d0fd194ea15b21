"""Each measure applies from its own date: `nx.measure_from` (2023-06-01) and `yc.measure_from`
(2023-01-01) are dated parameters the bureau can correct; nothing earns before them, whatever a record says,
and periods before them are refused (run_payouts --month 1900-01)."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.errors import ServiceError
from accounts.models import Role
from registry import measures
from registry.models import Filing, FilingPeriod
from subsidies.models import ParameterValue, PayoutLine, PayoutRun, RunKind
from subsidies.parameters.services import parameter_set
from subsidies.rules.calendar import month_index
from subsidies.rules.params import DEFAULTS, ParamTimeline, ParamValue, validate_value
from subsidies.rules.rd_award import DeclarationFact, YinchuanFiling, rd_due
from subsidies.rules.stipend import ContractFact, DegreeFact, FilingFact, PersonFacts, stipend_due
from subsidies.runs import services as runs
from subsidies.scenario import import_scenario
from tests.subsidies.builders import base_fragment

D = dt.date
PHD = DegreeFact(1, "doctorate", True, False, D(2010, 7, 1), "2024-01-01T00:00:00+08:00", "system")


def person(filing_from: dt.date, start: dt.date) -> PersonFacts:
    filings = (FilingFact(1, "approved", filing_from, None),)
    return PersonFacts(
        1,
        "110101199003077571",
        "张三",
        (ContractFact(1, 1, "C1", "independent", True, start, None, None, filings),),
        (PHD,),
    )


def labels(outcome):
    return [m.label for m in outcome.months]


# --- the rules (pure) ---------------------------------------------------------------------------------


def test_the_defaults_are_the_measures_dates():
    timeline = ParamTimeline()
    assert timeline.measure_from("regional") == D(2023, 6, 1)
    assert timeline.measure_from("yinchuan") == D(2023, 1, 1)
    assert "2023年6月" in DEFAULTS["nx.measure_from"][1] and "可在本页更正" in DEFAULTS["yc.measure_from"][1]


def test_no_stipend_month_before_the_regional_measure_even_if_a_record_says_otherwise():
    # a filing recorded from 2000 and a contract from 2010: the first payable month is the measure's
    outcome = stipend_due(
        person(D(2000, 1, 1), D(2010, 1, 1)), through=month_index(D(2023, 8, 1)), paid=set(), params=ParamTimeline()
    )
    assert labels(outcome) == ["2023-06", "2023-07", "2023-08"]


def test_a_corrected_measure_date_moves_the_first_month_and_a_mid_month_date_is_not_a_whole_month():
    corrected = ParamTimeline((ParamValue("nx.measure_from", "2023-09-15", D(2026, 1, 1), "更正"),))
    outcome = stipend_due(
        person(D(2000, 1, 1), D(2010, 1, 1)), through=month_index(D(2023, 11, 1)), paid=set(), params=corrected
    )
    assert labels(outcome) == ["2023-10", "2023-11"]  # September 2023 is not whole from the 15th


def test_no_yc_rd_award_for_a_year_before_the_yinchuan_measure():
    filing = YinchuanFiling(1, "approved", D(2000, 1, 1), None)
    early = rd_due(DeclarationFact(1, 1, 2022, Decimal("1000000"), 1), filing, paid_total=None, params=ParamTimeline())
    assert early.kind == "none" and early.amount == 0 and "早于银川市办法的适用起始日期2023-01-01" in early.reasons[0]
    on_time = rd_due(
        DeclarationFact(2, 1, 2023, Decimal("1000000"), 1), filing, paid_total=None, params=ParamTimeline()
    )
    assert (on_time.kind, on_time.amount) == ("regular", Decimal("150000.00"))


@pytest.mark.parametrize(
    "name, value, message",
    [
        ("nx.measure_from", "2023-13-01", "为日期"),
        ("nx.measure_from", "0001-01-01", "应在2015-01-01至2099-12-31之间"),
        ("yc.measure_from", "9999-12-31", "应在2015-01-01至2099-12-31之间"),
        ("review.backdate_days", "-1", "负数"),
        ("review.backdate_days", "1.5", "整数"),
        ("review.backdate_days", "99999", "整数"),
    ],
)
def test_bad_values_of_the_new_parameters_are_refused(name, value, message):
    with pytest.raises(ValueError, match=message):
        validate_value(name, value)
    assert validate_value("nx.measure_from", " 2023-06-15 ") == "2023-06-15"
    assert validate_value("review.backdate_days", "30") == "30"


# --- through the database ----------------------------------------------------------------------------


@pytest.fixture
def admin(make_user):
    return make_user("param-admin", Role.ADMIN)


@pytest.mark.django_db
def test_the_bureau_corrects_a_measure_date_and_the_registry_reads_it(admin):
    assert measures.measure_from("regional") == D(2023, 6, 1)
    parameter_set(actor=admin, name="nx.measure_from", value="2023-07-01", effective_from=D(2026, 1, 1))
    assert measures.measure_from("regional") == D(2023, 7, 1)
    assert measures.measure_from("yinchuan") == D(2023, 1, 1)
    with pytest.raises(ServiceError, match="不能晚于今天"):
        parameter_set(actor=admin, name="yc.measure_from", value="2023-03-01", effective_from=D(2099, 1, 1))
    assert not ParameterValue.objects.filter(name="yc.measure_from").exists()


@pytest.mark.django_db
def test_parameters_page_shows_and_sets_the_measure_dates(client, admin):
    client.force_login(admin)
    page = client.get(reverse("subsidies:parameters")).content.decode()
    for name in ("nx.measure_from", "yc.measure_from", "review.backdate_days"):
        assert f'id="param-{name}"' in page
    assert "2023-06-01" in page and "自治区办法适用起始日期" in page
    bad = client.post(
        reverse("subsidies:parameters"),
        {"name": "nx.measure_from", "value": "1900-01-01", "effective_from": "2026-01-01"},
    )
    assert "应在2015-01-01至2099-12-31之间" in bad.content.decode()
    assert not ParameterValue.objects.filter(name="nx.measure_from").exists()
    client.post(
        reverse("subsidies:parameters"),
        {"name": "nx.measure_from", "value": "2023-06-20", "effective_from": "2026-01-01"},
    )
    assert measures.measure_from("regional") == D(2023, 6, 20)


@pytest.fixture
def filed_in_2000(db, system):
    """A researcher at a centre whose regional window reads 2000-01-01 in the database (a record made before
    the bound existed, or by hand): the run must still pay nothing before the measure."""
    import_scenario(base_fragment())
    import_scenario(
        {
            "researchers": [
                {
                    "id_type": "resident_id",
                    "id_number": "110101199003077571",
                    "name": "张三",
                    "degrees": [
                        {"level": "doctorate", "full_time": True, "key_discipline": False, "awarded_on": "2010-07-01"}
                    ],
                }
            ],
            "contracts": [
                {
                    "researcher": "110101199003077571",
                    "centre": "WL-SH",
                    "full_time": True,
                    "start": "2015-01-01",
                    "end": None,
                    "terminated_on": None,
                }
            ],
        }
    )
    filing = Filing.objects.get(centre__ref="WL-SH", level="regional")
    Filing.objects.filter(pk=filing.pk).update(effective_from=D(2000, 1, 1))
    FilingPeriod.objects.filter(filing=filing).update(start=D(2000, 1, 1))


def test_a_run_pays_nothing_before_the_measure_whatever_the_record_says(filed_in_2000, finance):
    run = runs.run_payouts(actor=finance, kind=RunKind.MONTHLY, period="2023-08")
    months = sorted(PayoutLine.objects.filter(run=run).values_list("service_period", flat=True))
    assert months == ["2023-06", "2023-07", "2023-08"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "kind, period",
    [(RunKind.MONTHLY, "1900-01"), (RunKind.MONTHLY, "2023-05"), (RunKind.ANNUAL, "2022"), (RunKind.GRANTS, "2000-01")],
)
def test_periods_before_the_measures_are_refused(finance, kind, period):
    with pytest.raises(ServiceError, match="早于") as err:
        runs.run_payouts(actor=finance, kind=kind, period=period)
    assert err.value.code == "before_measure"
    assert not PayoutRun.objects.exists()


@pytest.mark.django_db
def test_api_page_and_command_line_refuse_a_run_for_1900(client, finance):
    api = APIClient()
    api.force_authenticate(finance)
    response = api.post("/api/v1/payout-runs/", {"kind": "monthly", "period": "1900-01"}, format="json")
    assert response.status_code == 400 and response.json()["error"]["code"] == "before_measure"
    client.force_login(finance)
    page = client.post(reverse("subsidies:run_start"), {"kind": "monthly", "period": "1900-01"})
    assert "早于自治区办法的适用起始日期2023-06-01" in page.content.decode()
    with pytest.raises(CommandError, match="早于自治区办法"):
        call_command("run_payouts", "--month", "1900-01")
    assert not PayoutRun.objects.exists()


@pytest.mark.django_db
def test_declarations_before_the_yinchuan_measure_are_refused(system):
    import_scenario(base_fragment())
    with pytest.raises(Exception, match="2023年"):
        import_scenario({"rd_declarations": [{"centre": "WL-SH", "year": 2022, "verified_amount": "100.00"}]})
    import_scenario({"rd_declarations": [{"centre": "WL-SH", "year": 2024, "verified_amount": "100.00"}]})
