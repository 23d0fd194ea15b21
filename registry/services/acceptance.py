"""受理 (acceptance) of a submitted matter (government-service conventions): the 信用承诺书 the
enterprise accepts at submission, and the 受理编号 it is given, unique in the database, shown on the
matter and on every notice about it. Filings here; grant applications and YC-RD declarations
(subsidies.grants.guide names their prefixes) take their numbers from the same sequence table."""

from django.utils import timezone

from accounts.errors import ServiceError
from registry.models import AcceptanceSequence, FilingLevel

PREFIX = {FilingLevel.REGIONAL: "NXFD", FilingLevel.YINCHUAN: "YCFD"}


def require_commitment(record, commitment: bool) -> None:
    """Refuse a submission whose 信用承诺书 was not accepted; `record` names the matter (a filing, an
    application, a declaration, or its name)."""
    if commitment is not True:
        raise ServiceError(
            "提交前须阅读并勾选信用承诺书",
            "please read and accept the credit commitment before submitting",
            code="commitment_required",
            record=str(record),
            field="commitment",
        )


def next_acceptance_no(level: str) -> str:
    """A filing's number: NXFD2026000001 (the measure, the year, the year's sequence number)."""
    return next_number(PREFIX[level])


def next_number(prefix: str) -> str:
    """`prefix` + the year + the year's sequence number of that prefix, taken under the sequence row's lock
    inside the submission's transaction (a rolled-back submission gives its number back)."""
    year = timezone.localdate().year
    AcceptanceSequence.objects.get_or_create(prefix=prefix, year=year)
    seq = AcceptanceSequence.objects.select_for_update().get(prefix=prefix, year=year)
    seq.last += 1
    seq.save(update_fields=["last"])
    return f"{prefix}{year}{seq.last:06d}"


def accept(matter, *, prefix: str | None = None) -> None:
    """Record the commitment and give the matter (a filing, or any row with `commitment_at` and
    `acceptance_no`) its number under `prefix` (a filing: its level's); the number is kept when the matter
    is resubmitted after 退回补正."""
    matter.commitment_at = timezone.now()
    if not matter.acceptance_no:
        matter.acceptance_no = next_number(prefix or PREFIX[matter.level])
