"""Government-service conventions on the filing (issue 15): the 办事指南, the 信用承诺书 and the 受理编号 at
submission, 撤回 before the first review, stage tracking, and the notices about each event."""

import pytest
from django.core import mail
from django.urls import reverse

from accounts.errors import ServiceError
from registry import services
from registry.models import Filing, FilingLevel, FilingStatus, Notification
from tests.registry.conftest import attach_required

pytestmark = pytest.mark.django_db


def _draft(owner, centre, level=FilingLevel.REGIONAL):
    filing = services.filing_create(actor=owner, centre=centre, level=level)
    attach_required(actor=owner, filing=filing)
    return filing


# --- (a) 办事指南 -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "level, basis, department",
    [
        ("regional", "宁夏回族自治区企业飞地研发中心建设支持暂行办法", "宁夏回族自治区科学技术厅"),
        ("yinchuan", "银川市飞地研发中心和飞地孵化器备案支持办法", "银川市科学技术局"),
    ],
)
def test_the_guide_names_conditions_materials_process_time_limits_and_contact(client, level, basis, department):
    page = client.get(reverse("registry:guide", args=[level])).content.decode()
    for heading in ("申请条件", "申请材料", "办理流程", "承诺时限", "咨询方式", "设定依据与实施机关", "信用承诺书"):
        assert f">{heading}</h" in page, heading
    assert basis in page and department in page
    assert "营业执照" in page and "研发中心设立证明" in page and "联合共建协议" in page
    assert "自提交之日起10日内" in page and "自初审通过之日起10日内" in page
    assert client.get(reverse("registry:guide", args=["nowhere"])).status_code == 404


def test_the_filing_form_and_the_filing_link_to_the_guide(client, owner, centre):
    client.force_login(owner)
    start = client.get(reverse("registry:filing_start")).content.decode()
    assert (
        reverse("registry:guide", args=["regional"]) in start and reverse("registry:guide", args=["yinchuan"]) in start
    )
    filing = services.filing_create(actor=owner, centre=centre, level=FilingLevel.YINCHUAN)
    detail = client.get(reverse("registry:filing_detail", args=[filing.pk])).content.decode()
    assert reverse("registry:guide", args=["yinchuan"]) in detail


# --- (b) 信用承诺书 and 受理编号 ---------------------------------------------------------------------------


def test_submission_without_the_commitment_is_refused_and_changes_nothing(owner, centre):
    filing = _draft(owner, centre)
    with pytest.raises(ServiceError) as exc:
        services.filing_submit(actor=owner, filing=filing, commitment=False)
    assert exc.value.code == "commitment_required" and "信用承诺书" in exc.value.zh and "commitment" in exc.value.en
    filing.refresh_from_db()
    assert (filing.status, filing.acceptance_no, filing.commitment_at) == (FilingStatus.DRAFT, None, None)


def test_submission_gives_a_unique_acceptance_number_kept_on_resubmission(owner, owner_b, centre, centre_b, regional1):
    first = services.filing_submit(actor=owner, filing=_draft(owner, centre), commitment=True)
    second = services.filing_submit(actor=owner_b, filing=_draft(owner_b, centre_b), commitment=True)
    year = first.submitted_at.year
    assert first.acceptance_no == f"NXFD{year}000001" and second.acceptance_no == f"NXFD{year}000002"
    assert first.commitment_at is not None
    yc = services.filing_submit(actor=owner, filing=_draft(owner, centre, FilingLevel.YINCHUAN), commitment=True)
    assert yc.acceptance_no == f"YCFD{year}000001"
    # 退回补正 and resubmission: the same matter, the same number
    services.filing_return(actor=regional1, filing=first, comment="营业执照不清晰")
    again = services.filing_submit(actor=owner, filing=Filing.objects.get(pk=first.pk), commitment=True)
    assert again.acceptance_no == f"NXFD{year}000001"
    assert Filing.objects.filter(acceptance_no=again.acceptance_no).count() == 1


def test_the_acceptance_number_is_on_the_page_and_on_the_notice(
    client, owner, centre, django_capture_on_commit_callbacks
):
    filing = _draft(owner, centre)
    client.force_login(owner)
    page = client.get(reverse("registry:filing_detail", args=[filing.pk])).content.decode()
    assert 'name="commitment"' in page and "本单位郑重承诺" in page
    refused = client.post(reverse("registry:filing_submit", args=[filing.pk]), follow=True).content.decode()
    assert "须阅读并勾选信用承诺书" in refused
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("registry:filing_submit", args=[filing.pk]), {"commitment": "on"}, follow=True)
    filing.refresh_from_db()
    assert filing.status == FilingStatus.SUBMITTED and filing.acceptance_no
    body = response.content.decode()
    assert f"受理编号:{filing.acceptance_no}" in body and 'class="acceptance-no">' + filing.acceptance_no in body
    notice = Notification.objects.get(user=owner, filing=filing)
    assert f"受理编号:{filing.acceptance_no}" in notice.body
    assert f"Acceptance number: {filing.acceptance_no}" in notice.body_en
    assert any(filing.acceptance_no in m.body for m in mail.outbox if "owner-a@example.cn" in m.to)


