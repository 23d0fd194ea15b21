"""Issue 12 item 3: previews are rendered off the request path. A small PDF whose pages expand to about
400 MB of drawing commands (a "PDF bomb") never slows the filing page: the upload queues a Celery task, the
page says 预览生成中 and starts no poppler process, the task stops poppler at the time limit and records the
timeout, and that outcome is never tried again on a view. Request bodies over the upload limit are refused
with 413 before they are read, on pages as on the API."""

import datetime as dt
import subprocess
import time

import pytest
from django.test.client import FakePayload
from django.urls import reverse
from django.utils import timezone

from enclave_portal.celery import app as celery_app
from registry import services, tasks
from registry.models import Document, DocumentPreviewRecord, PreviewState
from registry.services import documents as document_services
from tests.registry.conftest import upload
from tests.registry.sample_files import pdf_bomb, real_pdf, real_png


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


@pytest.fixture
def on_celery(settings):
    """Previews go to Celery as in production. The queued task runs eagerly in this process when the
    captured on-commit callbacks are executed (no broker in unit tests)."""
    settings.DOCUMENT_PREVIEWS_ON_CELERY = True
    before = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = before


def _bomb_filing(owner, centre, django_capture_on_commit_callbacks):
    f = services.filing_create(actor=owner, centre=centre, level="regional")
    ent = centre.enterprise
    with django_capture_on_commit_callbacks() as queued:
        bomb = services.document_upload(
            actor=owner, enterprise=ent, filing=f, kind="business_licence", upload=upload("营业执照.pdf", pdf_bomb())
        )
    services.document_upload(
        actor=owner, enterprise=ent, filing=f, kind="establishment_proof", upload=upload("设立证明.png", real_png())
    )
    return f, bomb, queued


def test_a_pdf_bomb_never_slows_the_filing_page_and_its_timeout_is_recorded(
    client, settings, owner, regional1, centre, on_celery, poppler_calls, django_capture_on_commit_callbacks
):
    settings.DOCUMENT_PREVIEW_TIMEOUT = 20  # what production allows: rendering on the page would take 20 s
    filing, bomb, queued = _bomb_filing(owner, centre, django_capture_on_commit_callbacks)
    assert bomb.size < 1024 * 1024  # small on the wire
    assert len(queued) == 1, "the upload queues one render task for after its commit"
    assert poppler_calls == [], "the upload itself renders nothing"
    assert DocumentPreviewRecord.objects.get(document=bomb).state == PreviewState.PENDING

    client.force_login(owner)
    for url in (
        reverse("registry:filing_detail", args=[filing.pk]) + "?tab=documents",
        reverse("registry:document_preview", args=[bomb.pk]),
    ):
        started = time.monotonic()
        response = client.get(url)
        elapsed = time.monotonic() - started
        assert response.status_code == 200
        assert elapsed < 5, f"{url} took {elapsed:.1f} s"
        html = response.content.decode()
        assert "预览生成中" in html
        assert reverse("registry:document_download", args=[bomb.pk]) in html  # the original is still there
    assert client.get(reverse("registry:document_preview", args=[bomb.pk]) + "?page=1").status_code == 404
    assert poppler_calls == [], "no page view starts poppler"

    # the worker's task, with the time limit lowered for the test: poppler is stopped and the timeout kept
    settings.DOCUMENT_PREVIEW_TIMEOUT = 1
    started = time.monotonic()
    for callback in queued:
        callback()  # render_document_preview.delay(bomb.pk), run eagerly
    assert time.monotonic() - started < 10
    record = DocumentPreviewRecord.objects.get(document=bomb)
    assert (record.state, record.error, record.pages_rendered) == (PreviewState.TIMED_OUT, "timeout", 0)
    assert record.finished_at is not None
    assert [c for c in poppler_calls if "pdftoppm" in c], "the task did try to render"
    assert not any(p.name.startswith(f"{bomb.pk}-") for p in (settings.MEDIA_ROOT / "previews").iterdir())

    # remembered: the pages show the timeout at once and nothing renders again, not even a redelivery
    calls = len(poppler_calls)
    services.filing_submit(actor=owner, filing=filing, commitment=True)
    client.force_login(regional1)
    started = time.monotonic()
    html = client.get(reverse("registry:review_decide", args=[filing.pk])).content.decode()
    assert time.monotonic() - started < 5
    assert "生成预览超时" in html and "预览生成中" not in html
    assert tasks.render_document_preview(bomb.pk) == PreviewState.TIMED_OUT
    assert len(poppler_calls) == calls


def test_the_queued_task_renders_a_normal_pdf(client, owner, centre, on_celery, django_capture_on_commit_callbacks):
    f = services.filing_create(actor=owner, centre=centre, level="regional")
    with django_capture_on_commit_callbacks(execute=True):
        doc = services.document_upload(
            actor=owner,
            enterprise=centre.enterprise,
            filing=f,
            kind="other",
            upload=upload("a.pdf", real_pdf(2, "two pages")),
        )
    record = DocumentPreviewRecord.objects.get(document=doc)
    assert (record.state, record.page_count, record.pages_rendered) == (PreviewState.READY, 2, 2)
    client.force_login(owner)
    html = client.get(reverse("registry:document_preview", args=[doc.pk])).content.decode()
    assert "共 2 页" in html and "预览生成中" not in html
    assert client.get(reverse("registry:document_preview", args=[doc.pk]) + "?page=2").status_code == 200


