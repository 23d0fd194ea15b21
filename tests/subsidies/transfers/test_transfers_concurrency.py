"""Two imports of one bank result file at the same time: exactly one applies, the other records nothing
(the run's row lock serialises them; the second then finds every result already recorded)."""

import threading

import pytest
from django.db import connection

from subsidies.transfers import services
from subsidies.transfers.models import BankResultImport, Transfer, TransferEntry
from tests.subsidies.transfers.conftest import result_csv


@pytest.mark.django_db(transaction=True)
def test_a_concurrent_double_import_applies_once(exported_run, bank_file, finance):
    data = result_csv(bank_file, {t.reference: "成功" for t in Transfer.objects.filter(run=exported_run)})
    barrier, outcomes, errors = threading.Barrier(2), [], []

    def run():
        try:
            barrier.wait()
            outcomes.append(
                services.bank_results_import(actor=finance, run_id=exported_run.pk, file_name="回单.csv", data=data)
            )
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors
    assert sorted(o.applied for o in outcomes) == [0, 2]
    assert BankResultImport.objects.count() == 1
    assert TransferEntry.objects.filter(kind="succeeded").count() == 2
