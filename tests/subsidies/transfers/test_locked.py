"""The transfer services' _locked: the record locked for the transaction, or a not-found refusal naming it."""

import pytest

from accounts.errors import NotFoundError
from subsidies.transfers.models import Transfer
from subsidies.transfers.services import _locked

pytestmark = pytest.mark.django_db


def test_a_missing_record_is_refused_as_not_found_naming_it():
    with pytest.raises(NotFoundError) as exc:
        _locked(Transfer.objects, 987654, "转账", "transfer")
    assert (exc.value.zh, exc.value.en, exc.value.code, exc.value.status) == (
        "转账#987654不存在",
        "transfer not found",
        "not_found",
        404,
    )
