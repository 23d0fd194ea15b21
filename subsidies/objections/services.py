"""Writes for objections (异议申诉: an enterprise contests a payment, a refusal or a record). Every step is one
transaction with its audit rows (pghistory, in the acting user's context), a step on the objection's timeline
and the notifications; a refusal is a ServiceError naming the record and the problem, and changes nothing."""

import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from accounts.audit import acting
from accounts.errors import ConflictError, NotFoundError, ServiceError
from accounts.models import Role, User, system_actor
from registry import review
from registry.models import DocumentKind, Enterprise, Filing, Notification
from registry.services.documents import check_upload, document_upload
from registry.services.notifications import notify_enterprise
from subsidies.explain.months import DUE
from subsidies.explain.selectors import researcher_months
from subsidies.models import PUBLISHED_RUN_STATES, GrantApplication, PayoutLine, RDDeclarationSubmission
from subsidies.money import quantize
from subsidies.objections.models import (
    Bureau,
    HolidayDay,
    HolidayKind,
    Objection,
    ObjectionAttachment,
    ObjectionCategory,
    ObjectionOutcome,
    ObjectionStatus,
    ObjectionStep,
    ObjectionSubject,
)
from subsidies.objections.workdays import add_working_days, working_days_between
from subsidies.parameters.services import parameter_timeline
from subsidies.rules.calendar import parse_month
from subsidies.rules.rd_award import RULE as RD_AWARD
from subsidies.rules.stipend import RULE as STIPEND
from talent.models import Contract, Degree, Researcher

MAX_TEXT = 4000
MAX_ATTACHMENTS = 5
BUREAU_ROLES = {
    Bureau.REGIONAL: Role.REGIONAL_REVIEWER,
    Bureau.YINCHUAN: Role.YINCHUAN_REVIEWER,
    Bureau.FINANCE: Role.FINANCE,
}
STEP_WORDS = {
    "raised": "提出异议",
    "reminded": "临近期限提醒",
    "escalated": "逾期升级复核",
    "answered": "作出答复",
    "replied": "企业回复",
    "closed": "办结",
}


def holiday_sets() -> tuple[set[dt.date], set[dt.date]]:
    holidays, workdays = set(), set()
    for day, kind in HolidayDay.objects.values_list("day", "kind"):
        (holidays if kind == HolidayKind.HOLIDAY else workdays).add(day)
    return holidays, workdays


def answer_due_on(raised_on: dt.date) -> dt.date:
    """N working days after the day raised (param objection.answer_working_days, in force that day)."""
    n = parameter_timeline().integer("objection.answer_working_days", raised_on)
    holidays, workdays = holiday_sets()
    return add_working_days(raised_on, n, holidays=holidays, workdays=workdays)


def bureau_for(rule: str, category: str) -> str:
    """The bureau responsible: finance for a transfer (拨付到账), else the rule's: NX-* regional, YC-* Yinchuan."""
    if category == ObjectionCategory.TRANSFER:
        return Bureau.FINANCE
    return Bureau.YINCHUAN if rule.startswith("YC-") else Bureau.REGIONAL


def may_answer(actor, bureau: str) -> bool:
    return bool(actor.is_portal_admin or actor.role == BUREAU_ROLES[bureau])


