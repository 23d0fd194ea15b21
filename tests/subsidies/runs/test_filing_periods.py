"""Suspension, reinstatement and re-filing keep earlier windows: months earned in them are still
paid in arrears when information arrives late (POLICY §3.7); the gap is never paid."""

import datetime as dt

import pytest

from accounts.models import Role
from registry import services as registry_services
from registry.models import Filing, FilingPeriod
from subsidies.models import PayoutLine, RunKind
from subsidies.runs import services as runs
from subsidies.scenario import import_scenario
from tests.subsidies.builders import base_fragment

pytestmark = pytest.mark.django_db
PERSON = {
    "researchers": [
        {
            "id_type": "resident_id",
            "id_number": "110101199003077571",
            "name": "张三",
            "degrees": [{"level": "doctorate", "full_time": True, "awarded_on": "2019-07-01"}],
        }
    ],
    "contracts": [
        {"researcher": "110101199003077571", "centre": "WL-SH", "full_time": True, "start": "2024-03-01", "end": None}
    ],
}


def paid_months():
    return sorted(PayoutLine.objects.filter(active=True).values_list("service_period", flat=True))


def test_reinstated_filing_keeps_the_window_before_the_suspension(make_user, finance):
    import_scenario(base_fragment())
    reviewer = make_user("rev", Role.REGIONAL_REVIEWER)
    filing = Filing.objects.get(centre__ref="WL-SH", level="regional")
    registry_services.filing_suspend(actor=reviewer, filing=filing, on=dt.date(2024, 5, 16), reason="材料核查")
    registry_services.filing_reinstate(actor=reviewer, filing=filing, on=dt.date(2024, 7, 1))
    assert list(FilingPeriod.objects.filter(filing=filing).values_list("start", "end")) == [
        (dt.date(2024, 3, 1), dt.date(2024, 5, 15)),
        (dt.date(2024, 7, 1), None),
    ]
    import_scenario(PERSON)  # the contract arrives late: March and April are arrears, May and June the gap
    runs.run_payouts(actor=finance, kind=RunKind.MONTHLY, period="2024-08")
    assert paid_months() == ["2024-03", "2024-04", "2024-07", "2024-08"]


def test_revoked_then_refiled_centre_keeps_both_windows(make_user, finance):
    import_scenario(base_fragment())
    import_scenario(PERSON)
    reviewer = make_user("rev", Role.REGIONAL_REVIEWER)
    filing = Filing.objects.get(centre__ref="WL-SH", level="regional")
    registry_services.filing_revoke(actor=reviewer, filing=filing, on=dt.date(2024, 6, 1), reason="不再符合条件")
    runs.run_payouts(actor=finance, kind=RunKind.MONTHLY, period="2024-08")
    assert paid_months() == ["2024-03", "2024-04", "2024-05"]
