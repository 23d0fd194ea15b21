"""Two reviewers deciding the same filing at the same moment, in real concurrent transactions: exactly one
wins, the other is told the filing was already decided."""

import threading

import pytest
from django.db import connection

from accounts.errors import ConflictError
from accounts.models import Role
from registry import services
from registry.models import Filing, FilingStatus, ReviewDecision, ReviewStep


def _race(calls):
    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)

    def run(i, call):
        try:
            barrier.wait(timeout=10)
            results[i] = ("ok", call())
        except Exception as exc:  # noqa: BLE001 - the result is asserted below
            results[i] = ("error", exc)
        finally:
            connection.close()  # each thread has its own connection

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    return results


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("second", ["approve", "reject"])
def test_two_approvers_at_once_exactly_one_wins(second, submitted, regional1, regional2, make_user):
    regional3 = make_user("reg3", Role.REGIONAL_REVIEWER, full_name="区审核三")
    services.filing_first_review(actor=regional1, filing=submitted)
    other = (
        (lambda: services.filing_approve(actor=regional3, filing=submitted))
        if second == "approve"
        else (lambda: services.filing_reject(actor=regional3, filing=submitted, comment="不予备案"))
    )
    results = _race([lambda: services.filing_approve(actor=regional2, filing=submitted), other])

    outcomes = sorted(kind for kind, _ in results)
    assert outcomes == ["error", "ok"], results
    error = next(v for k, v in results if k == "error")
    assert isinstance(error, ConflictError)
    assert error.code == "already_decided"
    assert "已由" in error.zh and "处理" in error.zh
    final = Filing.objects.get(pk=submitted.pk)
    assert final.status in (FilingStatus.APPROVED, FilingStatus.REJECTED)
    assert ReviewDecision.objects.filter(filing=submitted, step=ReviewStep.APPROVAL).count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_first_reviewers_at_once(submitted, regional1, regional2):
    results = _race(
        [
            lambda: services.filing_first_review(actor=regional1, filing=submitted, expected_status="submitted"),
            lambda: services.filing_return(
                actor=regional2, filing=submitted, comment="请补充材料", expected_status="submitted"
            ),
        ]
    )
    assert sorted(kind for kind, _ in results) == ["error", "ok"], results
    error = next(v for k, v in results if k == "error")
    assert isinstance(error, ConflictError)
    assert ReviewDecision.objects.filter(filing=submitted).exclude(step=ReviewStep.SUBMIT).count() == 1
