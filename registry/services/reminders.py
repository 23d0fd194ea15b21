"""Deadline reminders (notifications when a deadline approaches). Each day the reviewers of a level
hear of the work whose review stage reaches its promised time limit (registry.guide) within REMIND_DAYS, or
has passed it; once per piece of work and stage, so a daily run never repeats itself.

`remind` is shared: filings here, grant applications and YC-RD declarations in subsidies.grants.reminders
(each says what its work is, with its stages from the same tracking)."""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from accounts.wording import label_en, label_zh
from registry.models import Filing, FilingLevel, FilingStatus, Notification
from registry.services.notifications import level_reviewers, notify_users
from registry.tracking import CURRENT, Stage, filing_stages

REMIND_DAYS = 2  # Decision: two days' notice before the time limit
TITLE = "【办理时限提醒】"


@dataclass(frozen=True)
class Pending:
    """A piece of work under review: its stages, who reviews it and how a reminder names it."""

    stages: list[Stage]
    reviewers: Iterable
    number: str  # 受理编号
    subject: tuple[str, str]  # what the work is, in Chinese and in English ("自治区级备案 某研发中心")
    rows: list[tuple[str, str, str, str]]  # (label zh, label en, value zh, value en) before the stage's dates
    what: str  # for the notifier's log
    filing: Filing | None = None  # a filing's reminders hang off it; other work is named by its number


def remind(pending: Iterable[Pending], *, today: dt.date) -> int:
    """A reminder for each piece of work whose current stage is due within REMIND_DAYS (or overdue), unless one
    was sent for that stage since it started. Returns how many were sent."""
    sent = 0
    for work in pending:
        stage = next((s for s in work.stages if s.state == CURRENT and s.due), None)
        if stage is None or (stage.due - today).days > REMIND_DAYS:
            continue
        name_zh, name_en = label_zh(stage.name), label_en(stage.name)
        started = timezone.make_aware(dt.datetime.combine(stage.started, dt.time.min))
        sent_before = Notification.objects.filter(
            title__startswith=f"{TITLE}{name_zh} {work.subject[0]}", created_at__gte=started
        )
        if work.filing is not None:
            sent_before = sent_before.filter(filing=work.filing)
        else:
            sent_before = sent_before.filter(filing=None, title__contains=work.number)
        if sent_before.exists():
            continue
        left = (stage.due - today).days
        when_zh = f"剩余{left}日" if left >= 0 else f"已超期{-left}日"
        when_en = f"{left} days left" if left >= 0 else f"{-left} days overdue"
        rows = [
            ("受理编号", "Acceptance number", work.number or "—", work.number or "—"),
            *work.rows,
            ("环节", "Step", name_zh, name_en),
            ("开始日期", "Started", str(stage.started), str(stage.started)),
            ("承诺时限", "Due", f"{stage.due}({when_zh})", f"{stage.due} ({when_en})"),
        ]
        notify_users(
            work.reviewers,
            filing=work.filing,
            what=work.what,
            title=f"{TITLE}{name_zh} {work.subject[0]}:{when_zh}",
            body="\n".join(f"{zh}:{value}" for zh, _en, value, _v in rows),
            title_en=f"[Time limit] {name_en} of the {work.subject[1]}: {when_en}",
            body_en="\n".join(f"{en}: {value}" for _zh, en, _v, value in rows),
        )
        sent += 1
    return sent


def _filings() -> Iterable[Pending]:
    filings = (
        Filing.objects.filter(status__in=[FilingStatus.SUBMITTED, FilingStatus.FIRST_REVIEWED])
        .select_related("centre")
        .order_by("pk")
    )
    for filing in filings:
        level = FilingLevel(filing.level).label
        centre = filing.centre
        yield Pending(
            stages=filing_stages(filing=filing),
            reviewers=level_reviewers(filing.level),
            number=filing.acceptance_no or "",
            subject=(f"{label_zh(level)}备案 {centre.name}", f"{label_en(level)} filing {centre.name}"),
            rows=[("研发中心", "Centre", f"{centre.name}({centre.ref})", f"{centre.name} ({centre.ref})")],
            what=f"reviewers of filing {filing.pk}",
            filing=filing,
        )


@transaction.atomic
def review_deadline_reminders(*, today: dt.date | None = None) -> int:
    """The filings' reminders (grant applications and declarations: subsidies.grants.reminders)."""
    return remind(_filings(), today=today or timezone.localdate())