def _mine(actor, qs, pk, what: str):
    """The subject, if it is one of the actor's enterprises': another's is 'not found' (its existence is not
    disclosed), as on every other route."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise ServiceError(
            f"{what}编号“{pk}”无效", f"the {what} id is not valid", code="invalid", field="subject_id"
        ) from None
    obj = qs.filter(pk=pk).first()
    if obj is None:
        raise NotFoundError(
            f"未找到{what}#{pk},或它不属于本企业",
            f"{what} #{pk} not found for this enterprise",
            code="not_found",
            field="subject_id",
        )
    return obj


def _subject(actor, subject: str, subject_id, service_month: str) -> dict:
    """The objection's links, its rule and enterprise, from a subject the actor's enterprise owns."""
    member = Q(enterprise__memberships__user=actor)
    if subject == ObjectionSubject.PAYOUT_LINE:
        # the lines an enterprise sees: of approved, exported or paid runs (subsidies.api.line_list)
        line = _mine(
            actor,
            PayoutLine.objects.filter(member, active=True, run__state__in=PUBLISHED_RUN_STATES),
            subject_id,
            "发放明细",
        )
        return {
            "payout_line": line,
            "researcher_id": line.researcher_id,
            "service_month": line.service_period,
            "rule": line.rule,
            "enterprise_id": line.enterprise_id,
        }
    if subject == ObjectionSubject.UNPAID_MONTH:
        researcher = _mine(
            actor,
            Researcher.objects.filter(contracts__centre__enterprise__memberships__user=actor).distinct(),
            subject_id,
            "研发人员",
        )
        try:
            month = parse_month(service_month)
        except ValueError as exc:
            raise ServiceError(
                str(exc).split(" / ")[0], "the month must be YYYY-MM", code="invalid", field="service_month"
            ) from None
        # only a published line of the actor's own enterprises: another employer's payment is not disclosed
        if PayoutLine.objects.filter(
            member,
            researcher=researcher,
            rule=STIPEND,
            active=True,
            service_period=service_month,
            run__state__in=PUBLISHED_RUN_STATES,
        ).exists():
            raise ConflictError(
                f"{researcher.name}的{service_month}已发放,请对该笔发放明细提出异议",
                "this month was paid: object to its payout line",
                code="already_paid",
                record=f"研发人员 {researcher.name}",
                field="service_month",
            )
        if month >= timezone.localdate().year * 12 + timezone.localdate().month - 1:
            raise ServiceError(
                f"{service_month}尚未到发放时间,不能对未发放提出异议",
                "the month is not yet due",
                code="not_due",
                record=f"研发人员 {researcher.name}",
                field="service_month",
            )
        enterprise = (
            researcher.contracts.filter(centre__enterprise__memberships__user=actor)
            .values_list("centre__enterprise_id", flat=True)
            .first()
        )
        return {
            "researcher_id": researcher.pk,
            "service_month": service_month,
            "rule": STIPEND,
            "enterprise_id": enterprise,
        }
    if subject == ObjectionSubject.FILING:
        filing = _mine(actor, Filing.objects.filter(centre__enterprise__memberships__user=actor), subject_id, "备案")
        return {
            "filing": filing,
            "rule": "YC-FILING" if filing.level == "yinchuan" else "NX-FILING",
            "enterprise_id": filing.centre.enterprise_id,
        }
    if subject == ObjectionSubject.GRANT:
        app = _mine(actor, GrantApplication.objects.filter(member).select_related("programme"), subject_id, "资助申报")
        return {
            "grant_application": app,
            "researcher_id": app.researcher_id,
            "rule": app.programme.code,
            "enterprise_id": app.enterprise_id,
        }
    if subject == ObjectionSubject.RD_VERIFICATION:
        sub = _mine(
            actor,
            RDDeclarationSubmission.objects.filter(centre__enterprise__memberships__user=actor),
            subject_id,
            "研发投入申报",
        )
        if sub.status == "pending":
            raise ConflictError(
                "该研发投入申报尚未核定,核定后才能提出异议",
                "the declaration is not yet verified",
                code="not_decided",
                record=f"研发投入申报#{sub.pk}",
            )
        return {
            "rd_submission": sub,
            "service_month": str(sub.year),
            "rule": RD_AWARD,
            "enterprise_id": sub.centre.enterprise_id,
        }
    raise ServiceError(f"异议事项“{subject}”无效", "unknown subject", code="invalid", field="subject")


def _step(objection: Objection, *, actor, action: str, note: str = "") -> ObjectionStep:
    return ObjectionStep.objects.create(objection=objection, action=action, note=note, actor=actor)


def _bureau_users(bureau: str):
    return User.objects.filter(is_active=True, role=BUREAU_ROLES[bureau])


def _notify_staff(users, *, title: str, body: str, title_en: str, body_en: str) -> None:
    Notification.objects.bulk_create(
        [Notification(user=u, title=title[:200], body=body, title_en=title_en[:200], body_en=body_en) for u in users]
    )


def _tell_enterprise(objection: Objection, *, title: str, body: str, title_en: str, body_en: str) -> None:
    link = reverse("objections:detail", args=[objection.pk])
    notify_enterprise(
        objection.enterprise,
        title=title,
        body=f"{body}\n详情请登录平台查看:{link}",
        title_en=title_en,
        body_en=f"{body_en}\nDetails in the portal: {link}",
    )


@transaction.atomic
def objection_raise(
    *, actor, subject: str, subject_id, category: str, text: str, service_month: str = "", attachments=()
) -> Objection:
    if not actor.is_enterprise:
        raise ServiceError(
            "只有企业用户可以提出异议申诉", "only enterprise users may raise an objection", code="forbidden", status=403
        )
    if subject not in ObjectionSubject.values:
        raise ServiceError(f"异议事项“{subject}”无效", "unknown subject", code="invalid", field="subject")
    if category not in ObjectionCategory.values:
        raise ServiceError(
            f"异议类别“{category}”无效,应为:{'、'.join(str(c.label) for c in ObjectionCategory)}",
            "unknown category",
            code="invalid",
            field="category",
        )
    text = (text or "").strip()
    if not text:
        raise ServiceError(
            "请填写异议内容(认为哪里有误、理由)", "the objection's text is required", code="required", field="text"
        )
    if len(text) > MAX_TEXT:
        raise ServiceError(
            f"异议内容不超过{MAX_TEXT}字,现为{len(text)}字",
            f"at most {MAX_TEXT} characters",
            code="too_long",
            field="text",
        )
    attachments = [a for a in attachments if a]
    if len(attachments) > MAX_ATTACHMENTS:
        raise ServiceError(
            f"附件最多{MAX_ATTACHMENTS}个",
            f"at most {MAX_ATTACHMENTS} attachments",
            code="too_many",
            field="attachments",
        )
    for upload in attachments:  # every file is checked before anything is written
        check_upload(upload)
        upload.seek(0)
    links = _subject(actor, subject, subject_id, service_month)
    enterprise = Enterprise.objects.get(pk=links.pop("enterprise_id"))
    now = timezone.now()
    with acting(actor):
        objection = Objection(
            enterprise=enterprise,
            raised_by=actor,
            subject=subject,
            category=category,
            text=text,
            bureau=bureau_for(links["rule"], category),
            raised_at=now,
            due_on=answer_due_on(timezone.localdate(now)),
            **links,
        )
        objection.full_clean()
        objection.save()
        for upload in attachments:
            doc = document_upload(actor=actor, enterprise=enterprise, kind=DocumentKind.OTHER, upload=upload)
            ObjectionAttachment.objects.create(objection=objection, document=doc)
        _step(objection, actor=actor, action="raised", note=text)
        bureau = Bureau(objection.bureau)
        _notify_staff(
            _bureau_users(objection.bureau),
            title=f"【异议申诉】{enterprise.name}:异议#{objection.pk}",
            body=f"{objection.get_subject_display()}({objection.rule}),请于{objection.due_on}前答复",
            title_en=f"[Objection] {enterprise.name}: #{objection.pk}",
            body_en=f"{objection.subject} ({objection.rule}), answer due by {objection.due_on}",
        )
        _tell_enterprise(
            objection,
            title=f"【异议申诉】异议#{objection.pk}已受理",
            body=f"已转{bureau.label}办理,答复期限:{objection.due_on}",
            title_en=f"[Objection] #{objection.pk} received",
            body_en=f"Routed to the {bureau.value} bureau, answer due by {objection.due_on}",
        )
    return objection


def _require_bureau(actor, objection: Objection, record: str, *, act: str, en_tail: str = "") -> None:
    """Only staff of the bureau the objection was routed to may answer or close it (403, wrong_bureau);
    `act` names the step refused (答复, 办结)."""
    if not may_answer(actor, objection.bureau):
        raise ServiceError(
            f"该异议由{Bureau(objection.bureau).label}办理,您所在部门不能{act}",
            f"this objection is for the {objection.bureau} bureau{en_tail}",
            code="wrong_bureau",
            record=record,
            status=403,
        )


def _illegal_step(record: str, zh: str, en: str) -> ConflictError:
    """The refusal of a step the objection's status does not allow (409, illegal_transition)."""
    return ConflictError(zh, en, code="illegal_transition", record=record)


