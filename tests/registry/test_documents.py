"""Uploads: recognised by content, refused by name tricks or size, stored under server names, versioned."""

import os

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.errors import ConflictError, ServiceError
from registry import services
from registry.models import Document
from tests.registry.conftest import jpeg_bytes, pdf_bytes, png_bytes, upload


@pytest.fixture
def draft(owner, centre):
    return services.filing_create(actor=owner, centre=centre, level="regional")


def _upload(owner, draft, name, data, kind="business_licence"):
    return services.document_upload(
        actor=owner, enterprise=draft.centre.enterprise, filing=draft, kind=kind, upload=upload(name, data)
    )


@pytest.mark.parametrize(
    ("name", "data", "ctype"),
    [
        ("营业执照.pdf", pdf_bytes(), "application/pdf"),
        ("执照扫描.PNG", png_bytes(), "image/png"),
        ("photo.jpg", jpeg_bytes(), "image/jpeg"),
        ("photo.jpeg", jpeg_bytes(), "image/jpeg"),
    ],
    ids=["pdf", "png-upper-ext", "jpg", "jpeg"],
)
def test_valid_files_are_stored_under_server_names(owner, draft, media_root, name, data, ctype):
    doc = _upload(owner, draft, name, data)
    assert doc.content_type == ctype
    assert doc.original_name == name
    assert doc.size == len(data)
    stored = os.path.basename(doc.file.name)
    assert name.split(".")[0] not in stored
    assert len(stored.split(".")[0]) == 32  # a uuid4 hex, nothing of the user's name
    assert (media_root / doc.file.name).read_bytes() == data


REFUSED = [
    ("png-headed-html", "logo.png", b"\x89PNG\r\n\x1a\n<html><script>alert(1)</script></html>", "markup"),
    ("png-magic-then-garbage", "logo.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 40, "signature"),
    ("html-named-png", "logo.png", b"<!DOCTYPE html><html><body>hi</body></html>", "markup"),
    ("pdf-with-script-after-header", "a.pdf", b"%PDF-1.4\n<script>alert(1)</script>\n%%EOF", "markup"),
    ("double-extension", "营业执照.pdf.exe", pdf_bytes(), "extension"),
    ("hidden-inner-extension", "营业执照.exe.pdf", pdf_bytes(), "double_extension"),
    ("path-traversal", "../../etc/passwd.pdf", pdf_bytes(), "name_path"),
    ("windows-path", "..\\x.pdf", pdf_bytes(), "name_path"),
    ("extension-mismatch", "scan.png", pdf_bytes(), "mismatch"),
    ("no-extension", "licence", pdf_bytes(), "extension"),
    ("empty", "a.pdf", b"", "empty"),
    ("truncated-pdf", "a.pdf", b"%PDF-1.4\n1 0 obj<<>>endobj\n", "signature"),
    ("exe-bytes-as-pdf", "a.pdf", b"MZ\x90\x00" + b"\x00" * 100, "signature"),
]


@pytest.mark.parametrize(("name", "data", "code"), [r[1:] for r in REFUSED], ids=[r[0] for r in REFUSED])
def test_bad_uploads_are_refused_and_nothing_is_stored(owner, draft, media_root, name, data, code):
    with pytest.raises(ServiceError) as exc:
        _upload(owner, draft, name, data)
    assert exc.value.code == code
    assert Document.objects.count() == 0
    assert not (media_root / "documents").exists() or not any((media_root / "documents").iterdir())


def test_oversize_file_is_refused(owner, draft, settings, media_root):
    settings.DOCUMENT_MAX_BYTES = 1024
    big = pdf_bytes() + b"%" + b"x" * 2048 + b"\n%%EOF\n"
    with pytest.raises(ServiceError) as exc:
        _upload(owner, draft, "big.pdf", big)
    assert exc.value.code == "too_large"
    assert "超过上限" in exc.value.zh
    assert Document.objects.count() == 0


def test_default_limit_is_20_mb(settings):
    assert settings.DOCUMENT_MAX_BYTES == 20 * 1024 * 1024


def test_oversize_by_declared_size_is_refused_before_reading(owner, draft, settings):
    f = SimpleUploadedFile("big.pdf", pdf_bytes())
    f.size = settings.DOCUMENT_MAX_BYTES + 1
    with pytest.raises(ServiceError) as exc:
        services.document_upload(
            actor=owner, enterprise=draft.centre.enterprise, filing=draft, kind="business_licence", upload=f
        )
    assert exc.value.code == "too_large"


def test_replacing_keeps_the_old_version(owner, draft, media_root):
    first = _upload(owner, draft, "v1.pdf", pdf_bytes("one"))
    second = _upload(owner, draft, "v2.pdf", pdf_bytes("two"))
    first.refresh_from_db()
    assert (second.version, second.previous_id, second.is_current) == (2, first.pk, True)
    assert first.is_current is False
    assert (media_root / first.file.name).read_bytes() == pdf_bytes("one")
    third = services.document_replace(actor=owner, document=second, upload=upload("v3.png", png_bytes()))
    assert [d.version for d in services.document_history(third)] == [3, 2, 1]
    with pytest.raises(ConflictError):
        services.document_replace(actor=owner, document=first, upload=upload("v4.pdf", pdf_bytes()))


def test_documents_are_frozen_once_submitted(owner, submitted):
    with pytest.raises(ConflictError):
        _upload(owner, submitted, "late.pdf", pdf_bytes())


def test_another_enterprise_cannot_upload(owner_b, draft):
    with pytest.raises(ServiceError) as exc:
        services.document_upload(
            actor=owner_b,
            enterprise=draft.centre.enterprise,
            filing=draft,
            kind="business_licence",
            upload=upload("a.pdf", pdf_bytes()),
        )
    assert exc.value.status == 403


def test_database_keeps_one_current_version_per_filing_and_kind(owner, draft, media_root):
    """The service retires the old version first; the database refuses a second current one."""
    from django.db import IntegrityError, transaction

    from registry.models import Document

    first = _upload(owner, draft, "a.pdf", pdf_bytes())
    with pytest.raises(IntegrityError, match="document_one_current_per_kind"), transaction.atomic():
        Document.objects.create(
            enterprise=first.enterprise,
            filing=draft,
            kind=first.kind,
            original_name="b.pdf",
            file=first.file.name,
            content_type=first.content_type,
            size=first.size,
            sha256=first.sha256,
            uploaded_by=owner,
        )
    second = _upload(owner, draft, "c.pdf", pdf_bytes())
    assert Document.objects.filter(filing=draft, kind=first.kind, is_current=True).get() == second
