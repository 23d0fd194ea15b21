"""Pages for the talent register. Thin: parse the form, call a service or a selector, render.
Scoping lives in talent.selectors: another enterprise's researcher or contract is a 404."""

import io

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts import downloads, panels, uploads
from accounts.cells import xlsx_response
from accounts.errors import ServiceError, attempt, error_text, show_refusal
from accounts.permissions import reviewer_only, role_required
from talent import certificates, key_reference, lists, roster, roster_text, selectors, services
from talent.forms import (
    CsvUploadForm,
    DegreeForm,
    EnrolForm,
    KeyDisciplineForm,
    KeyInstitutionForm,
    ResearcherEditForm,
    ResearcherFilterForm,
    RetireForm,
    RosterUploadForm,
    TerminateForm,
)
from talent.identity import mask_id
from talent.models import DegreeLevel, KeyDiscipline, KeyInstitution, RosterState

PAGE_SIZE = 25


def _page(request, qs):
    return Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))


def _query_without(request, *names) -> str:
    params = request.GET.copy()
    for name in names:
        params.pop(name, None)
    return params.urlencode()


def _query_without_page(request) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()


def _form_error(form, exc: ValidationError, field_by_code: dict | None = None) -> None:
    """Put a service refusal on the form: on the field it concerns when known, else on top."""
    text = exc.body if isinstance(exc, ServiceError) else "; ".join(exc.messages)
    field = (field_by_code or {}).get(getattr(exc, "code", None))
    form.add_error(field if field in form.fields else None, text)


def _detail_url(researcher_pk: int) -> str:
    return reverse("talent:researcher_detail", args=[researcher_pk])


def _upload_page(request, form, **ctx):
    """talent/form.html for a form with a file field: the progress-bar upload (accounts.uploads) answers a
    script's post with JSON, a plain post or a GET with the page."""
    return uploads.upload_refused(
        request, form, lambda: render(request, "talent/form.html", {"form": form, "upload": True, **ctx})
    )


def _upload_form(request, form, save, *, fields: dict, **page):
    """The flow of every form with a file: on a valid post, `save(cleaned_data)` calls the service and gives
    (the success message, where to go); a refusal lands on the field it concerns; otherwise the page."""
    if request.method == "POST" and form.is_valid() and uploads.check_files(form):
        try:
            message, url = save(form.cleaned_data)
        except ValidationError as exc:
            _form_error(form, exc, fields)
        else:
            messages.success(request, message)
            return uploads.upload_done(request, url)
    return _upload_page(request, form, **page)


def _reference_fields(cleaned: dict) -> dict:
    """What the key-institution list records of an entry besides its name: note, status, source and validity."""
    return {k: cleaned[k] for k in ("note", "status", "source", "source_date", "valid_from", "valid_to")}


def _is_writer(user) -> bool:
    """Enterprise users and administrators register and edit researchers; reviewers and finance read."""
    return bool(user.is_enterprise or user.is_portal_admin)


_writer_required = role_required(_is_writer)
_reviewer_required = reviewer_only


RESEARCHER_FIELDS = {
    **services.PERSON_CODE_FIELDS,
    "required": "name",
    "contract_overlap": "start",
    "contract_dates": "end",
    "document_type": "document",
    "document_size": "document",
}
DEGREE_FIELDS = {
    "degree_level": "level",
    "awarded_on": "awarded_on",
    "key_institution": "key_institution",
    "key_discipline_name": "discipline",
    "document_type": "certificate",
    "document_size": "certificate",
    "degree_verified": "level",
}


def _filtered_researchers(request):
    actor = request.user
    centres, enterprises = selectors.centre_list(actor=actor), selectors.enterprise_choices(actor=actor)
    form = ResearcherFilterForm(request.GET or None, centres=centres, enterprises=enterprises)
    filters = form.cleaned_data if form.is_valid() else {}
    qs = selectors.researcher_list(
        actor=actor,
        q=filters.get("q") or "",
        centre_id=getattr(filters.get("centre"), "pk", None),
        enterprise_id=getattr(filters.get("enterprise"), "pk", None),
        unverified=bool(filters.get("unverified")),
        needs_review=bool(filters.get("needs_review")),
    )
    qs, sort = lists.sorted_rows(qs, actor=actor, sort=request.GET.get("sort", ""))
    return form, qs, sort