def _locked(objection_id) -> Objection:
    # locks the enterprise's row too (no `of`), as the objection's steps always have
    return review.lock(
        Objection.objects.select_for_update().select_related("enterprise"),
        objection_id,
        missing=(f"未找到异议#{objection_id}", f"objection #{objection_id} not found"),
    )


def expected_arrears(*, actor, objection: Objection) -> tuple[Decimal, list[str]]:
    """The months of the objection's researcher the rule now finds payable but unpaid (paid as arrears by the
    next run), and their sum: subsidies.explain, i.e. the runs' own rule, from the objection's enterprise's own
    contracts (the answer goes to it: another employer's months are not its arrears, nor disclosed)."""
    if objection.researcher_id is None:
        return Decimal("0.00"), []
    answers = researcher_months(
        actor=actor, researcher=objection.researcher, enterprises=Enterprise.objects.filter(pk=objection.enterprise_id)
    )
    due = [a for a in answers if a.status == DUE]
    return quantize(sum((a.amount for a in due), Decimal("0"))), [a.label for a in due]


@transaction.atomic
def objection_answer(
    *,
    actor,
    objection_id,
    outcome: str,
    answer: str,
    corrected_degree_id=None,
    corrected_contract_id=None,
    correction_note: str = "",
) -> Objection:
    objection = _locked(objection_id)
    record = str(objection)
    _require_bureau(actor, objection, record, act="答复", en_tail="; yours may not answer it")
    if objection.status != ObjectionStatus.OPEN:
        raise _illegal_step(
            record,
            f"该异议已{objection.get_status_display()},不能再次答复",
            f"the objection is already {objection.status}; it cannot be answered again",
        )
    if outcome not in ObjectionOutcome.values:
        raise ServiceError(
            f"处理结果“{outcome}”无效", "unknown outcome", code="invalid", record=record, field="outcome"
        )
    answer = review.need_text(
        answer,
        what="答复意见(解释、更正内容或不予支持的理由)",
        en="the answer's text is required",
        code="required",
        field="answer",
        record=record,
    )
    degree = contract = None
    if outcome == ObjectionOutcome.CORRECTED:
        if corrected_degree_id:
            degree = Degree.objects.filter(pk=corrected_degree_id, researcher_id=objection.researcher_id).first()
            if degree is None or degree.verified_at is None:
                raise ServiceError(
                    "所链接的学历不是该研发人员已核验的学历:请先完成学历核验再答复为“已更正”",
                    "the linked degree is not a verified degree of this researcher",
                    code="invalid",
                    record=record,
                    field="corrected_degree",
                )
        if corrected_contract_id:
            contract = Contract.objects.filter(pk=corrected_contract_id, researcher_id=objection.researcher_id).first()
            if contract is None:
                raise ServiceError(
                    "所链接的合同不是该研发人员的合同",
                    "the linked contract is not this researcher's",
                    code="invalid",
                    record=record,
                    field="corrected_contract",
                )
        if degree is None and contract is None and not (correction_note or "").strip():
            raise ServiceError(
                "答复为“已更正”时,须链接已更正的记录(学历或合同)或写明更正内容",
                "a correction names the record corrected",
                code="required",
                record=record,
                field="correction_note",
            )
    now = timezone.now()
    with acting(actor):
        objection.status, objection.outcome, objection.answer = ObjectionStatus.ANSWERED, outcome, answer
        objection.answered_by, objection.answered_at = actor, now
        objection.corrected_degree, objection.corrected_contract = degree, contract
        objection.correction_note = (correction_note or "").strip()
        if outcome == ObjectionOutcome.CORRECTED:
            objection.expected_arrears, objection.arrears_months = expected_arrears(actor=actor, objection=objection)
        objection.full_clean()
        objection.save()
        _step(objection, actor=actor, action="answered", note=f"{objection.get_outcome_display()}:{answer}")
        extra = (
            f";预计补发{objection.expected_arrears}元({'、'.join(objection.arrears_months)}),将在下一次发放中补发"
            if objection.expected_arrears
            else ""
        )
        _tell_enterprise(
            objection,
            title=f"【异议申诉】异议#{objection.pk}已答复:{objection.get_outcome_display()}",
            body=f"{answer}{extra}",
            title_en=f"[Objection] #{objection.pk} answered: {outcome}",
            body_en=answer,
        )
    return objection


