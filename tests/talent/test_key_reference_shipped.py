"""POLICY §3.3 on a fresh install: the key-institution list ships with the portal (the second-round 双一流
list of 2022, cited and dated), a degree is checked against the entries in force on its award date, entries
that are not certain wait as 待核实, and staff maintain the list on a page (audited)."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db.models import Q
from django.urls import reverse

from accounts.errors import ServiceError
from subsidies.parameters.services import parameter_timeline
from subsidies.reporting import panels as stipend_panels
from subsidies.rules.stipend import month_index, stipend_due
from subsidies.selectors import person_facts
from talent import key_reference as key_ref
from talent import services
from talent.models import Degree, KeyDiscipline, KeyInstitution, ReferenceStatus
from tests.registry.conftest import png_bytes, upload

D = dt.date


def test_the_shipped_list_is_the_2022_double_first_class_list_cited_and_dated(db):
    assert KeyInstitution.objects.count() == 147
    assert not KeyInstitution.objects.filter(source="").exists()
    assert set(KeyInstitution.objects.values_list("source_date", flat=True)) == {D(2022, 2, 14)}
    assert "教研函〔2022〕1号" in KeyInstitution.objects.get(name="宁夏大学").source
    ningxia = KeyDiscipline.objects.get(institution__name="宁夏大学")
    assert (ningxia.name, ningxia.status) == ("化学工程与技术", ReferenceStatus.CONFIRMED)
    # uncertain disciplines are shipped as pending, never silently as confirmed
    pending = KeyDiscipline.objects.filter(status=ReferenceStatus.PENDING)
    assert pending.exists() and all("待核实" in d.note for d in pending)
    # a university whose disciplines are not shipped says so
    assert "建设学科" in KeyInstitution.objects.get(name="复旦大学").note


def _enrol_master(client, researcher, institution, discipline, awarded_on="2016-07-01"):
    inst = KeyInstitution.objects.get(name=institution)
    return client.post(
        reverse("talent:degree_create", args=[researcher.pk]),
        {
            "level": "master",
            "full_time": "on",
            "key_institution": inst.pk,
            "discipline": discipline,
            "key_discipline": "on",
            "awarded_on": awarded_on,
            "certificate": upload("硕士证书.png", png_bytes()),
        },
    )


def _researcher_with_contract(system, centre):
    r = services.researcher_upsert(actor=system, id_type="resident_id", id_number="110101199003077571", name="张三")
    services.contract_upsert(actor=system, researcher=r, centre=centre, full_time=True, start=D(2024, 4, 1), end=None)
    return r


def test_a_key_discipline_master_reaches_the_3000_tier_through_the_web_on_shipped_data(
    client, system, centre_a, ent_user_a, reviewer
):
    r = _researcher_with_contract(system, centre_a)
    client.force_login(ent_user_a)
    resp = _enrol_master(client, r, "宁夏大学", "化学工程与技术")
    assert resp.status_code == 302, resp.content.decode()[:2000]
    degree = Degree.objects.get(researcher=r, level="master")
    assert degree.key_institution.name == "宁夏大学" and degree.verified_at is None
    client.force_login(reviewer)
    assert client.post(reverse("talent:degree_verify", args=[degree.pk])).status_code == 302
    status = stipend_panels.stipend_statuses([r.pk], as_of=D(2024, 8, 10))[r.pk].status
    assert (status.tier, status.next_payable) == ("master", "2024-04")
    facts = person_facts(Q(id=r.pk))[r.pk]
    due = stipend_due(facts, through=month_index(D(2024, 6, 1)), paid=frozenset(), params=parameter_timeline())
    assert [(m.explanation["service_month"], m.tier, m.amount) for m in due.months] == [
        ("2024-04", "master", Decimal("3000.00")),
        ("2024-05", "master", Decimal("3000.00")),
        ("2024-06", "master", Decimal("3000.00")),
    ]


def test_a_pending_discipline_does_not_count_until_staff_confirm_it(client, system, centre_a, ent_user_a):
    r = _researcher_with_contract(system, centre_a)
    client.force_login(ent_user_a)
    resp = _enrol_master(client, r, "新疆大学", "化学")
    assert resp.status_code == 200
    assert "尚待科技厅核实" in resp.content.decode()
    assert not Degree.objects.filter(researcher=r).exists()
    inst = KeyInstitution.objects.get(name="新疆大学")
    key_ref.key_discipline_upsert(actor=system, institution=inst, name="化学", status=ReferenceStatus.CONFIRMED)
    assert _enrol_master(client, r, "新疆大学", "化学").status_code == 302


def test_a_degree_is_checked_against_the_entry_in_force_on_its_award_date(db, system, reviewer):
    zhang = services.researcher_upsert(actor=system, id_type="resident_id", id_number="110101199003077571", name="张三")
    disc = KeyDiscipline.objects.get(institution__name="宁夏大学", name="化学工程与技术")
    key_ref.key_reference_retire(actor=reviewer, entry=disc, valid_to=D(2025, 6, 30), reason="调整出建设名单")
    inst = KeyInstitution.objects.get(name="宁夏大学")

    def master(awarded_on):
        return services.degree_upsert(
            actor=reviewer,
            researcher=zhang,
            level="master",
            full_time=True,
            awarded_on=awarded_on,
            key_discipline=True,
            key_institution=inst,
            discipline="化学工程与技术",
        )

    assert master(D(2025, 6, 30)).key_institution == inst
    with pytest.raises(ServiceError) as exc:
        master(D(2025, 7, 1))
    assert "有效期为不限至2025-06-30,不含学位授予日期2025-07-01" in exc.value.zh
    assert Degree.objects.count() == 1
    disc.refresh_from_db()
    assert disc.note == "停用:调整出建设名单"
    with pytest.raises(ServiceError):
        key_ref.key_reference_retire(actor=reviewer, entry=disc, valid_to=D(2025, 6, 30), reason=" ")


def test_staff_add_edit_and_retire_entries_on_the_page_audited(client, reviewer, ent_user_a):
    client.force_login(ent_user_a)
    assert client.get(reverse("talent:key_institution_create")).status_code == 403
    client.force_login(reviewer)
    resp = client.post(
        reverse("talent:key_institution_create"),
        {
            "inst-name": "示例理工大学",
            "inst-code": "19999",
            "inst-status": "confirmed",
            "inst-source": "教育部通知",
            "inst-source_date": "2024-01-05",
            "inst-valid_from": "2024-01-05",
            "inst-valid_to": "",
            "inst-note": "",
        },
    )
    inst = KeyInstitution.objects.get(name="示例理工大学")
    assert resp.status_code == 302 and resp["Location"] == reverse("talent:key_institution_edit", args=[inst.pk])
    assert (inst.code, inst.valid_from, inst.source) == ("19999", D(2024, 1, 5), "教育部通知")
    resp = client.post(
        reverse("talent:key_discipline_save", args=[inst.pk]),
        {
            "disc-name": "力学",
            "disc-status": "pending",
            "disc-source": "",
            "disc-source_date": "",
            "disc-valid_from": "2024-01-05",
            "disc-valid_to": "2023-01-01",
            "disc-note": "",
        },
    )
    assert resp.status_code == 400 and "失效日期不能早于生效日期" in resp.content.decode()
    assert not inst.disciplines.exists()
    resp = client.post(
        reverse("talent:key_discipline_save", args=[inst.pk]),
        {
            "disc-name": "力学",
            "disc-status": "pending",
            "disc-source": "",
            "disc-source_date": "",
            "disc-valid_from": "",
            "disc-valid_to": "",
            "disc-note": "待核实",
        },
    )
    assert resp.status_code == 302
    disc = inst.disciplines.get()
    page = client.get(reverse("talent:key_institution_edit", args=[inst.pk])).content.decode()
    assert "力学" in page and "待核实" in page
    resp = client.post(
        reverse("talent:key_discipline_retire", args=[inst.pk, disc.pk]),
        {"retire-valid_to": "2026-06-30", "retire-reason": "名单调整"},
    )
    assert resp.status_code == 302
    disc.refresh_from_db()
    assert disc.valid_to == D(2026, 6, 30)
    events = list(disc.events.order_by("pgh_id").values_list("pgh_label", "valid_to", "pgh_context__metadata"))
    assert [(e[0], e[1]) for e in events] == [("insert", None), ("update", D(2026, 6, 30))]
    assert events[-1][2]["username"] == "rev1"
    listing = client.get(reverse("talent:key_institution_list") + "?q=示例理工").content.decode()
    assert "示例理工大学" in listing and "教育部通知" in listing