@login_required
@require_GET
def researcher_export(request):
    """The filtered, sorted list as XLSX: the actor's own rows only, identity numbers masked.
    Experts evaluate centres and have no researcher list: the export is not theirs (404)."""
    if request.user.role == "expert":
        raise Http404
    _form, qs, _sort = _filtered_researchers(request)
    return xlsx_response(
        filename=f"研发人员名单-{timezone.localdate():%Y%m%d}.xlsx",
        sheet=_("研发人员"),
        header=list(lists.EXPORT_HEADER),
        rows=lists.export_rows(qs),
        widths=[12, 10, 22, 10, 14, 28, 8, 12, 12, 12],
    )


@login_required
@require_GET
def researcher_list(request):
    actor = request.user
    form, qs, sort = _filtered_researchers(request)
    page = _page(request, qs)
    statuses = panels.context("talent.researcher_list", researcher_ids=[r.pk for r in page.object_list]).get(
        "stipends", {}
    )  # NX-STIPEND status, provided by subsidies (subsidies.reporting.panels)
    rows = [
        {"researcher": r, "masked_id": mask_id(r.id_number), "stipend": statuses.get(r.pk)} for r in page.object_list
    ]
    return render(
        request,
        "talent/researcher_list.html",
        {
            "form": form,
            "page": page,
            "rows": rows,
            "query": _query_without_page(request),
            "sort_links": lists.sort_links(sort),
            "filter_query": _query_without(request, "page", "sort"),
            "export_query": _query_without(request, "page"),
            "can_write": actor.is_enterprise or actor.is_portal_admin,
            "sees_all": actor.is_bureau_staff,
        },
    )


def _detail_context(request, researcher, *, revealed: str | None = None) -> dict:
    actor = request.user
    degrees = _with_previews(actor, list(selectors.degrees_of(actor=actor, researcher=researcher)))
    # a reviewer acts only on people and contracts of centres filed with their bureau (selectors.staff_contracts)
    in_reach = not actor.is_reviewer or selectors.staff_may_act_on(actor=actor, researcher=researcher)
    terminable = set(
        selectors.staff_contracts(actor=actor).filter(researcher=researcher).values_list("pk", flat=True)
        if actor.is_reviewer
        else selectors.contract_list(actor=actor).filter(researcher=researcher).values_list("pk", flat=True)
    )
    return {
        "researcher": researcher,
        "masked_id": mask_id(researcher.id_number),
        "revealed_id": revealed,
        "may_reveal": services.may_see_full_identity(actor) and in_reach,
        "degrees": degrees,
        "certificate_ids": {d.pk for d in degrees if selectors.may_see_certificate(actor=actor, degree=d)},
        "review_ids": {d.pk for d in degrees if selectors.may_see_review(actor=actor, degree=d)},
        "shows_contact": selectors.shows_contact_details(actor=actor, researcher=researcher),
        "may_edit_identity": (actor.is_enterprise or actor.is_portal_admin)
        and services.may_edit_identity(actor, researcher),
        "sees_claimants": actor.is_bureau_staff or actor.is_portal_admin,
        "contracts": selectors.researcher_contracts(actor=actor, researcher=researcher),
        "stipend": None,
        "payments": (),
        **panels.context("talent.researcher_detail", actor=actor, researcher=researcher),  # subsidies' panel
        "can_write": actor.is_enterprise or actor.is_portal_admin,
        "can_verify": (actor.is_reviewer or actor.is_portal_admin) and in_reach,
        "can_terminate": actor.is_enterprise or actor.is_portal_admin or actor.is_reviewer,
        "terminable": terminable,
        "accesses": selectors.identity_access_list(actor=actor, researcher=researcher)[:20],
    }


@login_required
@require_GET
def researcher_detail(request, pk: int):
    researcher = selectors.researcher_get(actor=request.user, pk=pk)
    return render(request, "talent/researcher_detail.html", _detail_context(request, researcher))


@login_required
@require_POST
def researcher_reveal(request, pk: int):
    """Show the full ID number once, logged. POST so that no prefetch or crawler logs a view."""
    researcher = selectors.researcher_get(actor=request.user, pk=pk)
    try:
        number = services.identity_reveal(
            actor=request.user, researcher=researcher, purpose=request.POST.get("purpose", "")[:128], path=request.path
        )
    except ServiceError as exc:
        raise PermissionDenied(exc.text) from None
    response = render(request, "talent/researcher_detail.html", _detail_context(request, researcher, revealed=number))
    response["Cache-Control"] = "no-store"
    return response


