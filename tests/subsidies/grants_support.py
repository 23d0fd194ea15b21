"""Fixtures for the grants tests: a Yinchuan enterprise with an independent and a joint centre filed at
both levels, another enterprise, reviewers at both levels. Data made through the services."""

import datetime as dt
import random

import pytest

from accounts.models import Role
from registry import services as registry
from subsidies.demo import resident_id
from subsidies.models import Programme
from talent import services as talent
from tests.registry.conftest import pdf_bytes, upload
from tests.subsidies.builders import enterprise_uscc


def doc(name="批复文件.pdf"):
    return upload(name, pdf_bytes(name))


def make_centre(*, actor, enterprise, ref, kind="independent", regional="approved", yinchuan="approved"):
    centre = registry.centre_upsert(
        actor=actor,
        ref=ref,
        enterprise=enterprise,
        name=f"{ref}研发中心",
        city="上海",
        division_code="310115",
        kind=kind,
    )
    if regional:
        registry.filing_import_decided(
            actor=actor,
            centre=centre,
            level="regional",
            status=regional,
            effective_from=dt.date(2024, 3, 1),
            effective_to=dt.date(2024, 12, 31) if regional == "revoked" else None,
        )
    if yinchuan:
        registry.filing_import_decided(
            actor=actor, centre=centre, level="yinchuan", status=yinchuan, effective_from=dt.date(2023, 1, 1)
        )
    return centre


def make_researcher(*, actor, centre, seed=1, name="王博士", doctorate=False):
    """A researcher with an open-ended full-time contract from 2024-04-01; `doctorate`: also a verified
    full-time doctorate (what NX-PDF needs), "unverified" for one awaiting verification."""
    number = resident_id(random.Random(seed), set())
    r = talent.researcher_upsert(actor=actor, id_type="resident_id", id_number=number, name=name)
    talent.contract_upsert(
        actor=actor, researcher=r, centre=centre, full_time=True, start=dt.date(2024, 4, 1), end=None
    )
    if doctorate:
        talent.degree_upsert(
            actor=actor,
            researcher=r,
            level="doctorate",
            full_time=True,
            awarded_on=dt.date(2020, 7, 1),
            verified=doctorate is True,
        )
    return r


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


@pytest.fixture
def owner(make_user):
    return make_user("g-owner", Role.ENTERPRISE, full_name="张企业", email="owner@example.cn")


@pytest.fixture
def other_owner(make_user):
    return make_user("g-other", Role.ENTERPRISE, full_name="李企业")


@pytest.fixture
def reg1(make_user):
    return make_user("g-reg1", Role.REGIONAL_REVIEWER, full_name="区审核一")


@pytest.fixture
def reg2(make_user):
    return make_user("g-reg2", Role.REGIONAL_REVIEWER, full_name="区审核二")


@pytest.fixture
def yc1(make_user):
    return make_user("g-yc1", Role.YINCHUAN_REVIEWER, full_name="市审核一")


@pytest.fixture
def yc2(make_user):
    return make_user("g-yc2", Role.YINCHUAN_REVIEWER, full_name="市审核二")


@pytest.fixture
def enterprise(system, owner):
    ent = registry.enterprise_upsert(
        actor=system,
        uscc=enterprise_uscc("91640106MA76GR001"),
        name="银川威力传动技术股份有限公司",
        division_code="640106",
    )
    registry.membership_add(actor=system, enterprise=ent, user=owner, is_owner=True)
    return ent


@pytest.fixture
def other_enterprise(system, other_owner):
    ent = registry.enterprise_upsert(
        actor=system,
        uscc=enterprise_uscc("91640106MA76GR002"),
        name="宁夏隆基宁光仪表股份有限公司",
        division_code="640106",
    )
    registry.membership_add(actor=system, enterprise=ent, user=other_owner, is_owner=True)
    return ent


@pytest.fixture
def independent(system, enterprise):
    return make_centre(actor=system, enterprise=enterprise, ref="GR-IND")


@pytest.fixture
def joint(system, enterprise):
    return make_centre(actor=system, enterprise=enterprise, ref="GR-JNT", kind="joint")


def programme(code):
    return Programme.objects.get(code=code)
