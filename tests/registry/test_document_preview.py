"""Inline document preview (issue 8): who may see it, what is sent (verified image bytes, server-rendered PDF
page images, never a PDF), with which headers, how a broken PDF and a slow one are told, and the cache."""

import shutil
import subprocess

import pytest
from django.urls import reverse

from registry import services
from registry.models import Document, DocumentPreviewRecord, FilingStatus, PreviewState
from registry.services import documents as document_services
from tests.registry.conftest import png_bytes, upload
from tests.registry.sample_files import broken_pdf, png_size, real_pdf, real_png

UNTRUSTED_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; sandbox",
    "Cache-Control": "private, no-store",
    "Content-Disposition": "inline",
    "X-Frame-Options": "DENY",  # the portal's setting stays: previews are <img>, never frames
}


def _preview(pk, page=None):
    url = reverse("registry:document_preview", args=[pk])
    return url if page is None else f"{url}?page={page}"


def _body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


@pytest.fixture
def filing(owner, centre):
    """A submitted regional filing: a 7-page PDF licence and a PNG establishment proof."""
    f = services.filing_create(actor=owner, centre=centre, level="regional")
    ent = centre.enterprise
    services.document_upload(
        actor=owner,
        enterprise=ent,
        filing=f,
        kind="business_licence",
        upload=upload("营业执照.pdf", real_pdf(7, "Business licence")),
    )
    services.document_upload(
        actor=owner, enterprise=ent, filing=f, kind="establishment_proof", upload=upload("设立证明.png", real_png())
    )
    return services.filing_submit(actor=owner, filing=f, commitment=True)


@pytest.fixture
def pdf_doc(filing):
    return filing.documents.get(kind="business_licence")


@pytest.fixture
def png_doc(filing):
    return filing.documents.get(kind="establishment_proof")


@pytest.fixture
def poppler_calls(monkeypatch):
    """Counts the poppler processes started (the real ones still run)."""
    calls = []
    real_run = subprocess.run

    def counting_run(args, *a, **kw):
        calls.append(list(args))
        return real_run(args, *a, **kw)

    monkeypatch.setattr(document_services.subprocess, "run", counting_run)
    return calls


# --- images ---------------------------------------------------------------------------------------------------


def test_image_preview_is_the_stored_bytes_typed_by_their_signature(client, owner, png_doc):
    client.force_login(owner)
    response = client.get(_preview(png_doc.pk, 1))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert _body(response) == real_png()
    for header, value in UNTRUSTED_HEADERS.items():
        assert response[header] == value, header
    assert response["Cross-Origin-Resource-Policy"] == "same-origin"


@pytest.mark.parametrize(
    "page",
    ["2", "0", "-1", "abc", "1.0", "", "²", "١"],
    ids=["page2", "zero", "negative", "word", "decimal", "empty", "superscript", "arabic-digit"],
)
def test_an_image_has_only_page_one(client, owner, png_doc, page):
    client.force_login(owner)
    assert client.get(reverse("registry:document_preview", args=[png_doc.pk]) + f"?page={page}").status_code == 404


def test_a_row_claiming_a_type_its_bytes_are_not_is_never_served(client, owner, png_doc):
    """The content type comes from the bytes on disk, checked on every request, not from the row."""
    client.force_login(owner)
    Document.objects.filter(pk=png_doc.pk).update(content_type="image/jpeg")
    assert client.get(_preview(png_doc.pk, 1)).status_code == 404
    Document.objects.filter(pk=png_doc.pk).update(content_type="image/png")
    with open(png_doc.file.path, "wb") as f:  # the stored file changed behind the portal's back
        f.write(b"<html><script>alert(1)</script></html>")
    assert client.get(_preview(png_doc.pk, 1)).status_code == 404


# --- PDFs -----------------------------------------------------------------------------------------------------


def test_pdf_pages_are_png_images_rendered_on_the_server(client, regional1, pdf_doc):
    client.force_login(regional1)
    for page in range(1, 6):
        response = client.get(_preview(pdf_doc.pk, page))
        assert response.status_code == 200, page
        assert response["Content-Type"] == "image/png"
        for header, value in UNTRUSTED_HEADERS.items():
            assert response[header] == value, (page, header)
        body = _body(response)
        width, height = png_size(body)
        assert (height, width) == (1240, 877), "A4 at the modest preview size (long side 1240 px)"
        assert b"%PDF" not in body[:64]
    # only the first five pages are rendered; the rest are in the download
    assert client.get(_preview(pdf_doc.pk, 6)).status_code == 404
    assert client.get(_preview(pdf_doc.pk, 8)).status_code == 404


def test_preview_page_says_how_many_pages_and_links_the_whole_file(client, regional1, pdf_doc):
    client.force_login(regional1)
    response = client.get(_preview(pdf_doc.pk))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    html = response.content.decode()
    assert "共 7 页" in html
    assert "以下仅预览前 5 页" in html
    assert reverse("registry:document_download", args=[pdf_doc.pk]) in html
    for page in range(1, 6):
        assert f'src="{_preview(pdf_doc.pk, page)}"' in html
    assert f'src="{_preview(pdf_doc.pk, 6)}"' not in html
    assert "营业执照 第 3 页" in html  # the alt text names the document and the page