def objection_answer_from(*, actor, objection_id, data: dict) -> Objection:
    """objection_answer with the fields as the page's answer form and the API's serializer both name them
    (corrected_degree / corrected_contract: the ids of the records the bureau corrected, if any)."""
    return objection_answer(
        actor=actor,
        objection_id=objection_id,
        outcome=data["outcome"],
        answer=data["answer"],
        corrected_degree_id=data.get("corrected_degree"),
        corrected_contract_id=data.get("corrected_contract"),
        correction_note=data.get("correction_note", ""),
    )


@transaction.atomic
def objection_reply(*, actor, objection_id, text: str) -> Objection:
    """The enterprise may reply once to the answer, before the objection closes."""
    objection = _locked(objection_id)
    record = str(objection)
    if not (actor.is_enterprise and objection.enterprise.memberships.filter(user=actor).exists()):
        raise NotFoundError(f"未找到异议#{objection_id}", f"objection #{objection_id} not found", code="not_found")
    if objection.status != ObjectionStatus.ANSWERED:
        state = "尚未答复" if objection.status == ObjectionStatus.OPEN else "已办结"
        raise _illegal_step(record, f"该异议{state},不能回复", f"the objection is {objection.status}; no reply now")
    if objection.replied_at is not None:
        raise ConflictError(
            "每件异议只能回复一次,已回复过",
            "the enterprise has already replied once",
            code="already_replied",
            record=record,
        )
    text = (text or "").strip()
    if not text or len(text) > MAX_TEXT:
        raise ServiceError(
            f"请填写回复内容(不超过{MAX_TEXT}字)",
            f"the reply is required, at most {MAX_TEXT} characters",
            code="required",
            record=record,
            field="text",
        )
    with acting(actor):
        objection.reply, objection.replied_at = text, timezone.now()
        objection.save(update_fields=["reply", "replied_at"])
        _step(objection, actor=actor, action="replied", note=text)
        _notify_staff(
            _bureau_users(objection.bureau),
            title=f"【异议申诉】异议#{objection.pk}企业已回复",
            body=text,
            title_en=f"[Objection] #{objection.pk}: the enterprise replied",
            body_en=text,
        )
    return objection


