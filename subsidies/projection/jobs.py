"""Short projections answer at once; long ones (many researcher-months) are computed by a Celery
worker as a ProjectionJob whose progress (chunks done of chunks) the page polls."""

from __future__ import annotations

from django.conf import settings
from django.utils import timezone

from accounts import dispatch
from accounts.errors import NotFoundError
from subsidies.projection import services
from subsidies.projection.models import ProjectionJob
from subsidies.projection.selectors import Hires, _require, budget_projection

# researcher-months a request computes at once; beyond, a worker computes it (about a second per
# 200,000 on one core)
INLINE_LIMIT = 400_000


def size_of(plan: services.Plan) -> int:
    from talent.models import Researcher

    first = plan.start if plan.start is not None else plan.through - 60
    return Researcher.objects.count() * max(plan.through - first + 1, 1)


def projection_request(*, actor, through, overrides=(), hires: Hires | None = None):
    """(None, the projection as a dict) for a short one; (the job, None) for a long one."""
    _require(actor)
    plan = services.plan(through=through, overrides=overrides)  # refuses bad inputs before queueing
    limit = getattr(settings, "PROJECTION_INLINE_LIMIT", INLINE_LIMIT)
    if size_of(plan) <= limit:
        return None, budget_projection(
            actor=actor, through=plan.through, overrides=plan.overrides, hires=hires
        ).as_dict()
    return job_start(actor=actor, plan=plan, hires=hires or Hires()), None


def job_start(*, actor, plan: services.Plan, hires: Hires) -> ProjectionJob:
    job = ProjectionJob.objects.create(
        requested_by=actor,
        through=plan.as_dict()["through"],
        overrides=[str(o) for o in plan.overrides],
        hires=hires.as_dict(),
        progress_total=len(services.chunk_bounds()),
    )
    if getattr(settings, "PAYOUT_RUNS_ON_CELERY", False):
        dispatch.after_commit("subsidies.projection.tasks.project_job", job.pk)
        return job
    return job_run(job_id=job.pk)  # no workers (tests): computed here, the same job and progress


def _progress(job_id: int):
    def report(done: int, total: int) -> None:
        ProjectionJob.objects.filter(pk=job_id).update(progress_done=done, progress_total=total)

    return report


def job_run(*, job_id: int) -> ProjectionJob:
    """Compute a queued job; a job already done (a redelivered task) is left as it is."""
    job = ProjectionJob.objects.select_related("requested_by").get(pk=job_id)
    if job.state == ProjectionJob.State.DONE:
        return job
    ProjectionJob.objects.filter(pk=job_id).update(state=ProjectionJob.State.RUNNING, error="")
    h = job.hires or {}
    from subsidies.rules.calendar import parse_month

    hires = Hires(
        int(h.get("doctorates_per_month") or 0),
        int(h.get("masters_per_month") or 0),
        parse_month(h["from"]) if h.get("from") else None,
    )
    try:
        data = budget_projection(
            actor=job.requested_by,
            through=job.through,
            overrides=job.overrides,
            hires=hires,
            progress=_progress(job_id),
        ).as_dict()
    except Exception as exc:
        ProjectionJob.objects.filter(pk=job_id).update(
            state=ProjectionJob.State.FAILED, finished_at=timezone.now(), error=f"{type(exc).__name__}: {exc}"[:2000]
        )
        raise
    ProjectionJob.objects.filter(pk=job_id).update(
        state=ProjectionJob.State.DONE, result=data, finished_at=timezone.now(), progress_done=job.progress_total
    )
    job.refresh_from_db()
    return job


def job_for(*, actor, pk: int) -> ProjectionJob:
    """A job is its requester's (and administrators')."""
    _require(actor)
    job = ProjectionJob.objects.filter(pk=pk).first()
    if job is None or not (job.requested_by_id == actor.pk or actor.is_portal_admin):
        raise NotFoundError("测算任务不存在", "no such projection job", code="not_found", status=404)
    return job