def _upload_pdf(owner, centre, data, *, name="a.pdf", kind="other"):
    f = services.filing_create(actor=owner, centre=centre, level="regional")
    return services.document_upload(
        actor=owner, enterprise=centre.enterprise, filing=f, kind=kind, upload=upload(name, data)
    )


def test_the_upload_renders_once_and_views_only_read_the_record(settings, owner, centre, poppler_calls):
    doc = _upload_pdf(owner, centre, real_pdf(7, "Business licence"))
    assert len(poppler_calls) == 2  # pdfinfo, then pdftoppm once for the five pages
    record = DocumentPreviewRecord.objects.get(document=doc)
    assert (record.state, record.error, record.page_count, record.pages_rendered) == (PreviewState.READY, "", 7, 5)
    assert record.finished_at is not None
    first = document_services.document_preview(document=doc)
    assert (first.page_count, first.pages, first.error, first.pending) == (7, (1, 2, 3, 4, 5), "", False)
    folder = settings.MEDIA_ROOT / "previews" / f"{doc.pk}-{doc.sha256[:16]}"
    assert sorted(p.name for p in folder.iterdir()) == ["meta.json"] + [f"page-{n}.png" for n in range(1, 6)]
    assert document_services.document_preview(document=doc) == first
    assert document_services.document_preview_page(document=doc, page=2) == folder / "page-2.png"
    # the task delivered a second time renders nothing: the outcome is recorded
    assert document_services.document_preview_render(document_id=doc.pk).state == PreviewState.READY
    assert len(poppler_calls) == 2, "looking again renders nothing"
    # no temporary work folders are left behind
    assert [p.name for p in (settings.MEDIA_ROOT / "previews").iterdir()] == [folder.name]


def test_a_new_version_gets_its_own_preview(owner, centre, settings, poppler_calls):
    f = services.filing_create(actor=owner, centre=centre, level="regional")
    v1 = services.document_upload(
        actor=owner, enterprise=centre.enterprise, filing=f, kind="other", upload=upload("a.pdf", real_pdf(1, "one"))
    )
    v2 = services.document_upload(
        actor=owner, enterprise=centre.enterprise, filing=f, kind="other", upload=upload("a.pdf", real_pdf(2, "two"))
    )
    assert document_services.document_preview(document=v1).page_count == 1
    assert document_services.document_preview(document=v2).page_count == 2
    assert len(poppler_calls) == 4
    assert len(list((settings.MEDIA_ROOT / "previews").iterdir())) == 2


def test_a_timeout_is_recorded_and_never_retried_on_a_view(client, settings, owner, centre, poppler_calls):
    settings.DOCUMENT_PREVIEW_TIMEOUT = 0.0001
    doc = _upload_pdf(owner, centre, real_pdf(7, "slow"))
    record = DocumentPreviewRecord.objects.get(document=doc)
    assert (record.state, record.error, record.pages_rendered) == (PreviewState.TIMED_OUT, "timeout", 0)
    slow = document_services.document_preview(document=doc)
    assert (slow.error, slow.pages, slow.pending) == ("timeout", (), False)
    assert "生成预览超时" in slow.error_message
    assert not any(p.name.startswith(f"{doc.pk}-") for p in (settings.MEDIA_ROOT / "previews").iterdir())
    # even with time enough now, the recorded timeout stands: no page view or repeated task renders again
    settings.DOCUMENT_PREVIEW_TIMEOUT = 20
    calls = len(poppler_calls)
    client.force_login(owner)
    html = client.get(reverse("registry:filing_detail", args=[doc.filing_id]) + "?tab=documents").content.decode()
    assert "生成预览超时" in html
    assert reverse("registry:document_download", args=[doc.pk]) in html
    assert client.get(_preview(doc.pk, 1)).status_code == 404
    assert document_services.document_preview_render(document_id=doc.pk).state == PreviewState.TIMED_OUT
    assert len(poppler_calls) == calls


def test_an_encrypted_pdf_is_named_as_such_and_remembered(owner, centre, monkeypatch):
    calls = []

    def locked(args, *a, **kw):
        calls.append(args)
        return subprocess.CompletedProcess(args, 1, b"", b"Command Line Error: Incorrect password\n")

    monkeypatch.setattr(document_services.subprocess, "run", locked)
    doc = _upload_pdf(owner, centre, real_pdf(1))
    preview = document_services.document_preview(document=doc)
    assert (preview.error, preview.pages) == ("encrypted", ())
    assert "PDF文件已加密" in preview.error_message
    assert DocumentPreviewRecord.objects.get(document=doc).state == PreviewState.FAILED
    assert document_services.document_preview(document=doc).error == "encrypted"
    assert len(calls) == 1


