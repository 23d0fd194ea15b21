# ruff: noqa: F811  (pytest fixtures imported from grants_support)
"""Government-service conventions on grant applications and YC-RD declarations (issue 15): the 办事指南 of each
programme and of the declaration, the 信用承诺书 and the 受理编号 at submission, 撤回 before the first review
(before verification), stage tracking, and the notices to the reviewers and the enterprise."""

import datetime as dt
import re
from html import unescape

import pghistory.models
import pytest
import time_machine
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.errors import ConflictError, ServiceError
from registry.models import Notification
from subsidies.declarations.services import rd_declaration_submit, rd_declaration_verify, rd_declaration_withdraw
from subsidies.grants import services as grants
from subsidies.models import GrantApplication, Programme, RDDeclarationSubmission
from tests.subsidies.grants_support import (  # noqa: F401  (fixtures)
    doc,
    enterprise,
    independent,
    make_centre,
    media_root,
    other_enterprise,
    other_owner,
    owner,
    programme,
    reg1,
    reg2,
    yc1,
)
from tests.test_i18n import compiled_locale, english_catalogue  # noqa: F401  (fixtures)

pytestmark = pytest.mark.django_db
TZ = timezone.get_current_timezone()


def _apply(actor, centre, code="NX-FIRST", *, commitment=True):
    return grants.grant_apply(
        actor=actor,
        programme=programme(code),
        centre=centre,
        requested_amount="800000" if code == "NX-FIRST" else None,
        documents=[("备案通知书", doc())],
        commitment=commitment,
    )


def _declare(actor, centre, year=2024, *, commitment=True):
    return rd_declaration_submit(
        actor=actor,
        centre=centre,
        year=year,
        declared_amount="3000000",
        audit_report=doc("审计报告.pdf"),
        commitment=commitment,
    )


def _text(html: str) -> str:
    """The page's main content as text (tags, scripts and attributes dropped)."""
    main = html[html.index("<main") : html.index("</main>")]
    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", main)))


