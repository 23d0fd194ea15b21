"""HTML views: parse the request, call one service or selector, render. Every object is fetched through
an actor-scoped selector, so another enterprise's object answers 404."""

import datetime as dt
import functools
import re
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import FieldDoesNotExist, PermissionDenied
from django.core.paginator import Paginator
from django.db import models
from django.db.models import OuterRef, Subquery
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from accounts import downloads, panels, uploads
from accounts.dates import cn_date, cn_datetime
from accounts.errors import ServiceError, error_text, show_refusal
from accounts.permissions import reviewer_only
from registry import guide as guides
from registry import measures, selectors, services
from registry.forms import (
    BankDetailsForm,
    CentreForm,
    DecisionForm,
    DocumentMarkForm,
    DocumentUploadForm,
    EnterpriseRegistrationForm,
    FilingStartForm,
    InviteForm,
    QueueFilterForm,
)
from registry.guide import COMMITMENT_TEXT
from registry.models import (
    Division,
    Document,
    DocumentKind,
    DocumentMarkValue,
    Filing,
    FilingStatus,
    ReviewDecision,
)
from registry.services import documents as document_services
from registry.services.filings import problems_in_language
from registry.tracking import filing_stages
from registry.withdrawal import withdraw_view

PAGE_SIZE = 20


def _page(request, qs, param="page", size=PAGE_SIZE):
    return Paginator(qs, size).get_page(request.GET.get(param))


def enterprise_only(view):
    @functools.wraps(view)
    @login_required
    def wrapper(request, *args, **kwargs):
        if not request.user.is_enterprise:
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


def _refused_on_form(request, form, exc: ServiceError):
    """A refusal that names one of the form's fields is shown next to that field; others as a message."""
    if getattr(exc, "field", "") in form.fields:
        form.add_error(exc.field, exc.zh)
    else:
        show_refusal(request, exc)


# --- public: enterprise self-registration -----------------------------------------------------------------


@sensitive_post_parameters("password", "password2")
@csrf_protect
def register(request):
    """A person registers their enterprise and becomes its owner, then logs in through the login page (so
    the login's lockout rules apply to the new account as to every other).

    The page never confirms whether a username exists: a registration and an attempt with a username
    already taken get the same answer (back to the login page, "sent to your e-mail"), and the outcome
    goes to the contact e-mail given. Every other check (the password included) runs before the
    username is looked up. Posts are limited to REGISTRATION_RATE per client address."""
    from accounts.throttling import within_budget

    if request.user.is_authenticated:
        return redirect("home")
    if request.method == "POST":
        limit, period = settings.REGISTRATION_RATE
        if not within_budget(request, "register", limit, period):
            return render(request, "accounts/throttled.html", status=429)
    form = EnterpriseRegistrationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            membership = services.enterprise_register(
                actor=None,
                uscc=data["uscc"],
                name=data["name"],
                division_code=data["division_code"],
                username=data["username"],
                password=data["password"],
                full_name=data["full_name"],
                email=data["email"],
                phone=data["phone"],
            )
        except ServiceError as exc:
            if exc.code != "username_taken":
                field = form.FIELD_BY_CODE.get(exc.code)
                form.add_error(field, exc.body if field else exc.text)
                return render(request, "registry/register.html", {"form": form})
            _registration_mail(
                data["email"],
                _("注册未完成:所填用户名不可用"),
                _(
                    "您在宁夏企业飞地研发中心管理平台为“%(enterprise)s”提交的注册未完成:用户名“%(username)s”"
                    "不可用。请换一个用户名重新注册;如您已有账号,可在登录页使用“忘记密码”。"
                )
                % {"enterprise": data["name"], "username": data["username"]},
            )
        else:
            _registration_mail(
                membership.user.email,
                _("企业注册成功"),
                _("“%(enterprise)s”已注册,您是该企业的管理员。请使用用户名 %(username)s 登录。")
                % {"enterprise": membership.enterprise.name, "username": membership.user.username},
            )
        messages.success(
            request, _("注册申请已提交,处理结果已发送到您填写的联系邮箱。注册成功的,请使用所填用户名和密码登录。")
        )
        return redirect("accounts:login")
    return render(request, "registry/register.html", {"form": form})


def _registration_mail(address: str, subject: str, body: str) -> None:
    from django.core.mail import send_mail

    send_mail(subject, body, None, [address], fail_silently=True)


# --- enterprise ------------------------------------------------------------------------------------------


