"""A centre's eligibility facts (kind, partner, city, division) are frozen once a filing of it has gone to
review or was ever approved (POLICY §1–2); everything else stays editable. Same values are no change."""

import datetime as dt

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.errors import ServiceError
from registry import services
from registry.models import Centre
from subsidies.scenario import ScenarioError, import_scenario
from tests.registry.conftest import uscc

FROZEN = ("kind", "partner_institution", "city", "division_code")


def _facts(centre):
    centre = Centre.objects.get(pk=centre.pk)
    return {f: getattr(centre, f) for f in FROZEN + ("address", "rd_fields", "headcount")}


def test_draft_filing_leaves_the_facts_editable(owner, centre):
    services.filing_create(actor=owner, centre=centre, level="regional")
    services.centre_update(actor=owner, centre=centre, city="北京", division_code="110108")
    assert (Centre.objects.get(pk=centre.pk).city, Centre.objects.get(pk=centre.pk).division_code) == ("北京", "110108")


@pytest.mark.parametrize(
    "change, label",
    [
        ({"kind": "joint", "partner_institution": "复旦大学"}, "机构类型、合作高校/院所"),
        ({"city": "银川", "division_code": "640106"}, "所在城市、所在地区划代码"),
        ({"division_code": "640106"}, "所在地区划代码"),
    ],
    ids=["to-joint", "into-ningxia", "division-only"],
)
def test_submitted_filing_freezes_the_facts(owner, centre, submitted, change, label):
    before = _facts(centre)
    with pytest.raises(ServiceError) as exc:
        services.centre_update(actor=owner, centre=centre, **change)
    assert exc.value.code == "centre_filed"
    assert exc.value.zh == f"研发中心“威力传动上海研发中心”已提交备案,不能修改{label};如情况变化请重新备案"
    assert exc.value.record == f"研发中心 {centre.ref}"
    assert _facts(centre) == before


def test_other_fields_and_unchanged_facts_stay_editable(owner, centre, submitted):
    services.centre_update(
        actor=owner,
        centre=centre,
        address="浦东新区张江路2号",
        rd_fields="传动控制",
        headcount=31,
        name="威力传动上海研究院",
        kind="independent",
        city="上海",
        division_code="310115",
    )
    after = Centre.objects.get(pk=centre.pk)
    assert (after.address, after.rd_fields, after.headcount, after.name, after.kind, after.city) == (
        "浦东新区张江路2号",
        "传动控制",
        31,
        "威力传动上海研究院",
        "independent",
        "上海",
    )


def test_an_approved_then_revoked_and_refiled_centre_stays_frozen(system, owner, centre):
    filing = services.filing_import_decided(
        actor=system, centre=centre, level="regional", status="approved", effective_from=dt.date(2024, 3, 1)
    )
    with pytest.raises(ServiceError):
        services.centre_update(actor=owner, centre=centre, kind="joint", partner_institution="复旦大学")
    filing.status, filing.ever_approved = "draft", True  # as after revoke + filing_create (kept ever_approved)
    filing.save()
    with pytest.raises(ServiceError):
        services.centre_update(actor=owner, centre=centre, city="杭州", division_code="330106")
    assert Centre.objects.get(pk=centre.pk).kind == "independent"


def test_edit_page_shows_the_refusal_next_to_the_field(client, owner, centre, submitted):
    client.force_login(owner)
    url = reverse("registry:centre_edit", args=[centre.pk])
    page = client.get(url)
    assert "该中心已提交备案" in page.content.decode()
    response = client.post(
        url,
        {
            "name": centre.name,
            "kind": "joint",
            "partner_institution": "复旦大学",
            "city": "上海",
            "division_code": "310115",
            "address": "浦东新区张江路9号",
            "headcount": 30,
        },
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors["kind"] == [
        "研发中心“威力传动上海研发中心”已提交备案,不能修改机构类型、合作高校/院所;如情况变化请重新备案"
    ]
    assert "partner_institution" in form.errors and "city" not in form.errors
    assert Centre.objects.get(pk=centre.pk).address == "浦东新区张江路1号"  # nothing saved


def test_api_patch_refuses_a_filed_fact_and_accepts_the_address(owner, centre, submitted):
    api = APIClient()
    api.force_authenticate(owner)
    url = f"/api/v1/centres/{centre.pk}/"
    refused = api.patch(url, {"division_code": "640106", "city": "银川"}, format="json")
    assert refused.status_code == 400
    assert "已提交备案,不能修改所在城市、所在地区划代码" in refused.content.decode()
    assert Centre.objects.get(pk=centre.pk).division_code == "310115"
    ok = api.patch(url, {"address": "浦东新区张江路3号"}, format="json")
    assert ok.status_code == 200, ok.content
    assert Centre.objects.get(pk=centre.pk).address == "浦东新区张江路3号"


def _scenario(kind="independent", city="上海", division="310115"):
    ent = uscc("91640106MA76WLXX1")
    return {
        "enterprises": [{"uscc": ent, "name": "银川威力传动", "division_code": "640106"}],
        "centres": [
            {
                "ref": "WL-SH",
                "enterprise": ent,
                "name": "威力传动上海研发中心",
                "city": city,
                "division_code": division,
                "kind": kind,
                "partner_institution": "",
                "filings": [{"level": "regional", "status": "approved", "effective_from": "2024-03-01"}],
            }
        ],
    }


def test_scenario_reimport_of_the_same_centre_is_no_change(db):
    import_scenario(_scenario())
    import_scenario(_scenario())
    assert Centre.objects.get(ref="WL-SH").kind == "independent"


def test_scenario_changing_a_filed_centres_kind_is_refused(db):
    import_scenario(_scenario())
    with pytest.raises(ScenarioError) as exc:
        import_scenario(_scenario(kind="joint"))
    assert "不能修改机构类型" in str(exc.value)
    assert Centre.objects.get(ref="WL-SH").kind == "independent"