# --- (c) 撤回 ----------------------------------------------------------------------------------------------


def _submitted(owner, centre):
    return services.filing_submit(actor=owner, filing=_draft(owner, centre), commitment=True)


def test_the_enterprise_withdraws_before_the_first_review_and_it_is_audited(client, owner, centre):
    from registry.selectors import filing_history

    filing = _submitted(owner, centre)
    number = filing.acceptance_no
    client.force_login(owner)
    page = client.get(reverse("registry:filing_detail", args=[filing.pk])).content.decode()
    assert reverse("registry:filing_withdraw", args=[filing.pk]) in page
    response = client.post(
        reverse("registry:filing_withdraw", args=[filing.pk]), {"reason": "补充场地证明"}, follow=True
    )
    assert "备案已撤回" in response.content.decode()
    filing.refresh_from_db()
    assert (filing.status, filing.acceptance_no) == (FilingStatus.DRAFT, None)
    decision = filing.decisions.order_by("-id").first()
    assert (decision.step, decision.actor, decision.decision) == ("withdraw", owner, FilingStatus.DRAFT)
    assert decision.comment == f"撤回受理编号{number};补充场地证明"
    changes = [
        (c["field"], c["old"], c["new"])
        for row in filing_history(filing=filing)
        if row["who"] == "张企业"
        for c in row["changes"]
    ]
    assert ("status", "submitted", "draft") in changes and ("acceptance_no", number, None) in changes
    # a new submission is a new matter with a new number
    again = services.filing_submit(actor=owner, filing=filing, commitment=True)
    assert again.acceptance_no and again.acceptance_no != number


def test_withdrawal_after_the_first_review_is_refused_and_changes_nothing(owner, centre, regional1, owner_b):
    filing = _submitted(owner, centre)
    with pytest.raises(ServiceError) as other:
        services.filing_withdraw(actor=owner_b, filing=filing)
    assert other.value.status == 403
    services.filing_first_review(actor=regional1, filing=filing)
    before = filing.decisions.count()
    with pytest.raises(ServiceError) as exc:
        services.filing_withdraw(actor=owner, filing=filing)
    assert exc.value.code == "illegal_transition" and "初审通过" in exc.value.zh and "only a submitted" in exc.value.en
    filing.refresh_from_db()
    assert filing.status == FilingStatus.FIRST_REVIEWED and filing.acceptance_no and filing.decisions.count() == before