@transaction.atomic
def objection_close(*, actor, objection_id, note: str = "") -> Objection:
    """Closed by the bureau once answered (after the enterprise's reply, if any), or by the enterprise
    accepting the answer."""
    objection = _locked(objection_id)
    record = str(objection)
    own = actor.is_enterprise and objection.enterprise.memberships.filter(user=actor).exists()
    if actor.is_enterprise and not own:
        raise NotFoundError(f"未找到异议#{objection_id}", f"objection #{objection_id} not found", code="not_found")
    if not own:
        _require_bureau(actor, objection, record, act="办结")
    if objection.status != ObjectionStatus.ANSWERED:
        state = "尚未答复,答复后才能办结" if objection.status == ObjectionStatus.OPEN else "已办结"
        raise _illegal_step(record, f"该异议{state}", f"the objection is {objection.status}; it cannot be closed")
    with acting(actor):
        objection.status, objection.closed_at = ObjectionStatus.CLOSED, timezone.now()
        objection.save(update_fields=["status", "closed_at"])
        _step(objection, actor=actor, action="closed", note=(note or "").strip())
        _tell_enterprise(
            objection,
            title=f"【异议申诉】异议#{objection.pk}已办结:{objection.get_outcome_display()}",
            body=(note or objection.answer),
            title_en=f"[Objection] #{objection.pk} closed",
            body_en=note or objection.answer,
        )
    return objection


REMIND_WITHIN = 3  # working days before the deadline


