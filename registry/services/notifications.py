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
    return notify_enterprise(
        decision.filing.centre.enterprise,
        title=title,
        body=body,
        filing=decision.filing,
        title_en=title_en,
        body_en=body_en,
    )


def notify_enterprise(
    enterprise, *, title: str, body: str, filing: Filing | None = None, title_en: str = "", body_en: str = ""
) -> list[Notification]:
    """Each active member of the enterprise gets a Notification row (in both languages where the English is
    given; the page shows the reader's); emails go out after commit, so a rolled-back decision sends nothing.
    Used for filing decisions, degree verification decisions and payout notices."""
    return notify_users(
        list(enterprise.members.filter(is_active=True)),
        title=title,
        body=body,
        filing=filing,
        title_en=title_en,
        body_en=body_en,
        what=f"enterprise {enterprise.pk}",
    )


def notify_users(
    users,
    *,
    title: str,
    body: str,
    filing: Filing | None = None,
    title_en: str = "",
    body_en: str = "",
    what: str = "users",
) -> list[Notification]:
    """The one notifier: an in-portal message to each user (same transaction) and an e-mail to each address
    once the transaction commits (console e-mail in development, the configured backend elsewhere)."""
    rows = Notification.objects.bulk_create(
        [
            Notification(user=u, filing=filing, title=title[:200], body=body, title_en=title_en[:200], body_en=body_en)
            for u in users
        ]
    )
    recipients = sorted({u.email for u in users if u.email})
    if recipients:
        messages = [(title, body, settings.DEFAULT_FROM_EMAIL, [email]) for email in recipients]

        def send():
            # the decision stands even if the mail server is down; the in-portal message is the record
            try:
                send_mass_mail(messages, fail_silently=False)
            except Exception:
                logger.exception("notification email to %s (%s) not sent", what, title)

        transaction.on_commit(send)
    return rows


REVIEWER_ROLE = {FilingLevel.REGIONAL: "regional_reviewer", FilingLevel.YINCHUAN: "yinchuan_reviewer"}


def level_reviewers(level: str) -> list:
    """The active reviewers of a filing level (their inbox hears of new work, issue 15)."""
    from django.contrib.auth import get_user_model

    return list(get_user_model().objects.filter(is_active=True, role=REVIEWER_ROLE[level]).order_by("pk"))


def notify_reviewers_of(decision: ReviewDecision, *, number: str) -> list[Notification]:
    """A submission (new work, with its 受理编号 and the time limit) or a withdrawal, to the level's reviewers."""
    from registry.guide import FIRST_REVIEW_DAYS

    filing: Filing = decision.filing
    level_zh, level_en = label_zh(FilingLevel(filing.level).label), label_en(FilingLevel(filing.level).label)
    link = reverse("registry:review_decide", args=[filing.pk])
    when = f"{timezone.localtime(decision.at):%Y-%m-%d %H:%M}"
    if decision.step == ReviewStep.SUBMIT:
        title = f"【待审核】{level_zh}备案 {filing.centre.name}(受理编号{number})"
        body = "\n".join(
            [
                f"受理编号:{number}",
                f"依托企业:{filing.centre.enterprise.name}",
                f"研发中心:{filing.centre.name}({filing.centre.ref})",
                f"提交时间:{when}",
                f"承诺时限:初审须在{FIRST_REVIEW_DAYS}日内完成",
                f"审核入口:{link}",
            ]
        )
        title_en = f"[To review] {level_en} filing {filing.centre.name} (acceptance number {number})"
        body_en = "\n".join(
            [
                f"Acceptance number: {number}",
                f"Enterprise: {filing.centre.enterprise.name}",
                f"Centre: {filing.centre.name} ({filing.centre.ref})",
                f"Submitted: {when}",
                f"Time limit: first review within {FIRST_REVIEW_DAYS} days",
                f"Review: {link}",
            ]
        )
    else:
        title = f"【企业撤回】{level_zh}备案 {filing.centre.name}(受理编号{number})"
        body = "\n".join(
            [
                f"受理编号:{number}",
                f"研发中心:{filing.centre.name}({filing.centre.ref})",
                f"撤回时间:{when}",
                "该备案已退出审核队列,无需审核。",
            ]
        )
        title_en = f"[Withdrawn] {level_en} filing {filing.centre.name} (acceptance number {number})"
        body_en = "\n".join(
            [
                f"Acceptance number: {number}",
                f"Centre: {filing.centre.name} ({filing.centre.ref})",
                f"Withdrawn: {when}",
                "The filing has left the review queue; no review is needed.",
            ]
        )
    return notify_users(
        level_reviewers(filing.level),
        title=title,
        body=body,
        filing=filing,
        title_en=title_en,
        body_en=body_en,
        what=f"reviewers of filing {filing.pk}",
    )


def notification_mark_read(*, actor, notification_ids=None) -> int:
    qs = Notification.objects.filter(user=actor, read_at__isnull=True)
    if notification_ids is not None:
        qs = qs.filter(pk__in=notification_ids)
    return qs.update(read_at=timezone.now())