def test_withdrawal_through_the_api(owner, centre):
    from rest_framework.test import APIClient

    filing = _submitted(owner, centre)
    api = APIClient()
    api.force_authenticate(owner)
    response = api.post(f"/api/v1/filings/{filing.pk}/withdraw/", {"comment": "重新整理材料"}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "draft"
    again = api.post(f"/api/v1/filings/{filing.pk}/withdraw/", {}, format="json")
    assert again.status_code == 409


# --- (d) stage tracking --------------------------------------------------------------------------------------


def _stages(client, filing):
    import re

    page = client.get(reverse("registry:filing_detail", args=[filing.pk])).content.decode()
    section = page[page.index('id="stages-h"') : page.index("</ol>", page.index('id="stages-h"'))]
    items = re.findall(r'<li class="(\w+)[^"]*" data-stage="(\w+)"[^>]*>(.*?)</li>', section, re.S)
    return {key: (state, re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", body)).strip()) for state, key, body in items}


def test_stage_tracking_shows_who_and_when_and_the_time_left(client, owner, centre, regional1, regional2):
    import datetime as dt

    import time_machine
    from django.utils import timezone

    client.force_login(owner)
    filing = _draft(owner, centre)
    assert _stages(client, filing)["submit"] == ("current", "提交 待提交")
    with time_machine.travel(dt.datetime(2026, 3, 2, 9, 0, tzinfo=timezone.get_current_timezone()), tick=False):
        filing = services.filing_submit(actor=owner, filing=filing, commitment=True)
        stages = _stages(client, filing)
        assert stages["submit"] == ("done", f"提交 已受理 {filing.acceptance_no} 张企业 · 2026年3月2日 09:00")
        assert stages["first_review"] == ("current", "初审 办理中 2026年3月2日开始 预计2026年3月12日前完成(剩余10日)")
        assert stages["approval"][0] == "todo" and stages["decision"][0] == "todo"
    with time_machine.travel(dt.datetime(2026, 3, 13, 10, 0, tzinfo=timezone.get_current_timezone()), tick=False):
        client.force_login(owner)  # a new session: the idle timeout ended the last one
        stages = _stages(client, filing)
        assert stages["first_review"] == ("current", "初审 办理中 2026年3月2日开始 已超过承诺时限(2026年3月12日)")
        assert (
            'class="current overdue"'
            in client.get(reverse("registry:filing_detail", args=[filing.pk])).content.decode()
        )
        services.filing_first_review(actor=regional1, filing=filing)
        stages = _stages(client, filing)
        assert stages["first_review"] == ("done", "初审 初审通过 区审核一 · 2026年3月13日 10:00")
        assert stages["approval"] == ("current", "复审 办理中 2026年3月13日开始 预计2026年3月23日前完成(剩余10日)")
    with time_machine.travel(dt.datetime(2026, 3, 16, 11, 0, tzinfo=timezone.get_current_timezone()), tick=False):
        services.filing_approve(actor=regional2, filing=Filing.objects.get(pk=filing.pk))
        client.force_login(owner)
        stages = _stages(client, filing)
        assert stages["approval"] == ("done", "复审 已备案 区审核二 · 2026年3月16日 11:00")
        assert stages["decision"] == ("done", "办结 已备案 区审核二 · 2026年3月16日 11:00")


def test_a_refusal_at_the_first_review_skips_the_approval_stage(client, owner, centre, regional1):
    client.force_login(owner)
    filing = _submitted(owner, centre)
    services.filing_reject(actor=regional1, filing=filing, comment="不符合条件")
    stages = _stages(client, filing)
    assert stages["first_review"][0] == "done" and "不予备案" in stages["first_review"][1]
    assert stages["approval"] == ("skipped", "复审 无需办理")
    assert stages["decision"][0] == "done" and "不予备案" in stages["decision"][1]


# --- (e) notifications by e-mail ------------------------------------------------------------------------------


def test_reviewers_hear_of_a_submission_and_a_withdrawal_by_mail_and_in_the_portal(
    owner, centre, regional1, regional2, yinchuan1, django_capture_on_commit_callbacks
):
    regional1.email, yinchuan1.email = "reg1@kjt.example.cn", "yc1@kjj.example.cn"
    regional1.save()
    yinchuan1.save()
    with django_capture_on_commit_callbacks(execute=True):
        filing = _submitted(owner, centre)
    number = filing.acceptance_no
    inbox = Notification.objects.filter(user__in=[regional1, regional2], filing=filing)
    assert inbox.count() == 2 and all(n.title.startswith("【待审核】自治区级备案") for n in inbox)
    assert f"受理编号:{number}" in inbox[0].body and "初审须在10日内完成" in inbox[0].body
    assert f"Acceptance number: {number}" in inbox[0].body_en
    assert not Notification.objects.filter(user=yinchuan1).exists()  # another level's reviewers
    to_reviewer = [m for m in mail.outbox if m.to == ["reg1@kjt.example.cn"]]
    assert len(to_reviewer) == 1 and number in to_reviewer[0].subject
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.filing_withdraw(actor=owner, filing=filing)
    withdrawn = [m for m in mail.outbox if m.to == ["reg1@kjt.example.cn"]]
    assert len(withdrawn) == 1 and withdrawn[0].subject.startswith("【企业撤回】") and number in withdrawn[0].subject
    assert any(m.to == ["owner-a@example.cn"] and "企业撤回" in m.subject for m in mail.outbox)


def test_reviewers_are_reminded_once_as_the_time_limit_approaches(
    owner, centre, regional1, django_capture_on_commit_callbacks
):
    import datetime as dt

    from django.utils import timezone

    from registry.services.reminders import review_deadline_reminders

    regional1.email = "reg1@kjt.example.cn"
    regional1.save()
    filing = _submitted(owner, centre)
    submitted = timezone.localtime(filing.submitted_at).date()
    assert review_deadline_reminders(today=submitted + dt.timedelta(days=7)) == 0  # three days left: not yet
    with django_capture_on_commit_callbacks(execute=True):
        assert review_deadline_reminders(today=submitted + dt.timedelta(days=8)) == 1
    reminder = Notification.objects.get(user=regional1, title__startswith="【办理时限提醒】")
    assert reminder.title.endswith("剩余2日") and "环节:初审" in reminder.body
    assert [m.subject for m in mail.outbox if m.to == ["reg1@kjt.example.cn"]][-1] == reminder.title
    assert review_deadline_reminders(today=submitted + dt.timedelta(days=9)) == 0  # once per stage
