"""Issue 12 item 1: a researcher is one record across employers, and one enterprise cannot rewrite
another's. Enterprise A registered 张三 with a verified doctorate (certificate uploaded by A) and a
full-time contract; enterprise B knows the full ID number and name. Through the services, the REST API,
the HTML forms and the roster import, B may add only its own contract and its own pending claims; A's
identity, verified degree and certificate stay A's; refusals name nothing of A's records."""

import datetime as dt
import io

import pytest
from django.urls import reverse

from accounts.errors import ServiceError
from subsidies.reporting import panels as stipend_panels
from talent import roster, selectors, services
from talent.models import Contract, Degree, Researcher
from tests.api.conftest import login_client
from tests.registry.conftest import pdf_bytes, upload

from .conftest import ZHANG

D = dt.date
NEUTRAL = "该人员已在其他单位登记,如信息有误请联系科技厅核实"


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)


@pytest.fixture
def a_world(db, centre_a, ent_user_a, reviewer):
    """A's researcher: verified doctorate claimed by A with its certificate, full-time contract 2026-2031."""
    contract = services.researcher_enrol(
        actor=ent_user_a,
        centre=centre_a,
        id_type="resident_id",
        id_number=ZHANG,
        name="张三",
        full_time=True,
        start=D(2024, 4, 1),
        end=D(2031, 12, 31),
        details={"nationality": "中国", "phone": "13900001111"},
    )
    r = contract.researcher
    doctorate = services.degree_upsert(
        actor=ent_user_a,
        researcher=r,
        level="doctorate",
        full_time=True,
        awarded_on=D(2019, 7, 1),
        institution="清华大学",
        discipline="机械工程",
        certificate=upload("博士证书.pdf", pdf_bytes("A的证书")),
    )
    services.degree_verify(actor=reviewer, degree=doctorate)
    doctorate.refresh_from_db()
    return {"researcher": r, "doctorate": doctorate, "contract": contract}


def _unchanged(a_world):
    r, doctorate = a_world["researcher"], a_world["doctorate"]
    r.refresh_from_db()
    assert (r.name, r.nationality, r.phone) == ("张三", "中国", "13900001111")
    fresh = Degree.objects.get(pk=doctorate.pk)
    assert fresh.verified_at == doctorate.verified_at and fresh.verified_by_id == doctorate.verified_by_id
    assert (fresh.institution, fresh.discipline, fresh.certificate.name) == (
        "清华大学",
        "机械工程",
        doctorate.certificate.name,
    )
    status = stipend_panels.stipend_statuses([r.pk], as_of=D(2026, 6, 1))[r.pk]
    assert status.status.tier == "doctorate", status.reasons


def _mentions_a(text: str, a_world) -> bool:
    c = a_world["contract"]
    return any(s in text for s in (f"编号{c.pk}", "2024-04-01", "2031-12-31", "WL-SH", "13900001111", "清华大学"))


# --- services ----------------------------------------------------------------------------------------


def test_b_links_its_own_contract_and_claims_without_touching_a(a_world, centre_b, ent_user_b, reviewer):
    r = a_world["researcher"]
    contract = services.researcher_enrol(
        actor=ent_user_b,
        centre=centre_b,
        id_type="resident_id",
        id_number=ZHANG,
        name="张三",
        full_time=False,
        start=D(2025, 1, 1),
        end=None,
        details={"phone": "13700000000", "email": "b@example.com"},
    )
    assert contract.researcher_id == r.pk and Researcher.objects.count() == 1
    # B's doctorate, as B sees it: a separate claim waiting for a reviewer
    claim = services.degree_upsert(
        actor=ent_user_b,
        researcher=r,
        level="doctorate",
        full_time=True,
        awarded_on=D(2019, 7, 1),
        institution="北京大学",
        certificate=upload("b.pdf", pdf_bytes("B的证书")),
    )
    assert claim.pk != a_world["doctorate"].pk and claim.claimed_by == centre_b.enterprise
    assert claim.verified_at is None
    _unchanged(a_world)
    # B sees its own contract and claim, never A's
    assert list(selectors.researcher_contracts(actor=ent_user_b, researcher=r)) == [contract]
    assert list(selectors.degrees_of(actor=ent_user_b, researcher=r)) == [claim]
    assert not selectors.shows_contact_details(actor=ent_user_b, researcher=r)
    assert selectors.may_see_certificate(actor=ent_user_b, degree=claim)
    assert not selectors.may_see_certificate(actor=ent_user_b, degree=a_world["doctorate"])
    assert set(selectors.degrees_of(actor=reviewer, researcher=r)) == {claim, a_world["doctorate"]}
    # the stipend still reads the best verified degree; a verified B claim is a second verified degree
    services.degree_verify(actor=reviewer, degree=claim)
    _unchanged(a_world)


