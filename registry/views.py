"""HTML views: parse the request, call one service or selector, render. Every object is fetched through
an actor-scoped selector, so another enterprise's object answers 404."""
import functools
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.errors import ServiceError
from registry import selectors, services
from registry.forms import CentreForm, DecisionForm, DocumentUploadForm, FilingStartForm, InviteForm, QueueFilterForm
from registry.models import DocumentKind, FilingStatus

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


def reviewer_only(view):
    @functools.wraps(view)
    @login_required
    def wrapper(request, *args, **kwargs):
        if not (request.user.is_reviewer or request.user.is_portal_admin):
            raise PermissionDenied
        return view(request, *args, **kwargs)
    return wrapper


def _refused(request, exc: ServiceError):
    messages.error(request, " ".join(exc.messages))


# --- enterprise ------------------------------------------------------------------------------------------

@enterprise_only
def dashboard(request):
    user = request.user
    enterprises = selectors.enterprise_list(actor=user)
    return render(request, "registry/dashboard.html", {
        "enterprises": enterprises,
        "centres": _page(request, selectors.centre_list(actor=user), "cpage"),
        "filings": _page(request, selectors.filing_list(actor=user), "fpage"),
        "notifications": selectors.notification_list(actor=user)[:8],
        "unread": selectors.unread_count(actor=user),
    })


@login_required
def enterprise_detail(request, pk):
    enterprise = selectors.enterprise_get(actor=request.user, pk=pk)
    is_owner = services.is_member(request.user, enterprise, owner=True)
    form = InviteForm(request.POST or None) if is_owner else None
    if request.method == "POST":
        if not is_owner:
            raise PermissionDenied
        if form.is_valid():
            try:
                m = services.member_invite(actor=request.user, enterprise=enterprise, **form.cleaned_data)
            except ServiceError as exc:
                _refused(request, exc)
            else:
                messages.success(request, _("已添加成员 %(name)s(%(username)s)") % {"name": m.user.display_name, "username": m.user.username})
                return redirect("registry:enterprise_detail", pk=enterprise.pk)
    members = enterprise.memberships.select_related("user").order_by("-is_owner", "user__username")
    return render(request, "registry/enterprise_detail.html", {
        "enterprise": enterprise, "is_owner": is_owner, "form": form,
        "members": _page(request, members, "mpage"),
        "centres": _page(request, selectors.centre_list(actor=request.user).filter(enterprise=enterprise)),
    })


@enterprise_only
def centre_create(request, enterprise_pk):
    enterprise = selectors.enterprise_get(actor=request.user, pk=enterprise_pk)
    form = CentreForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            centre = services.centre_create(actor=request.user, enterprise=enterprise, **form.cleaned_data)
        except ServiceError as exc:
            _refused(request, exc)
        else:
            messages.success(request, _("已登记研发中心“%(name)s”(编号 %(ref)s)") % {"name": centre.name, "ref": centre.ref})
            return redirect("registry:dashboard")
    return render(request, "registry/centre_form.html", {"form": form, "enterprise": enterprise, "centre": None})


@enterprise_only
def centre_edit(request, pk):
    centre = selectors.centre_get(actor=request.user, pk=pk)
    form = CentreForm(request.POST or None, instance=centre)
    if request.method == "POST" and form.is_valid():
        try:
            services.centre_update(actor=request.user, centre=centre, **form.cleaned_data)
        except ServiceError as exc:
            _refused(request, exc)
        else:
            messages.success(request, _("已保存研发中心“%(name)s”") % {"name": centre.name})
            return redirect("registry:dashboard")
    return render(request, "registry/centre_form.html",
                  {"form": form, "enterprise": centre.enterprise, "centre": centre})


