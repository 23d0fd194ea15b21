"""Writes for the registry. `from registry import services` keeps working for every public service."""

from registry.services.documents import (  # noqa: F401
    check_upload,
    document_history,
    document_replace,
    document_upload,
)
from registry.services.entities import (  # noqa: F401
    CentreFiledError,
    centre_create,
    centre_is_filed,
    centre_update,
    centre_upsert,
    enterprise_bank_update,
    enterprise_register,
    enterprise_upsert,
    is_member,
    member_invite,
    membership_add,
    require_member,
)
from registry.services.filings import (  # noqa: F401
    MEASURE_NAMES,
    backdate_bound,
    check_effective_from,
    filing_approve,
    filing_assert_status,
    filing_create,
    filing_document_problems,
    filing_eligibility_problems,
    filing_first_review,
    filing_history_import,
    filing_import_decided,
    filing_reinstate,
    filing_reject,
    filing_return,
    filing_revoke,
    filing_submit,
    filing_suspend,
    filing_withdraw,
    first_reviewer,
    required_document_kinds,
)
from registry.services.marks import document_mark, latest_marks  # noqa: F401
from registry.services.notifications import notification_mark_read, notify_filing_decision  # noqa: F401
