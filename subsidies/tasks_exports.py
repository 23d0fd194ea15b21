"""Celery adapter for exports: takes a record id, calls one service, safe to run twice."""
from celery import shared_task

from subsidies.exports import services


@shared_task(acks_late=True, reject_on_worker_lost=True)
def render_export(record_id: int) -> str:
    return services.export_render(record_id=record_id).sha256
