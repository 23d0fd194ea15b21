"""Certificates, contract files and photos pass the same upload checks as filing documents."""

import datetime as dt
import io
import struct
import zlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.errors import ServiceError
from talent.models import Degree
from talent.services import degree_upsert, researcher_upsert

pytestmark = pytest.mark.django_db


def png() -> bytes:
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    raw = zlib.compress(b"\x00\x00\x00\x00")
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", raw)
        + chunk(b"IEND", b"")
    )


@pytest.mark.parametrize(
    "name, content, code",
    [
        ("cert.png", b"\x89PNG\r\n\x1a\n<html><script>alert(1)</script></html>", "markup"),
        ("cert.pdf.exe", b"%PDF-1.4\n%%EOF", None),
        ("cert.pdf", png(), "mismatch"),
    ],
    ids=["png-headed-html", "double-extension", "png-named-pdf"],
)
def test_bad_certificates_are_refused_and_nothing_is_saved(system, name, content, code):
    researcher = researcher_upsert(actor=system, id_type="resident_id", id_number="110101199003077571", name="张三")
    with pytest.raises(ServiceError) as err:
        degree_upsert(
            actor=system,
            researcher=researcher,
            level="doctorate",
            full_time=True,
            awarded_on=dt.date(2019, 7, 1),
            certificate=SimpleUploadedFile(name, content),
        )
    assert "学位证书" in str(err.value)
    if code:
        assert err.value.code == code
    assert not Degree.objects.exists()


def test_a_real_png_certificate_is_stored_under_a_generated_name(system, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    researcher = researcher_upsert(actor=system, id_type="resident_id", id_number="110101199003077571", name="张三")
    degree = degree_upsert(
        actor=system,
        researcher=researcher,
        level="doctorate",
        full_time=True,
        awarded_on=dt.date(2019, 7, 1),
        certificate=SimpleUploadedFile("../../我的证书.png", png()),
    )
    assert "我的证书" not in degree.certificate.name and ".." not in degree.certificate.name
    assert degree.certificate.name.endswith(".png") and degree.certificate.path.startswith(str(tmp_path))
    assert io.BytesIO(degree.certificate.read()).read() == png()