@enterprise_only
def dashboard(request):
    user = request.user
    enterprises = selectors.enterprise_list(actor=user).annotate(
        division_name=Subquery(Division.objects.filter(code=OuterRef("division_code")).values("name")[:1])
    )
    return render(
        request,
        "registry/dashboard.html",
        {
            "enterprises": enterprises,
            "centres": _page(request, selectors.centre_list(actor=user).order_by("ref"), "cpage"),
            "filings": _page(request, selectors.filing_list(actor=user), "fpage"),
            "notifications": selectors.notification_list(actor=user).order_by("-created_at", "-id")[:6],
            "unread": selectors.unread_count(actor=user),
            # the researcher count (talent) and the stipend panel (subsidies), from the apps above this one
            **panels.context("registry.dashboard", actor=user),
        },
    )


@login_required
def enterprise_detail(request, pk):
    enterprise = selectors.enterprise_get(actor=request.user, pk=pk)
    is_owner = services.is_member(request.user, enterprise, owner=True)
    bank_post = request.method == "POST" and request.POST.get("action") == "bank"
    form = InviteForm(None if bank_post else request.POST or None) if is_owner else None
    bank_form = BankDetailsForm(request.POST) if is_owner and bank_post else None
    if bank_post:
        if not is_owner:
            raise PermissionDenied
        if bank_form.is_valid():
            try:
                services.enterprise_bank_update(actor=request.user, enterprise=enterprise, **bank_form.cleaned_data)
            except ServiceError as exc:
                _refused_on_form(request, bank_form, exc)
            else:
                messages.success(request, _("收款账户已保存"))
                return redirect("registry:enterprise_detail", pk=enterprise.pk)
    elif request.method == "POST":
        if not is_owner:
            raise PermissionDenied
        if form.is_valid():
            try:
                m = services.member_invite(actor=request.user, enterprise=enterprise, **form.cleaned_data)
            except ServiceError as exc:
                show_refusal(request, exc)
            else:
                messages.success(
                    request,
                    _("已添加成员 %(name)s(%(username)s)") % {"name": m.user.display_name, "username": m.user.username},
                )
                return redirect("registry:enterprise_detail", pk=enterprise.pk)
    members = enterprise.memberships.select_related("user").order_by("-is_owner", "user__username")
    return render(
        request,
        "registry/enterprise_detail.html",
        {
            "enterprise": enterprise,
            "is_owner": is_owner,
            "form": form,
            "bank_form": bank_form
            or (
                BankDetailsForm(
                    initial={
                        "bank_name": enterprise.bank_name,
                        "bank_account": enterprise.bank_account,
                        "bank_cnaps": enterprise.bank_cnaps,
                    }
                )
                if is_owner
                else None
            ),
            "members": _page(request, members, "mpage"),
            "centres": _page(request, selectors.centre_list(actor=request.user).filter(enterprise=enterprise)),
        },
    )


@enterprise_only
def centre_create(request, enterprise_pk):
    enterprise = selectors.enterprise_get(actor=request.user, pk=enterprise_pk)
    form = CentreForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            centre = services.centre_create(actor=request.user, enterprise=enterprise, **form.cleaned_data)
        except ServiceError as exc:
            _refused_on_form(request, form, exc)
        else:
            messages.success(
                request, _("已登记研发中心“%(name)s”(编号 %(ref)s)") % {"name": centre.name, "ref": centre.ref}
            )
            return redirect("registry:dashboard")
    return render(request, "registry/centre_form.html", {"form": form, "enterprise": enterprise, "centre": None})


@enterprise_only
def centre_edit(request, pk):
    centre = selectors.centre_get(actor=request.user, pk=pk)
    form = CentreForm(request.POST or None, instance=centre)
    if request.method == "POST" and form.is_valid():
        try:
            services.centre_update(actor=request.user, centre=centre, **form.cleaned_data)
        except services.CentreFiledError as exc:
            # shown next to each refused field, not only as a page message
            for field in exc.fields:
                form.add_error(field, exc.body)
        except ServiceError as exc:
            _refused_on_form(request, form, exc)
        else:
            messages.success(request, _("已保存研发中心“%(name)s”") % {"name": centre.name})
            return redirect("registry:dashboard")
    return render(
        request,
        "registry/centre_form.html",
        {"form": form, "enterprise": centre.enterprise, "centre": centre, "filed": services.centre_is_filed(centre)},
    )


