"""HTML pages for grants, YC-RD declarations, evaluations, incubators and 免申即享 (benefits without
asking). Thin: parse the request, call one service or selector, render. Objects come from actor-scoped
selectors, so another enterprise's application, centre or incubator answers 404."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from accounts import downloads, uploads
from accounts.errors import ServiceError, error_text, show_refusal
from accounts.permissions import reviewer_only as staff_only
from registry.selectors import centre_get, centre_list
from subsidies.declarations import services as declarations
from subsidies.explain import centre_selectors as centre_why
from subsidies.grants import incubators, selectors
from subsidies.grants import services as grants
from subsidies.grants.forms import (
    ApplyForm,
    AssessmentForm,
    DeclarationForm,
    EvaluationForm,
    IncubatorDecisionForm,
    IncubatorForm,
    RecognitionForm,
    ResubmitForm,
    ReviewForm,
    VerifyForm,
)
from subsidies.grants.guide import COMMITMENT_TEXT
from subsidies.grants.tracking import application_stages
from subsidies.models import (
    ApplicationDocument,
    ApplicationStatus,
    Origin,
    PayoutLine,
    PerformanceEvaluation,
    Programme,
    RunKind,
)
from subsidies.rules import grants as rules
from subsidies.runs import services as runs


def _page(request, qs, param="page"):
    return Paginator(qs, 20).get_page(request.GET.get(param))


# --- overview -----------------------------------------------------------------------------------------


@login_required
def grant_home(request):
    return _render_home(request)


def _render_home(request, *, status: int = 200, verify_pk: int | None = None, verify_form=None):
    """The grants overview; an invalid 核定 form comes back here (400) with its errors on its row."""
    user = request.user
    if not (user.is_enterprise or user.is_reviewer or user.is_portal_admin or user.is_finance):
        raise PermissionDenied
    ctx = {
        "verify_pk": verify_pk,
        "verify_bound": verify_form,
        "programmes": Programme.objects.all(),
        "applications": _page(request, selectors.application_list(actor=user, status=request.GET.get("status", ""))),
        "queue": selectors.review_queue(actor=user)[:50] if (user.is_reviewer or user.is_portal_admin) else [],
        "centres": centre_list(actor=user).order_by("ref")[:200] if user.is_enterprise else [],
        "declarations": _page(request, selectors.declaration_list(actor=user), "dpage"),
        "incubators": selectors.incubator_list(actor=user)[:100],
        "declaration_form": DeclarationForm(user=user) if user.is_enterprise else None,
        "commitment_text": COMMITMENT_TEXT,
        "incubator_form": IncubatorForm(user=user) if user.is_enterprise else None,
        "evaluation_form": EvaluationForm(user=user) if user.reviews_level("regional") else None,
        "evaluations": PerformanceEvaluation.objects.select_related("centre", "award")[:50]
        if not user.is_enterprise
        else PerformanceEvaluation.objects.none(),
        "verify_form": VerifyForm(),
        "can_verify": user.reviews_level("yinchuan"),
        "can_run": user.is_finance or user.is_portal_admin,
        "this_month": timezone.localdate().strftime("%Y-%m"),
        "statuses": ApplicationStatus.choices,
    }
    return render(request, "grants/home.html", ctx, status=status)


@login_required
def benefits(request, centre_pk):
    """免申即享: every programme for one centre with its status."""
    centre = centre_get(actor=request.user, pk=centre_pk)
    benefits = selectors.centre_benefits(centre)
    # why / why not: each programme's conditions, and the YC-RD years, in the API's words
    why = {e.code: e for e in centre_why.centre_eligibility(centre=centre)}
    for b in benefits:
        b.why = why.get(b.code)
    return render(
        request,
        "grants/benefits.html",
        {"centre": centre, "benefits": benefits, "rd_years": centre_why.rd_years(centre=centre)},
    )


@login_required
def bureau(request):
    user = request.user
    if not (user.is_reviewer or user.is_portal_admin or user.is_finance):
        raise PermissionDenied
    return render(request, "grants/bureau.html", {"rows": selectors.unclaimed_by_programme()})


# --- applications -------------------------------------------------------------------------------------


@login_required
def apply(request, code):
    if not request.user.is_enterprise:
        raise PermissionDenied
    programme = get_object_or_404(Programme, code=code)
    if not rules.needs_application(grants.programme_fact(programme)) or programme.applicant == rules.INCUBATOR:
        messages.error(request, _(rules.ORIGIN_REASON.get(programme.origin, rules.R_NOT_CENTRE)))
        return redirect("subsidies:grant_home")
    initial = {}
    centre_pk = request.GET.get("centre")
    if centre_pk:
        centre = centre_get(actor=request.user, pk=centre_pk)  # 404 for another enterprise's centre
        initial = {
            "centre": centre.pk,
            "requested_amount": rules.default_amount(grants.programme_fact(programme), centre.kind),
        }
    form = ApplyForm(
        request.POST or None, request.FILES or None, user=request.user, programme=programme, initial=initial
    )
    if request.method == "POST" and form.is_valid() and uploads.check_files(form):
        data = form.cleaned_data
        docs = [(data["doc_label"], data["document"]), (data.get("doc2_label") or "其他材料", data.get("document2"))]
        try:
            app = grants.grant_apply(
                actor=request.user,
                programme=programme,
                centre=data["centre"],
                researcher=data.get("researcher"),
                award_programme=data.get("award_programme", ""),
                year=data.get("year"),
                description=data["description"],
                requested_amount=data.get("requested_amount"),
                documents=docs,
                commitment=request.POST.get("commitment") == "on",
            )
        except ServiceError as exc:
            form.add_error(None, error_text(exc))
        else:
            messages.success(
                request,
                _("已提交%(code)s申报,受理编号:%(no)s,请等待审核") % {"code": programme.code, "no": app.acceptance_no},
            )
            return uploads.upload_done(request, reverse("subsidies:grant_detail", args=[app.pk]))
    bounds = rules.bounds(grants.programme_fact(programme))
    return uploads.upload_refused(
        request,
        form,
        lambda: render(
            request,
            "grants/apply.html",
            {"programme": programme, "form": form, "bounds": bounds, "commitment_text": COMMITMENT_TEXT},
        ),
    )


# the review record's steps as the page names them (the rows keep the stable keys)
STEP_LABELS = {
    "submit": _("提交申报"),
    "first_review": _("初审"),
    "approval": _("复审"),
    "return": _("退回修改"),
    "withdraw": _("企业撤回"),
}

ACTIONS = {
    "first_review": lambda u, a, d: grants.grant_first_review(
        actor=u, application=a, comment=d["comment"], expected_status=d["seen_status"]
    ),
    "approve": lambda u, a, d: grants.grant_approve(
        actor=u, application=a, amount=d["amount"], comment=d["comment"], expected_status=d["seen_status"]
    ),
    "return": lambda u, a, d: grants.grant_return(
        actor=u, application=a, comment=d["comment"], expected_status=d["seen_status"]
    ),
    "reject": lambda u, a, d: grants.grant_reject(
        actor=u, application=a, comment=d["comment"], expected_status=d["seen_status"]
    ),
}


@login_required
def application_detail(request, pk):
    user = request.user
    app = selectors.application_get(actor=user, pk=pk)
    staff = user.is_reviewer or user.is_portal_admin
    form = ReviewForm(request.POST or None, initial={"seen_status": app.status, "amount": app.requested_amount or ""})
    if app.origin != Origin.APPLICATION:  # an award from a recorded result has no applicant to correct it
        form.fields["action"].choices = [c for c in ReviewForm.ACTIONS if c[0] != "return"]
    if request.method == "POST":
        if not staff:
            raise PermissionDenied
        if form.is_valid():
            try:
                ACTIONS[form.cleaned_data["action"]](user, app, form.cleaned_data)
            except ServiceError as exc:
                show_refusal(request, exc)
            else:
                app.refresh_from_db()
                messages.success(
                    request,
                    _("已处理:%(record)s → %(status)s")
                    % {"record": app.programme.code, "status": app.get_status_display()},
                )
                return redirect("subsidies:grant_detail", pk=app.pk)
    fact = grants.programme_fact(app.programme)
    first = grants.first_reviewer(app)
    return render(
        request,
        "grants/application_detail.html",
        {
            "app": app,
            "form": form if staff and app.status in ("submitted", "first_reviewed") else None,
            "resubmit_form": ResubmitForm(initial={"description": app.description})
            if user.is_enterprise and app.status == ApplicationStatus.RETURNED
            else None,
            "decisions": _labelled(app.decisions.select_related("actor").order_by("id")),
            "attachments": app.attachments.select_related("document").order_by("id"),
            "bounds": rules.bounds(fact, app.centre.kind if app.centre_id else None),
            "first_reviewer": first,
            "is_first_reviewer": first is not None and first.pk == user.pk,
            "lines": PayoutLine.objects.filter(
                rule=app.programme.code, basis=f"award:{app.pk}", active=True
            ).select_related("run"),
            "eligibility": centre_why.application_eligibility(app),
            "stages": application_stages(application=app),
            "can_withdraw": user.is_enterprise and app.status == ApplicationStatus.SUBMITTED,
            "commitment_text": COMMITMENT_TEXT,
        },
    )


def _labelled(decisions) -> list:
    """The review record with each step's name (`step_label`), never its key."""
    rows = list(decisions)
    for d in rows:
        d.step_label = STEP_LABELS.get(d.step, d.step)
    return rows


