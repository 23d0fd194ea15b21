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


# one message of a filing decision in either language: the wording of each of its parts
_LANGUAGES = {"zh": (0, label_zh), "en": (1, label_en)}
_WORDING = (  # (part, Chinese, English)
    ("title", "【{level}备案】{centre}:{step} — {state}", "[{level} filing] {centre}: {step} — {state}"),
    ("acceptance", "受理编号:{}", "Acceptance number: {}"),
    ("centre", "研发中心:{}({})", "Centre: {} ({})"),
    ("level", "备案层级:{}", "Filing level: {}"),
    ("step", "环节:{}", "Step: {}"),
    ("state", "当前状态:{}", "Status: {}"),
    ("at", "时间:{}", "Time: {}"),
    ("effective", "生效日期:{}", "Effective from: {}"),
    ("comment", "意见:{}", "Comment: {}"),
    ("link", "详情请登录平台查看:{}", "Details in the portal: {}"),
)


def _message(decision: ReviewDecision, language: str = "zh") -> tuple[str, str]:
    """(title, body) of the decision's notification in `language` ("zh", or "en" for a reader who chose English)."""
    column, label = _LANGUAGES[language]
    line = {part: wordings[column] for part, *wordings in _WORDING}
    filing: Filing = decision.filing
    level = label(FilingLevel(filing.level).label)
    step, state = label(ReviewStep(decision.step).label), label(FilingStatus(decision.decision).label)
    lines = [
        *([line["acceptance"].format(filing.acceptance_no)] if filing.acceptance_no else []),
        line["centre"].format(filing.centre.name, filing.centre.ref),
        line["level"].format(level),
        line["step"].format(step),
        line["state"].format(state),
        line["at"].format(f"{timezone.localtime(decision.at):%Y-%m-%d %H:%M}"),
    ]
    if filing.effective_from and filing.status == "approved":
        lines.append(line["effective"].format(filing.effective_from))
    if decision.comment:
        lines.append(line["comment"].format(decision.comment))
    lines.append(line["link"].format(reverse("registry:filing_detail", args=[filing.pk])))
    return line["title"].format(level=level, centre=filing.centre.name, step=step, state=state), "\n".join(lines)


def notify_filing_decision(decision: ReviewDecision) -> list[Notification]:
    """Each member of the filing's enterprise gets a Notification row; emails go out after commit, so a
    rolled-back decision sends nothing."""
    title, body = _message(decision)
    title_en, body_en = _message(decision, "en")
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
    """The active reviewers of a filing level (their inbox hears of new work)."""
    from django.contrib.auth import get_user_model

    return list(get_user_model().objects.filter(is_active=True, role=REVIEWER_ROLE[level]).order_by("pk"))


def notify_reviewers_of(decision: ReviewDecision, *, number: str) -> list[Notification]:
    """A submission (new work, with its 受理编号 and the time limit) or a withdrawal, to the level's reviewers."""
    from registry.guide import FIRST_REVIEW_DAYS

    filing: Filing = decision.filing
    level_zh, level_en = label_zh(FilingLevel(filing.level).label), label_en(FilingLevel(filing.level).label)
    centre = filing.centre
    submitted = decision.step == ReviewStep.SUBMIT
    rows = [("依托企业", "Enterprise", centre.enterprise.name, centre.enterprise.name)] if submitted else []
    rows.append(("研发中心", "Centre", f"{centre.name}({centre.ref})", f"{centre.name} ({centre.ref})"))
    return notify_reviewers(
        level_reviewers(filing.level),
        withdrawn=not submitted,
        subject=(f"{level_zh}备案 {centre.name}", f"{level_en} filing {centre.name}"),
        noun=("备案", "filing"),
        number=number,
        rows=rows,
        at=decision.at,
        link=reverse("registry:review_decide", args=[filing.pk]),
        limit=(f"初审须在{FIRST_REVIEW_DAYS}日内完成", f"first review within {FIRST_REVIEW_DAYS} days"),
        filing=filing,
        what=f"reviewers of filing {filing.pk}",
    )


def notify_reviewers(
    reviewers,
    *,
    withdrawn: bool,
    subject: tuple[str, str],
    noun: tuple[str, str],
    number: str,
    rows: list[tuple[str, str, str, str]],
    at,
    link: str,
    limit: tuple[str, str],
    filing: Filing | None = None,
    what: str,
) -> list[Notification]:
    """The reviewers' notice of a submitted matter (new work: its 受理编号, the promised time limit, the review
    link) or of its withdrawal by the enterprise (it has left their queue), in both languages. Filings,
    grant applications and YC-RD declarations (subsidies.grants.notices) send it. `rows`: (中文 label,
    English label, value in Chinese, value in English) lines naming the matter."""
    when = f"{timezone.localtime(at):%Y-%m-%d %H:%M}"
    lines_zh = [f"受理编号:{number}", *(f"{label}:{value}" for label, _en, value, _v in rows)]
    lines_en = [f"Acceptance number: {number}", *(f"{label}: {value}" for _zh, label, _v, value in rows)]
    if not withdrawn:
        title = f"【待审核】{subject[0]}(受理编号{number})"
        title_en = f"[To review] {subject[1]} (acceptance number {number})"
        lines_zh += [f"提交时间:{when}", f"承诺时限:{limit[0]}", f"审核入口:{link}"]
        lines_en += [f"Submitted: {when}", f"Time limit: {limit[1]}", f"Review: {link}"]
    else:
        title = f"【企业撤回】{subject[0]}(受理编号{number})"
        title_en = f"[Withdrawn] {subject[1]} (acceptance number {number})"
        lines_zh += [f"撤回时间:{when}", f"该{noun[0]}已退出审核队列,无需审核。"]
        lines_en += [f"Withdrawn: {when}", f"The {noun[1]} has left the review queue; no review is needed."]
    return notify_users(
        reviewers,
        title=title,
        body="\n".join(lines_zh),
        filing=filing,
        title_en=title_en,
        body_en="\n".join(lines_en),
        what=what,
    )


def notification_mark_read(*, actor, notification_ids=None) -> int:
    qs = Notification.objects.filter(user=actor, read_at__isnull=True)
    if notification_ids is not None:
        qs = qs.filter(pk__in=notification_ids)
    return qs.update(read_at=timezone.now())
