"""Celery adapter: the periodic reminders and escalation of objections; safe to run twice."""

from celery import shared_task

from subsidies.objections.services import objections_remind_and_escalate


@shared_task(name="subsidies.objections.tasks.remind_and_escalate_objections")
def remind_and_escalate_objections() -> dict:
    return objections_remind_and_escalate()