def test_b_cannot_rename_or_renationalise_a_researcher(a_world, centre_b, ent_user_b):
    services.researcher_enrol(
        actor=ent_user_b,
        centre=centre_b,
        id_type="resident_id",
        id_number=ZHANG,
        name="张三",
        full_time=False,
        start=D(2025, 1, 1),
        end=None,
    )
    for name, nationality in [("张叁", "美国"), ("张三", "美国"), ("李四", "")]:
        with pytest.raises(ServiceError) as exc:
            services.researcher_enrol(
                actor=ent_user_b,
                centre=centre_b,
                id_type="resident_id",
                id_number=ZHANG,
                name=name,
                full_time=False,
                start=D(2026, 1, 1),
                end=None,
                details={"nationality": nationality},
            )
        assert exc.value.code == "registered_elsewhere" and exc.value.zh == NEUTRAL
        assert "已登记为其他姓名" not in str(exc.value) and not _mentions_a(str(exc.value), a_world)
    with pytest.raises(ServiceError) as exc:
        services.researcher_update(actor=ent_user_b, researcher=a_world["researcher"], name="张叁")
    assert exc.value.zh == NEUTRAL
    _unchanged(a_world)
    assert Contract.objects.filter(researcher=a_world["researcher"]).count() == 2


def test_an_unknown_person_is_refused_like_a_mismatch_without_confirming_the_id(a_world, centre_b, ent_user_b):
    with pytest.raises(ServiceError) as exc:
        services.researcher_enrol(
            actor=ent_user_b,
            centre=centre_b,
            id_type="resident_id",
            id_number=ZHANG,
            name="王五",
            full_time=False,
            start=D(2025, 1, 1),
            end=None,
        )
    assert exc.value.zh == NEUTRAL and "110101" not in str(exc.value)
    _unchanged(a_world)


def test_a_verified_degree_is_not_unverified_by_another_employer_relying_on_it(
    a_world, centre_b, ent_user_a, ent_user_b
):
    services.researcher_enrol(
        actor=ent_user_b,
        centre=centre_b,
        id_type="resident_id",
        id_number=ZHANG,
        name="张三",
        full_time=False,
        start=D(2025, 1, 1),
        end=None,
    )
    # B re-entering the same degree without a certificate, or with other details: never A's row
    for details in ({}, {"institution": "清华大学", "discipline": "机械工程"}, {"institution": "北京大学"}):
        services.degree_upsert(
            actor=ent_user_b,
            researcher=a_world["researcher"],
            level="doctorate",
            full_time=True,
            awarded_on=D(2019, 7, 1),
            **details,
        )
    _unchanged(a_world)
    assert Degree.objects.filter(claimed_by=centre_b.enterprise).count() == 1
    # A's own change of its verified claim, now that B relies on the person, is the bureau's to make
    with pytest.raises(ServiceError) as exc:
        services.degree_upsert(
            actor=ent_user_a,
            researcher=a_world["researcher"],
            level="doctorate",
            full_time=True,
            awarded_on=D(2019, 7, 1),
            institution="北京大学",
        )
    assert exc.value.code == "degree_verified" and NEUTRAL in exc.value.zh
    _unchanged(a_world)
    # an enterprise cannot mark its own claim verified
    with pytest.raises(ServiceError) as exc:
        services.degree_upsert(
            actor=ent_user_b,
            researcher=a_world["researcher"],
            level="master",
            full_time=True,
            awarded_on=D(2016, 7, 1),
            verified=True,
        )
    assert exc.value.status == 403


