"""Deadline reminders for grant applications and YC-RD declarations (notifications when a deadline
approaches), with the filings' `remind` (registry.services.reminders): each day the reviewers of the
programme's level (Yinchuan reviewers for a declaration) hear of the work whose 初审, 复审 or 核定 reaches its
promised time limit within two days, or has passed it; once per piece of work and stage."""

import datetime as dt
from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone, translation

from registry.services.notifications import level_reviewers
from registry.services.reminders import Pending, remind
from subsidies.grants.notices import applicant_rows, declaration_rows
from subsidies.grants.tracking import application_stages, declaration_stages
from subsidies.models import ApplicationStatus, DeclarationStatus, GrantApplication, RDDeclarationSubmission


def _applications() -> Iterable[Pending]:
    apps = (
        GrantApplication.objects.filter(
            status__in=[ApplicationStatus.SUBMITTED, ApplicationStatus.FIRST_REVIEWED], acceptance_no__isnull=False
        )
        .select_related("programme", "enterprise", "centre", "researcher", "incubator")
        .order_by("pk")
    )
    for app in apps:
        with translation.override("en"):
            name_en = app.programme.display_name
        number = app.acceptance_no
        yield Pending(
            stages=application_stages(application=app),
            reviewers=level_reviewers(app.programme.filing_level or "regional"),
            number=number,
            subject=(
                f"资助申报 {app.programme.name} {number}",
                f"grant application {name_en} {number}",
            ),
            rows=applicant_rows(app),
            what=f"reviewers of grant application {app.pk}",
        )


def _declarations() -> Iterable[Pending]:
    subs = (
        RDDeclarationSubmission.objects.filter(status=DeclarationStatus.PENDING, acceptance_no__isnull=False)
        .select_related("centre__enterprise", "submitted_by")
        .order_by("pk")
    )
    for sub in subs:
        number = sub.acceptance_no
        yield Pending(
            stages=declaration_stages(submission=sub),
            reviewers=level_reviewers("yinchuan"),
            number=number,
            subject=(
                f"研发投入申报 {sub.centre.name} {sub.year}年度 {number}",
                f"R&D declaration {sub.centre.name} {sub.year} {number}",
            ),
            rows=declaration_rows(sub),
            what=f"reviewers of declaration {sub.pk}",
        )


@transaction.atomic
def grant_deadline_reminders(*, today: dt.date | None = None) -> int:
    today = today or timezone.localdate()
    return remind(_applications(), today=today) + remind(_declarations(), today=today)
