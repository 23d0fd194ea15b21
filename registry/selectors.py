"""Reads for the registry, scoped by the actor: tenant isolation lives in these querysets, so a list, a
detail page, a search and a download all see the same rows. Another enterprise's object is a 404."""

import datetime as dt

import pghistory.models
from django.db.models import Count, F, Q, QuerySet
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Role
from registry.models import (
    Centre,
    Document,
    Enterprise,
    Filing,
    FilingLevel,
    FilingPeriod,
    FilingStatus,
    Notification,
    ReviewDecision,
)

# Statuses a reviewer sees: everything the enterprise has sent at least once (drafts stay private).
REVIEWER_VISIBLE = [s for s in FilingStatus.values if s != FilingStatus.DRAFT]
QUEUE_STATUSES = [FilingStatus.SUBMITTED, FilingStatus.FIRST_REVIEWED]


def _sees_all(actor) -> bool:
    return actor.is_portal_admin or actor.is_finance or actor.role == Role.SYSTEM


def reviewer_levels(actor) -> list[str]:
    return [level for level in FilingLevel.values if actor.reviews_level(level)]


def enterprise_list(*, actor) -> QuerySet[Enterprise]:
    qs = Enterprise.objects.all()
    if _sees_all(actor):
        return qs
    if actor.is_enterprise:
        return qs.filter(memberships__user=actor).distinct()
    if actor.is_reviewer:
        return qs.filter(
            centres__filings__level__in=reviewer_levels(actor), centres__filings__status__in=REVIEWER_VISIBLE
        ).distinct()
    return qs.none()


def enterprise_get(*, actor, pk) -> Enterprise:
    return get_object_or_404(enterprise_list(actor=actor), pk=pk)


def centre_list(*, actor, q: str = "") -> QuerySet[Centre]:
    qs = Centre.objects.select_related("enterprise")
    if actor.is_enterprise:
        qs = qs.filter(enterprise__memberships__user=actor)
    elif actor.is_reviewer:
        qs = qs.filter(
            pk__in=Filing.objects.filter(level__in=reviewer_levels(actor), status__in=REVIEWER_VISIBLE).values(
                "centre_id"
            )
        )
    elif not _sees_all(actor):
        return qs.none()
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(ref__icontains=q) | Q(enterprise__name__icontains=q))
    return qs.distinct()


def centre_get(*, actor, pk) -> Centre:
    return get_object_or_404(centre_list(actor=actor), pk=pk)


def filing_list(*, actor, status: str = "", level: str = "", city: str = "", q: str = "") -> QuerySet[Filing]:
    qs = Filing.objects.select_related("centre__enterprise")
    if actor.is_enterprise:
        qs = qs.filter(centre__enterprise__memberships__user=actor)
    elif actor.is_reviewer:
        qs = qs.filter(level__in=reviewer_levels(actor), status__in=REVIEWER_VISIBLE)
    elif not _sees_all(actor):
        return qs.none()
    if status:
        qs = qs.filter(status=status)
    if level:
        qs = qs.filter(level=level)
    if city:
        qs = qs.filter(centre__city=city)
    if q:
        qs = qs.filter(
            Q(centre__name__icontains=q) | Q(centre__ref__icontains=q) | Q(centre__enterprise__name__icontains=q)
        )
    return qs.distinct().order_by("-updated_at", "-id")


def filing_get(*, actor, pk) -> Filing:
    return get_object_or_404(filing_list(actor=actor), pk=pk)


def review_queue(*, actor, status: str = "", level: str = "", city: str = "") -> QuerySet[Filing]:
    """A reviewer's work: by default what awaits a decision, oldest submission first, with its age."""
    qs = filing_list(actor=actor, level=level, city=city)
    qs = qs.filter(status=status) if status else qs.filter(status__in=QUEUE_STATUSES)
    return qs.annotate(waiting_since=Coalesce("submitted_at", "created_at")).order_by(F("waiting_since").asc(), "id")


def review_queue_counts(*, actor, level: str = "", city: str = "") -> dict[str, int]:
    rows = filing_list(actor=actor, level=level, city=city).order_by().values("status").annotate(n=Count("id"))
    counts = {s: 0 for s in FilingStatus.values}
    counts.update({r["status"]: r["n"] for r in rows})
    return counts