def _stages(html: str) -> dict[str, tuple[str, str]]:
    section = html[html.index('id="stages-h"') : html.index("</ol>", html.index('id="stages-h"'))]
    items = re.findall(r'<li class="(\w+)[^"]*" data-stage="(\w+)"[^>]*>(.*?)</li>', section, re.S)
    return {key: (state, re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", body)).strip()) for state, key, body in items}


def _events(obj) -> list:
    return list(pghistory.models.Events.objects.tracks([obj]).order_by("pgh_created_at", "pgh_id"))


# --- 信用承诺书 and 受理编号 (services) -----------------------------------------------------------------------


def test_an_application_without_the_commitment_is_refused_and_changes_nothing(owner, independent, reg1):
    with pytest.raises(ServiceError) as exc:
        _apply(owner, independent, commitment=False)
    assert exc.value.code == "commitment_required" and "信用承诺书" in exc.value.zh and "commitment" in exc.value.en
    assert "NX-FIRST" in exc.value.record
    assert not GrantApplication.objects.exists() and not Notification.objects.exists()


def test_applications_get_unique_numbers_kept_on_resubmission(owner, independent, reg1):
    first = _apply(owner, independent)
    second = _apply(owner, independent, "NX-TH")
    year = timezone.localdate().year
    assert (first.acceptance_no, second.acceptance_no) == (f"NXZZ{year}000001", f"NXZZ{year}000002")
    assert first.commitment_at is not None
    grants.grant_return(actor=reg1, application=first, comment="请补充备案通知书原件")
    with pytest.raises(ServiceError) as exc:
        grants.grant_resubmit(actor=owner, application=first, commitment=False)
    assert exc.value.code == "commitment_required"
    again = grants.grant_resubmit(actor=owner, application=first, commitment=True)
    assert (again.status, again.acceptance_no) == ("submitted", f"NXZZ{year}000001")
    assert GrantApplication.objects.filter(acceptance_no=again.acceptance_no).count() == 1


def test_the_submission_notifies_the_reviewers_and_the_enterprise_with_its_number(
    owner, independent, reg1, reg2, yc1, django_capture_on_commit_callbacks
):
    reg1.email = "reg1@kjt.example.cn"
    reg1.save()
    with django_capture_on_commit_callbacks(execute=True):
        app = _apply(owner, independent)
    number = app.acceptance_no
    inbox = list(Notification.objects.filter(user__in=[reg1, reg2]).order_by("user_id"))
    assert len(inbox) == 2
    assert all(n.title == f"【待审核】资助申报 NX-FIRST 首次备案奖励(受理编号{number})" for n in inbox)
    assert f"受理编号:{number}" in inbox[0].body and "初审须在10日内完成" in inbox[0].body
    assert reverse("subsidies:grant_detail", args=[app.pk]) in inbox[0].body
    assert f"Acceptance number: {number}" in inbox[0].body_en and "[To review]" in inbox[0].title_en
    assert not Notification.objects.filter(user=yc1).exists()  # another level's reviewers
    own = Notification.objects.get(user=owner)
    assert f"受理编号:{number}" in own.body and f"Acceptance number: {number}" in own.body_en
    assert any(number in m.subject for m in mail.outbox if m.to == ["reg1@kjt.example.cn"])
    assert any(number in m.body for m in mail.outbox if m.to == ["owner@example.cn"])


# --- 撤回 (services) ------------------------------------------------------------------------------------------


def test_the_enterprise_withdraws_before_the_first_review_audited_and_notified(owner, independent, reg1, reg2):
    app = _apply(owner, independent)
    number = app.acceptance_no
    Notification.objects.all().delete()
    withdrawn = grants.grant_withdraw(actor=owner, application=app, reason="补充材料后再申报")
    assert (withdrawn.status, withdrawn.acceptance_no) == ("withdrawn", number)
    decision = withdrawn.decisions.order_by("-id").first()
    assert (decision.step, decision.decision, decision.actor) == ("withdraw", "withdrawn", owner)
    assert decision.comment == f"撤回受理编号{number};补充材料后再申报"
    change = [e for e in _events(withdrawn) if e.pgh_label == "update"][-1]
    assert change.pgh_diff["status"] == ["submitted", "withdrawn"] and change.pgh_context["user"] == owner.pk
    assert [e.pgh_label for e in _events(decision)] == ["insert"]
    to_reviewers = Notification.objects.filter(user__in=[reg1, reg2])
    assert to_reviewers.count() == 2
    assert all(n.title.startswith("【企业撤回】资助申报 NX-FIRST") and number in n.title for n in to_reviewers)
    assert "该申报已退出审核队列,无需审核。" in to_reviewers[0].body
    assert Notification.objects.get(user=owner).title == "【资助申报】NX-FIRST 首次备案奖励:已撤回"
    # the once-only slot is free again: a new application is a new matter with a new number
    again = _apply(owner, independent)
    assert again.acceptance_no != number and again.status == "submitted"


def test_withdrawal_after_the_first_review_is_refused_and_changes_nothing(owner, other_owner, independent, reg1):
    app = _apply(owner, independent)
    with pytest.raises(ServiceError) as other:
        grants.grant_withdraw(actor=other_owner, application=app)
    assert other.value.status == 403
    grants.grant_first_review(actor=reg1, application=app)
    before = app.decisions.count()
    with pytest.raises(ConflictError) as exc:
        grants.grant_withdraw(actor=owner, application=app)
    assert exc.value.code == "illegal_transition"
    assert "初审通过" in exc.value.zh and "初审已经开始或完成" in exc.value.zh
    assert "only a submitted application" in exc.value.en
    app.refresh_from_db()
    assert (app.status, app.decisions.count()) == ("first_reviewed", before)


# --- YC-RD declarations (services) ------------------------------------------------------------------------------


def test_a_declaration_needs_the_commitment_gets_a_number_and_notifies(
    owner, independent, yc1, reg1, django_capture_on_commit_callbacks
):
    with pytest.raises(ServiceError) as exc:
        _declare(owner, independent, commitment=False)
    assert exc.value.code == "commitment_required" and "信用承诺书" in exc.value.zh
    assert not RDDeclarationSubmission.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        sub = _declare(owner, independent)
    year = timezone.localdate().year
    assert sub.acceptance_no == f"YCRD{year}000001" and sub.commitment_at is not None
    to_reviewer = Notification.objects.get(user=yc1)
    assert to_reviewer.title == f"【待审核】研发投入申报(YC-RD){independent.name} 2024年度(受理编号{sub.acceptance_no})"
    assert "核定须在20日内完成" in to_reviewer.body
    assert not Notification.objects.filter(user=reg1).exists()
    own = Notification.objects.get(user=owner)
    assert own.title == f"【研发投入申报】{independent.name} 2024年度:待核定"
    assert f"受理编号:{sub.acceptance_no}" in own.body and f"Acceptance number: {sub.acceptance_no}" in own.body_en
    assert any(sub.acceptance_no in m.body for m in mail.outbox if m.to == ["owner@example.cn"])


def test_a_declaration_is_withdrawn_before_verification_only(owner, other_owner, independent, yc1):
    sub = _declare(owner, independent)
    with pytest.raises(ServiceError) as other:
        rd_declaration_withdraw(actor=other_owner, submission=sub)
    assert other.value.status == 403
    Notification.objects.all().delete()
    sub = rd_declaration_withdraw(actor=owner, submission=sub, reason="审计报告有误")
    assert (sub.status, sub.withdrawn_by, sub.withdrawal_reason) == ("withdrawn", owner, "审计报告有误")
    change = [e for e in _events(sub) if e.pgh_label == "update"][-1]
    assert change.pgh_diff["status"] == ["pending", "withdrawn"] and change.pgh_context["user"] == owner.pk
    assert Notification.objects.get(user=yc1).title.startswith("【企业撤回】研发投入申报(YC-RD)")
    assert Notification.objects.get(user=owner).title.endswith(":已撤回")
    with pytest.raises(ConflictError) as verify:
        rd_declaration_verify(actor=yc1, submission=sub)
    assert verify.value.code == "withdrawn"
    # a corrected declaration of the same year is a new matter with a new number; once verified, no 撤回
    again = _declare(owner, independent)
    assert again.acceptance_no != sub.acceptance_no
    rd_declaration_verify(actor=yc1, submission=again)
    with pytest.raises(ConflictError) as exc:
        rd_declaration_withdraw(actor=owner, submission=again)
    assert exc.value.code == "illegal_transition" and "已由银川市科学技术局核定" in exc.value.zh
    again.refresh_from_db()
    assert again.status == "verified" and again.withdrawn_at is None


# --- 办事指南 (pages) -----------------------------------------------------------------------------------------

INTERNAL_KEYS = re.compile(
    r"\b(once_per_\w+|annual_per_incubator|capped|fixed|ranged|regional|yinchuan|application|evaluation|"
    r"assessment|recognition|centre|researcher|incubator|first_review|submitted|pending|withdrawn|None)\b"
)


def test_every_programme_has_a_guide_in_chinese_without_internal_keys(client):
    for p in Programme.objects.all():
        page = client.get(reverse("subsidies:grant_guide", args=[p.code]))
        assert page.status_code == 200, p.code
        html = page.content.decode()
        assert 'lang="zh-hans"' in html
        text = _text(html)
        for heading in ("设定依据与实施机关", "申请条件", "申请材料", "办理流程", "承诺时限", "咨询方式"):
            assert f">{heading}</h2>" in html, (p.code, heading)
        assert f"{p.code}:{p.legal_reference}" in text, p.code
        assert not INTERNAL_KEYS.search(text), (p.code, INTERNAL_KEYS.search(text).group(0))
    first = _text(client.get(reverse("subsidies:grant_guide", args=["NX-FIRST"])).content.decode())
    for expected in (
        "《宁夏回族自治区企业飞地研发中心建设支持暂行办法》",
        "宁夏回族自治区科学技术厅",
        "已有生效的自治区级备案",
        "首次备案(未曾撤销备案后重新备案)",
        "资助金额:最高1,000,000.00元",
        "联合研发机构500,000.00元",
        "自治区级备案通知书或备案证明",
        "本单位郑重承诺",
        "自提交之日起10日内",
        "自初审通过之日起10日内",
        "每个中心一次",
    ):
        assert expected in first, expected
    perf = _text(client.get(reverse("subsidies:grant_guide", args=["NX-PERF"])).content.decode())
    assert "无需申报" in perf and "无需提交申请材料" in perf and "自提交之日起" not in perf
    assert client.get(reverse("subsidies:grant_guide", args=["NX-NOPE"])).status_code == 404


def test_the_declaration_guide(client):
    html = client.get(reverse("subsidies:declaration_guide")).content.decode()
    text = _text(html)
    for expected in (
        "《银川市飞地研发中心和飞地孵化器备案支持办法》",
        "银川市科学技术局",
        "YC-RD:每年按飞地研发中心当年研发费用总投入的15%",
        "研发费用专项审计报告(申报年度)",
        "核定 自提交之日起20日内",
        "核定前企业可以撤回申报",
    ):
        assert expected in text, expected
    assert not INTERNAL_KEYS.search(text), INTERNAL_KEYS.search(text).group(0)


# --- the pages: form, number, stages, 撤回 ---------------------------------------------------------------------


def _form(centre, **extra):
    return {"centre": centre.pk, "requested_amount": "800000", "doc_label": "备案通知书", "document": doc(), **extra}


def test_apply_with_the_commitment_then_the_number_and_the_stages_on_the_page(client, owner, independent, reg1):
    client.force_login(owner)
    url = reverse("subsidies:grant_apply", args=["NX-FIRST"])
    form = client.get(url).content.decode()
    assert reverse("subsidies:grant_guide", args=["NX-FIRST"]) in form
    assert 'name="commitment"' in form and "本单位郑重承诺" in form
    refused = client.post(url, _form(independent)).content.decode()
    assert "须阅读并勾选信用承诺书" in refused and not GrantApplication.objects.exists()
    with time_machine.travel(dt.datetime(2026, 3, 2, 9, 0, tzinfo=TZ), tick=False):
        client.force_login(owner)
        response = client.post(url, _form(independent, commitment="on"), follow=True)
        app = GrantApplication.objects.get()
        html = response.content.decode()
        assert f"受理编号:{app.acceptance_no}" in html and f'class="acceptance-no">{app.acceptance_no}' in html
        assert reverse("subsidies:grant_guide", args=["NX-FIRST"]) in html
        assert reverse("subsidies:grant_withdraw", args=[app.pk]) in html
        stages = _stages(html)
        assert stages["submit"] == ("done", f"提交 已受理 {app.acceptance_no} 张企业 · 2026年3月2日 09:00")
        assert stages["first_review"] == ("current", "初审 办理中 2026年3月2日开始 预计2026年3月12日前完成(剩余10日)")
        assert stages["approval"][0] == "todo" and stages["decision"][0] == "todo"
        assert "<td>提交申报</td>" in html and "<td>submit</td>" not in html  # the review record's step names
    with time_machine.travel(dt.datetime(2026, 3, 5, 10, 0, tzinfo=TZ), tick=False):
        grants.grant_first_review(actor=reg1, application=app)
        client.force_login(owner)
        html = client.get(reverse("subsidies:grant_detail", args=[app.pk])).content.decode()
        stages = _stages(html)
        assert stages["first_review"] == ("done", "初审 初审通过 区审核一 · 2026年3月5日 10:00")
        assert stages["approval"] == ("current", "复审 办理中 2026年3月5日开始 预计2026年3月15日前完成(剩余10日)")
        assert reverse("subsidies:grant_withdraw", args=[app.pk]) not in html  # no 撤回 after the first review


def test_withdraw_through_the_page_and_another_enterprise_gets_404(client, owner, other_owner, independent):
    app = _apply(owner, independent)
    url = reverse("subsidies:grant_withdraw", args=[app.pk])
    client.force_login(other_owner)
    assert client.post(url).status_code == 404
    assert client.get(reverse("subsidies:grant_detail", args=[app.pk])).status_code == 404
    app.refresh_from_db()
    assert app.status == "submitted"
    client.force_login(owner)
    html = client.post(url, {"reason": "重新整理材料"}, follow=True).content.decode()
    assert "申报已撤回" in html
    stages = _stages(html)
    assert stages["first_review"] == ("skipped", "初审 无需办理") and stages["approval"][0] == "skipped"
    assert stages["decision"][0] == "done" and "已撤回 张企业" in stages["decision"][1]
    assert "<td>企业撤回</td>" in html
    again = client.post(url, follow=True).content.decode()
    assert "只有已提交、尚未初审的申报可以撤回" in again


def test_the_declaration_page_with_its_number_stages_and_withdrawal(client, owner, other_owner, independent, yc1, reg1):
    with time_machine.travel(dt.datetime(2026, 4, 1, 9, 30, tzinfo=TZ), tick=False):
        sub = _declare(owner, independent)
        detail = reverse("subsidies:declaration_detail", args=[sub.pk])
        client.force_login(owner)
        home = client.get(reverse("subsidies:grant_home")).content.decode()
        assert detail in home and 'id="declaration-commitment"' in home
        assert reverse("subsidies:declaration_guide") in home
        html = client.get(detail).content.decode()
        assert f'class="acceptance-no">{sub.acceptance_no}' in html
        stages = _stages(html)
        assert stages["verify"] == ("current", "核定 办理中 2026年4月1日开始 预计2026年4月21日前完成(剩余20日)")
        withdraw = reverse("subsidies:declaration_withdraw", args=[sub.pk])
        assert withdraw in html
    client.force_login(other_owner)
    assert client.get(detail).status_code == 404 and client.post(withdraw).status_code == 404
    client.force_login(reg1)  # the regional bureau has no business with YC-RD
    assert client.get(detail).status_code == 403
    client.force_login(yc1)
    staff = client.get(detail).content.decode()
    assert sub.acceptance_no in staff and withdraw not in staff  # the bureau reads, only the enterprise withdraws
    assert client.post(withdraw).status_code == 403
    client.force_login(owner)
    html = client.post(withdraw, {"reason": "审计报告有误"}, follow=True).content.decode()
    assert "研发投入申报已撤回" in html
    stages = _stages(html)
    assert stages["verify"] == ("skipped", "核定 无需办理") and "已撤回 张企业" in stages["decision"][1]
    sub.refresh_from_db()
    assert sub.status == "withdrawn"


def test_a_declaration_without_the_commitment_is_refused_on_the_page(client, owner, independent):
    client.force_login(owner)
    data = {"centre": independent.pk, "year": "2024", "declared_amount": "3000000", "audit_report": doc()}
    response = client.post(reverse("subsidies:declaration_new"), data, follow=True)
    assert "须阅读并勾选信用承诺书" in response.content.decode()
    assert not RDDeclarationSubmission.objects.exists()


# --- the API ---------------------------------------------------------------------------------------------------


def test_commitment_number_and_withdrawal_through_the_api(owner, other_owner, other_enterprise, independent):
    api = APIClient()
    api.force_authenticate(owner)
    body = {"programme": "NX-FIRST", "centre": independent.pk, "requested_amount": "800000.00"}
    refused = api.post("/api/v1/grant-applications/", {**body, "document": doc()}, format="multipart")
    assert refused.status_code == 400 and refused.json()["error"]["code"] == "commitment_required"
    created = api.post(
        "/api/v1/grant-applications/", {**body, "document": doc(), "commitment": True}, format="multipart"
    )
    assert created.status_code == 201 and created.json()["acceptance_no"].startswith("NXZZ")
    app_id = created.json()["id"]
    other = APIClient()
    other.force_authenticate(other_owner)
    assert other.post(f"/api/v1/grant-applications/{app_id}/withdraw/", {}, format="json").status_code == 404
    withdrawn = api.post(f"/api/v1/grant-applications/{app_id}/withdraw/", {"comment": "重新申报"}, format="json")
    assert withdrawn.status_code == 200 and withdrawn.json()["status"] == "withdrawn"
    again = api.post(f"/api/v1/grant-applications/{app_id}/withdraw/", {}, format="json")
    assert again.status_code == 409 and again.json()["error"]["code"] == "illegal_transition"

    declared = api.post(
        "/api/v1/declaration-submissions/",
        {
            "centre": independent.pk,
            "year": 2024,
            "declared_amount": "3000000.00",
            "audit_report": doc(),
            "commitment": True,
        },
        format="multipart",
    )
    assert declared.status_code == 201 and declared.json()["acceptance_no"].startswith("YCRD")
    sub_id = declared.json()["id"]
    assert other.post(f"/api/v1/declaration-submissions/{sub_id}/withdraw/", {}, format="json").status_code == 404
    taken_back = api.post(f"/api/v1/declaration-submissions/{sub_id}/withdraw/", {"comment": "有误"}, format="json")
    assert taken_back.status_code == 200 and taken_back.json()["status"] == "withdrawn"
    assert taken_back.json()["withdrawal_reason"] == "有误"


# --- English mode: one language per page --------------------------------------------------------------------


def test_the_guides_read_in_english_but_the_quoted_measures(client, english_catalogue):  # noqa: F811
    from django.conf import settings as django_settings
    from django.utils.html import escape

    from subsidies.grants.guide import DECLARATION_RULE
    from tests.test_i18n import _chinese_left

    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"
    quotes = [escape(f"{p.code}:{p.legal_reference}") for p in Programme.objects.all()] + [escape(DECLARATION_RULE)]
    pages = [reverse("subsidies:grant_guide", args=[p.code]) for p in Programme.objects.all()]
    for url in [*pages, reverse("subsidies:declaration_guide")]:
        html = client.get(url).content.decode()
        assert '<html lang="en">' in html and "Promised time limits" in html, url
        for quote in quotes:
            html = html.replace(quote, "")
        assert _chinese_left(html) == [], url


# --- 办理时限提醒 ------------------------------------------------------------------------------------------------


def test_reviewers_are_reminded_once_of_an_application_and_a_declaration_near_their_time_limit(
    owner, independent, reg1, reg2, yc1, django_capture_on_commit_callbacks
):
    from subsidies.grants.reminders import grant_deadline_reminders

    reg1.email = "reg1@kjt.example.cn"
    reg1.save()
    app = _apply(owner, independent)
    sub = _declare(owner, independent)
    day = timezone.localtime(app.decisions.get(step="submit").at).date()
    # 初审 within 10 days, 核定 within 20: nothing two days ahead of neither yet
    assert grant_deadline_reminders(today=day + dt.timedelta(days=7)) == 0
    with django_capture_on_commit_callbacks(execute=True):
        assert grant_deadline_reminders(today=day + dt.timedelta(days=8)) == 1
    (reminder,) = Notification.objects.filter(user=reg1, title__startswith="【办理时限提醒】")
    assert app.acceptance_no in reminder.title and reminder.title.endswith("剩余2日")
    assert "环节:初审" in reminder.body and f"受理编号:{app.acceptance_no}" in reminder.body
    assert reminder.title_en.startswith("[Time limit]") and app.acceptance_no in reminder.title_en
    assert f"Acceptance number: {app.acceptance_no}" in reminder.body_en
    assert Notification.objects.filter(user=reg2, title=reminder.title).exists()
    assert not Notification.objects.filter(user=yc1, title__startswith="【办理时限提醒】").exists()
    assert any(m.subject == reminder.title for m in mail.outbox if m.to == ["reg1@kjt.example.cn"])
    assert grant_deadline_reminders(today=day + dt.timedelta(days=9)) == 0  # once per stage
    # the declaration's 核定 (20 days) is due for the Yinchuan reviewers; once
    assert grant_deadline_reminders(today=day + dt.timedelta(days=19)) == 1
    (yc,) = Notification.objects.filter(user=yc1, title__startswith="【办理时限提醒】")
    assert sub.acceptance_no in yc.title and "环节:核定" in yc.body and yc.title.endswith("剩余1日")
    assert grant_deadline_reminders(today=day + dt.timedelta(days=21)) == 0