def test_an_image_needs_no_task(owner, centre, on_celery, django_capture_on_commit_callbacks):
    f = services.filing_create(actor=owner, centre=centre, level="regional")
    with django_capture_on_commit_callbacks() as queued:
        doc = services.document_upload(
            actor=owner, enterprise=centre.enterprise, filing=f, kind="other", upload=upload("a.png", real_png())
        )
    assert queued == []
    assert DocumentPreviewRecord.objects.get(document=doc).state == PreviewState.READY
    assert document_services.document_preview(document=doc).kind == "image"


def test_a_lost_task_is_queued_again_then_given_up(
    owner, centre, on_celery, poppler_calls, django_capture_on_commit_callbacks
):
    f = services.filing_create(actor=owner, centre=centre, level="regional")
    with django_capture_on_commit_callbacks() as lost:  # the task is never delivered
        doc = services.document_upload(
            actor=owner, enterprise=centre.enterprise, filing=f, kind="other", upload=upload("a.pdf", real_pdf(1))
        )
    assert len(lost) == 1
    # recently queued: left alone
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.requeue_stale_previews() == 0
    long_ago = timezone.now() - dt.timedelta(hours=1)
    DocumentPreviewRecord.objects.filter(pk=doc.pk).update(queued_at=long_ago)
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.requeue_stale_previews() == 1
    record = DocumentPreviewRecord.objects.get(pk=doc.pk)
    assert (record.state, record.attempts, record.page_count) == (PreviewState.READY, 2, 1)

    # a preview whose task was lost every time is given up with a reason, not left pending for ever
    other = services.document_upload(
        actor=owner, enterprise=centre.enterprise, filing=f, kind="site_proof", upload=upload("b.pdf", real_pdf(1))
    )
    DocumentPreviewRecord.objects.filter(pk=other.pk).update(
        attempts=document_services.PREVIEW_MAX_ATTEMPTS, queued_at=long_ago
    )
    calls = len(poppler_calls)
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.requeue_stale_previews() == 0
    record = DocumentPreviewRecord.objects.get(pk=other.pk)
    assert (record.state, record.error) == (PreviewState.FAILED, "error")
    other = Document.objects.get(pk=other.pk)
    assert "生成预览时出错" in document_services.document_preview(document=other).error_message
    assert len(poppler_calls) == calls


# --- request bodies over the limit ----------------------------------------------------------------------


def _declared(client, url, *, length, **extra):
    """A post that declares `length` bytes but carries a few: reading the body would fail loudly
    (FakePayload refuses to read past what it holds), so a 413 proves nothing read it."""
    body = b"--x\r\n"
    return client.generic(
        "POST",
        url,
        body,
        content_type="multipart/form-data; boundary=x",
        CONTENT_LENGTH=str(length),
        wsgi_input=FakePayload(body),
        **extra,
    )


def test_an_oversized_page_upload_is_refused_before_its_body_is_read(client, settings, owner, centre):
    f = services.filing_create(actor=owner, centre=centre, level="regional")
    client.force_login(owner)
    url = reverse("registry:document_upload", args=[f.pk])
    too_big = settings.DOCUMENT_MAX_BYTES + 65 * 1024
    page = _declared(client, url, length=too_big)
    assert page.status_code == 413
    assert "上传内容" in page.content.decode() and "超过上限20 MB" in page.content.decode()
    script = _declared(client, url, length=too_big, HTTP_X_REQUESTED_WITH="XMLHttpRequest")
    assert script.status_code == 413
    assert script.json()["ok"] is False and "超过上限20 MB" in script.json()["errors"]["__all__"][0]
    api = _declared(client, f"/api/v1/filings/{f.pk}/documents/", length=too_big)
    assert api.status_code == 413 and api.json()["error"]["code"] == "too_large"
    assert not Document.objects.filter(filing=f).exists()


def test_every_page_form_is_capped_like_the_api(client, settings, owner, centre):
    """A real body over a lowered limit, to the upload forms of other pages too; within the limit the same
    post reaches the view and its own checks."""
    settings.DOCUMENT_MAX_BYTES = 1024
    client.force_login(owner)
    f = services.filing_create(actor=owner, centre=centre, level="regional")
    urls = (
        reverse("registry:document_upload", args=[f.pk]),
        reverse("talent:researcher_create"),
        reverse("talent:roster_upload"),
        reverse("subsidies:grant_apply", args=["NX-PDF"]),
    )
    for url in urls:
        response = client.post(url, {"kind": "other", "file": upload("big.pdf", real_pdf(1, pad=200_000))})
        assert response.status_code == 413, url
        assert "超过上限" in response.content.decode()
    assert not Document.objects.filter(filing=f).exists()
    settings.DOCUMENT_MAX_BYTES = 20 * 1024 * 1024
    response = client.post(urls[0], {"kind": "other", "file": upload("big.pdf", real_pdf(1, pad=200_000))})
    assert response.status_code == 302
    assert Document.objects.filter(filing=f).count() == 1
