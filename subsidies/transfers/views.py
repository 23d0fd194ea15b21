"""Pages of the money loop. Finance: a run's transfers and bank results (银行回单导入),
corrections, re-issue batches (补拨), account checks, unconfirmed receipts and the reconciliation report.
Enterprises: their transfers by month (已核定 / 已拨付 / 已到账 / 退回), receipt confirmation and the
bank account correction. Finance pages answer 403 to every other role; an enterprise reaches only its
own transfers (others are 404)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import downloads
from accounts.errors import ServiceError, attempt
from registry.models import Enterprise
from subsidies.models import PayoutRun
from subsidies.transfers import reports, selectors, services
from subsidies.transfers.models import ReissueBatch, TransferState

XLSX = downloads.XLSX
MAX_UPLOAD = 20 * 1024 * 1024


def _require_finance(request) -> None:
    if not selectors.sees_all(request.user):
        raise PermissionDenied


def _attachment(data: bytes, name: str, content_type: str) -> HttpResponse:
    return downloads.bytes_attachment(data, filename=name, content_type=content_type)


def _posted(request, *names: str) -> dict[str, str]:
    """The named fields of the posted form as text ("" when absent), for a service's keyword arguments."""
    return {name: request.POST.get(name, "") for name in names}


def _act(request, service, /, *, done: str, **kwargs) -> bool:
    """The signed-in user runs a service action (accounts.errors.attempt): refusal or `done` shown."""
    return attempt(request, service, actor=request.user, done=done, **kwargs)


def _decide(request, service, /, *, done: str, **kwargs) -> bool:
    """A second finance user's decision on a pending request: accepted when the form posts accept=1."""
    return _act(request, service, accept=request.POST.get("accept") == "1", done=done, **kwargs)


def _back(run_id: int, anchor: str = "") -> HttpResponse:
    return redirect(reverse("subsidies:transfers:run", args=[run_id]) + anchor)


@login_required
def run_transfers(request, run_id: int):
    _require_finance(request)
    run = get_object_or_404(PayoutRun, pk=run_id)
    settlement = selectors.run_settlement(run)
    context = {
        "run": run,
        "s": settlement,
        "transfers": selectors.run_transfer_rows(run),
        "imports": run.bank_imports.select_related("imported_by"),
        "corrections": selectors.pending_corrections(actor=request.user, run_id=run.pk),
        "batches": selectors.batches_of_run(run),
        "awaiting": selectors.failed_awaiting_reissue(run).count(),
        "correctable": (TransferState.SUCCEEDED, TransferState.FAILED),
    }
    return render(request, "subsidies/transfers/run_transfers.html", context)


@login_required
@require_POST
def run_import(request, run_id: int):
    _require_finance(request)
    upload = request.FILES.get("file")
    if upload is None:
        messages.error(request, _("请选择银行回单文件(CSV 或 XLSX)"))
        return _back(run_id)
    if upload.size > MAX_UPLOAD:
        messages.error(request, _("文件超过 20 MB"))
        return _back(run_id)
    try:
        out = services.bank_results_import(actor=request.user, run_id=run_id, file_name=upload.name, data=upload.read())
    except ServiceError as exc:
        messages.error(request, exc.text)
    else:
        if out.record is None:
            messages.info(request, _("文件中的 %(n)s 笔结果均已登记,未作任何更改") % {"n": out.rows})
        else:
            messages.success(
                request,
                _("已导入银行回单:新登记 %(applied)s 笔,已登记 %(same)s 笔")
                % {"applied": out.applied, "same": out.unchanged},
            )
    return _back(run_id)


@login_required
@require_POST
def correction_request(request, pk: int):
    _require_finance(request)
    t = get_object_or_404(selectors.transfer_list(actor=request.user), pk=pk)
    _act(
        request,
        services.result_correction_request,
        transfer_id=t.pk,
        **_posted(request, "to_state", "reason", "bank_serial", "failure_reason"),
        done=_("更正申请已提交,须由另一名财务人员复核后生效"),
    )
    return _back(t.run_id, "#corrections-h")


@login_required
@require_POST
def correction_decide(request, pk: int):
    _require_finance(request)
    c = get_object_or_404(selectors.pending_corrections(actor=request.user), pk=pk)
    _decide(request, services.result_correction_decide, correction_id=c.pk, done=_("更正申请已处理"))
    return _back(c.transfer.run_id, "#corrections-h")