@transaction.atomic
def objections_remind_and_escalate(*, today: dt.date | None = None) -> dict[str, int]:
    """The periodic pass (Celery beat): a reminder to the bureau when an open objection's deadline is within
    REMIND_WITHIN working days, and, once overdue, escalation to a second reviewer of the bureau (an active
    user of the bureau's role other than anyone who already acted on it; administrators when there is none).
    Safe to run twice: each objection is reminded and escalated once."""
    today = today or timezone.localdate()
    holidays, workdays = holiday_sets()
    system = system_actor()
    counts = {"reminded": 0, "escalated": 0}
    with acting(system):
        for objection in Objection.objects.select_for_update(skip_locked=True).filter(status=ObjectionStatus.OPEN):
            left = working_days_between(today, objection.due_on, holidays=holidays, workdays=workdays)
            if objection.due_on < today and objection.escalated_at is None:
                acted = set(objection.steps.values_list("actor_id", flat=True))
                second = (
                    _bureau_users(objection.bureau).exclude(pk__in=acted).order_by("pk").first()
                    or User.objects.filter(is_active=True, role=Role.ADMIN).order_by("pk").first()
                )
                objection.escalated_at, objection.escalated_to = timezone.now(), second
                objection.save(update_fields=["escalated_at", "escalated_to"])
                _step(
                    objection,
                    actor=system,
                    action="escalated",
                    note=f"已逾期(期限{objection.due_on}),转{second.display_name if second else '管理员'}复核",
                )
                if second is not None:
                    _notify_staff(
                        [second],
                        title=f"【异议申诉·逾期】异议#{objection.pk}已转您复核",
                        body=f"答复期限{objection.due_on}已过,请尽快答复",
                        title_en=f"[Objection overdue] #{objection.pk} escalated to you",
                        body_en=f"The answer was due by {objection.due_on}",
                    )
                counts["escalated"] += 1
            elif objection.due_on >= today and left <= REMIND_WITHIN and objection.reminded_at is None:
                objection.reminded_at = timezone.now()
                objection.save(update_fields=["reminded_at"])
                _step(
                    objection, actor=system, action="reminded", note=f"距答复期限{objection.due_on}还有{left}个工作日"
                )
                _notify_staff(
                    _bureau_users(objection.bureau),
                    title=f"【异议申诉·提醒】异议#{objection.pk}即将到期",
                    body=f"请于{objection.due_on}前答复",
                    title_en=f"[Objection reminder] #{objection.pk}",
                    body_en=f"The answer is due by {objection.due_on}",
                )
                counts["reminded"] += 1
    return counts


@transaction.atomic
def holiday_day_save(*, actor, day: dt.date, kind: str, name: str, source: str) -> HolidayDay:
    """Staff maintain the reference data (the next year's notice): one row per day, replaced in place."""
    if not (actor.is_bureau_staff):
        raise ServiceError(
            "只有工作人员可以维护节假日", "only staff maintain the holidays", code="forbidden", status=403
        )
    if kind not in HolidayKind.values:
        raise ServiceError(
            f"类型“{kind}”无效,应为放假或调休上班", "kind must be holiday or workday", code="invalid", field="kind"
        )
    if not (name or "").strip() or not (source or "").strip():
        raise ServiceError(
            "请填写节日名称和依据(国务院办公厅通知名称及发布日期)",
            "name and source are required",
            code="required",
            field="source",
        )
    if kind == HolidayKind.WORKDAY and day.weekday() < 5:
        raise ServiceError(
            f"{day}是工作日(周一至周五),不需登记为调休上班",
            "a working weekend must be a weekend",
            code="invalid",
            field="day",
            record=f"日期 {day}",
        )
    with acting(actor):
        row = HolidayDay.objects.filter(day=day).first() or HolidayDay(day=day)
        row.kind, row.name, row.source, row.created_by = kind, name.strip(), source.strip(), actor
        row.full_clean()
        row.save()
    return row


@transaction.atomic
def holiday_day_delete(*, actor, day: dt.date) -> None:
    if not actor.is_bureau_staff:
        raise ServiceError(
            "只有工作人员可以维护节假日", "only staff maintain the holidays", code="forbidden", status=403
        )
    row = HolidayDay.objects.filter(day=day).first()
    if row is None:
        raise NotFoundError(f"{day}不在节假日表中", "that day is not in the table", code="not_found")
    with acting(actor):
        row.delete()