@_writer_required
@require_http_methods(["GET", "POST"])
def researcher_create(request):
    centres = selectors.centre_list(actor=request.user)
    form = EnrolForm(request.POST or None, request.FILES or None, centres=centres)

    def save(d):
        contract = services.researcher_enrol(
            actor=request.user,
            centre=d["centre"],
            id_type=d["id_type"],
            id_number=d["id_number"],
            name=d["name"],
            full_time=d["full_time"],
            start=d["start"],
            end=d["end"],
            details=form.details(),
            document=d.get("document"),
        )
        return _("已登记研发人员 %(name)s") % {"name": contract.researcher.name}, _detail_url(contract.researcher_id)

    return _upload_form(
        request,
        form,
        save,
        fields=RESEARCHER_FIELDS,
        title=_("登记研发人员"),
        intro=_("登记研发人员及其在本企业研发中心的聘用合同。"),
    )


@_writer_required
@require_http_methods(["GET", "POST"])
def researcher_edit(request, pk: int):
    researcher = selectors.researcher_get(actor=request.user, pk=pk)
    if not services.may_edit_identity(request.user, researcher):
        # a person another employer relies on: the page says whom to ask instead of offering a form
        messages.error(request, _("该人员已在其他单位登记,如信息有误请联系科技厅核实"))
        return redirect("talent:researcher_detail", pk=researcher.pk)
    initial = {k: getattr(researcher, k) for k in ("id_type", "name", "nationality", "phone", "email")}
    initial["id_number"] = mask_id(researcher.id_number)
    form = ResearcherEditForm(request.POST or None, request.FILES or None, initial=initial)

    def save(d):
        services.researcher_update(actor=request.user, researcher=researcher, name=d["name"], **form.details())
        return _("已保存"), _detail_url(researcher.pk)

    return _upload_form(request, form, save, fields=RESEARCHER_FIELDS, title=_("编辑研发人员"), researcher=researcher)


@_writer_required
@require_http_methods(["GET", "POST"])
def degree_create(request, pk: int):
    researcher = selectors.researcher_get(actor=request.user, pk=pk)
    form = DegreeForm(request.POST or None, request.FILES or None)

    def save(d):
        details = {
            "discipline": d["discipline"],
            "institution": d["institution"],
            "key_institution": d["key_institution"],
        }
        if d.get("certificate"):
            details["certificate"] = d["certificate"]
        services.degree_upsert(
            actor=request.user,
            researcher=researcher,
            level=d["level"],
            full_time=d["full_time"],
            awarded_on=d["awarded_on"],
            key_discipline=d["key_discipline"],
            **details,
        )
        return _("学位已保存,待审核人员核验后计入补助"), _detail_url(researcher.pk)

    return _upload_form(request, form, save, fields=DEGREE_FIELDS, title=_("登记学位"), researcher=researcher)


@_reviewer_required
@require_POST
def degree_verify(request, pk: int):
    degree = selectors.staff_degree_get(actor=request.user, pk=pk)
    done = _("已核验 %(name)s 的学位") % {"name": degree.researcher.name}
    attempt(request, services.degree_verify, actor=request.user, degree=degree, done=done)
    return redirect(_safe_next(request))


def _safe_next(request) -> str:
    """Back to the page the button was on (a path of this portal only)."""
    target = request.POST.get("next") or ""
    return target if target.startswith("/") and not target.startswith("//") else reverse("talent:verification_queue")


@_reviewer_required
@require_POST
def degree_decide(request, pk: int, decision: str):
    """退回补正 / 不予核验, with the reason the claimant enterprise is told."""
    degree = selectors.staff_degree_get(actor=request.user, pk=pk)
    service = {"return": services.degree_return, "refuse": services.degree_refuse}[decision]
    try:
        service(actor=request.user, degree=degree, reason=request.POST.get("reason", "")[:2000])
    except ServiceError as exc:
        messages.error(request, exc.zh)
    else:
        done = _("已退回补正 %(name)s 的学位") if decision == "return" else _("已对 %(name)s 的学位作出不予核验决定")
        messages.success(request, done % {"name": degree.researcher.name})
    return redirect(_safe_next(request))


@login_required
@require_GET
def degree_certificate(request, pk: int):
    degree = selectors.degree_get(actor=request.user, pk=pk)
    if not degree.certificate or not selectors.may_see_certificate(actor=request.user, degree=degree):
        raise Http404
    return _stored_file_response(degree.certificate, f"学位证书-{degree.pk}")


