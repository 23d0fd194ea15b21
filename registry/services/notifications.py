"""Notifications to an enterprise's members on each filing decision: an in-portal message (same
transaction) and an email sent once the decision is committed."""
import logging

from django.conf import settings
from django.core.mail import send_mass_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from registry.models import Filing, Notification, ReviewDecision

logger = logging.getLogger(__name__)


def _message(decision: ReviewDecision) -> tuple[str, str]:
    filing: Filing = decision.filing
    title = (f"【{filing.get_level_display()}备案】{filing.centre.name}:{decision.get_step_display()} — "
             f"{decision.get_decision_display()}")
    lines = [
        f"研发中心:{filing.centre.name}({filing.centre.ref})",
        f"备案层级:{filing.get_level_display()}",
        f"环节:{decision.get_step_display()}",
        f"当前状态:{decision.get_decision_display()}",
        f"时间:{timezone.localtime(decision.at):%Y-%m-%d %H:%M}",
    ]
    if filing.effective_from and filing.status == "approved":
        lines.append(f"生效日期:{filing.effective_from}")
    if decision.comment:
        lines.append(f"意见:{decision.comment}")
    lines.append(f"详情请登录平台查看:{reverse('registry:filing_detail', args=[filing.pk])}")
    return title, "\n".join(lines)


def notify_filing_decision(decision: ReviewDecision) -> list[Notification]:
    """Each member of the filing's enterprise gets a Notification row; emails go out after commit, so a
    rolled-back decision sends nothing."""
    title, body = _message(decision)
    return notify_enterprise(decision.filing.centre.enterprise, title=title, body=body, filing=decision.filing)


def notify_enterprise(enterprise, *, title: str, body: str, filing: Filing | None = None) -> list[Notification]:
    """Each active member of the enterprise gets a Notification row; emails go out after commit, so a
    rolled-back decision sends nothing. Used for filing decisions and degree verification decisions."""
    members = list(enterprise.members.filter(is_active=True))
    rows = Notification.objects.bulk_create(
        [Notification(user=u, filing=filing, title=title, body=body) for u in members])
    recipients = sorted({u.email for u in members if u.email})
    if recipients:
        messages = [(title, body, settings.DEFAULT_FROM_EMAIL, [email]) for email in recipients]

        def send():
            # the decision stands even if the mail server is down; the in-portal message is the record
            try:
                send_mass_mail(messages, fail_silently=False)
            except Exception:
                logger.exception("decision email to enterprise %s (%s) not sent", enterprise.pk, title)

        transaction.on_commit(send)
    return rows


def notification_mark_read(*, actor, notification_ids=None) -> int:
    qs = Notification.objects.filter(user=actor, read_at__isnull=True)
    if notification_ids is not None:
        qs = qs.filter(pk__in=notification_ids)
    return qs.update(read_at=timezone.now())
