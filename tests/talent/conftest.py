"""Talent fixtures: two enterprises with one filed independent centre each, their users, staff."""

import datetime as dt

import pytest

from accounts.models import Role
from registry import services as registry_services
from registry.identifiers import uscc_check_char
from registry.models import Membership
from talent import key_reference as key_ref
from talent import services


def uscc(body17: str) -> str:
    return body17 + uscc_check_char(body17)


@pytest.fixture
def make_centre(system):
    def make(*, ref: str, uscc_body: str, kind: str = "independent", filed_from=dt.date(2024, 1, 1)):
        ent = registry_services.enterprise_upsert(
            actor=system, uscc=uscc(uscc_body), name=f"{ref}依托企业", division_code="640106"
        )
        centre = registry_services.centre_upsert(
            actor=system, ref=ref, enterprise=ent, name=f"{ref}研发中心", city="上海", division_code="310115", kind=kind
        )
        if filed_from:
            registry_services.filing_import_decided(
                actor=system, centre=centre, level="regional", status="approved", effective_from=filed_from
            )
        return centre

    return make


@pytest.fixture
def centre_a(make_centre):
    return make_centre(ref="WL-SH", uscc_body="91640106MA76WL001")


@pytest.fixture
def centre_b(make_centre):
    return make_centre(ref="LJ-HZ", uscc_body="91640106MA76LJ002")


@pytest.fixture
def ent_user_a(make_user, centre_a):
    user = make_user("ent_a", Role.ENTERPRISE, full_name="甲企业经办人")
    Membership.objects.create(enterprise=centre_a.enterprise, user=user, is_owner=True)
    return user


@pytest.fixture
def ent_user_b(make_user, centre_b):
    user = make_user("ent_b", Role.ENTERPRISE, full_name="乙企业经办人")
    Membership.objects.create(enterprise=centre_b.enterprise, user=user, is_owner=True)
    return user


@pytest.fixture
def reviewer(make_user):
    return make_user("rev1", Role.REGIONAL_REVIEWER, full_name="审核员一")


@pytest.fixture
def admin_user(make_user):
    return make_user("admin1", Role.ADMIN, full_name="管理员")


ZHANG = "110101199003077571"


@pytest.fixture
def enrol(system):
    """A researcher with a verified full-time doctorate and a contract at the centre (through services)."""

    def make(
        centre,
        *,
        id_number=ZHANG,
        name="张三",
        start=dt.date(2024, 4, 1),
        end=dt.date(2029, 3, 31),
        full_time=True,
        verified=True,
        actor=None,
    ):
        actor = actor or system
        r = services.researcher_upsert(actor=actor, id_type="resident_id", id_number=id_number, name=name)
        degree = services.degree_upsert(
            actor=system,
            researcher=r,
            level="doctorate",
            full_time=True,
            awarded_on=dt.date(2019, 7, 1),
            verified=verified,
        )
        if not verified:
            with_certificate(degree)  # what a reviewer checks it against
        c = services.contract_upsert(
            actor=actor, researcher=r, centre=centre, full_time=full_time, start=start, end=end
        )
        return r, c

    return make


@pytest.fixture
def key_reference(db, system):
    """The key-institution list (POLICY §3.3) with the institutions and disciplines the tests' rows use."""
    listed = {}
    for name, code, disciplines in [
        ("清华大学", "10003", ["机械工程", "计算机科学与技术"]),
        ("西安交通大学", "10698", ["电气工程"]),
    ]:
        inst = key_ref.key_institution_upsert(actor=system, name=name, code=code)
        for d in disciplines:
            key_ref.key_discipline_upsert(actor=system, institution=inst, name=d)
        listed[name] = inst
    return listed


@pytest.fixture
def empty_key_list(db):
    """The key-institution list without the entries the portal ships (talent migration 0004), for tests that
    build the list they need from nothing."""
    from talent.models import KeyDiscipline, KeyInstitution

    KeyDiscipline.objects.all().delete()
    KeyInstitution.objects.all().delete()


def with_certificate(degree, name: str = "证书.png"):
    """Give a degree claim a certificate as its enterprise uploads one (a reviewer verifies none without)."""
    from django.core.files.base import ContentFile

    from tests.registry.conftest import pdf_bytes, png_bytes

    data = pdf_bytes() if name.endswith(".pdf") else png_bytes()
    degree.certificate.save(name, ContentFile(data), save=True)
    return degree
