"""Export services: request an export (recorded), render and store it (the Celery task's body), and
the command line's direct export. Exporting an approved run marks it exported (payout_run_mark)."""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts import dispatch
from accounts.audit import acting
from accounts.errors import NotFoundError, ServiceError
from subsidies.exports import bank, pdf
from subsidies.exports.data import RunDocument, require_exportable, run_document
from subsidies.models import ExportFormat, ExportRecord, ExportState, PayoutLine, PayoutRun, RunState
from subsidies.runs.services import payout_run_mark
from subsidies.transfers.services import (
    require_bank_file_reexportable,
    transfers_for_bank_file,
    transfers_mark_sent,
)


@dataclass(frozen=True)
class Spec:
    suffix: str
    content_type: str
    stem: str


SPECS = {
    ExportFormat.REGISTER_PDF: Spec("pdf", "application/pdf", "发放明细表"),
    ExportFormat.NOTICE_PDF: Spec("pdf", "application/pdf", "拨付通知书"),
    ExportFormat.APPENDIX_PDF: Spec("pdf", "application/pdf", "计算依据附表"),
    ExportFormat.BANK_XLSX: Spec(
        "xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "银行转账文件"
    ),
    ExportFormat.BANK_CSV: Spec("csv", "text/csv; charset=utf-8", "银行转账文件"),
}
# formats that print researchers' full ID numbers: the register, which finance pays and files against;
# the appendix masks them (its reasons do not need the number), notices and bank files have none
FULL_ID_FORMATS = frozenset({ExportFormat.REGISTER_PDF})
# the command line's --format
COMMAND_FORMATS = {"pdf": ExportFormat.REGISTER_PDF, "xlsx": ExportFormat.BANK_XLSX, "csv": ExportFormat.BANK_CSV}


def may_export(user) -> bool:
    return bool(user and user.is_authenticated and (user.is_finance or user.is_portal_admin or user.role == "system"))


def _require_export_permission(actor) -> None:
    if not may_export(actor):
        raise ServiceError(
            "只有财务人员或管理员可以导出发放文件",
            "only finance staff or administrators may export",
            code="forbidden",
            status=403,
        )


def render_document(doc: RunDocument, fmt: str, progress=None) -> bytes:
    """The bytes of one export format; pure rendering, no database."""
    if fmt == ExportFormat.REGISTER_PDF:
        return pdf.render_register(doc, progress=progress)
    if fmt == ExportFormat.NOTICE_PDF:
        return pdf.render_notices(doc)
    if fmt == ExportFormat.APPENDIX_PDF:
        return pdf.render_appendix(doc)
    if fmt == ExportFormat.BANK_XLSX:
        return bank.bank_xlsx(doc)
    if fmt == ExportFormat.BANK_CSV:
        return bank.bank_csv(doc)
    raise ServiceError(f"未知导出格式“{fmt}”", "unknown export format", code="format")


def export_log_full_ids(*, actor, record: ExportRecord, purpose: str) -> int:
    """Each export or download of a document with full ID numbers is a full view of every researcher it
    prints (README: every full view is logged): one IdentityAccess row per researcher. Returns the count."""
    if record.format not in FULL_ID_FORMATS:
        return 0
    from talent.models import IdentityAccess

    researcher_ids = (
        PayoutLine.objects.filter(run_id=record.run_id, active=True, researcher__isnull=False)
        .order_by()
        .values_list("researcher_id", flat=True)
        .distinct()
    )
    path = f"export:{record.pk}"
    rows = [
        IdentityAccess(user=actor, researcher_id=rid, purpose=f"{purpose}(批次#{record.run_id})"[:128], path=path)
        for rid in researcher_ids
    ]
    IdentityAccess.objects.bulk_create(rows, batch_size=5000)
    return len(rows)


