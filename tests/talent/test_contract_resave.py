"""Re-saving a contract through the web form, the API or a roster row keeps an early termination recorded
by contract_terminate (POLICY §3.6); only a caller that passes the termination fields (the scenario import)
changes them."""

import datetime as dt

from django.urls import reverse
from rest_framework.test import APIClient

from subsidies.scenario import import_scenario
from talent import roster, services
from talent.models import Contract
from tests.talent.test_roster import GOOD_1, xlsx

D = dt.date


def _terminated(enrol, centre, actor):
    r, c = enrol(centre, start=D(2024, 4, 1), end=D(2029, 3, 31))
    services.contract_terminate(actor=actor, contract=c, terminated_on=D(2025, 6, 30), reason="个人原因离职")
    return r, c


def _termination(c):
    c = Contract.objects.get(pk=c.pk)
    return c.terminated_on, c.termination_reason, c.needs_review


KEPT = (D(2025, 6, 30), "个人原因离职", True)


def test_service_resave_without_termination_fields_keeps_it(db, centre_a, enrol, ent_user_a):
    r, c = _terminated(enrol, centre_a, ent_user_a)
    services.contract_upsert(
        actor=ent_user_a, researcher=r, centre=centre_a, full_time=True, start=D(2024, 4, 1), end=D(2029, 3, 31)
    )
    assert _termination(c) == KEPT
    assert Contract.objects.filter(researcher=r).count() == 1


def test_a_new_contract_starts_without_termination(db, centre_a, ent_user_a, system):
    r = services.researcher_upsert(actor=system, id_type="resident_id", id_number="110101199003077571", name="张三")
    c = services.contract_upsert(
        actor=ent_user_a, researcher=r, centre=centre_a, full_time=True, start=D(2024, 4, 1), end=None
    )
    assert _termination(c) == (None, "", False)


def test_web_form_resave_keeps_the_termination(client, centre_a, enrol, ent_user_a):
    r, c = _terminated(enrol, centre_a, ent_user_a)
    client.force_login(ent_user_a)
    response = client.post(
        reverse("talent:contract_create", args=[r.pk]),
        {"centre": centre_a.pk, "full_time": "on", "start": "2024-04-01", "end": "2029-03-31"},
    )
    assert response.status_code == 302
    assert _termination(c) == KEPT


def test_api_resave_keeps_the_termination(db, centre_a, enrol, ent_user_a):
    r, c = _terminated(enrol, centre_a, ent_user_a)
    api = APIClient()
    api.force_authenticate(ent_user_a)
    response = api.post(
        "/api/v1/contracts/",
        {"researcher": r.pk, "centre": centre_a.pk, "full_time": True, "start": "2024-04-01", "end": "2029-03-31"},
        format="json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["terminated_on"] == "2025-06-30"
    assert _termination(c) == KEPT


def test_roster_row_resave_keeps_the_termination(db, centre_a, enrol, ent_user_a):
    # GOOD_1 is 张三 (110101199003077571) full time at the centre from 2024-04-01, open-ended
    r, c = enrol(centre_a, start=D(2024, 4, 1), end=None)
    services.contract_terminate(actor=ent_user_a, contract=c, terminated_on=D(2025, 6, 30), reason="个人原因离职")
    upload = roster.roster_preview(actor=ent_user_a, centre=centre_a, filename="r.xlsx", raw=xlsx([GOOD_1]))
    assert upload.errors == []
    roster.roster_commit(actor=ent_user_a, upload=upload)
    assert _termination(c) == KEPT


def test_scenario_passes_termination_explicitly(db):
    from tests.talent.conftest import uscc

    ent = uscc("91640106MA76WL001")
    fragment = {
        "enterprises": [{"uscc": ent, "name": "银川威力传动", "division_code": "640106"}],
        "centres": [
            {
                "ref": "WL-SH",
                "enterprise": ent,
                "name": "威力传动上海研发中心",
                "city": "上海",
                "division_code": "310115",
            }
        ],
        "researchers": [{"id_type": "resident_id", "id_number": "110101199003077571", "name": "张三"}],
        "contracts": [
            {
                "researcher": "110101199003077571",
                "centre": "WL-SH",
                "start": "2024-04-01",
                "end": "2029-03-31",
                "terminated_on": "2025-06-30",
                "termination_reason": "离职",
            }
        ],
    }
    import_scenario(fragment)
    c = Contract.objects.get()
    assert _termination(c) == (D(2025, 6, 30), "离职", True)
    fragment["contracts"][0]["terminated_on"] = None  # the file is the whole record: null clears it
    fragment["contracts"][0]["termination_reason"] = ""
    import_scenario(fragment)
    assert _termination(c)[:2] == (None, "")
