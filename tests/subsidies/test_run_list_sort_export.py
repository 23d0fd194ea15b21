"""The payout run list (issue 15 "Lists"): column sorting and XLSX export of the filtered, sorted list,
amounts as numbers; finance and administrators only."""

import io
import re
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from subsidies.models import RunKind
from subsidies.runs import services as runs
from subsidies.scenario import import_scenario
from tests.subsidies.builders import base_fragment, researchers_fragment

pytestmark = pytest.mark.django_db


@pytest.fixture
def three_runs(db, finance):
    import_scenario(base_fragment())
    import_scenario(researchers_fragment(6))
    return [runs.run_payouts(actor=finance, kind=RunKind.MONTHLY, period=p) for p in ("2024-06", "2024-04", "2024-05")]


def _ids(page: str) -> list[int]:
    body = page[page.index('id="run-table"') :]
    return [int(x) for x in re.findall(r'runs/(\d+)/">#', body)]


def test_the_run_list_sorts_by_its_columns(three_runs, finance):
    june, april, may = three_runs
    client = Client()
    client.force_login(finance)
    url = reverse("subsidies:run_list")
    assert _ids(client.get(url).content.decode()) == [may.pk, april.pk, june.pk]  # newest first, as before
    by_period = client.get(url, {"sort": "period"}).content.decode()
    assert _ids(by_period) == [april.pk, may.pk, june.pk] and 'aria-sort="ascending"' in by_period
    assert _ids(client.get(url, {"sort": "-period"}).content.decode()) == [june.pk, may.pk, april.pk]
    filtered = client.get(url, {"period": "2024-0", "sort": "-period"}).content.decode()
    assert "period=2024-0&amp;sort=period" in filtered  # the heading's link keeps the filter


def test_the_export_holds_the_filtered_sorted_runs_with_numeric_amounts(three_runs, finance, make_user):
    from accounts.models import Role

    june, april, may = three_runs
    client = Client()
    client.force_login(finance)
    response = client.get(reverse("subsidies:run_list_export"), {"sort": "period", "period": "2024-0"})
    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
    rows = list(load_workbook(io.BytesIO(response.content)).active.values)
    assert rows[0][:3] == ("批次", "类型", "期间")
    assert [r[0] for r in rows[1:]] == [april.pk, may.pk, june.pk]
    june.refresh_from_db()
    assert Decimal(str(rows[3][5])) == june.total_amount and isinstance(rows[3][5], (int, float))
    client.force_login(make_user("reviewer-x", Role.REGIONAL_REVIEWER))
    assert client.get(reverse("subsidies:run_list_export")).status_code == 403
