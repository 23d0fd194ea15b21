"""Inline previews of degree certificates, with the filing documents' machinery (registry.services.documents):
an image certificate is its stored bytes, re-checked by signature whenever served; a PDF certificate never
reaches the browser as a PDF: its first pages are rendered to PNG by poppler (the same time and memory
limits) in a Celery task after the upload commits, and a page view only reads the recorded outcome
(CertificatePreview), so it never starts poppler."""

import datetime as dt
import hashlib
import logging
from dataclasses import dataclass
from pathlib import Path

from django.utils import timezone

from accounts import dispatch
from registry.models import PreviewState
from registry.services import documents
from talent.models import CertificatePreview, Degree

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class CertificateView:
    """What the inline preview of one certificate shows: the image, the first pages of the PDF, that they
    are still being rendered, or why there is none."""

    kind: str  # "image" | "pdf"
    state: str = PreviewState.READY
    page_count: int = 0
    pages: tuple[int, ...] = ()
    error: str = ""

    @property
    def pending(self) -> bool:
        return self.state == PreviewState.PENDING

    @property
    def error_message(self) -> str:
        return str(documents.PREVIEW_ERRORS.get(self.error, documents.PREVIEW_ERRORS["error"])) if self.error else ""

    @property
    def truncated(self) -> bool:
        return self.page_count > len(self.pages)


def _is_pdf(degree: Degree) -> bool:
    return bool(degree.certificate) and degree.certificate.name.lower().endswith(".pdf")


def _dir(degree: Degree) -> Path:
    # a new certificate is a new server-generated name (upload_to), so its pages get their own folder
    digest = hashlib.sha256(degree.certificate.name.encode()).hexdigest()[:16]
    return documents.preview_root() / f"degree-{degree.pk}-{digest}"


def certificate_preview_schedule(degree: Degree) -> None:
    """After a certificate is stored, inside the upload's transaction: a PDF is recorded as pending and
    rendered by a Celery task once the upload commits (or here, without Celery, as filing documents are)."""
    if not _is_pdf(degree):
        CertificatePreview.objects.filter(degree=degree).delete()
        return
    CertificatePreview.objects.update_or_create(
        degree=degree,
        defaults={
            "certificate_name": degree.certificate.name,
            "state": PreviewState.PENDING,
            "error": "",
            "page_count": 0,
            "pages_rendered": 0,
            "attempts": 1,
            "queued_at": timezone.now(),
            "finished_at": None,
        },
    )
    _queue(degree.pk)


def _queue(degree_id: int) -> None:
    if not documents._previews_on_celery():
        certificate_preview_render(degree_id=degree_id)
        return
    dispatch.after_commit("talent.tasks.render_certificate_preview", degree_id)


def certificate_preview_requeue_stale(*, older_than: dt.timedelta = dt.timedelta(minutes=15)) -> int:
    """Beat: certificate previews still pending long after they were queued (a task lost with its broker or
    worker) are queued again, up to documents.PREVIEW_MAX_ATTEMPTS times, then recorded as failed."""
    return documents.requeue_stale_previews(CertificatePreview, _queue, older_than=older_than)


def certificate_preview_render(*, degree_id: int) -> CertificatePreview | None:
    """Render a pending certificate preview and record the outcome (the Celery task's body; safe to run
    twice, and a task for a certificate since replaced renders nothing)."""
    record = CertificatePreview.objects.select_related("degree").filter(pk=degree_id).first()
    if record is None or record.state != PreviewState.PENDING:
        return record
    degree = record.degree
    if degree.certificate.name != record.certificate_name:
        return record  # replaced: the new certificate's own task renders it
    outcome = {"state": PreviewState.READY, "error": "", "page_count": 0, "pages_rendered": 0}
    try:
        meta = documents.rendered_pages_in(
            _dir(degree), lambda work: documents.render_pdf_pages(degree.certificate, work)
        )
        outcome.update(page_count=meta["page_count"], pages_rendered=len(meta["pages"]))
    except documents.PreviewUnavailable as exc:
        outcome.update(state=PreviewState.TIMED_OUT if exc.code == "timeout" else PreviewState.FAILED, error=exc.code)
    except Exception:  # told as a failure, not retried on each view
        logger.exception("preview of the certificate of degree %s failed", degree_id)
        outcome.update(state=PreviewState.FAILED, error="error")
    CertificatePreview.objects.filter(
        pk=degree_id, state=PreviewState.PENDING, certificate_name=record.certificate_name
    ).update(finished_at=timezone.now(), **outcome)
    record.refresh_from_db()
    return record


def certificate_preview(degree: Degree) -> CertificateView | None:
    """The preview of a certificate the caller may see (selectors.may_see_certificate), as recorded:
    never renders anything."""
    if not degree.certificate:
        return None
    if degree.certificate_is_image:
        return CertificateView(kind="image")
    record = CertificatePreview.objects.filter(degree=degree, certificate_name=degree.certificate.name).first()
    if record is None or record.state == PreviewState.PENDING:
        return CertificateView(kind="pdf", state=PreviewState.PENDING)
    if record.state != PreviewState.READY:
        return CertificateView(kind="pdf", state=record.state, error=record.error or "error")
    return CertificateView(kind="pdf", page_count=record.page_count, pages=tuple(range(1, record.pages_rendered + 1)))


def certificate_preview_page(degree: Degree, page: int) -> Path | None:
    """The rendered PNG of one page of a PDF certificate, or None when that page has no preview (yet)."""
    view = certificate_preview(degree)
    if view is None or view.kind != "pdf" or page not in view.pages:
        return None
    path = _dir(degree) / f"page-{page}.png"
    return path if path.exists() else None