def test_overlap_with_another_employer_names_nothing_of_it(a_world, centre_b, ent_user_a, ent_user_b):
    r = a_world["researcher"]
    services.researcher_enrol(
        actor=ent_user_b,
        centre=centre_b,
        id_type="resident_id",
        id_number=ZHANG,
        name="张三",
        full_time=False,
        start=D(2025, 1, 1),
        end=None,
    )
    with pytest.raises(ServiceError) as exc:
        services.contract_upsert(
            actor=ent_user_b, researcher=r, centre=centre_b, full_time=True, start=D(2026, 10, 1), end=None
        )
    assert exc.value.code == "contract_overlap" and NEUTRAL in exc.value.zh
    assert not _mentions_a(str(exc.value), a_world) and "编号" not in str(exc.value)
    # the employer's own contract is still named
    with pytest.raises(ServiceError) as exc:
        services.contract_upsert(
            actor=ent_user_a,
            researcher=r,
            centre=a_world["contract"].centre,
            full_time=True,
            start=D(2026, 10, 1),
            end=None,
        )
    assert f"编号{a_world['contract'].pk}" in exc.value.zh


def test_staff_correct_the_identity_and_the_correction_is_audited(a_world, centre_b, ent_user_b, admin_user):
    from talent.models import Researcher as R

    services.researcher_enrol(
        actor=ent_user_b,
        centre=centre_b,
        id_type="resident_id",
        id_number=ZHANG,
        name="张三",
        full_time=False,
        start=D(2025, 1, 1),
        end=None,
    )
    r = a_world["researcher"]
    assert not services.may_edit_identity(ent_user_b, r) and services.may_edit_identity(admin_user, r)
    services.researcher_update(actor=admin_user, researcher=r, name="张叁", nationality="中国")
    r.refresh_from_db()
    assert r.name == "张叁"
    event = R.pgh_event_model.objects.filter(pgh_obj=r, name="张叁").get()
    assert event.pgh_context.metadata["action"] == "researcher_correct"
    assert event.pgh_context.metadata["user"] == admin_user.pk


def test_the_registering_employer_edits_while_no_one_else_relies(a_world, centre_b, ent_user_a, ent_user_b):
    r = a_world["researcher"]
    services.researcher_update(actor=ent_user_a, researcher=r, name="张三", nationality="中国", phone="13900002222")
    r.refresh_from_db()
    assert r.phone == "13900002222"
    services.researcher_enrol(
        actor=ent_user_b,
        centre=centre_b,
        id_type="resident_id",
        id_number=ZHANG,
        name="张三",
        full_time=False,
        start=D(2025, 1, 1),
        end=None,
    )
    with pytest.raises(ServiceError) as exc:
        services.researcher_update(actor=ent_user_a, researcher=r, name="张叁")
    assert exc.value.zh == NEUTRAL


# --- REST API ------------------------------------------------------------------------------------------


