"""Celery adapters of the registry: each task takes ids, calls one service, and is safe to run twice."""

from celery import shared_task

from registry.services import documents, reminders


@shared_task(acks_late=True, reject_on_worker_lost=True)
def render_document_preview(document_id: int) -> str:
    """Render one document's preview after its upload committed (never on a page view)."""
    record = documents.document_preview_render(document_id=document_id)
    return record.state if record is not None else ""


@shared_task
def requeue_stale_previews() -> int:
    """Beat: previews whose render task was lost are queued again (or given up after a few tries)."""
    return documents.document_preview_requeue_stale()


@shared_task
def review_deadline_reminders() -> int:
    """Beat, daily: reviewers hear of review steps near or past their promised time limit."""
    return reminders.review_deadline_reminders()
