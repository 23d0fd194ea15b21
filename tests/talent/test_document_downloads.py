"""Degree certificates and contract documents are served like registry documents: as attachments, typed by
the signature of the stored bytes (checked again on the way out), never sniffed, not cached."""

import datetime as dt
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.urls import reverse

from talent import services
from tests.registry.conftest import jpeg_bytes, pdf_bytes, png_bytes, upload

D = dt.date


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)


@pytest.fixture
def files(db, centre_a, enrol, ent_user_a, system):
    r, c = enrol(centre_a)
    degree = services.degree_upsert(
        actor=ent_user_a,
        researcher=r,
        level="master",
        full_time=True,
        awarded_on=D(2016, 7, 1),
        certificate=upload("证书.png", png_bytes()),
    )
    contract = services.contract_upsert(
        actor=ent_user_a,
        researcher=r,
        centre=centre_a,
        full_time=True,
        start=c.start,
        end=c.end,
        document=upload("合同.pdf", pdf_bytes("合同")),
    )
    return {"degree": degree, "contract": contract}


def _body(response) -> bytes:
    return b"".join(response.streaming_content)


@pytest.mark.parametrize(
    "view, key, ctype, filename, data",
    [
        ("talent:degree_certificate", "degree", "image/png", "学位证书-{pk}.png", png_bytes()),
        ("talent:contract_document", "contract", "application/pdf", "合同-{pk}.pdf", pdf_bytes("合同")),
    ],
    ids=["certificate", "contract"],
)
def test_served_as_a_typed_attachment(client, ent_user_a, files, view, key, ctype, filename, data):
    obj = files[key]
    client.force_login(ent_user_a)
    response = client.get(reverse(view, args=[obj.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == ctype
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;")
    from urllib.parse import quote

    assert quote(filename.format(pk=obj.pk)) in disposition
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert response["Cache-Control"] == "private, no-store"
    assert _body(response) == data


def test_the_type_comes_from_the_bytes_not_the_stored_name(client, ent_user_a, files):
    # a JPEG stored under a .png name (e.g. replaced on disk) is served as what it is
    degree = files["degree"]
    Path(django_settings.MEDIA_ROOT, degree.certificate.name).write_bytes(jpeg_bytes())
    client.force_login(ent_user_a)
    response = client.get(reverse("talent:degree_certificate", args=[degree.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert f"{degree.pk}.jpg" in response["Content-Disposition"]


def test_bytes_that_no_longer_verify_are_not_served(client, ent_user_a, files):
    contract = files["contract"]
    Path(django_settings.MEDIA_ROOT, contract.document.name).write_bytes(b"<html><script>alert(1)</script></html>")
    client.force_login(ent_user_a)
    response = client.get(reverse("talent:contract_document", args=[contract.pk]))
    assert response.status_code == 404
    assert b"<script>" not in response.content


def test_a_missing_file_is_not_found(client, ent_user_a, files):
    degree = files["degree"]
    Path(django_settings.MEDIA_ROOT, degree.certificate.name).unlink()
    client.force_login(ent_user_a)
    assert client.get(reverse("talent:degree_certificate", args=[degree.pk])).status_code == 404
