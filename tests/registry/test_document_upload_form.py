"""The document upload form: the progress-bar upload (XMLHttpRequest, JSON back) and the plain form post
(no JavaScript) use the same service; refusals are shown next to the field, in Chinese, and change nothing."""

import pytest
from django.urls import reverse

from registry import services
from registry.models import Document
from tests.registry.conftest import upload
from tests.registry.sample_files import real_pdf

XHR = {"HTTP_X_REQUESTED_WITH": "XMLHttpRequest", "HTTP_ACCEPT": "application/json"}


@pytest.fixture
def draft(owner, centre):
    return services.filing_create(actor=owner, centre=centre, level="regional")


def _url(filing):
    return reverse("registry:document_upload", args=[filing.pk])


def test_progress_upload_answers_json_and_keeps_the_message_for_the_next_page(client, owner, draft):
    client.force_login(owner)
    response = client.post(_url(draft), {"kind": "business_licence", "file": upload("执照.pdf", real_pdf(1))}, **XHR)
    assert response.status_code == 200
    doc = draft.documents.get()
    assert response.json() == {
        "ok": True,
        "document": doc.pk,
        "redirect": reverse("registry:filing_detail", args=[draft.pk]) + "?tab=documents",
    }
    page = client.get(response.json()["redirect"]).content.decode()
    assert "已上传营业执照(第1版)" in page


@pytest.mark.parametrize(
    ("name", "data", "field", "text"),
    [
        ("说明.txt", b"plain text", "file", "只能上传PDF、JPG或PNG文件"),
        ("伪装.pdf", b"\x89PNG\r\n\x1a\n" + b"\x00" * 40, "file", "不是有效的PDF、JPG或PNG"),
        ("网页.png", b"\x89PNG\r\n\x1a\n<html><script>alert(1)</script>", "file", "网页或脚本"),
    ],
    ids=["wrong-type", "bad-signature", "markup"],
)
def test_progress_upload_refusals_name_the_field(client, owner, draft, name, data, field, text):
    client.force_login(owner)
    response = client.post(_url(draft), {"kind": "other", "file": upload(name, data)}, **XHR)
    assert response.status_code == 200  # answered; the refusal is in the body
    body = response.json()
    assert body["ok"] is False and list(body["errors"]) == [field]
    assert text in body["errors"][field][0]
    assert not Document.objects.filter(filing=draft).exists()


def test_a_file_over_the_limit_is_refused_next_to_the_field(client, owner, draft, settings):
    settings.DOCUMENT_MAX_BYTES = 2 * 1024 * 1024
    client.force_login(owner)
    # over the document limit, within the request limit (a body much larger is refused with 413 before it is
    # read: tests/registry/test_preview_off_request.py)
    big = real_pdf(1, pad=2 * 1024 * 1024 + 8 * 1024)
    response = client.post(_url(draft), {"kind": "other", "file": upload("大文件.pdf", big)}, **XHR)
    assert response.json()["ok"] is False
    assert "超过上限2 MB" in response.json()["errors"]["file"][0]
    # the same without JavaScript: the page comes back with the message next to the file field
    response = client.post(_url(draft), {"kind": "other", "file": upload("大文件.pdf", big)})
    assert response.status_code == 400
    html = response.content.decode()
    assert 'class="field invalid"' in html and "超过上限2 MB" in html
    assert 'data-max-bytes="2097152"' in html
    assert not Document.objects.filter(filing=draft).exists()


def test_missing_kind_or_file_are_field_errors_too(client, owner, draft):
    client.force_login(owner)
    response = client.post(_url(draft), {"kind": "other"}, **XHR)
    assert response.json()["ok"] is False and list(response.json()["errors"]) == ["file"]
    response = client.post(_url(draft), {"kind": "nonsense", "file": upload("a.pdf", real_pdf(1))}, **XHR)
    assert response.json()["ok"] is False and list(response.json()["errors"]) == ["kind"]
    assert not Document.objects.filter(filing=draft).exists()


def test_without_javascript_a_refusal_renders_the_form_with_the_error(client, owner, draft):
    client.force_login(owner)
    response = client.post(_url(draft), {"kind": "other", "file": upload("说明.txt", b"plain")})
    assert response.status_code == 400
    html = response.content.decode()
    # the message names the file and the problem, in the page's language only (issue 15 §5)
    assert 'class="error-text" role="alert">文件“说明.txt”:只能上传PDF、JPG或PNG文件' in html
    assert "/ only PDF" not in html
    assert 'enctype="multipart/form-data"' in html and "data-upload-progress" in html
    assert '<progress id="upload-progress-bar" max="100" value="0">' in html


def test_a_submitted_filing_refuses_uploads_as_a_form_error(client, owner, submitted):
    client.force_login(owner)
    before = submitted.documents.count()
    response = client.post(_url(submitted), {"kind": "other", "file": upload("a.pdf", real_pdf(1))}, **XHR)
    assert response.json()["ok"] is False
    assert "只能在草稿或退回修改时上传" in response.json()["errors"]["__all__"][0]
    assert submitted.documents.count() == before


def test_another_enterprise_cannot_upload_to_a_filing(client, owner_b, draft):
    client.force_login(owner_b)
    response = client.post(_url(draft), {"kind": "other", "file": upload("a.pdf", real_pdf(1))}, **XHR)
    assert response.status_code == 404
    assert not Document.objects.filter(filing=draft).exists()
