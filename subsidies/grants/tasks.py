"""Celery adapter of grants: the daily time-limit reminders of applications and declarations; safe to run
twice (a reminder is sent once per stage)."""

from celery import shared_task

from subsidies.grants.reminders import grant_deadline_reminders


@shared_task(name="subsidies.grants.tasks.grant_deadline_reminders")
def grant_deadline_reminders_task() -> int:
    return grant_deadline_reminders()