@require_POST
@login_required
def application_resubmit(request, pk):
    app = selectors.application_get(actor=request.user, pk=pk)
    form = ResubmitForm(request.POST, request.FILES)
    back = reverse("subsidies:grant_detail", args=[app.pk])
    if form.is_valid() and uploads.check_files(form):
        data = form.cleaned_data
        upload = data.get("document")
        try:
            grants.grant_resubmit(
                actor=request.user,
                application=app,
                description=data["description"] if "description" in request.POST else None,
                documents=[(data["doc_label"] or "补充材料", upload)] if upload else [],
                commitment=request.POST.get("commitment") == "on",
            )
        except ServiceError as exc:
            form.add_error(None, error_text(exc))
        else:
            messages.success(request, _("已重新提交,请等待审核"))
            return uploads.upload_done(request, back)
    return uploads.upload_refused(request, form, lambda: _back_with_errors(request, form, back))


def _back_with_errors(request, form, url):
    """Without JavaScript a form posted from a page it does not own goes back there with its errors as
    messages (field label first, so the person knows which field)."""
    for field, errs in form.errors.items():
        label = form.fields[field].label if field in form.fields else ""
        for e in errs:
            messages.error(request, f"{label}:{e}" if label else e)
    return redirect(url)


@login_required
def attachment_download(request, pk):
    """An application's document, for who may see the application; always as an attachment."""
    attachment = get_object_or_404(ApplicationDocument.objects.select_related("document"), pk=pk)
    selectors.application_get(actor=request.user, pk=attachment.application_id)
    document = attachment.document
    return downloads.document_attachment(document)