@enterprise_only
def filing_start(request):
    """Wizard step 1: choose the centre (or register one) and the level; the draft is saved at once."""
    centres = selectors.centre_list(actor=request.user)
    initial = {"centre": request.GET.get("centre"), "level": request.GET.get("level")}
    form = FilingStartForm(request.POST or None, centres=centres, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            filing = services.filing_create(
                actor=request.user, centre=form.cleaned_data["centre"], level=form.cleaned_data["level"]
            )
        except ServiceError as exc:
            show_refusal(request, exc)
        else:
            messages.success(request, _("备案草稿已保存,请上传材料"))
            return redirect(reverse("registry:filing_detail", args=[filing.pk]) + "?tab=documents")
    return render(
        request,
        "registry/filing_start.html",
        {"form": form, "enterprises": selectors.enterprise_list(actor=request.user), "steps": _wizard_steps(None, [])},
    )


TABS = ("documents", "comments", "history")
TAB_LABELS = (
    ("documents", gettext_lazy("材料")),
    ("comments", gettext_lazy("审核意见")),
    ("history", gettext_lazy("历史")),
)
HISTORY_MODELS = {"Filing": Filing, "ReviewDecision": ReviewDecision, "Document": Document}
HISTORY_FIELDS = {
    "submitted_at": gettext_lazy("提交时间"),
    "decided_at": gettext_lazy("决定时间"),
    "ever_approved": gettext_lazy("曾获备案"),
}
HISTORY_LABELS = {"insert": gettext_lazy("新建"), "update": gettext_lazy("修改"), "delete": gettext_lazy("删除")}


def _shown_value(field, value):
    """An audit value as a person reads it: choices by their label, booleans as 是/否, datetimes and dates
    in the portal's format."""
    if value is None or value == "":
        return "—"
    if getattr(field, "choices", None):
        return dict(field.flatchoices).get(value, value)
    if isinstance(value, bool):
        return _("是") if value else _("否")
    if isinstance(field, models.DateTimeField) and isinstance(value, str):
        try:
            return cn_datetime(dt.datetime.fromisoformat(value))
        except ValueError:
            return value
    if isinstance(field, models.DateField) and isinstance(value, str):
        return cn_date(value) or value
    return value


def _history_rows(rows):
    """The audit trail in Chinese: object and field names by their verbose names, values by their labels."""
    for row in rows:
        model = HISTORY_MODELS.get(row["model"])
        row["model_label"] = model._meta.verbose_name if model else row["model"]
        row["label_text"] = HISTORY_LABELS.get(row["label"], row["label"])
        data = row.get("data") or {}
        if row["label"] == "insert" and model is Document:
            row["summary"] = (
                f"{_shown_value(Document._meta.get_field('kind'), data.get('kind'))}:"
                f"{data.get('original_name', '')}(v{data.get('version', 1)})"
            )
        elif row["label"] == "insert" and model is ReviewDecision:
            row["summary"] = " · ".join(
                str(x)
                for x in (
                    _shown_value(ReviewDecision._meta.get_field("step"), data.get("step")),
                    _shown_value(ReviewDecision._meta.get_field("decision"), data.get("decision")),
                    data.get("comment") or "",
                )
                if x
            )
        for change in row["changes"]:
            try:
                field = model._meta.get_field(change["field"]) if model else None
            except FieldDoesNotExist:
                field = None
            change["field_label"] = HISTORY_FIELDS.get(change["field"]) or (
                field.verbose_name if field is not None else change["field"]
            )
            change["old_text"] = _shown_value(field, change["old"])
            change["new_text"] = _shown_value(field, change["new"])
    return rows


WIZARD = (gettext_lazy("选择研发中心"), gettext_lazy("上传材料"), gettext_lazy("提交审核"), gettext_lazy("审核结果"))


def _wizard_steps(filing, problems) -> list[tuple[str, str]]:
    """The filing wizard's steps as (label, done|current|todo) for the step indicator."""
    if filing is None:
        current = 0
    elif filing.status in (FilingStatus.DRAFT, FilingStatus.RETURNED):
        current = 1 if problems else 2
    elif filing.status in (FilingStatus.SUBMITTED, FilingStatus.FIRST_REVIEWED):
        current = 3
    else:
        current = len(WIZARD)  # decided: every step done
    return [(label, "done" if i < current else "current" if i == current else "todo") for i, label in enumerate(WIZARD)]


def _upload_form(data=None, files=None) -> DocumentUploadForm:
    form = DocumentUploadForm(data, files)
    # the browser's file picker offers only what the server accepts; the server still checks the bytes
    form.fields["file"].widget.attrs["accept"] = ".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png"
    return form


def _previews(actor, filing) -> list:
    """Inline previews of the filing's current documents (older versions: the preview link per row)."""
    return [
        document_services.document_preview(document=d)
        for d in selectors.document_list(actor=actor, filing=filing, current_only=True)
    ]


def _marked(page):
    """Each document of the page with its latest review mark (材料逐项审核) as `d.mark`."""
    page.object_list = list(page.object_list)
    marks = services.latest_marks(page.object_list)
    for d in page.object_list:
        d.mark = marks.get(d.pk)
    return page


def _corrections(actor, filing) -> list:
    """The current documents a reviewer marked 需补正, with the mark (what the enterprise has to correct)."""
    current = list(selectors.document_list(actor=actor, filing=filing, current_only=True))
    marks = services.latest_marks(current)
    return [
        (d, marks[d.pk]) for d in current if d.pk in marks and marks[d.pk].mark == DocumentMarkValue.NEEDS_CORRECTION
    ]


def _filing_context(request, filing, upload_form=None):
    user = request.user
    tab = request.GET.get("tab") if request.GET.get("tab") in TABS else "documents"
    documents = selectors.document_list(actor=user, filing=filing)
    required = services.required_document_kinds(filing)
    present = {d.kind for d in documents if d.is_current}
    problems = (
        problems_in_language(services.filing_eligibility_problems(filing) + services.filing_document_problems(filing))
        if filing.status in (FilingStatus.DRAFT, FilingStatus.RETURNED)
        else []
    )
    return {
        "filing": filing,
        "tab": tab,
        "steps": _wizard_steps(filing, problems),
        "tab_labels": TAB_LABELS,
        "documents": _marked(_page(request, documents, "dpage")),
        "corrections": _corrections(user, filing),
        "required": [(DocumentKind(k).label, k in present) for k in required],
        "decisions": _page(request, selectors.decision_list(filing=filing), "rpage"),
        "windows": selectors.filing_windows(filing=filing),
        "history": _page(request, _history_rows(selectors.filing_history(filing=filing)), "hpage"),
        "can_edit": user.is_enterprise and filing.status in (FilingStatus.DRAFT, FilingStatus.RETURNED),
        "can_withdraw": user.is_enterprise and filing.status == FilingStatus.SUBMITTED,
        "problems": problems,
        "upload_form": upload_form or _upload_form(),
        "max_upload_mb": settings.DOCUMENT_MAX_BYTES // (1024 * 1024),
        "max_upload_bytes": settings.DOCUMENT_MAX_BYTES,
        "previews": _previews(user, filing) if tab == "documents" else [],
        "preview_pages": document_services.PREVIEW_MAX_PAGES,
        "commitment_text": COMMITMENT_TEXT,
        "stages": filing_stages(filing=filing),
    }


@login_required
def filing_detail(request, pk):
    filing = selectors.filing_get(actor=request.user, pk=pk)
    if request.user.is_reviewer and not request.user.is_enterprise:
        return redirect("registry:review_decide", pk=filing.pk)
    ctx = _filing_context(request, filing)
    if request.headers.get("HX-Request") and request.GET.get("tab"):
        return render(request, f"registry/partials/tab_{ctx['tab']}.html", ctx)
    return render(request, "registry/filing_detail.html", ctx)


@require_POST
@enterprise_only
def filing_submit(request, pk):
    filing = selectors.filing_get(actor=request.user, pk=pk)
    try:
        filing = services.filing_submit(
            actor=request.user, filing=filing, commitment=request.POST.get("commitment") == "on"
        )
    except ServiceError as exc:
        show_refusal(request, exc)
    else:
        messages.success(request, _("备案已提交,受理编号:%(no)s,请等待审核") % {"no": filing.acceptance_no})
    return redirect("registry:filing_detail", pk=filing.pk)


# 撤回 a submitted filing before the first review
filing_withdraw = withdraw_view(
    filing=selectors.filing_get,
    service=services.filing_withdraw,
    detail="registry:filing_detail",
    done=gettext_lazy("备案已撤回,现为草稿,可修改后重新提交"),
)


# ServiceError codes of document_upload -> the form field the message is shown next to
UPLOAD_FIELD_BY_CODE = {"kind": "kind", "enterprise_mismatch": None, "illegal_transition": None}


@require_POST
@enterprise_only
def document_upload(request, pk):
    """Plain form post (works without JavaScript) or the progress-bar upload: the same form, the same
    service; errors go next to the field they concern, in Chinese."""
    filing = selectors.filing_get(actor=request.user, pk=pk)
    form = _upload_form(request.POST, request.FILES)
    if form.is_valid():
        try:
            doc = services.document_upload(
                actor=request.user,
                enterprise=filing.centre.enterprise,
                filing=filing,
                kind=form.cleaned_data["kind"],
                upload=form.cleaned_data["file"],
            )
        except ServiceError as exc:
            form.add_error(UPLOAD_FIELD_BY_CODE.get(exc.code, "file"), error_text(exc))
        else:
            messages.success(
                request, _("已上传%(kind)s(第%(version)s版)") % {"kind": doc.get_kind_display(), "version": doc.version}
            )
            target = reverse("registry:filing_detail", args=[filing.pk]) + "?tab=documents"
            return uploads.upload_done(request, target, document=doc.pk)
    return uploads.upload_refused(
        request,
        form,
        lambda: render(
            request, "registry/filing_detail.html", _filing_context(request, filing, upload_form=form), status=400
        ),
    )


@login_required
def document_download(request, pk):
    """Only through this view, only for who may see the filing, always as an attachment."""
    return downloads.document_attachment(selectors.document_get(actor=request.user, pk=pk))


PAGE_NUMBER = re.compile(r"[1-9][0-9]{0,3}")  # ASCII digits only: str.isdigit() also takes "²"


@login_required
def document_preview(request, pk):
    """The inline preview of one document, for whoever may see it (the same selector as the download;
    another enterprise's document is 404). Without ?page: a portal page showing the preview. With ?page=N:
    the image itself (page 1 of an image document: its stored bytes, typed by their verified signature) or
    the server-rendered PNG of page N of a PDF. PDFs are never sent to the browser as PDFs."""
    document = selectors.document_get(actor=request.user, pk=pk)
    page = request.GET.get("page")
    if page is None:
        preview = document_services.document_preview(document=document)
        if document.filing_id is None:
            back = reverse("home")
        elif request.user.is_reviewer:
            back = reverse("registry:review_decide", args=[document.filing_id])
        else:
            back = reverse("registry:filing_detail", args=[document.filing_id]) + "?tab=documents"
        return render(
            request,
            "registry/document_preview.html",
            {
                "document": document,
                "preview": preview,
                "back": back,
                "preview_pages": document_services.PREVIEW_MAX_PAGES,
            },
        )
    if not PAGE_NUMBER.fullmatch(page):
        raise Http404
    number = int(page)
    if document.content_type in ("image/png", "image/jpeg"):
        if number != 1:
            raise Http404
        try:
            data, content_type = document_services.document_preview_image(document=document)
        except document_services.PreviewUnavailable:
            raise Http404 from None
        return downloads.inline_untrusted(HttpResponse(data, content_type=content_type))
    path = document_services.document_preview_page(document=document, page=number)
    if path is None:
        raise Http404
    return downloads.inline_untrusted(FileResponse(path.open("rb"), content_type="image/png"))


@login_required
def notifications(request):
    if request.method == "POST":
        services.notification_mark_read(actor=request.user)
        return redirect("registry:notifications")
    return render(
        request,
        "registry/notifications.html",
        {"page": _page(request, selectors.notification_list(actor=request.user))},
    )


# --- reviewers -------------------------------------------------------------------------------------------


@reviewer_only
def review_queue(request):
    user = request.user
    form = QueueFilterForm(request.GET or None, cities=selectors.review_cities(actor=user))
    filters = form.cleaned_data if form.is_valid() else {}
    filters = {k: filters.get(k) or "" for k in ("status", "level", "city")}
    page = _page(request, selectors.review_queue(actor=user, **filters))
    for f in page:
        f.age_days = selectors.age_in_days(f.waiting_since)
    counts = selectors.review_queue_counts(actor=user, level=filters["level"], city=filters["city"])
    return render(
        request,
        "registry/review_queue.html",
        {
            "form": form,
            "page": page,
            "counts": counts,
            "extra": "&" + urlencode({k: v for k, v in filters.items() if v}) if any(filters.values()) else "",
            "waiting": counts["submitted"] + counts["first_reviewed"],
        },
    )


ACTIONS = {
    "first_review": lambda u, f, c, on, s: services.filing_first_review(
        actor=u, filing=f, comment=c, expected_status=s
    ),
    "approve": lambda u, f, c, on, s, reason="": services.filing_approve(
        actor=u, filing=f, comment=c, effective_from=on, expected_status=s, backdate_reason=reason
    ),
    "return": lambda u, f, c, on, s: services.filing_return(actor=u, filing=f, comment=c, expected_status=s),
    "reject": lambda u, f, c, on, s: services.filing_reject(actor=u, filing=f, comment=c, expected_status=s),
    "suspend": lambda u, f, c, on, s: services.filing_suspend(actor=u, filing=f, on=on, reason=c, expected_status=s),
    "revoke": lambda u, f, c, on, s: services.filing_revoke(actor=u, filing=f, on=on, reason=c, expected_status=s),
    "reinstate": lambda u, f, c, on, s: services.filing_reinstate(
        actor=u, filing=f, on=on, comment=c, expected_status=s
    ),
}


@reviewer_only
def review_decide(request, pk):
    filing = selectors.filing_get(actor=request.user, pk=pk)
    first = services.first_reviewer(filing)
    form = DecisionForm(
        request.POST or None,
        initial={"seen_status": filing.status},
        status=filing.status,
        is_first_reviewer=first is not None and first.pk == request.user.pk,
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            extra = {"reason": data["backdate_reason"]} if data["action"] == "approve" else {}
            ACTIONS[data["action"]](request.user, filing, data["comment"], data["on"], data["seen_status"], **extra)
        except ServiceError as exc:
            show_refusal(request, exc)
        else:
            filing.refresh_from_db()
            messages.success(
                request, _("已处理:%(record)s → %(status)s") % {"record": filing, "status": filing.get_status_display()}
            )
            return redirect("registry:review_decide", pk=filing.pk)
    ctx = _filing_context(request, filing)
    first = services.first_reviewer(filing)  # again: a decision just made may have changed it
    current = list(selectors.document_list(actor=request.user, filing=filing, current_only=True))
    marks = services.latest_marks(current)
    markable = filing.status in services.marks.MARKABLE
    ctx["mark_rows"] = [
        (d, marks.get(d.pk), DocumentMarkForm(prefix=f"m{d.pk}") if markable else None) for d in current
    ]
    ctx.update(
        {"form": form, "first_reviewer": first, "is_first_reviewer": first is not None and first.pk == request.user.pk}
    )
    if filing.status == FilingStatus.FIRST_REVIEWED:
        # what the approver must know before dating the filing
        bound, _days = services.backdate_bound(filing, timezone.localdate())
        ctx["dating"] = {
            "submitted": timezone.localtime(filing.submitted_at).date() if filing.submitted_at else None,
            "bound": bound,
            "measure_from": measures.measure_from(filing.level),
            "measure": services.MEASURE_NAMES.get(filing.level, ""),
        }
    return render(request, "registry/review_decide.html", ctx)


@require_POST
@reviewer_only
def review_mark(request, pk, document_pk):
    """材料逐项审核: the reviewer marks one current document of the filing 合格 or 需补正 (with the reason)."""
    filing = selectors.filing_get(actor=request.user, pk=pk)
    document = selectors.document_get(actor=request.user, pk=document_pk)
    if document.filing_id != filing.pk:
        raise Http404
    form = DocumentMarkForm(request.POST, prefix=f"m{document.pk}")
    target = reverse("registry:review_decide", args=[filing.pk]) + f"#mark-{document.pk}"
    if not form.is_valid():
        messages.error(request, _("请选择%(kind)s的审核结果(合格或需补正)") % {"kind": document.get_kind_display()})
        return redirect(target)
    try:
        mark = services.document_mark(
            actor=request.user, document=document, mark=form.cleaned_data["mark"], reason=form.cleaned_data["reason"]
        )
    except ServiceError as exc:
        show_refusal(request, exc)
    else:
        messages.success(
            request,
            _("已标记%(kind)s:%(mark)s") % {"kind": document.get_kind_display(), "mark": mark.get_mark_display()},
        )
    return redirect(target)


# --- 办事指南: public, one page per filing measure ------------------------------------------


def guide(request, level):
    entry = guides.guide_for(level)
    if entry is None:
        raise Http404
    return render(
        request,
        "registry/guide.html",
        {
            "guide": entry,
            "materials": guides.material_rows(entry),
            "commitment": guides.COMMITMENT_TEXT,
            "limits": guides.limit_rows(entry),
            "guides": list(guides.GUIDES.values()),
        },
    )