@login_required
@require_GET
def degree_certificate_image(request, pk: int):
    """A certificate shown inline, as filing documents are (registry.views.document_preview): without ?page,
    a portal page showing the preview; ?page=1 of an
    image certificate is its stored bytes re-checked by signature on every request; ?page=N of a PDF
    certificate is the PNG of that page rendered by the Celery task. Nothing is rendered here, and a PDF
    never reaches the browser as a PDF."""
    from registry.services.documents import IMAGE_TYPES, sniff
    from registry.views import PAGE_NUMBER

    degree = selectors.degree_get(actor=request.user, pk=pk)
    if not degree.certificate or not selectors.may_see_certificate(actor=request.user, degree=degree):
        raise Http404
    page = request.GET.get("page")
    if page is None:  # the portal page showing the preview, as registry:document_preview without ?page
        degree.cert_preview = certificates.certificate_preview(degree)
        return render(request, "talent/certificate_preview.html", {"d": degree})
    if not PAGE_NUMBER.fullmatch(page):
        raise Http404
    if not degree.certificate_is_image:
        path = certificates.certificate_preview_page(degree, int(page))
        if path is None:
            raise Http404
        return downloads.inline_untrusted(FileResponse(path.open("rb"), content_type="image/png"))
    if page != "1":
        raise Http404
    try:
        with degree.certificate.open("rb") as handle:
            data = handle.read(settings.DOCUMENT_MAX_BYTES + 1)
    except (FileNotFoundError, OSError):
        raise Http404 from None
    content_type = sniff(data) if len(data) <= settings.DOCUMENT_MAX_BYTES else None
    if content_type not in IMAGE_TYPES:
        raise Http404
    return downloads.inline_untrusted(HttpResponse(data, content_type=content_type))


def _with_previews(actor, degrees):
    """Each certificate the actor may see, with its recorded preview (never rendered on the page view)."""
    for d in degrees:
        d.cert_preview = (
            certificates.certificate_preview(d) if selectors.may_see_certificate(actor=actor, degree=d) else None
        )
    return degrees


EXTENSION_BY_TYPE = {"application/pdf": ".pdf", "image/jpeg": ".jpg", "image/png": ".png"}


def _stored_file_response(field_file, stem: str) -> FileResponse:
    """Someone's uploaded file, as registry documents are served: always an attachment, typed by the
    signature of the bytes on disk checked again now (never by the stored name), never sniffed, not cached.
    Bytes that no longer verify as PDF/JPG/PNG are not served at all."""
    from registry.services.documents import sniff

    try:
        with field_file.open("rb") as handle:
            data = handle.read(settings.DOCUMENT_MAX_BYTES + 1)
    except FileNotFoundError:
        raise Http404 from None
    content_type = sniff(data) if len(data) <= settings.DOCUMENT_MAX_BYTES else None
    if content_type is None:
        raise Http404
    return downloads.attachment(
        io.BytesIO(data), content_type=content_type, filename=f"{stem}{EXTENSION_BY_TYPE[content_type]}"
    )


@_reviewer_required
@require_GET
def verification_queue(request):
    q, level = request.GET.get("q", ""), request.GET.get("level", "")
    page = _page(request, selectors.verification_queue(actor=request.user, q=q, level=level))
    page.object_list = _with_previews(request.user, list(page.object_list))
    return render(
        request,
        "talent/verification_queue.html",
        {
            "page": page,
            "q": q,
            "level": level,
            "levels": DegreeLevel.choices,
            "query": _query_without_page(request),
            "masked": {d.pk: mask_id(d.researcher.id_number) for d in page.object_list},
        },
    )


@_writer_required
@require_http_methods(["GET", "POST"])
def contract_create(request, pk: int):
    researcher = selectors.researcher_get(actor=request.user, pk=pk)
    from talent.forms import ContractFields

    form = ContractFields(
        request.POST or None, request.FILES or None, centres=selectors.centre_list(actor=request.user)
    )

    def save(d):
        services.contract_upsert(
            actor=request.user,
            researcher=researcher,
            centre=d["centre"],
            full_time=d["full_time"],
            start=d["start"],
            end=d["end"],
            document=d.get("document"),
        )
        return _("合同已保存"), _detail_url(researcher.pk)

    return _upload_form(request, form, save, fields=RESEARCHER_FIELDS, title=_("登记聘用合同"), researcher=researcher)


