"""Issue 19 §4: the demo loader files the four first-batch centres' 2024 reports with the outcomes the press
reported (34 patents, 6 software copyrights, 17 results delivered to Ningxia, 500 million yuan of contracts
led by the Hangzhou centre), accepted in two steps, so that the statistics page shows them; loading twice
adds nothing."""

from decimal import Decimal

import pytest
from django.db.models import Sum

from subsidies.demo import scenario
from subsidies.management.commands.load_demo import Command
from subsidies.models import IndicatorScheme, PerformanceReport, ReportStatus
from subsidies.performance import selectors
from subsidies.performance.demo import PRESS_TOTALS, load_performance_demo
from subsidies.scenario import import_scenario

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def test_the_demo_reports_carry_the_reported_outcomes():
    import_scenario(scenario())
    users = Command().make_users()
    assert load_performance_demo(users) == 4
    reports = PerformanceReport.objects.filter(year=2024)
    assert set(reports.values_list("status", flat=True)) == {ReportStatus.ACCEPTED}
    sums = reports.aggregate(**{f: Sum(f) for f in PRESS_TOTALS})
    assert sums == PRESS_TOTALS
    assert reports.get(centre__ref="LJ-HZ").contract_value == Decimal("500000000.00")
    stats = selectors.statistics(actor=users["shenhe_zzq"])
    assert stats["totals"]["patents_applied"] == 34 and len(stats["outcomes"]) == 4
    assert IndicatorScheme.objects.get(period="2023-2025").indicators.count() == 4
    assert load_performance_demo(users) == 0
