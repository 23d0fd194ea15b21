"""Export pages: finance and administrators request exports of a run and download them. Everyone
else gets 404 (the exports' existence is not disclosed)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import downloads
from accounts.errors import ServiceError, show_refusal
from subsidies.exports.services import SPECS, export_log_full_ids, export_request, may_export
from subsidies.models import ExportFormat, ExportRecord, ExportState, PayoutRun


def _require_exporter(request) -> None:
    if not may_export(request.user):
        raise Http404("not found")


@login_required
def run_exports(request, run_id: int):
    _require_exporter(request)
    run = get_object_or_404(PayoutRun, pk=run_id)
    records = list(ExportRecord.objects.filter(run=run).select_related("requested_by"))
    # while an export is queued or rendering the list refreshes itself (htmx), as the run page's progress does
    pending = any(r.state in (ExportState.QUEUED, ExportState.RENDERING) for r in records)
    return render(
        request,
        "exports/run_exports.html",
        {"run": run, "records": records, "formats": ExportFormat.choices, "pending": pending},
    )


@login_required
@require_POST
def export_create(request, run_id: int):
    _require_exporter(request)
    try:
        record = export_request(actor=request.user, run_id=run_id, fmt=request.POST.get("format", ""))
    except ServiceError as exc:
        show_refusal(request, exc)
    else:
        messages.success(
            request, _("已提交导出#%(id)s(%(format)s)") % {"id": record.pk, "format": record.get_format_display()}
        )
    return redirect(reverse("subsidies:run_exports", args=[run_id]))


@login_required
def export_status(request, pk: int):
    _require_exporter(request)
    r = get_object_or_404(ExportRecord, pk=pk)
    return JsonResponse(
        {
            "id": r.pk,
            "state": r.state,
            "progress_done": r.progress_done,
            "progress_total": r.progress_total,
            "sha256": r.sha256,
            "error": r.error,
            "payees_without_cnaps": r.payees_without_cnaps,
        }
    )


def export_attachment(*, actor, record: ExportRecord):
    """A finished export as its download (page and API): named by run and period, with its SHA-256, and the
    reading of full ID numbers logged for the actor."""
    spec = SPECS[record.format]
    handle = downloads.open_or_404(lambda: open(record.file_path, "rb"))  # noqa: SIM115 (FileResponse closes it)
    name = f"{spec.stem}-批次{record.run_id}-{record.run.period}.{spec.suffix}"
    export_log_full_ids(actor=actor, record=record, purpose="下载发放明细表")
    response = downloads.attachment(handle, filename=name, content_type=spec.content_type)
    response["X-Content-SHA256"] = record.sha256
    return response


@login_required
def export_download(request, pk: int):
    _require_exporter(request)
    return export_attachment(actor=request.user, record=get_object_or_404(ExportRecord, pk=pk, state="done"))
