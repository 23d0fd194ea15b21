"""Registry fixtures: two enterprises with their owners, reviewers at both levels, valid files."""

import struct
import zlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.models import Role
from registry import services
from registry.identifiers import uscc_check_char


def uscc(body17: str) -> str:
    return body17 + uscc_check_char(body17)


def png_bytes() -> bytes:
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)

    ihdr = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)
    idat = zlib.compress(b"\x00\x00")
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def pdf_bytes(text: str = "licence") -> bytes:
    return (
        b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Count 0/Kids[]>>endobj\n"
        b"% " + text.encode() + b"\ntrailer<</Root 1 0 R>>\n%%EOF\n"
    )


def jpeg_bytes() -> bytes:
    return b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x00" * 64 + b"\xff\xd9"


def upload(name: str, data: bytes) -> SimpleUploadedFile:
    f = SimpleUploadedFile("placeholder.bin", data, content_type="application/octet-stream")
    # Django's UploadedFile keeps only the basename; the API or another caller may not, so the service
    # must check the raw name itself
    f._name = name
    return f


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    return settings.MEDIA_ROOT


@pytest.fixture
def admin_user(make_user):
    return make_user("portal-admin", Role.ADMIN, full_name="管理员")


@pytest.fixture
def owner(make_user):
    return make_user("owner-a", Role.ENTERPRISE, full_name="张企业", email="owner-a@example.cn")


@pytest.fixture
def owner_b(make_user):
    return make_user("owner-b", Role.ENTERPRISE, full_name="李企业", email="owner-b@example.cn")


@pytest.fixture
def regional1(make_user):
    return make_user("reg1", Role.REGIONAL_REVIEWER, full_name="区审核一")


@pytest.fixture
def regional2(make_user):
    return make_user("reg2", Role.REGIONAL_REVIEWER, full_name="区审核二")


@pytest.fixture
def yinchuan1(make_user):
    return make_user("yc1", Role.YINCHUAN_REVIEWER, full_name="市审核一")


@pytest.fixture
def yinchuan2(make_user):
    return make_user("yc2", Role.YINCHUAN_REVIEWER, full_name="市审核二")


def make_enterprise(*, actor, owner, body17: str, name: str, division_code: str):
    ent = services.enterprise_upsert(actor=actor, uscc=uscc(body17), name=name, division_code=division_code)
    services.membership_add(actor=actor, enterprise=ent, user=owner, is_owner=True)
    return ent


@pytest.fixture
def enterprise(system, owner):
    """银川威力传动 in 金凤区 (Yinchuan): eligible at both levels."""
    return make_enterprise(
        actor=system,
        owner=owner,
        body17="91640100MA76ABCD1",
        name="银川威力传动技术股份有限公司",
        division_code="640106",
    )


@pytest.fixture
def enterprise_b(system, owner_b):
    """An enterprise in 石嘴山 (Ningxia, not Yinchuan)."""
    return make_enterprise(
        actor=system, owner=owner_b, body17="91640200MA76WXYK2", name="石嘴山新材料有限公司", division_code="640202"
    )


@pytest.fixture
def centre(owner, enterprise):
    return services.centre_create(
        actor=owner,
        enterprise=enterprise,
        name="威力传动上海研发中心",
        city="上海",
        division_code="310115",
        address="浦东新区张江路1号",
        headcount=30,
    )


@pytest.fixture
def centre_b(owner_b, enterprise_b):
    return services.centre_create(
        actor=owner_b,
        enterprise=enterprise_b,
        name="石嘴山新材料北京研发中心",
        city="北京",
        division_code="110108",
        headcount=12,
    )


def attach_required(*, actor, filing):
    for kind in services.required_document_kinds(filing):
        services.document_upload(
            actor=actor,
            enterprise=filing.centre.enterprise,
            filing=filing,
            kind=kind,
            upload=upload(f"{kind}.pdf", pdf_bytes(kind)),
        )


@pytest.fixture
def submitted(owner, centre):
    filing = services.filing_create(actor=owner, centre=centre, level="regional")
    attach_required(actor=owner, filing=filing)
    return services.filing_submit(actor=owner, filing=filing, commitment=True)
