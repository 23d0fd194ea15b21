"""Celery adapter for long projections: takes a job id, calls one service, safe to run twice."""

from celery import shared_task

from subsidies.projection import jobs


@shared_task(acks_late=True, reject_on_worker_lost=True)
def project_job(job_id: int) -> str:
    return jobs.job_run(job_id=job_id).state
