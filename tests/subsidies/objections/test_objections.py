"""Objections (issue 16 §3): raising, routing, deadlines, answers, the one reply, closing, the periodic
reminders and escalation; each refusal names the problem and changes nothing."""

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from accounts.errors import ConflictError, NotFoundError, ServiceError
from accounts.models import Role
from registry.models import Document, Filing, Notification
from subsidies.explain.months import DUE, NOT_PAYABLE, PAID
from subsidies.explain.selectors import researcher_month
from subsidies.models import PayoutLine
from subsidies.objections import services as svc
from subsidies.objections.models import Objection, ObjectionStatus, ObjectionStep
from subsidies.rules.calendar import parse_month
from subsidies.runs.services import payout_run_approve, run_payouts
from talent import services as talent_services
from tests.api.conftest import pdf_upload

pytestmark = pytest.mark.django_db


def raise_on_line(world, tenant=None, **kw):
    t = tenant or world.a
    args = {"subject": "payout_line", "subject_id": t.line.pk, "category": "amount", "text": "金额应为5000元"} | kw
    return svc.objection_raise(actor=t.user, **args)


def test_raised_on_own_line_is_routed_to_the_regional_bureau_with_a_working_day_deadline(world):
    objection = raise_on_line(world, attachments=[pdf_upload("proof.pdf")])
    assert objection.bureau == "regional" and objection.rule == "NX-STIPEND"
    # the working days count from the day it was raised in China (Asia/Shanghai), not the UTC date
    assert objection.due_on == svc.answer_due_on(timezone.localdate(objection.raised_at))
    assert objection.attachments.count() == 1 and objection.steps.get().action == "raised"
    assert Notification.objects.filter(user=world.users["regional_reviewer"], title__contains="异议").exists()
    assert Notification.objects.filter(user=world.a.user, title__contains="已受理").exists()
    assert objection.events.filter(pgh_label="insert").exists()  # audited (pghistory)


def test_transfer_goes_to_finance_and_a_yinchuan_filing_to_yinchuan(world):
    assert raise_on_line(world, category="transfer").bureau == "finance"
    yc = Filing.objects.get(centre=world.a.centre, level="yinchuan")
    objection = svc.objection_raise(
        actor=world.a.user, subject="filing", subject_id=yc.pk, category="other", text="生效日期应为2024-01-01"
    )
    assert (objection.bureau, objection.rule) == ("yinchuan", "YC-FILING")


def test_another_enterprises_line_is_not_found_and_nothing_is_written(world):
    before = Objection.objects.count(), ObjectionStep.objects.count()
    with pytest.raises(NotFoundError) as exc:
        svc.objection_raise(
            actor=world.a.user, subject="payout_line", subject_id=world.b.line.pk, category="amount", text="越权"
        )
    assert exc.value.status == 404 and exc.value.en
    assert (Objection.objects.count(), ObjectionStep.objects.count()) == before


def test_an_attachment_of_the_wrong_type_is_refused_and_nothing_is_written(world):
    documents, before = Document.objects.count(), Objection.objects.count()
    fake = SimpleUploadedFile("proof.pdf", b"<html><script>alert(1)</script></html>", content_type="application/pdf")
    with pytest.raises(ServiceError) as exc:
        raise_on_line(world, attachments=[pdf_upload("ok.pdf"), fake])
    assert "网页或脚本" in exc.value.zh and exc.value.en
    assert Objection.objects.count() == before and Document.objects.count() == documents


@pytest.mark.parametrize(
    "kw, field", [({"text": "  "}, "text"), ({"category": "bogus"}, "category"), ({"subject": "bogus"}, "subject")]
)
def test_bad_input_is_refused_with_the_field_named(world, kw, field):
    before = Objection.objects.count()
    with pytest.raises(ServiceError) as exc:
        raise_on_line(world, **kw)
    assert exc.value.field == field and exc.value.zh and exc.value.en
    assert Objection.objects.count() == before


def test_an_unverified_yc_rd_submission_cannot_be_objected_to_yet(world):
    with pytest.raises(ConflictError):
        svc.objection_raise(
            actor=world.a.user,
            subject="rd_verification",
            subject_id=world.a.submission.pk,
            category="amount",
            text="核定有误",
        )


def test_an_answer_by_the_wrong_bureau_is_refused_and_nothing_changes(world):
    objection = raise_on_line(world)
    with pytest.raises(ServiceError) as exc:
        svc.objection_answer(
            actor=world.users["yinchuan_reviewer"], objection_id=objection.pk, outcome="explained", answer="已解释"
        )
    assert exc.value.status == 403 and exc.value.code == "wrong_bureau"
    objection.refresh_from_db()
    assert objection.status == ObjectionStatus.OPEN and objection.answer == "" and objection.steps.count() == 1


def test_reply_once_then_close_then_no_answer_after_closing(world):
    objection = raise_on_line(world)
    reviewer = world.users["regional_reviewer"]
    with pytest.raises(ConflictError):  # nothing to reply to yet
        svc.objection_reply(actor=world.a.user, objection_id=objection.pk, text="补充")
    svc.objection_answer(
        actor=reviewer, objection_id=objection.pk, outcome="rejected", answer="按整月计发,5月未整月在岗"
    )
    with pytest.raises(NotFoundError):  # another enterprise cannot reply
        svc.objection_reply(actor=world.b.user, objection_id=objection.pk, text="越权")
    svc.objection_reply(actor=world.a.user, objection_id=objection.pk, text="入职日期应为5月1日")
    with pytest.raises(ConflictError) as exc:
        svc.objection_reply(actor=world.a.user, objection_id=objection.pk, text="再次回复")
    assert exc.value.code == "already_replied"
    svc.objection_close(actor=reviewer, objection_id=objection.pk, note="已核实,维持原决定")
    with pytest.raises(ConflictError) as exc:
        svc.objection_answer(actor=reviewer, objection_id=objection.pk, outcome="explained", answer="再答复")
    objection.refresh_from_db()
    assert objection.status == "closed" and objection.outcome == "rejected" and objection.answer.startswith("按整月")
    assert [s.action for s in objection.steps.all()] == ["raised", "answered", "replied", "closed"]


