# ruff: noqa: F811  (pytest fixtures imported from the support modules)
"""Bad ids and figures are a 404 or a refusal naming the field, never a 500 (review F9): a record id that is not
a number on the performance pages, a count that is not ASCII digits or beyond the column, an amount beyond the
column or the decimal context, a holiday year outside the calendar."""

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from accounts.errors import ServiceError
from subsidies.models import PerformanceReport
from subsidies.performance import services
from tests.subsidies.grants_support import (  # noqa: F401  (fixtures)
    enterprise,
    independent,
    joint,
    media_root,
    other_enterprise,
    other_owner,
    owner,
    reg1,
    reg2,
)
from tests.subsidies.performance.support import DEADLINE_DAY, figures, scheme  # noqa: F401  (fixtures)

pytestmark = pytest.mark.django_db

BAD_POSTS = [
    ("report_create", {"centre": "abc", "year": "2025"}),
    ("rounds", {"action": "scheme", "copy_from": "abc", "period": "2026-2028", "name": "x"}),
    ("rounds", {"action": "indicator", "scheme": "abc", "code": "A9", "name": "x", "weight": "10"}),
    ("rounds", {"action": "round", "scheme": "abc"}),
    ("round", {"action": "assign", "expert": "abc", "centre": "1"}),
    ("round", {"action": "assign", "expert": "{reg2}", "centre": "abc"}),
    ("round", {"action": "assign", "expert": "{reg2}", "centre": "{centre}", "declared_interest": "abc"}),
]


@pytest.mark.parametrize(
    "case",
    [
        *[("post", url, body) for url, body in BAD_POSTS],
        ("holidays", "99999", None),
        ("holidays", "-1", None),
        ("count", "²", "patents_applied"),
        ("count", "99999999999", "patents_applied"),
        ("money", "1e30", "contract_value"),
        ("money", "1e13", "contract_value"),
    ],
    ids=lambda c: "-".join(str(x) for x in c if not isinstance(x, dict)),
)
def test_bad_ids_and_figures_are_a_404_or_a_refusal_naming_the_field(case, owner, independent, reg1, reg2, scheme):
    kind, what, extra = case
    if kind in ("count", "money"):
        with time_machine.travel(DEADLINE_DAY, tick=False):
            report = services.report_create(actor=owner, centre=independent, year=2025)
            with pytest.raises(ServiceError) as exc:
                services.report_update(actor=owner, report=report, figures=figures(**{extra: what}), items=[])
        assert exc.value.field == extra and what in exc.value.zh
        return
    if kind == "holidays":
        c = Client()
        c.force_login(reg1)
        assert c.get(reverse("objections:holidays") + f"?year={what}").status_code == 404
        return
    rnd = services.round_create(actor=reg1, scheme=scheme)
    body = {k: v.format(reg2=reg2.pk, centre=independent.pk) for k, v in extra.items()}
    url = {
        "report_create": reverse("subsidies:performance_report_create"),
        "rounds": reverse("subsidies:performance_rounds"),
        "round": reverse("subsidies:performance_round", args=[rnd.pk]),
    }[what]
    c = Client(raise_request_exception=False)
    c.force_login(owner if what == "report_create" else reg1)
    before = PerformanceReport.objects.count()
    with time_machine.travel(DEADLINE_DAY, tick=False):
        response = c.post(url, body)
    assert response.status_code == 404
    assert PerformanceReport.objects.count() == before
