"""Celery adapter for exports: takes a record id, calls one service, safe to run twice. The task keeps the name it
was first queued by (subsidies.tasks_exports.render_export)."""

from celery import shared_task

from subsidies.exports import services


@shared_task(acks_late=True, reject_on_worker_lost=True, name="subsidies.tasks_exports.render_export")
def render_export(record_id: int) -> str:
    return services.export_render(record_id=record_id).sha256