@login_required
@require_http_methods(["GET", "POST"])
def contract_terminate(request, pk: int):
    if request.user.is_finance:
        raise PermissionDenied
    get = selectors.staff_contract_get if request.user.is_reviewer else selectors.contract_get
    contract = get(actor=request.user, pk=pk)
    form = TerminateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            contract = services.contract_terminate(
                actor=request.user,
                contract=contract,
                terminated_on=form.cleaned_data["terminated_on"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as exc:
            _form_error(form, exc, {"contract_dates": "terminated_on", "required": "reason"})
        else:
            if contract.needs_review:
                messages.warning(request, _("合同在首个5年内解除,已提交人工复核(POLICY §3.6)"))
            else:
                messages.success(request, _("已记录合同解除"))
            return redirect("talent:researcher_detail", pk=contract.researcher_id)
    return render(
        request,
        "talent/form.html",
        {
            "form": form,
            "title": _("提前解除合同"),
            "researcher": contract.researcher,
            "intro": str(contract.centre)
            + f" {contract.start} — "
            + (str(contract.end) if contract.end else _("无固定期限")),
        },
    )


@login_required
@require_GET
def contract_document(request, pk: int):
    contract = selectors.contract_get(actor=request.user, pk=pk)
    if not contract.document:
        raise Http404
    return _stored_file_response(contract.document, f"合同-{contract.pk}")


@_writer_required
@require_http_methods(["GET", "POST"])
def roster_upload(request):
    centres = selectors.centre_list(actor=request.user)
    form = RosterUploadForm(request.POST or None, request.FILES or None, centres=centres)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            result = roster.roster_preview(
                actor=request.user, centre=form.cleaned_data["centre"], filename=upload.name, raw=upload.read()
            )
        except ServiceError as exc:
            form.add_error("file", error_text(exc))
        else:
            return uploads.upload_done(request, reverse("talent:roster_preview", args=[result.pk]))
    return uploads.upload_refused(
        request,
        form,
        lambda: render(
            request,
            "talent/roster_upload.html",
            {"form": form, "columns": roster_text.columns(), "max_bytes": roster.MAX_BYTES},
        ),
    )


@_writer_required
@require_GET
def roster_preview(request, pk: int):
    upload = selectors.roster_upload_get(actor=request.user, pk=pk)
    errors_by_row: dict[int, list] = {}
    for e in upload.errors:
        errors_by_row.setdefault(e["row"], []).append(e)
    rows = [
        {
            "row": r["row"],
            "cells": [r["values"].get(c.key, "") for c in roster.COLUMNS],
            "errors": errors_by_row.get(r["row"], []),
        }
        for r in upload.rows
    ]
    for row in rows:  # the preview shows identity numbers masked like every other list
        row["cells"][2] = mask_id(row["cells"][2].upper()) if row["cells"][2] else ""
    return render(
        request,
        "talent/roster_preview.html",
        {
            "upload": upload,
            "rows": rows,
            "columns": roster_text.columns(),
            "committed": upload.state == RosterState.COMMITTED,
        },
    )


@_writer_required
@require_POST
def roster_commit(request, pk: int):
    upload = selectors.roster_upload_get(actor=request.user, pk=pk)
    done = _("花名册已导入(%(n)s行),新登记的学位待审核人员核验") % {"n": len(upload.rows)}
    attempt(request, roster.roster_commit, actor=request.user, upload=upload, done=done)
    return redirect("talent:roster_preview", pk=upload.pk)


@login_required
@require_GET
def roster_template(request):
    if request.GET.get("format") == "csv":
        return downloads.bytes_attachment(roster.template_csv(), filename="花名册模板.csv", content_type=downloads.CSV)
    return downloads.bytes_attachment(roster.template_xlsx(), filename="花名册模板.xlsx", content_type=downloads.XLSX)


@login_required
@require_http_methods(["GET", "POST"])
def key_institution_list(request):
    """Staff maintain the key-institution list; everyone signed in may read it."""
    may_edit = request.user.is_reviewer or request.user.is_portal_admin
    form = CsvUploadForm(request.POST or None, request.FILES or None) if may_edit else None
    import_errors = []
    if request.method == "POST":
        if not may_edit:
            raise PermissionDenied
        if form.is_valid():
            try:
                counts = key_reference.key_reference_import_csv(
                    actor=request.user, raw=form.cleaned_data["file"].read()
                )
            except key_reference.ReferenceImportError as exc:
                import_errors = exc.errors
                messages.error(request, _("CSV有错误,未导入任何记录"))
            except ServiceError as exc:
                show_refusal(request, exc)
            else:
                messages.success(
                    request,
                    _("已导入 %(i)s 所院校、%(d)s 个重点学科")
                    % {"i": counts["institutions"], "d": counts["disciplines"]},
                )
                return redirect("talent:key_institution_list")
    q = request.GET.get("q", "")
    page = _page(request, selectors.key_institution_list(q=q))
    return render(
        request,
        "talent/key_institutions.html",
        {
            "page": page,
            "q": q,
            "form": form,
            "may_edit": may_edit,
            "import_errors": import_errors,
            "query": _query_without_page(request),
        },
    )


REFERENCE_FORM_FIELDS = ("status", "source", "source_date", "valid_from", "valid_to", "note")


def _reference_initial(entry) -> dict:
    return {f: getattr(entry, f) for f in REFERENCE_FORM_FIELDS + ("name",)} | (
        {"code": entry.code} if isinstance(entry, KeyInstitution) else {}
    )


@_reviewer_required
@require_http_methods(["GET", "POST"])
def key_institution_edit(request, pk: int | None = None):
    """Staff add a key institution or change one, with its disciplines, source and validity (audited)."""
    inst = None if pk is None else selectors.key_institution_get(pk=pk)
    form = KeyInstitutionForm(
        request.POST or None, prefix="inst", initial=_reference_initial(inst) if inst else {"status": "confirmed"}
    )
    discipline_form = KeyDisciplineForm(prefix="disc", initial={"status": "confirmed"})
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            if inst is not None and d["name"].strip() != inst.name:
                raise ServiceError(
                    "院校名称是名录的标识,不能修改;如需更名请停用后新增",
                    "the name cannot be changed",
                    code="name",
                    record=f"重点院校 {inst.name}",
                )
            inst = key_reference.key_institution_upsert(
                actor=request.user,
                name=d["name"],
                code=d["code"],
                is_active=True if inst is None else inst.is_active,
                **_reference_fields(d),
            )
        except ServiceError as exc:
            _form_error(form, exc, {"name": "name", "invalid": None})
        else:
            messages.success(request, _("已保存“%(name)s”") % {"name": inst.name})
            return redirect("talent:key_institution_edit", pk=inst.pk)
    return render(
        request,
        "talent/key_institution_edit.html",
        {
            "inst": inst,
            "form": form,
            "discipline_form": discipline_form,
            "retire_form": RetireForm(prefix="retire"),
            "disciplines": [] if inst is None else inst.disciplines.order_by("name"),
        },
    )


@_reviewer_required
@require_POST
def key_discipline_save(request, pk: int):
    """Add a discipline to an institution, or change one (matched by name)."""
    inst = selectors.key_institution_get(pk=pk)
    form = KeyDisciplineForm(request.POST, prefix="disc")
    if form.is_valid():
        d = form.cleaned_data
        existing = inst.disciplines.filter(name=d["name"].strip()).first()
        try:
            key_reference.key_discipline_upsert(
                actor=request.user,
                institution=inst,
                name=d["name"],
                is_active=True if existing is None else existing.is_active,
                **_reference_fields(d),
            )
        except ServiceError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, _("已保存重点学科“%(name)s”") % {"name": d["name"].strip()})
            return redirect("talent:key_institution_edit", pk=inst.pk)
    return render(
        request,
        "talent/key_institution_edit.html",
        {
            "inst": inst,
            "form": KeyInstitutionForm(prefix="inst", initial=_reference_initial(inst)),
            "discipline_form": form,
            "retire_form": RetireForm(prefix="retire"),
            "disciplines": inst.disciplines.order_by("name"),
        },
        status=400,
    )


@_reviewer_required
@require_POST
def key_reference_retire(request, pk: int, discipline: int | None = None):
    """Retire an institution or one of its disciplines from a date, with a reason."""
    inst = selectors.key_institution_get(pk=pk)
    entry = inst if discipline is None else KeyDiscipline.objects.filter(institution=inst, pk=discipline).first()
    if entry is None:
        raise Http404
    form = RetireForm(request.POST, prefix="retire")
    if form.is_valid():
        attempt(
            request,
            key_reference.key_reference_retire,
            actor=request.user,
            entry=entry,
            valid_to=form.cleaned_data["valid_to"],
            reason=form.cleaned_data["reason"],
            done=_("已设定停用日期"),
        )
    else:
        messages.error(request, "；".join(e for errors in form.errors.values() for e in errors))
    return redirect("talent:key_institution_edit", pk=inst.pk)