def test_corrected_needs_the_record_corrected(world):
    objection = raise_on_line(world)
    with pytest.raises(ServiceError) as exc:
        svc.objection_answer(
            actor=world.users["regional_reviewer"], objection_id=objection.pk, outcome="corrected", answer="已更正"
        )
    assert exc.value.field == "correction_note"
    assert Objection.objects.get(pk=objection.pk).status == ObjectionStatus.OPEN


def test_reminder_then_escalation_to_a_second_reviewer_once(world, make_user):
    second = make_user("reg-2", Role.REGIONAL_REVIEWER, full_name="区复核")
    objection = raise_on_line(world)
    others = Objection.objects.exclude(pk=objection.pk).count()  # the world's own, raised the same day
    holidays, workdays = svc.holiday_sets()
    from subsidies.objections.workdays import add_working_days

    near = objection.due_on - dt.timedelta(days=1)
    assert svc.objections_remind_and_escalate(today=near) == {"reminded": 1 + others, "escalated": 0}
    assert svc.objections_remind_and_escalate(today=near) == {"reminded": 0, "escalated": 0}
    late = add_working_days(objection.due_on, 1, holidays=holidays, workdays=workdays)
    assert svc.objections_remind_and_escalate(today=late) == {"reminded": 0, "escalated": 1 + others}
    assert svc.objections_remind_and_escalate(today=late) == {"reminded": 0, "escalated": 0}
    objection.refresh_from_db()
    assert objection.reminded_at and objection.escalated_at
    assert objection.escalated_to in (world.users["regional_reviewer"], second)
    assert Notification.objects.filter(user=objection.escalated_to, title__contains="逾期").exists()
    assert [s.action for s in objection.steps.all()] == ["raised", "reminded", "escalated"]


def test_journey_unpaid_month_objected_degree_verified_arrears_paid_closed_as_corrected(world):
    """The issue's journey at the service level: why not paid → object → staff verify the degree and answer
    'corrected' with the expected arrears from the rule → the next run pays exactly them → closed."""
    with time_machine.travel(dt.datetime(2026, 12, 1, 10, tzinfo=ZoneInfo("Asia/Shanghai")), tick=True):
        _journey(world)


def _journey(world):
    a, reviewer = world.a, world.users["regional_reviewer"]
    person = talent_services.researcher_upsert(
        actor=a.user,
        id_type="passport",
        id_number="E12345679",
        name="张三",
        nationality="德国",
        enterprise=a.enterprise,
    )
    talent_services.contract_upsert(
        actor=a.user,
        researcher=person,
        centre=a.centre,
        full_time=True,
        start=dt.date(2026, 9, 1),
        end=dt.date(2031, 8, 31),
        document=pdf_upload("c.pdf", "c"),
    )
    degree = talent_services.degree_upsert(
        actor=a.user,
        researcher=person,
        level="doctorate",
        full_time=True,
        awarded_on=dt.date(2019, 7, 1),
        institution="清华大学",
        certificate=pdf_upload("cert.pdf", "cert"),
    )
    why = researcher_month(actor=a.user, researcher=person, month=parse_month("2026-10"))
    assert why.status == NOT_PAYABLE
    assert [c.text for c in why.conditions] == ["学历未核验(已于2026-12-01提交,待科技厅核验)"]
    assert why.if_remedied == "如科技厅完成学历核验,该月可在2026-11期发放批次中补发。"
    objection = svc.objection_raise(
        actor=a.user,
        subject="unpaid_month",
        subject_id=person.pk,
        service_month="2026-10",
        category="eligibility",
        text="学历已提交,请核验",
    )
    talent_services.degree_verify(actor=reviewer, degree=degree)
    svc.objection_answer(
        actor=reviewer,
        objection_id=objection.pk,
        outcome="corrected",
        answer="学历已核验",
        corrected_degree_id=degree.pk,
    )
    objection.refresh_from_db()
    assert objection.arrears_months == ["2026-09", "2026-10", "2026-11"]
    assert objection.expected_arrears == Decimal("15000.00")
    assert researcher_month(actor=a.user, researcher=person, month=parse_month("2026-10")).status == DUE
    run = run_payouts(actor=world.users["finance"], kind="monthly", period="2026-11")
    payout_run_approve(actor=world.finance2, run_id=run.pk)
    lines = PayoutLine.objects.filter(run=run, researcher=person).order_by("service_period")
    assert [(x.service_period, x.amount, x.is_arrears) for x in lines] == [
        ("2026-09", Decimal("5000.00"), True),
        ("2026-10", Decimal("5000.00"), True),
        ("2026-11", Decimal("5000.00"), False),
    ]
    assert researcher_month(actor=a.user, researcher=person, month=parse_month("2026-10")).status == PAID
    svc.objection_close(actor=a.user, objection_id=objection.pk)
    objection.refresh_from_db()
    assert (objection.status, objection.outcome) == ("closed", "corrected")
