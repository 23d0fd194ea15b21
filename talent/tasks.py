"""Celery adapters of the talent register: each task takes ids, calls one service, and is safe to run twice."""

from celery import shared_task

from talent import certificates


@shared_task(acks_late=True, reject_on_worker_lost=True)
def render_certificate_preview(degree_id: int) -> str:
    """Render a PDF degree certificate's page images after its upload committed (never on a page view)."""
    record = certificates.certificate_preview_render(degree_id=degree_id)
    return record.state if record is not None else ""


@shared_task
def requeue_stale_certificate_previews() -> int:
    """Beat: certificate previews whose render task was lost are queued again (or given up after a few tries)."""
    return certificates.certificate_preview_requeue_stale()
