"""Run anomaly flags for finance before approval (issue 15): more than 12 months of arrears for one person,
a centre's total moving by more than 30% against last month, a person first paid with a backdated filing."""

import pytest
from django.test import Client
from django.urls import reverse

from subsidies.anomalies import run_anomalies
from subsidies.models import RunKind
from subsidies.runs import services as runs
from subsidies.scenario import import_scenario
from tests.subsidies.builders import base_fragment

pytestmark = pytest.mark.django_db
DOCTOR = "110101199003077571"


@pytest.fixture
def late_doctor(db):
    """A doctor at WL-SH since March 2024, recorded (with the centre's filing) only now: the first run pays
    every month since as arrears."""
    import_scenario(base_fragment())
    import_scenario(
        {
            "researchers": [
                {
                    "id_type": "resident_id",
                    "id_number": DOCTOR,
                    "name": "张三",
                    "degrees": [{"level": "doctorate", "full_time": True, "awarded_on": "2018-07-01"}],
                }
            ],
            "contracts": [
                {
                    "researcher": DOCTOR,
                    "centre": "WL-SH",
                    "full_time": True,
                    "start": "2024-03-01",
                    "end": None,
                    "terminated_on": None,
                }
            ],
        }
    )


def test_a_first_run_flags_long_arrears_and_a_backdated_first_payment(late_doctor, finance):
    run = runs.run_payouts(actor=finance, kind=RunKind.MONTHLY, period="2025-05")
    flags = {f.kind: f for f in run_anomalies(run)}
    assert set(flags) == {"arrears", "backdated_first"}
    assert flags["arrears"].subject == "张三(威力传动上海研发中心)"
    assert flags["arrears"].detail == "补发14个月,自2024-03起,合计¥70,000.00"
    assert flags["backdated_first"].detail.startswith("首次发放15个月,最早为2024-03;备案于")


def test_the_next_month_flags_the_centres_swing_and_the_page_shows_the_flags(late_doctor, finance, finance2):
    first = runs.run_payouts(actor=finance, kind=RunKind.MONTHLY, period="2025-05")
    runs.payout_run_approve(actor=finance2, run_id=first.pk)
    run = runs.run_payouts(actor=finance, kind=RunKind.MONTHLY, period="2025-06")
    flags = run_anomalies(run)
    assert [(f.kind, f.detail) for f in flags] == [("centre_swing", "本月¥5,000.00,上月¥75,000.00,变动-93.33%")]
    client = Client()
    client.force_login(finance2)
    page = client.get(reverse("subsidies:run_detail", args=[run.pk])).content.decode()
    assert 'id="anomalies"' in page and 'data-flag="centre_swing"' in page and "变动-93.33%" in page
    # an approved run shows no flags any more (they are for the decision)
    runs.payout_run_approve(actor=finance2, run_id=run.pk)
    assert 'id="anomalies"' not in client.get(reverse("subsidies:run_detail", args=[run.pk])).content.decode()