def test_api_b_cannot_rewrite_or_read_a_records(a_world, centre_b, ent_user_b):
    r, doctorate = a_world["researcher"], a_world["doctorate"]
    api = login_client(ent_user_b)
    enrol = {
        "centre": centre_b.pk,
        "id_type": "resident_id",
        "id_number": ZHANG,
        "name": "张三",
        "full_time": False,
        "start": "2025-01-01",
    }
    resp = api.post("/api/v1/researchers/", enrol, format="json")
    assert resp.status_code == 201 and resp.json()["id"] == r.pk
    resp = api.post(
        "/api/v1/researchers/",
        {**enrol, "name": "John Zhang", "nationality": "美国", "start": "2026-01-01"},
        format="json",
    )
    assert resp.status_code == 400, resp.content
    error = resp.json()["error"]
    assert error["code"] == "registered_elsewhere" and error["message"] == NEUTRAL
    resp = api.post(
        "/api/v1/degrees/",
        {
            "researcher": r.pk,
            "level": "doctorate",
            "full_time": True,
            "awarded_on": "2019-07-01",
            "institution": "北京大学",
        },
        format="json",
    )
    assert resp.status_code == 201 and resp.json()["verified_at"] is None
    assert resp.json()["claimed_by"] == centre_b.enterprise.pk and resp.json()["id"] != doctorate.pk
    _unchanged(a_world)
    degrees = api.get("/api/v1/degrees/", {"researcher": r.pk}).json()
    listed = degrees["results"] if isinstance(degrees, dict) else degrees
    assert [d["id"] for d in listed] == [resp.json()["id"]]
    assert api.get(f"/api/v1/degrees/{doctorate.pk}/").status_code == 404
    contracts = api.get("/api/v1/contracts/", {"researcher": r.pk}).json()
    listed = contracts["results"] if isinstance(contracts, dict) else contracts
    assert a_world["contract"].pk not in [c["id"] for c in listed]
    overlap = api.post(
        "/api/v1/contracts/",
        {"researcher": r.pk, "centre": centre_b.pk, "full_time": True, "start": "2026-10-01"},
        format="json",
    )
    assert overlap.status_code == 400 and not _mentions_a(overlap.content.decode(), a_world)
    assert api.get(f"/api/v1/researchers/{r.pk}/").json()["name"] == "张三"


# --- pages ---------------------------------------------------------------------------------------------


def test_pages_b_cannot_rewrite_or_read_a_records(client, a_world, centre_b, ent_user_b):
    r, doctorate = a_world["researcher"], a_world["doctorate"]
    client.force_login(ent_user_b)
    form = {
        "id_type": "resident_id",
        "id_number": ZHANG,
        "name": "张三",
        "centre": centre_b.pk,
        "start": "2025-01-01",
        "end": "",
    }
    assert client.post(reverse("talent:researcher_create"), form).status_code == 302
    resp = client.post(
        reverse("talent:researcher_create"),
        {**form, "name": "John Zhang", "nationality": "美国", "start": "2026-01-01"},
    )
    page = resp.content.decode()
    assert resp.status_code == 200 and NEUTRAL in page and "已登记为其他姓名" not in page
    resp = client.post(
        reverse("talent:degree_create", args=[r.pk]),
        {
            "level": "doctorate",
            "full_time": "on",
            "institution": "北京大学",
            "awarded_on": "2019-07-01",
            "certificate": upload("b.pdf", pdf_bytes("B的证书")),
        },
    )
    assert resp.status_code == 302
    _unchanged(a_world)
    # A's certificate is not B's to download, even though B now employs the person
    assert client.get(reverse("talent:degree_certificate", args=[doctorate.pk])).status_code == 404
    own = Degree.objects.get(claimed_by=centre_b.enterprise)
    assert client.get(reverse("talent:degree_certificate", args=[own.pk])).status_code == 200
    detail = client.get(reverse("talent:researcher_detail", args=[r.pk])).content.decode()
    assert "北京大学" in detail and not _mentions_a(detail, a_world)
    assert reverse("talent:degree_certificate", args=[doctorate.pk]) not in detail
    # the edit page refuses with the neutral message and renames nothing
    resp = client.post(reverse("talent:researcher_edit", args=[r.pk]), {"name": "张叁", "nationality": "美国"})
    assert resp.status_code == 302
    assert NEUTRAL in client.get(resp["Location"]).content.decode()
    overlap = client.post(
        reverse("talent:contract_create", args=[r.pk]),
        {"centre": centre_b.pk, "full_time": "on", "start": "2026-10-01", "end": ""},
    )
    text = overlap.content.decode()
    assert "重叠" in text and NEUTRAL in text and not _mentions_a(text, a_world)
    _unchanged(a_world)