@login_required
@require_POST
def batch_create(request, run_id: int):
    _require_finance(request)
    try:
        batch = services.reissue_batch_create(actor=request.user, run_id=run_id, note=request.POST.get("note", ""))
    except ServiceError as exc:
        messages.error(request, exc.text)
    else:
        messages.success(request, _("补拨批次#%(id)s已创建,须由另一名财务人员审批") % {"id": batch.pk})
    return _back(run_id, "#batches-h")


@login_required
@require_POST
def batch_approve(request, pk: int):
    _require_finance(request)
    try:
        batch = services.reissue_batch_approve(actor=request.user, batch_id=pk)
    except ServiceError as exc:
        messages.error(request, exc.text)
        run_id = get_object_or_404(ReissueBatch, pk=pk).run_id
    else:
        messages.success(request, _("补拨批次#%(id)s已审批") % {"id": batch.pk})
        run_id = batch.run_id
    return _back(run_id, "#batches-h")


@login_required
@require_POST
def batch_export(request, pk: int):
    _require_finance(request)
    batch = get_object_or_404(ReissueBatch, pk=pk)
    fmt = request.POST.get("format", "xlsx")
    try:
        data, batch = services.reissue_batch_export(actor=request.user, batch_id=batch.pk, fmt=fmt)
    except ServiceError as exc:
        messages.error(request, exc.text)
        return _back(batch.run_id, "#batches-h")
    return _attachment(
        data,
        f"补拨转账文件-批次{batch.run_id}-补拨{batch.pk}.{fmt}",
        "text/csv; charset=utf-8" if fmt == "csv" else XLSX,
    )


@login_required
def reconciliation_export_pdf(request, run_id: int):
    _require_finance(request)
    run = get_object_or_404(PayoutRun, pk=run_id)
    return _attachment(reports.reconciliation_pdf(run), f"对账报告-批次{run.pk}.pdf", "application/pdf")


@login_required
def reconciliation_export_xlsx(request, run_id: int):
    _require_finance(request)
    run = get_object_or_404(PayoutRun, pk=run_id)
    return _attachment(reports.reconciliation_xlsx(run), f"对账报告-批次{run.pk}.xlsx", XLSX)


@login_required
def finance_queue(request):
    """Finance's follow-ups: account corrections to check and receipts unconfirmed after N days."""
    _require_finance(request)
    today = timezone.localdate()
    context = {
        "changes": selectors.pending_account_changes(actor=request.user),
        "unconfirmed": selectors.unconfirmed_receipts(actor=request.user, today=today),
        "days": selectors.receipt_days(today),
    }
    return render(request, "subsidies/transfers/finance_queue.html", context)


@login_required
@require_POST
def account_change_check(request, pk: int):
    _require_finance(request)
    change = get_object_or_404(selectors.pending_account_changes(actor=request.user), pk=pk)
    _decide(
        request,
        services.bank_account_change_check,
        change_id=change.pk,
        **_posted(request, "note"),
        done=_("账户更正已处理,已通知企业"),
    )
    return redirect("subsidies:transfers:finance_queue")


@login_required
def my_transfers(request):
    """The enterprise's money by month and its transfers, with receipt confirmation and account correction."""
    if not request.user.is_enterprise:
        raise PermissionDenied
    enterprises = Enterprise.objects.filter(memberships__user=request.user).order_by("name")
    context = {
        "months": selectors.enterprise_months(actor=request.user),
        "transfers": selectors.transfer_list(actor=request.user).order_by("-id")[:200],
        "changes": selectors.account_change_list(actor=request.user)[:20],
        "enterprises": enterprises,
    }
    return render(request, "subsidies/transfers/my_transfers.html", context)


@login_required
@require_POST
def confirm_receipt(request, pk: int):
    if not request.user.is_enterprise:
        raise PermissionDenied
    t = get_object_or_404(selectors.transfer_list(actor=request.user), pk=pk)
    done = _("已确认收到转账%(ref)s") % {"ref": t.reference}
    _act(request, services.transfer_confirm_receipt, transfer_id=t.pk, done=done)
    return redirect("subsidies:transfers:mine")


@login_required
@require_POST
def account_change_request(request):
    if not request.user.is_enterprise:
        raise PermissionDenied
    enterprise_id = request.POST.get("enterprise", "")
    if not enterprise_id.isascii() or not enterprise_id.isdigit() or len(enterprise_id) > 18:
        raise Http404
    enterprise = get_object_or_404(Enterprise.objects.filter(memberships__user=request.user), pk=int(enterprise_id))
    _act(
        request,
        services.bank_account_change_request,
        enterprise_id=enterprise.pk,
        **_posted(request, "bank_name", "bank_account", "bank_cnaps", "reason"),
        done=_("账户更正已提交,财务核对后生效"),
    )
    return redirect("subsidies:transfers:mine")