# --- YC-RD declarations -------------------------------------------------------------------------------


@require_POST
@login_required
def declaration_new(request):
    if not request.user.is_enterprise:
        raise PermissionDenied
    form = DeclarationForm(request.POST, request.FILES, user=request.user)
    back = reverse("subsidies:grant_home") + "#declarations"
    if form.is_valid() and uploads.check_files(form):
        d = form.cleaned_data
        try:
            sub = declarations.rd_declaration_submit(
                actor=request.user,
                centre=d["centre"],
                year=d["year"],
                declared_amount=d["declared_amount"],
                audit_report=d["audit_report"],
                commitment=request.POST.get("commitment") == "on",
            )
        except ServiceError as exc:
            form.add_error(None, error_text(exc))
        else:
            messages.success(
                request,
                _("已提交%(year)s年度研发投入申报,受理编号:%(no)s,请等待银川市科技局核定")
                % {"year": d["year"], "no": sub.acceptance_no},
            )
            return uploads.upload_done(request, back)
    return uploads.upload_refused(request, form, lambda: _back_with_errors(request, form, back))


@require_POST
@staff_only
def declaration_verify(request, pk):
    sub = selectors.declaration_get(actor=request.user, pk=pk)
    form = VerifyForm(request.POST)
    if not form.is_valid():
        messages.error(
            request,
            _("%(centre)s%(year)s年度研发投入未核定:请更正表单中的错误")
            % {"centre": sub.centre.name, "year": sub.year},
        )
        return _render_home(request, status=400, verify_pk=sub.pk, verify_form=form)
    try:
        declarations.rd_declaration_verify(
            actor=request.user,
            submission=sub,
            verified_amount=form.cleaned_data.get("verified_amount"),
            reason=form.cleaned_data.get("reason", ""),
        )
    except ServiceError as exc:
        show_refusal(request, exc)
    else:
        messages.success(
            request, _("已核定%(centre)s%(year)s年度研发投入") % {"centre": sub.centre.name, "year": sub.year}
        )
    return redirect(reverse("subsidies:grant_home") + "#declarations")


@login_required
def declaration_report(request, pk):
    sub = selectors.declaration_get(actor=request.user, pk=pk)
    return downloads.document_attachment(sub.audit_report)


# --- NX-PERF evaluations ------------------------------------------------------------------------------