def test_staff_see_every_claim_and_certificate(client, a_world, centre_b, ent_user_b, reviewer):
    services.researcher_enrol(
        actor=ent_user_b,
        centre=centre_b,
        id_type="resident_id",
        id_number=ZHANG,
        name="张三",
        full_time=False,
        start=D(2025, 1, 1),
        end=None,
    )
    claim = services.degree_upsert(
        actor=ent_user_b,
        researcher=a_world["researcher"],
        level="doctorate",
        full_time=True,
        awarded_on=D(2019, 7, 1),
        institution="北京大学",
        certificate=upload("b.pdf", pdf_bytes("B的证书")),
    )
    client.force_login(reviewer)
    for degree in (a_world["doctorate"], claim):
        assert client.get(reverse("talent:degree_certificate", args=[degree.pk])).status_code == 200
    queue = client.get(reverse("talent:verification_queue")).content.decode()
    assert "北京大学" in queue and centre_b.enterprise.name in queue


# --- roster import -------------------------------------------------------------------------------------


def _roster(rows) -> bytes:
    import csv

    buf = io.StringIO()
    csv.writer(buf).writerows([[c.title for c in roster.COLUMNS], *rows])
    return buf.getvalue().encode("utf-8-sig")


def test_roster_b_cannot_rename_and_claims_separately(a_world, centre_b, ent_user_b):
    renamed = ["John Zhang", "居民身份证", ZHANG, "美国", "", "", "", "", "", "", "", "", "否", "2025-01-01", ""]
    upload_ = roster.roster_preview(actor=ent_user_b, centre=centre_b, filename="r.csv", raw=_roster([renamed]))
    assert [(e["column"], e["message"]) for e in upload_.errors] == [("姓名", NEUTRAL)]
    with pytest.raises(ServiceError):
        roster.roster_commit(actor=ent_user_b, upload=upload_)
    same = [
        "张三",
        "居民身份证",
        ZHANG,
        "",
        "13700000000",
        "",
        "博士",
        "是",
        "北京大学",
        "物理",
        "否",
        "2019-07-01",
        "否",
        "2025-01-01",
        "",
    ]
    overlapping = ["张三", "居民身份证", ZHANG, "", "", "", "", "", "", "", "", "", "是", "2026-10-01", ""]
    upload_ = roster.roster_preview(
        actor=ent_user_b, centre=centre_b, filename="r.csv", raw=_roster([same, overlapping])
    )
    assert len(upload_.errors) == 1 and upload_.errors[0]["row"] == 3
    assert not _mentions_a(upload_.errors[0]["message"], a_world)
    upload_ = roster.roster_preview(actor=ent_user_b, centre=centre_b, filename="r.csv", raw=_roster([same]))
    assert upload_.errors == []
    roster.roster_commit(actor=ent_user_b, upload=upload_)
    claim = Degree.objects.get(claimed_by=centre_b.enterprise)
    assert (claim.institution, claim.verified_at) == ("北京大学", None)
    _unchanged(a_world)


# --- the migration's backfill ----------------------------------------------------------------------------


def test_backfill_gives_existing_records_to_the_earliest_employer_but_leaves_imports_to_the_bureau(
    a_world, centre_b, system
):
    import importlib

    from django.db import connection

    backfill = importlib.import_module("talent.migrations.0005_shared_identity_and_degree_claims").BACKFILL
    imported = services.researcher_upsert(
        actor=system, id_type="resident_id", id_number="11010119900101004X", name="王五"
    )
    services.degree_upsert(
        actor=system, researcher=imported, level="doctorate", full_time=True, awarded_on=D(2018, 7, 1), verified=True
    )
    services.contract_upsert(
        actor=system, researcher=imported, centre=centre_b, full_time=True, start=D(2024, 4, 1), end=None
    )
    Researcher.objects.update(registered_by=None)  # as before the migration
    Degree.objects.update(claimed_by=None)
    with connection.cursor() as cur:
        cur.execute(backfill)
    r = a_world["researcher"]
    r.refresh_from_db()
    assert r.registered_by == a_world["contract"].centre.enterprise
    assert Degree.objects.get(pk=a_world["doctorate"].pk).claimed_by == a_world["contract"].centre.enterprise
    imported.refresh_from_db()
    assert imported.registered_by is None and imported.degrees.get().claimed_by is None
