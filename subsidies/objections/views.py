"""Pages for the why-not calendar, the person's decision letter (§2), objections (§3) and the
staff queue with its figures (§4). Thin: reads from the selectors, writes through the services."""

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import downloads
from accounts.errors import ServiceError, attempt
from subsidies.explain import letter
from subsidies.explain import selectors as explain
from subsidies.objections import selectors, services
from subsidies.objections.forms import AnswerForm, HolidayForm, RaiseForm, ReplyForm
from subsidies.objections.models import (
    Bureau,
    ObjectionAttachment,
    ObjectionCategory,
    ObjectionStatus,
    ObjectionSubject,
)
from subsidies.rules.calendar import parse_month
from talent.models import Contract, Degree


def _month(text: str) -> int:
    try:
        return parse_month(text)
    except ValueError:
        raise Http404(_("月份格式错误")) from None


@login_required
def researcher_calendar(request, pk: int):
    researcher = explain.explainable_researcher_get(actor=request.user, pk=pk)
    answers = explain.researcher_months(actor=request.user, researcher=researcher)
    years: dict[int, list] = {}
    for a in answers:
        years.setdefault(a.month // 12, []).append(a)
    return render(
        request,
        "objections/calendar.html",
        {
            "researcher": researcher,
            "years": sorted(years.items()),
            "answers": answers,
            "can_object": request.user.is_enterprise,
            "can_print": request.user.is_bureau_staff,
        },
    )


@login_required
def researcher_month(request, pk: int, month: str):
    researcher = explain.explainable_researcher_get(actor=request.user, pk=pk)
    answer = explain.researcher_month(actor=request.user, researcher=researcher, month=_month(month))
    sections = letter.month_letter(answer)
    if answer.line is not None:
        line = explain.visible_lines(actor=request.user, researcher=researcher).filter(pk=answer.line.id).first()
        sections = letter.line_sections(line) if line else None
    return render(
        request,
        "objections/month.html",
        {
            "researcher": researcher,
            "a": answer,
            "sections": sections,
            "can_object": request.user.is_enterprise and answer.status == "not_payable",
        },
    )


def _staff(user) -> bool:
    return bool(user.is_bureau_staff)


@login_required
def person_letter_export(request, pk: int):
    """个人补助核定说明 (PDF): every line paid to the person, as a decision letter; staff only."""
    if not _staff(request.user):
        raise PermissionDenied(_("您的角色无权访问此页面"))
    researcher = explain.explainable_researcher_get(actor=request.user, pk=pk)
    pdf = letter.person_letter_pdf(actor=request.user, researcher=researcher)
    return downloads.bytes_attachment(pdf, filename=f"person-letter-{researcher.pk}.pdf", content_type=downloads.PDF)


SUBJECT_PARAMS = {
    "payout_line": "line",
    "unpaid_month": "researcher",
    "filing": "filing",
    "grant": "application",
    "rd_verification": "submission",
}


@login_required
def objection_raise(request):
    if not request.user.is_enterprise:
        raise PermissionDenied(_("只有企业用户可以提出异议申诉"))
    subject = request.GET.get("subject") or request.POST.get("subject") or ""
    if subject not in ObjectionSubject.values:
        raise Http404(_("异议事项无效"))
    subject_id = request.GET.get("id") or request.POST.get("subject_id") or ""
    month = request.GET.get("month") or request.POST.get("service_month") or ""
    form = RaiseForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            objection = services.objection_raise(
                actor=request.user,
                subject=subject,
                subject_id=subject_id,
                service_month=month,
                category=form.cleaned_data["category"],
                text=form.cleaned_data["text"],
                attachments=form.cleaned_data["attachments"],
            )
        except ServiceError as exc:
            form.add_error(
                "attachments"
                if exc.code in ("markup", "signature", "mismatch", "too_large", "empty", "name")
                else None,
                exc.text,
            )
        else:
            messages.success(request, _("异议已提交,答复期限:%(due)s") % {"due": objection.due_on})
            return redirect("objections:detail", pk=objection.pk)
    return render(
        request,
        "objections/raise.html",
        {
            "form": form,
            "subject": subject,
            "subject_label": ObjectionSubject(subject).label,
            "subject_id": subject_id,
            "month": month,
        },
    )


def _choices(objection, model, empty):
    qs = (
        model.objects.filter(researcher_id=objection.researcher_id) if objection.researcher_id else model.objects.none()
    )
    return [("", empty), *((o.pk, str(o)) for o in qs)]


@login_required
def objection_detail(request, pk: int):
    objection = selectors.objection_get(actor=request.user, pk=pk)
    user = request.user
    answer_form = reply_form = None
    if objection.status == ObjectionStatus.OPEN and services.may_answer(user, objection.bureau):
        answer_form = AnswerForm()
        answer_form.fields["corrected_degree"].choices = _choices(objection, Degree, _("(不链接学历)"))
        answer_form.fields["corrected_contract"].choices = _choices(objection, Contract, _("(不链接合同)"))
    if objection.status == ObjectionStatus.ANSWERED and user.is_enterprise and objection.replied_at is None:
        reply_form = ReplyForm()
    return render(
        request,
        "objections/detail.html",
        {
            "o": objection,
            "ageing": selectors.ageing_of([objection])[objection.pk],
            "subject": selectors.subject_label(objection),
            "steps": objection.steps.select_related("actor"),
            "attachments": objection.attachments.select_related("document"),
            "answer_form": answer_form,
            "reply_form": reply_form,
            "step_words": services.STEP_WORDS,
            "can_close": objection.status == ObjectionStatus.ANSWERED
            and (user.is_enterprise or services.may_answer(user, objection.bureau)),
        },
    )


@login_required
def attachment_download(request, pk: int):
    """An objection's attachment, for who may read the objection (its enterprise, the bureau that answers it);
    always as an attachment. The document belongs to no filing, so the filing documents' download does not
    serve it."""
    attachment = get_object_or_404(ObjectionAttachment.objects.select_related("document"), pk=pk)
    selectors.objection_get(actor=request.user, pk=attachment.objection_id)
    return downloads.document_attachment(attachment.document)


def _act(request, pk, call, form_class=None):
    objection = selectors.objection_get(actor=request.user, pk=pk)
    data = {}
    if form_class is not None:
        form = form_class(request.POST)
        if "corrected_degree" in form.fields:
            form.fields["corrected_degree"].choices = _choices(objection, Degree, "")
            form.fields["corrected_contract"].choices = _choices(objection, Contract, "")
        if not form.is_valid():
            messages.error(request, " ".join(str(e) for errs in form.errors.values() for e in errs))
            return redirect("objections:detail", pk=objection.pk)
        data = form.cleaned_data
    attempt(request, call, objection, data, done=_("已保存"))
    return redirect("objections:detail", pk=objection.pk)


@login_required
@require_POST
def objection_answer(request, pk: int):
    return _act(
        request,
        pk,
        lambda o, d: services.objection_answer_from(actor=request.user, objection_id=o.pk, data=d),
        AnswerForm,
    )


@login_required
@require_POST
def objection_reply(request, pk: int):
    return _act(
        request,
        pk,
        lambda o, d: services.objection_reply(actor=request.user, objection_id=o.pk, text=d["text"]),
        ReplyForm,
    )


@login_required
@require_POST
def objection_close(request, pk: int):
    return _act(
        request,
        pk,
        lambda o, d: services.objection_close(actor=request.user, objection_id=o.pk, note=request.POST.get("note", "")),
    )


@login_required
def objection_list(request):
    """The enterprise's own objections; for staff, the queue of their bureau with filters, sorting and figures."""
    q = request.GET
    overdue = q.get("overdue") == "1"
    rows = list(
        selectors.objection_queue(
            actor=request.user,
            bureau=q.get("bureau", ""),
            status=q.get("status", ""),
            category=q.get("category", ""),
            subject=q.get("subject", ""),
            overdue=overdue,
            sort=q.get("sort", "due_on"),
        )[:500]
    )
    ageing = selectors.ageing_of(rows)
    figures = (
        selectors.objection_figures(actor=request.user, bureau=q.get("bureau", ""))
        if request.user.is_bureau_staff
        else None
    )
    return render(
        request,
        "objections/list.html",
        {
            "rows": [(o, ageing[o.pk], selectors.subject_label(o)) for o in rows],
            "figures": figures,
            "bureaus": Bureau.choices,
            "categories": ObjectionCategory.choices,
            "statuses": ObjectionStatus.choices,
            "subjects": ObjectionSubject.choices,
            "q": q,
            "overdue": overdue,
            "staff": request.user.is_bureau_staff,
        },
    )


@login_required
def holidays(request):
    if not _staff(request.user):
        raise PermissionDenied(_("您的角色无权访问此页面"))
    try:
        year = int(request.GET.get("year") or timezone.localdate().year)
    except ValueError:
        year = timezone.localdate().year
    if not dt.MINYEAR <= year <= dt.MAXYEAR:  # ?year=99999 or -1: no such calendar year (not a 500)
        raise Http404("year out of range")
    form = HolidayForm(request.POST or None)
    if request.method == "POST":
        try:
            if request.POST.get("delete"):
                services.holiday_day_delete(actor=request.user, day=dt.date.fromisoformat(request.POST["delete"]))
                messages.success(request, _("已删除"))
                return redirect(f"{reverse('objections:holidays')}?year={year}")
            if form.is_valid():
                row = services.holiday_day_save(actor=request.user, **form.cleaned_data)
                messages.success(request, _("已保存"))
                return redirect(f"{reverse('objections:holidays')}?year={row.day.year}")
        except (ServiceError, ValueError) as exc:
            form.add_error(None, exc.text if isinstance(exc, ServiceError) else _("日期格式错误"))
    return render(
        request,
        "objections/holidays.html",
        {
            "rows": selectors.holiday_list(year=year),
            "year": year,
            "form": form,
            "years": sorted({year, *(d.year for d in selectors.holiday_list().dates("day", "year"))}),
        },
    )