def test_without_poppler_the_failure_is_recorded_with_its_reason(owner, centre, monkeypatch, poppler_calls):
    monkeypatch.setattr(document_services.shutil, "which", lambda name: None)
    doc = _upload_pdf(owner, centre, real_pdf(7))
    preview = document_services.document_preview(document=doc)
    assert preview.error == "tool_missing" and "poppler-utils" in preview.error_message
    record = DocumentPreviewRecord.objects.get(document=doc)
    assert (record.state, record.error) == (PreviewState.FAILED, "tool_missing")
    monkeypatch.setattr(document_services.shutil, "which", shutil.which)
    assert document_services.document_preview(document=doc).error == "tool_missing"
    assert poppler_calls == []


def test_a_broken_pdf_is_told_in_chinese_not_a_500(client, owner, regional1, centre, poppler_calls):
    f = services.filing_create(actor=owner, centre=centre, level="regional")
    services.document_upload(
        actor=owner,
        enterprise=centre.enterprise,
        filing=f,
        kind="business_licence",
        upload=upload("损坏.pdf", broken_pdf()),
    )
    services.document_upload(
        actor=owner,
        enterprise=centre.enterprise,
        filing=f,
        kind="establishment_proof",
        upload=upload("设立证明.png", real_png()),
    )
    services.filing_submit(actor=owner, filing=f, commitment=True)
    doc = f.documents.get(kind="business_licence")
    client.force_login(regional1)
    page = client.get(reverse("registry:review_decide", args=[f.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "PDF文件已损坏或结构无效,无法生成预览" in html
    assert f'src="{_preview(doc.pk, 1)}"' not in html
    assert reverse("registry:document_download", args=[doc.pk]) in html  # the original can still be fetched
    assert client.get(_preview(doc.pk)).status_code == 200
    assert client.get(_preview(doc.pk, 1)).status_code == 404
    # a broken file stays broken: the outcome is cached, poppler ran once
    assert len(poppler_calls) == 1
    client.get(reverse("registry:review_decide", args=[f.pk]))
    assert len(poppler_calls) == 1


# --- who may see it ---------------------------------------------------------------------------------------------


def test_another_enterprise_gets_404_for_every_preview_url(client, owner_b, centre_b, pdf_doc, png_doc):
    client.force_login(owner_b)
    for doc in (pdf_doc, png_doc):
        for url in (_preview(doc.pk), _preview(doc.pk, 1), _preview(doc.pk, 2)):
            assert client.get(url).status_code == 404, url


def test_reviewers_of_the_other_level_and_anonymous_users_see_nothing(client, yinchuan1, pdf_doc, png_doc):
    client.force_login(yinchuan1)
    for doc in (pdf_doc, png_doc):
        assert client.get(_preview(doc.pk)).status_code == 404
        assert client.get(_preview(doc.pk, 1)).status_code == 404
    client.logout()
    response = client.get(_preview(png_doc.pk, 1))
    assert response.status_code == 302 and reverse("accounts:login") in response["Location"]


def test_a_drafts_documents_are_private_to_the_enterprise(client, owner, regional1, centre):
    draft = services.filing_create(actor=owner, centre=centre, level="regional")
    doc = services.document_upload(
        actor=owner, enterprise=centre.enterprise, filing=draft, kind="other", upload=upload("x.png", png_bytes())
    )
    client.force_login(regional1)
    assert client.get(_preview(doc.pk, 1)).status_code == 404
    client.force_login(owner)
    assert client.get(_preview(doc.pk, 1)).status_code == 200


# --- the pages that show documents ------------------------------------------------------------------------------


def test_decision_page_shows_the_current_documents_inline(client, owner, regional1, filing, pdf_doc, png_doc):
    # the enterprise replaced nothing; an old version must not be previewed inline
    client.force_login(regional1)
    html = client.get(reverse("registry:review_decide", args=[filing.pk])).content.decode()
    assert "材料预览" in html
    assert f'src="{_preview(png_doc.pk, 1)}"' in html
    assert "设立证明(图片预览)" in html or "研发中心设立证明(或设立协议)(图片预览)" in html
    assert f'src="{_preview(pdf_doc.pk, 1)}"' in html
    assert "共 7 页" in html


def test_filing_detail_shows_previews_of_current_versions_only(client, owner, centre):
    f = services.filing_create(actor=owner, centre=centre, level="regional")
    old = services.document_upload(
        actor=owner, enterprise=centre.enterprise, filing=f, kind="other", upload=upload("v1.png", real_png(10, 10))
    )
    new = services.document_upload(
        actor=owner, enterprise=centre.enterprise, filing=f, kind="other", upload=upload("v2.png", real_png(20, 20))
    )
    client.force_login(owner)
    html = client.get(reverse("registry:filing_detail", args=[f.pk]) + "?tab=documents").content.decode()
    assert f'src="{_preview(new.pk, 1)}"' in html
    assert f'src="{_preview(old.pk, 1)}"' not in html
    assert f'href="{_preview(old.pk)}"' in html  # the old version keeps a preview link in the table
    # the htmx tab swap carries the previews too
    part = client.get(
        reverse("registry:filing_detail", args=[f.pk]) + "?tab=documents", HTTP_HX_REQUEST="true"
    ).content.decode()
    assert f'src="{_preview(new.pk, 1)}"' in part
    assert f.status == FilingStatus.DRAFT