@require_POST
@staff_only
def evaluation_new(request):
    form = EvaluationForm(request.POST, user=request.user)
    if not form.is_valid():
        messages.error(request, _("请完整填写研发中心、评估期和评估结果"))
    else:
        d = form.cleaned_data
        try:
            ev = grants.evaluation_record(
                actor=request.user, centre=d["centre"], period=d["period"], result=d["result"], note=d["note"]
            )
        except ServiceError as exc:
            show_refusal(request, exc)
        else:
            # the recording is the award's 初审: another reviewer approves it (复审) before it is paid
            extra = (
                _(",已提出NX-PERF奖补%(amount)s元(初审),待另一名审核员复审")
                % {"amount": f"{ev.award.requested_amount:,.2f}"}
                if ev.award_id
                else ""
            )
            messages.success(
                request,
                _("已录入%(centre)s%(period)s评估结果“%(result)s”")
                % {"centre": ev.centre.name, "period": ev.period, "result": ev.get_result_display()}
                + extra,
            )
    return redirect(reverse("subsidies:grant_home") + "#evaluations")


# --- incubators ---------------------------------------------------------------------------------------


@require_POST
@login_required
def incubator_new(request):
    if not request.user.is_enterprise:
        raise PermissionDenied
    form = IncubatorForm(request.POST, user=request.user)
    if not form.is_valid():
        messages.error(request, _("请完整填写孵化器信息"))
        return redirect("subsidies:grant_home")
    try:
        inc = incubators.incubator_create(actor=request.user, **form.cleaned_data)
    except ServiceError as exc:
        show_refusal(request, exc)
        return redirect("subsidies:grant_home")
    return redirect("subsidies:incubator_detail", pk=inc.pk)


@login_required
def incubator_detail(request, pk):
    user = request.user
    inc = selectors.incubator_get(actor=user, pk=pk)
    forms_ = {
        "decision_form": IncubatorDecisionForm(),
        "assessment_form": AssessmentForm(),
        "recognition_form": RecognitionForm(),
    }
    if request.method == "POST":
        what = request.POST.get("what")
        bound = {
            "decide": ("decision_form", IncubatorDecisionForm),
            "assess": ("assessment_form", AssessmentForm),
            "recognise": ("recognition_form", RecognitionForm),
        }
        if what != "submit" and what not in bound:
            raise PermissionDenied
        f = None
        if what in bound:
            name, form_class = bound[what]
            f = forms_[name] = form_class(request.POST)
        if f is not None and not f.is_valid():
            # nothing is saved: the page again, with the form's errors next to its fields
            messages.error(request, _("未保存:请更正表单中的错误"))
            return _incubator_page(request, inc, forms_, status=400)
        try:
            if what == "submit":
                incubators.incubator_submit(actor=user, incubator=inc)
            elif what == "decide":
                incubators.incubator_decide(
                    actor=user,
                    incubator=inc,
                    action=f.cleaned_data["action"],
                    comment=f.cleaned_data["comment"],
                    on=f.cleaned_data["on"],
                )
            elif what == "assess":
                incubators.incubator_assessment_record(actor=user, incubator=inc, **f.cleaned_data)
            else:
                incubators.incubator_recognition_record(actor=user, incubator=inc, **f.cleaned_data)
        except ServiceError as exc:
            show_refusal(request, exc)
        else:
            messages.success(request, _("已保存"))
        return redirect("subsidies:incubator_detail", pk=inc.pk)
    return _incubator_page(request, inc, forms_)


def _incubator_page(request, inc, forms_: dict, *, status: int = 200):
    return render(
        request,
        "grants/incubator_detail.html",
        {
            "inc": inc,
            "staff": request.user.reviews_level("yinchuan"),
            "decisions": inc.decisions.select_related("actor"),
            "assessments": inc.assessments.select_related("award"),
            "awards": inc.grant_applications.select_related("programme").filter(status="approved"),
            "pending_awards": inc.grant_applications.select_related("programme").filter(
                status=ApplicationStatus.FIRST_REVIEWED
            ),
            **forms_,
        },
        status=status,
    )


# --- payouts ------------------------------------------------------------------------------------------


@require_POST
@login_required
def grants_run_start(request):
    """A GRANTS run for a month: approved, unpaid awards become lines (then the usual four-eyes approval)."""
    period = (request.POST.get("period") or "").strip()
    try:
        run = runs.run_payouts(actor=request.user, kind=RunKind.GRANTS, period=period, inline=True)
    except ServiceError as exc:
        show_refusal(request, exc)
        return redirect("subsidies:grant_home")
    return redirect("subsidies:run_detail", pk=run.pk)
