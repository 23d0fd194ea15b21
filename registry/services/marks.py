"""材料逐项审核: a reviewer marks each current document of a filing under review 合格 or
需补正 (with the reason); the enterprise sees the marks next to its documents."""

from django.db import transaction

from accounts.audit import acting
from accounts.errors import ConflictError, ServiceError
from registry.models import Document, DocumentMark, DocumentMarkValue, Filing, FilingStatus
from registry.services.filings import _require_reviewer

MARKABLE = (FilingStatus.SUBMITTED, FilingStatus.FIRST_REVIEWED)


@transaction.atomic
def document_mark(*, actor, document: Document, mark: str, reason: str = "") -> DocumentMark:
    """Record the reviewer's mark on one document; a later mark on the same document replaces it on the
    pages (the earlier ones stay in the audit trail)."""
    record = f"材料 {document.get_kind_display()} v{document.version}"
    if document.filing_id is None:
        raise ServiceError(
            "该材料不属于任何备案,不能审核", "the document belongs to no filing", code="no_filing", record=record
        )
    filing = Filing.objects.select_for_update(of=("self",)).get(pk=document.filing_id)
    _require_reviewer(actor, filing, action="审核材料")
    if filing.status not in MARKABLE:
        raise ConflictError(
            f"只有审核中的备案才能逐项审核材料,当前状态为“{filing.get_status_display()}”",
            f"documents can be marked only while the filing is under review ({filing.status})",
            code="illegal_transition",
            record=str(filing),
        )
    document = Document.objects.get(pk=document.pk)
    if not document.is_current:
        raise ConflictError(
            "该材料已有新版本,请审核当前版本",
            "a newer version of the document exists",
            code="not_current",
            record=record,
        )
    if mark not in DocumentMarkValue.values:
        raise ServiceError(
            "请选择审核结果:合格或需补正",
            "the mark must be pass or needs_correction",
            code="mark",
            record=record,
            field="mark",
        )
    reason = (reason or "").strip()
    if mark == DocumentMarkValue.NEEDS_CORRECTION and not reason:
        raise ServiceError(
            "标记为需补正时须填写补正原因",
            "a needs-correction mark needs its reason",
            code="reason_required",
            record=record,
            field="reason",
        )
    with acting(actor):
        row = DocumentMark(document=document, mark=mark, reason=reason, reviewer=actor)
        row.full_clean()
        row.save()
    return row


def latest_marks(documents) -> dict[int, DocumentMark]:
    """The mark that counts (the latest) for each of `documents`, by document id."""
    ids = [d.pk for d in documents]
    marks: dict[int, DocumentMark] = {}
    for m in (
        DocumentMark.objects.filter(document_id__in=ids)
        .select_related("reviewer")
        .order_by("document_id", "-at", "-id")
    ):
        marks.setdefault(m.document_id, m)
    return marks