@enterprise_only
def filing_start(request):
    """Wizard step 1: choose the centre (or register one) and the level; the draft is saved at once."""
    centres = selectors.centre_list(actor=request.user)
    initial = {"centre": request.GET.get("centre"), "level": request.GET.get("level")}
    form = FilingStartForm(request.POST or None, centres=centres, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            filing = services.filing_create(actor=request.user, centre=form.cleaned_data["centre"],
                                            level=form.cleaned_data["level"])
        except ServiceError as exc:
            _refused(request, exc)
        else:
            messages.success(request, _("备案草稿已保存,请上传材料"))
            return redirect(reverse("registry:filing_detail", args=[filing.pk]) + "?tab=documents")
    return render(request, "registry/filing_start.html", {
        "form": form, "enterprises": selectors.enterprise_list(actor=request.user)})


TABS = ("documents", "comments", "history")


def _filing_context(request, filing):
    user = request.user
    tab = request.GET.get("tab") if request.GET.get("tab") in TABS else "documents"
    documents = selectors.document_list(actor=user, filing=filing)
    required = services.required_document_kinds(filing)
    present = {d.kind for d in documents if d.is_current}
    return {
        "filing": filing, "tab": tab,
        "documents": _page(request, documents, "dpage"),
        "required": [(DocumentKind(k).label, k in present) for k in required],
        "decisions": _page(request, selectors.decision_list(filing=filing), "rpage"),
        "history": _page(request, selectors.filing_history(filing=filing), "hpage"),
        "can_edit": user.is_enterprise and filing.status in (FilingStatus.DRAFT, FilingStatus.RETURNED),
        "problems": (services.filing_eligibility_problems(filing) + services.filing_document_problems(filing))
        if filing.status in (FilingStatus.DRAFT, FilingStatus.RETURNED) else [],
        "upload_form": DocumentUploadForm(),
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
        services.filing_submit(actor=request.user, filing=filing)
    except ServiceError as exc:
        _refused(request, exc)
    else:
        messages.success(request, _("备案已提交,请等待审核"))
    return redirect("registry:filing_detail", pk=filing.pk)


@require_POST
@enterprise_only
def document_upload(request, pk):
    filing = selectors.filing_get(actor=request.user, pk=pk)
    form = DocumentUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("请选择材料类型和文件"))
    else:
        try:
            doc = services.document_upload(actor=request.user, enterprise=filing.centre.enterprise, filing=filing,
                                           kind=form.cleaned_data["kind"], upload=form.cleaned_data["file"])
        except ServiceError as exc:
            _refused(request, exc)
        else:
            messages.success(request, _("已上传%(kind)s(第%(version)s版)") % {"kind": doc.get_kind_display(), "version": doc.version})
    return redirect(reverse("registry:filing_detail", args=[filing.pk]) + "?tab=documents")


@login_required
def document_download(request, pk):
    """Only through this view, only for who may see the filing, always as an attachment."""
    document = selectors.document_get(actor=request.user, pk=pk)
    try:
        handle = document.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(handle, as_attachment=True, filename=document.original_name,
                            content_type=document.content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
def notifications(request):
    if request.method == "POST":
        services.notification_mark_read(actor=request.user)
        return redirect("registry:notifications")
    return render(request, "registry/notifications.html",
                  {"page": _page(request, selectors.notification_list(actor=request.user))})


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
    return render(request, "registry/review_queue.html", {
        "form": form, "page": page, "counts": counts,
        "extra": "&" + urlencode({k: v for k, v in filters.items() if v}) if any(filters.values()) else "",
        "waiting": counts["submitted"] + counts["first_reviewed"],
    })


ACTIONS = {
    "first_review": lambda u, f, c, on, s: services.filing_first_review(actor=u, filing=f, comment=c,
                                                                        expected_status=s),
    "approve": lambda u, f, c, on, s: services.filing_approve(actor=u, filing=f, comment=c, effective_from=on,
                                                              expected_status=s),
    "return": lambda u, f, c, on, s: services.filing_return(actor=u, filing=f, comment=c, expected_status=s),
    "reject": lambda u, f, c, on, s: services.filing_reject(actor=u, filing=f, comment=c, expected_status=s),
    "suspend": lambda u, f, c, on, s: services.filing_suspend(actor=u, filing=f, on=on, reason=c,
                                                              expected_status=s),
    "revoke": lambda u, f, c, on, s: services.filing_revoke(actor=u, filing=f, on=on, reason=c,
                                                            expected_status=s),
    "reinstate": lambda u, f, c, on, s: services.filing_reinstate(actor=u, filing=f, on=on, comment=c,
                                                                  expected_status=s),
}


@reviewer_only
def review_decide(request, pk):
    filing = selectors.filing_get(actor=request.user, pk=pk)
    form = DecisionForm(request.POST or None, initial={"seen_status": filing.status})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            ACTIONS[data["action"]](request.user, filing, data["comment"], data["on"], data["seen_status"])
        except ServiceError as exc:
            _refused(request, exc)
        else:
            filing.refresh_from_db()
            messages.success(request, _("已处理:%(record)s → %(status)s") % {"record": filing, "status": filing.get_status_display()})
            return redirect("registry:review_decide", pk=filing.pk)
    ctx = _filing_context(request, filing)
    first = services.first_reviewer(filing)
    ctx.update({"form": form, "first_reviewer": first,
                "is_first_reviewer": first is not None and first.pk == request.user.pk})
    return render(request, "registry/review_decide.html", ctx)