def _write_atomic(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".part")
    with open(tmp, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def _exports_on_celery() -> bool:
    return getattr(settings, "EXPORTS_ON_CELERY", getattr(settings, "PAYOUT_RUNS_ON_CELERY", False))


def export_request(*, actor, run_id: int, fmt: str, inline: bool | None = None) -> ExportRecord:
    """Record an export request and render it: on Celery when configured (queued when the request's
    transaction commits), else here. A refused render leaves the record failed with the reason."""
    record = _export_create(actor=actor, run_id=run_id, fmt=fmt)
    if inline is None:
        inline = not _exports_on_celery()
    if inline:
        return export_render(record_id=record.pk)
    dispatch.after_commit("subsidies.exports.tasks.render_export", record.pk)
    return record


@transaction.atomic
def _export_create(*, actor, run_id: int, fmt: str) -> ExportRecord:
    _require_export_permission(actor)
    if fmt not in SPECS:
        raise ServiceError(f"未知导出格式“{fmt}”", "unknown export format", code="format")
    run = PayoutRun.objects.filter(pk=run_id).first()
    if run is None:
        raise NotFoundError(f"批次#{run_id}不存在", "run not found", code="not_found")
    require_exportable(run)
    if fmt in (ExportFormat.BANK_XLSX, ExportFormat.BANK_CSV):
        require_bank_file_reexportable(run)
    with acting(actor):
        return ExportRecord.objects.create(run=run, format=fmt, requested_by=actor)


def _progress_writer(record_id: int):
    def write(done: int, total: int) -> None:
        ExportRecord.objects.filter(pk=record_id).update(progress_done=done, progress_total=total)

    return write


def export_render(*, record_id: int, path: Path | None = None) -> ExportRecord:
    """Render, store and fingerprint one requested export (under EXPORT_ROOT, or at `path` for the
    command line). Safe to run twice: a finished record is returned as it is. The rendering runs
    outside any transaction so its progress can be polled."""
    record = ExportRecord.objects.select_related("run", "requested_by").get(pk=record_id)
    if record.state == ExportState.DONE:
        return record
    ExportRecord.objects.filter(pk=record.pk).update(state=ExportState.RENDERING, error="", payees_without_cnaps="")
    try:
        doc = run_document(record.run, with_explanations=record.format == ExportFormat.APPENDIX_PDF)
        if record.format in (ExportFormat.BANK_XLSX, ExportFormat.BANK_CSV):  # the run's transfers
            doc = transfers_for_bank_file(actor=record.requested_by, doc=doc)
        data = render_document(doc, record.format, progress=_progress_writer(record.pk))
        if path is None:
            spec = SPECS[record.format]
            path = Path(settings.EXPORT_ROOT) / f"run-{record.run_id}" / f"{record.pk}-{record.format}.{spec.suffix}"
        _write_atomic(path, data)
    except Exception as exc:
        message = getattr(exc, "zh", None) or str(exc)
        with acting(record.requested_by):
            ExportRecord.objects.filter(pk=record.pk).update(
                state=ExportState.FAILED, error=message[:2000], finished_at=timezone.now()
            )
        raise
    no_cnaps = bank.missing_cnaps(doc) if record.format in (ExportFormat.BANK_XLSX, ExportFormat.BANK_CSV) else []
    return _export_finish(record_id=record.pk, path=str(path), data=data, doc=doc, no_cnaps=no_cnaps)


@transaction.atomic
def _export_finish(*, record_id: int, path: str, data: bytes, doc: RunDocument, no_cnaps=()) -> ExportRecord:
    record = ExportRecord.objects.select_for_update().select_related("run", "requested_by").get(pk=record_id)
    with acting(record.requested_by):
        record.file_path, record.size, record.sha256 = path, len(data), hashlib.sha256(data).hexdigest()
        record.line_count, record.total_amount = doc.line_count, doc.total
        record.state, record.finished_at = ExportState.DONE, timezone.now()
        # payees without a 联行号: written with the cell empty, and shown, never hidden
        record.payees_without_cnaps = "、".join(no_cnaps)
        record.progress_done = record.progress_total = max(record.progress_total, 1)
        record.full_clean()
        record.save()
        export_log_full_ids(actor=record.requested_by, record=record, purpose="导出发放明细表")
        if record.format in (ExportFormat.BANK_XLSX, ExportFormat.BANK_CSV):
            transfers_mark_sent(actor=record.requested_by, run_id=record.run_id)
    if record.run.state == RunState.APPROVED:
        payout_run_mark(actor=record.requested_by, run_id=record.run_id, state=RunState.EXPORTED)
    return record


def export_to_file(*, run: PayoutRun, fmt: str, out, actor=None, warn=None) -> str:
    """The command line: render `fmt` (pdf = register, xlsx / csv = bank file) to `out`, record the
    export (by the system actor unless given) and mark an approved run exported. Returns the path;
    a bank file's payees without a 联行号 go to `warn` as (zh, en). The same record, render and audit
    as an export requested on the pages."""
    from accounts.models import system_actor

    if fmt not in COMMAND_FORMATS:
        raise ServiceError(f"未知导出格式“{fmt}”,可选 pdf / xlsx / csv", "unknown format", code="format")
    record = _export_create(actor=actor or system_actor(), run_id=run.pk, fmt=COMMAND_FORMATS[fmt])
    done = export_render(record_id=record.pk, path=Path(out).resolve())
    if done.payees_without_cnaps and warn is not None:
        warn(bank.missing_cnaps_warning(done.payees_without_cnaps))
    return done.file_path
