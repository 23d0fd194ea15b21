"""Deadline reminders (issue 15: notifications when a deadline approaches). Each day the reviewers of a level
hear of the filings whose review stage reaches its promised time limit (registry.guide) within
REMIND_DAYS, or has passed it; once per filing and stage, so a daily run never repeats itself."""

import datetime as dt

from django.db import transaction
from django.utils import timezone

from accounts.wording import label_en, label_zh
from registry.models import Filing, FilingLevel, FilingStatus, Notification
from registry.services.notifications import level_reviewers, notify_users
from registry.tracking import CURRENT, filing_stages

REMIND_DAYS = 2  # Decision: two days' notice before the time limit
TITLE = "【办理时限提醒】"


@transaction.atomic
def review_deadline_reminders(*, today: dt.date | None = None) -> int:
    today = today or timezone.localdate()
    sent = 0
    filings = (
        Filing.objects.filter(status__in=[FilingStatus.SUBMITTED, FilingStatus.FIRST_REVIEWED])
        .select_related("centre")
        .order_by("pk")
    )
    for filing in filings:
        stage = next((s for s in filing_stages(filing=filing) if s.state == CURRENT and s.due), None)
        if stage is None or (stage.due - today).days > REMIND_DAYS:
            continue
        name_zh, name_en = label_zh(stage.name), label_en(stage.name)
        started = timezone.make_aware(dt.datetime.combine(stage.started, dt.time.min))
        if Notification.objects.filter(
            filing=filing, title__startswith=f"{TITLE}{name_zh}", created_at__gte=started
        ).exists():
            continue
        level_zh, level_en = label_zh(FilingLevel(filing.level).label), label_en(FilingLevel(filing.level).label)
        left = (stage.due - today).days
        when_zh = f"剩余{left}日" if left >= 0 else f"已超期{-left}日"
        when_en = f"{left} days left" if left >= 0 else f"{-left} days overdue"
        notify_users(
            level_reviewers(filing.level),
            filing=filing,
            what=f"reviewers of filing {filing.pk}",
            title=f"{TITLE}{name_zh} {level_zh}备案 {filing.centre.name}:{when_zh}",
            body="\n".join(
                [
                    f"受理编号:{filing.acceptance_no or '—'}",
                    f"研发中心:{filing.centre.name}({filing.centre.ref})",
                    f"环节:{name_zh}",
                    f"开始日期:{stage.started}",
                    f"承诺时限:{stage.due}({when_zh})",
                ]
            ),
            title_en=f"[Time limit] {name_en} of the {level_en} filing {filing.centre.name}: {when_en}",
            body_en="\n".join(
                [
                    f"Acceptance number: {filing.acceptance_no or '—'}",
                    f"Centre: {filing.centre.name} ({filing.centre.ref})",
                    f"Step: {name_en}",
                    f"Started: {stage.started}",
                    f"Due: {stage.due} ({when_en})",
                ]
            ),
        )
        sent += 1
    return sent
