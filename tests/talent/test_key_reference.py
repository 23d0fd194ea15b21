"""POLICY §3.3: a master's degree claiming 重点院校重点学科 names a key institution and one of its key
disciplines from the list staff maintain, through every entry point; scenario imports stay as SCENARIOS.md
defines them."""

import datetime as dt

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.errors import ServiceError
from subsidies.scenario import import_scenario
from talent import key_reference as key_ref
from talent import roster, services
from talent.models import Degree
from tests.talent.test_roster import HEADER, xlsx

D = dt.date


@pytest.fixture
def zhang(db, system, centre_a):
    """Employed at enterprise A's centre: an enterprise claims degrees only for the people it employs."""
    r = services.researcher_upsert(actor=system, id_type="resident_id", id_number="110101199003077571", name="张三")
    services.contract_upsert(actor=system, researcher=r, centre=centre_a, full_time=True, start=D(2024, 4, 1), end=None)
    return r


def _master(actor, researcher, **details):
    return services.degree_upsert(
        actor=actor,
        researcher=researcher,
        level="master",
        full_time=True,
        awarded_on=D(2016, 7, 1),
        key_discipline=True,
        **details,
    )


def test_listed_institution_and_discipline_are_accepted(ent_user_a, zhang, key_reference):
    d = _master(ent_user_a, zhang, key_institution=key_reference["清华大学"], discipline="机械工程")
    assert (d.institution, d.key_institution_id, d.key_discipline) == ("清华大学", key_reference["清华大学"].pk, True)


@pytest.mark.parametrize("institution", ["清华大学", "10003"], ids=["by-name", "by-code"])
def test_institution_named_as_text_is_resolved_against_the_list(ent_user_a, zhang, key_reference, institution):
    d = _master(ent_user_a, zhang, institution=institution, discipline="机械工程")
    assert (d.institution, d.key_institution_id) == ("清华大学", key_reference["清华大学"].pk)


@pytest.mark.parametrize(
    "details, code, message",
    [
        ({}, "key_institution", "须从重点院校名录中选择授予单位"),
        ({"institution": "宁夏大学", "discipline": "化学"}, "key_institution", "授予单位“宁夏大学”不在重点院校名录中"),
        (
            {"institution": "清华大学", "discipline": "电气工程"},
            "key_discipline_name",
            "“电气工程”不是清华大学在名录中的重点学科(名录中的重点学科:机械工程、计算机科学与技术)",
        ),
        ({"institution": "清华大学"}, "key_discipline_name", "“(未填写学科)”不是清华大学在名录中的重点学科"),
    ],
    ids=["no-institution", "unlisted-institution", "unlisted-discipline", "no-discipline"],
)
def test_unlisted_claims_are_refused_and_nothing_is_written(
    empty_key_list, ent_user_a, zhang, key_reference, details, code, message
):
    with pytest.raises(ServiceError) as exc:
        _master(ent_user_a, zhang, **details)
    assert exc.value.code == code
    assert message in exc.value.zh
    assert exc.value.record == "研发人员 张三(110101********7571)的学位"
    assert not Degree.objects.exists()


def test_inactive_discipline_or_institution_is_refused(ent_user_a, system, zhang, key_reference):
    key_ref.key_discipline_upsert(actor=system, institution=key_reference["清华大学"], name="机械工程", is_active=False)
    with pytest.raises(ServiceError) as exc:
        _master(ent_user_a, zhang, institution="清华大学", discipline="机械工程")
    assert exc.value.code == "key_discipline_name"
    key_ref.key_institution_upsert(actor=system, name="西安交通大学", code="10698", is_active=False)
    with pytest.raises(ServiceError) as exc:
        _master(ent_user_a, zhang, institution="西安交通大学", discipline="电气工程")
    assert exc.value.code == "key_institution"
    assert not Degree.objects.exists()


def test_claims_without_the_key_flag_or_for_other_levels_need_no_listing(ent_user_a, zhang):
    services.degree_upsert(
        actor=ent_user_a,
        researcher=zhang,
        level="master",
        full_time=True,
        awarded_on=D(2016, 7, 1),
        institution="宁夏大学",
        discipline="化学",
    )
    services.degree_upsert(
        actor=ent_user_a,
        researcher=zhang,
        level="doctorate",
        full_time=True,
        awarded_on=D(2019, 7, 1),
        key_discipline=True,
        institution="宁夏大学",
    )
    assert Degree.objects.count() == 2


def test_scenario_degrees_keep_arriving_verified_without_an_institution(db):
    import_scenario(
        {
            "researchers": [
                {
                    "id_type": "resident_id",
                    "id_number": "110101199003077571",
                    "name": "张三",
                    "degrees": [
                        {"level": "master", "full_time": True, "key_discipline": True, "awarded_on": "2016-07-01"}
                    ],
                }
            ]
        }
    )
    d = Degree.objects.get()
    assert (d.key_discipline, d.institution, d.verified_at is not None) == (True, "", True)


def test_web_form_refusal_sits_next_to_the_field(empty_key_list, client, ent_user_a, centre_a, enrol, key_reference):
    r, _c = enrol(centre_a)
    client.force_login(ent_user_a)
    url = reverse("talent:degree_create", args=[r.pk])
    base = {"level": "master", "full_time": "on", "key_discipline": "on", "awarded_on": "2016-07-01"}
    response = client.post(url, {**base, "key_institution": key_reference["清华大学"].pk, "discipline": "化学"})
    assert response.status_code == 200
    assert "不是清华大学在名录中的重点学科" in response.context["form"].errors["discipline"][0]
    response = client.post(url, {**base, "institution": "宁夏大学", "discipline": "化学"})
    assert "不在重点院校名录中" in response.context["form"].errors["key_institution"][0]
    assert not r.degrees.filter(level="master").exists()
    response = client.post(url, {**base, "key_institution": key_reference["清华大学"].pk, "discipline": "机械工程"})
    assert response.status_code == 302
    assert r.degrees.get(level="master").key_institution == key_reference["清华大学"]


def test_api_validates_the_named_institution(empty_key_list, ent_user_a, centre_a, enrol, key_reference):
    r, _c = enrol(centre_a)
    api = APIClient()
    api.force_authenticate(ent_user_a)
    body = {
        "researcher": r.pk,
        "level": "master",
        "awarded_on": "2016-07-01",
        "key_discipline": True,
        "discipline": "电气工程",
    }
    refused = api.post("/api/v1/degrees/", {**body, "institution": "宁夏大学"}, format="json")
    assert refused.status_code == 400 and "不在重点院校名录中" in refused.content.decode()
    ok = api.post("/api/v1/degrees/", {**body, "institution": "10698"}, format="json")
    assert ok.status_code == 201, ok.content
    assert ok.json()["institution"] == "西安交通大学"


def test_roster_row_names_the_refused_institution_in_its_column(empty_key_list, ent_user_a, centre_a, key_reference):
    row = [
        "王五",
        "",
        "11010119900101004x",
        "",
        "",
        "",
        "硕士",
        "是",
        "宁夏大学",
        "化学",
        "是",
        "2010-07-01",
        "否",
        "2024-05-01",
        "2029-04-30",
    ]
    upload = roster.roster_preview(actor=ent_user_a, centre=centre_a, filename="r.xlsx", raw=xlsx([row]))
    assert [(e["row"], e["column"]) for e in upload.errors] == [(2, "授予单位")]
    assert "宁夏大学" in upload.errors[0]["message"]
    assert HEADER[8] == "授予单位"
