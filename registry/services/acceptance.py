"""受理 (acceptance) of a submitted filing (issue 15, government-service conventions): the 信用承诺书 the
enterprise accepts at submission, and the 受理编号 it is given, unique in the database, shown on the
filing and on every notice about it."""

from django.utils import timezone

from accounts.errors import ServiceError
from registry.models import AcceptanceSequence, Filing, FilingLevel

PREFIX = {FilingLevel.REGIONAL: "NXFD", FilingLevel.YINCHUAN: "YCFD"}


def require_commitment(filing: Filing, commitment: bool) -> None:
    if commitment is not True:
        raise ServiceError(
            "提交前须阅读并勾选信用承诺书",
            "please read and accept the credit commitment before submitting",
            code="commitment_required",
            record=str(filing),
            field="commitment",
        )


def next_acceptance_no(level: str) -> str:
    """NXFD2026000001: the measure, the year, and the year's sequence number; taken under the sequence
    row's lock inside the submission's transaction (a rolled-back submission gives its number back)."""
    prefix, year = PREFIX[level], timezone.localdate().year
    AcceptanceSequence.objects.get_or_create(prefix=prefix, year=year)
    seq = AcceptanceSequence.objects.select_for_update().get(prefix=prefix, year=year)
    seq.last += 1
    seq.save(update_fields=["last"])
    return f"{prefix}{year}{seq.last:06d}"


def accept(filing: Filing) -> None:
    """Record the commitment and give the matter its number (kept when the filing is resubmitted after
    退回补正)."""
    filing.commitment_at = timezone.now()
    if not filing.acceptance_no:
        filing.acceptance_no = next_acceptance_no(filing.level)
