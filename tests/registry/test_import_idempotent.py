"""Importing the same scenario twice changes nothing (SCENARIOS.md): no new filing windows, no audit rows."""

import pytest

from registry.models import Filing, FilingPeriod
from subsidies.scenario import import_scenario
from tests.subsidies.builders import base_fragment

pytestmark = pytest.mark.django_db


def test_the_same_filings_imported_again_change_nothing():
    import_scenario(base_fragment())
    periods = sorted(FilingPeriod.objects.values_list("id", "filing_id", "start", "end"))
    filings = sorted(Filing.objects.values_list("id", "status", "updated_at"))
    events = Filing.pgh_event_model.objects.count()

    import_scenario(base_fragment())
    assert sorted(FilingPeriod.objects.values_list("id", "filing_id", "start", "end")) == periods
    assert sorted(Filing.objects.values_list("id", "status", "updated_at")) == filings
    assert Filing.pgh_event_model.objects.count() == events

    changed = base_fragment()  # a changed decision is still applied
    changed["centres"][0]["filings"][0].update(status="revoked", effective_to="2025-06-30", reason="撤销")
    import_scenario(changed)
    regional = Filing.objects.get(level="regional")
    assert regional.status == "revoked" and str(regional.effective_to) == "2025-06-30"
    assert FilingPeriod.objects.get(filing=regional).end.isoformat() == "2025-06-30"
