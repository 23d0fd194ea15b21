"""Properties of payout runs on the real database (hypothesis, few examples: each builds data):
whatever order months are run in, no person passes the lifetime maximum, a person-month is paid
once, re-running a month adds nothing, and a run's lines sum to its total."""

import datetime as dt

import pytest
from django.db.models import Count, Sum
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from accounts.models import Role, User, system_actor
from subsidies.models import PayoutLine, PayoutRun, RunKind
from subsidies.parameters.services import parameter_set
from subsidies.runs import services as runs
from subsidies.scenario import import_scenario
from tests.subsidies.builders import base_fragment, researchers_fragment

MONTHS = [f"{y}-{m:02d}" for y in (2024, 2025) for m in range(1, 13)]


@pytest.mark.django_db
class RunSequenceProperties(TestCase):
    @settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(order=st.lists(st.sampled_from(MONTHS), min_size=1, max_size=6), max_months=st.integers(3, 14))
    def test_any_order_of_runs(self, order, max_months):
        import_scenario(base_fragment())
        import_scenario(researchers_fragment(8, seed=3))
        parameter_set(
            actor=system_actor(),
            name="nx_stipend.max_months",
            value=str(max_months),
            effective_from=dt.date(2023, 1, 1),
        )
        finance = User.objects.create_user("f", password="x", role=Role.FINANCE)
        for period in order:
            runs.run_payouts(actor=finance, kind=RunKind.MONTHLY, period=period)
        per_person = PayoutLine.objects.filter(active=True).values("researcher").annotate(n=Count("id"))
        assert all(p["n"] <= max_months for p in per_person)
        assert (
            not PayoutLine.objects.values("researcher", "service_month")
            .annotate(n=Count("id"))
            .filter(n__gt=1)
            .exists()
        )
        assert all(line.amount >= 0 for line in PayoutLine.objects.all())
        before = PayoutLine.objects.count()
        runs.run_payouts(actor=finance, kind=RunKind.MONTHLY, period=order[-1])
        assert PayoutLine.objects.count() == before
        for run in PayoutRun.objects.all():
            total = PayoutLine.objects.filter(run=run).aggregate(s=Sum("amount"))["s"] or 0
            assert run.total_amount == total and run.line_count == PayoutLine.objects.filter(run=run).count()