def age_in_days(since) -> int:
    return (timezone.localdate() - timezone.localtime(since).date()).days if since else 0


def review_cities(*, actor) -> list[str]:
    return sorted(set(filing_list(actor=actor).values_list("centre__city", flat=True)))


def document_list(*, actor, filing: Filing | None = None, current_only: bool = False) -> QuerySet[Document]:
    qs = Document.objects.select_related("uploaded_by", "filing", "preview_record")
    if actor.is_enterprise:
        qs = qs.filter(enterprise__memberships__user=actor)
    elif actor.is_reviewer:
        qs = qs.filter(filing__level__in=reviewer_levels(actor), filing__status__in=REVIEWER_VISIBLE)
    elif not _sees_all(actor):
        return qs.none()
    if filing is not None:
        qs = qs.filter(filing=filing)
    if current_only:
        qs = qs.filter(is_current=True)
    return qs.distinct().order_by("kind", "-version")


def document_get(*, actor, pk) -> Document:
    return get_object_or_404(document_list(actor=actor), pk=pk)


def decision_list(*, filing: Filing) -> QuerySet[ReviewDecision]:
    """Review comments of a filing, oldest first. Callers have already scoped the filing."""
    return filing.decisions.select_related("actor").order_by("at", "id")


def notification_list(*, actor) -> QuerySet[Notification]:
    return Notification.objects.filter(user=actor).select_related("filing")


def unread_count(*, actor) -> int:
    return Notification.objects.filter(user=actor, read_at__isnull=True).count()


def filing_history(*, filing: Filing) -> list[dict]:
    """The audit trail of a filing and of the rows hanging off it (review records, documents), old → new
    per change, with who and when, read from the pghistory event tables."""
    groups = [[filing], list(filing.decisions.all()), list(filing.documents.all())]
    events = sorted(
        (e for objs in groups if objs for e in pghistory.models.Events.objects.tracks(objs)),
        key=lambda e: (e.pgh_created_at, e.pgh_model, e.pgh_id),
    )
    from accounts.models import User

    user_ids = {e.pgh_context.get("user") for e in events if e.pgh_context and e.pgh_context.get("user")}
    users = {u.pk: u for u in User.objects.filter(pk__in=user_ids)}
    rows = []
    for e in events:
        ctx = e.pgh_context or {}
        who = users.get(ctx.get("user"))
        changes = []
        if e.pgh_label == "update" and e.pgh_diff:
            changes = [
                {"field": k, "old": v[0], "new": v[1]}
                for k, v in sorted(e.pgh_diff.items())
                if k not in ("updated_at",)
            ]
            if not changes:
                continue
        rows.append(
            {
                "at": e.pgh_created_at,
                "label": e.pgh_label,
                "model": e.pgh_obj_model.split(".")[-1],
                "object_id": e.pgh_obj_id,
                "who": who.display_name if who else (ctx.get("username") or "—"),
                "changes": changes,
                "data": e.pgh_data if e.pgh_label != "update" else None,
            }
        )
    return rows


def filing_windows(*, filing: Filing) -> list[dict]:
    """The filing's history as a timeline: each window of approval with how it opened (approval,
    reinstatement after a suspension, re-filing after a revocation) and how and why it ended, and the gaps
    between windows (days that earn nothing). The caller has already read the filing through its actor's
    scope (filing_get)."""
    rows = []
    previous = None
    for period in FilingPeriod.objects.filter(filing=filing).order_by("start"):
        if previous is None:
            opened = _("备案生效")
        elif previous.closed_as == FilingStatus.SUSPENDED:
            opened = _("恢复备案")
        else:
            opened = _("重新备案")
        if previous is not None and previous.end is not None:
            gap_from, gap_to = previous.end + dt.timedelta(days=1), period.start - dt.timedelta(days=1)
            if gap_from <= gap_to:
                rows.append({"gap": True, "start": gap_from, "end": gap_to})
        if period.closed_as:
            ended = period.get_closed_as_display()
        elif period.end is None:
            ended = _("现行有效")
        else:
            ended = _("到期终止")
        rows.append(
            {
                "gap": False,
                "start": period.start,
                "end": period.end,
                "opened": opened,
                "ended": ended,
                "closed_as": period.closed_as,
                "reason": period.reason,
                "current": period.end is None and filing.status == FilingStatus.APPROVED,
            }
        )
        previous = period
    return rows
