"""Notifications to an enterprise's members on each filing decision: an in-portal message (same
transaction) and an email sent once the decision is committed."""
import logging

from django.conf import settings
from django.core.mail import send_mass_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from accounts.wording import label_en, label_zh
from registry.models import Filing, FilingLevel, FilingStatus, Notification, ReviewDecision, ReviewStep

logger = logging.getLogger(__name__)


def _message(decision: ReviewDecision) -> tuple[str, str]:
    filing: Filing = decision.filing
    level = label_zh(FilingLevel(filing.level).label)
    step, state = label_zh(ReviewStep(decision.step).label), label_zh(FilingStatus(decision.decision).label)
    title = f"【{level}备案】{filing.centre.name}:{step} — {state}"
    lines = [
        *([f"受理编号:{filing.acceptance_no}"] if filing.acceptance_no else []),
        f"研发中心:{filing.centre.name}({filing.centre.ref})",
        f"备案层级:{level}",
        f"环节:{step}",
        f"当前状态:{state}",
        f"时间:{timezone.localtime(decision.at):%Y-%m-%d %H:%M}",
    ]
    if filing.effective_from and filing.status == "approved":
        lines.append(f"生效日期:{filing.effective_from}")
    if decision.comment:
        lines.append(f"意见:{decision.comment}")
    lines.append(f"详情请登录平台查看:{reverse('registry:filing_detail', args=[filing.pk])}")
    return title, "\n".join(lines)


def _message_en(decision: ReviewDecision) -> tuple[str, str]:
    """The same message in English, for a reader who chose English."""
    filing: Filing = decision.filing
    level = label_en(FilingLevel(filing.level).label)
    step = label_en(ReviewStep(decision.step).label)
    state = label_en(FilingStatus(decision.decision).label)
    title = f"[{level} filing] {filing.centre.name}: {step} — {state}"
    lines = [
        *([f"Acceptance number: {filing.acceptance_no}"] if filing.acceptance_no else []),
        f"Centre: {filing.centre.name} ({filing.centre.ref})",
        f"Filing level: {level}",
        f"Step: {step}",
        f"Status: {state}",
        f"Time: {timezone.localtime(decision.at):%Y-%m-%d %H:%M}",
    ]
    if filing.effective_from and filing.status == "approved":
        lines.append(f"Effective from: {filing.effective_from}")
    if decision.comment:
        lines.append(f"Comment: {decision.comment}")
    lines.append(f"Details in the portal: {reverse('registry:filing_detail', args=[filing.pk])}")
    return title, "\n".join(lines)


def notify_filing_decision(decision: ReviewDecision) -> list[Notification]:
    """Each member of the filing's enterprise gets a Notification row; emails go out after commit, so a
    rolled-back decision sends nothing."""
    title, body = _message(decision)
    title_en, body_en = _message_en(decision)
    return notify_enterprise(decision.filing.centre.enterprise, title=title, body=body, filing=decision.filing,
                             title_en=title_en, body_en=body_en)


def notify_enterprise(enterprise, *, title: str, body: str, filing: Filing | None = None, title_en: str = "",
                      body_en: str = "") -> list[Notification]:
    """Each active member of the enterprise gets a Notification row (in both languages where the English is
    given; the page shows the reader's); emails go out after commit, so a rolled-back decision sends nothing.
    Used for filing decisions and degree verification decisions."""
    members = list(enterprise.members.filter(is_active=True))
    rows = Notification.objects.bulk_create(
        [Notification(user=u, filing=filing, title=title, body=body, title_en=title_en[:200], body_en=body_en)
         for u in members])
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
