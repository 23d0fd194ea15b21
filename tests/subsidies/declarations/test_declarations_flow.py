# ruff: noqa: F811  (pytest fixtures imported from grants_support)
"""YC-RD declarations: the enterprise declares with the audit report, staff verify (lower with a reason),
the annual run pays 15%; a revision after payment yields an adjustment line, never a second award."""

from decimal import Decimal

import pytest

from accounts.errors import ServiceError
from subsidies.declarations.services import rd_declaration_submit, rd_declaration_verify
from subsidies.models import PayoutLine, RDDeclaration, RunKind
from subsidies.runs import services as runs
from tests.subsidies.grants_support import (  # noqa: F401
    doc,
    enterprise,
    independent,
    make_centre,
    media_root,
    other_enterprise,
    other_owner,
    owner,
    reg1,
    yc1,
)

pytestmark = pytest.mark.django_db


def annual(finance, finance2, year="2024"):
    run = runs.payout_run_start(actor=finance, kind=RunKind.ANNUAL, period=year)
    run = runs.payout_run_compute(actor=finance, run=run, inline=True)
    return runs.payout_run_approve(actor=finance2, run_id=run.pk)


def test_declare_verify_pay_then_revise_yields_an_adjustment(owner, independent, yc1, finance, finance2):
    sub = rd_declaration_submit(
        actor=owner,
        centre=independent,
        year=2024,
        declared_amount="3000000",
        audit_report=doc("审计报告.pdf"),
        commitment=True,
    )
    assert sub.status == "pending" and sub.audit_report.original_name == "审计报告.pdf"
    with pytest.raises(ServiceError, match="须填写核减理由"):
        rd_declaration_verify(actor=yc1, submission=sub, verified_amount="2000000")
    with pytest.raises(ServiceError, match="不能高于申报金额"):
        rd_declaration_verify(actor=yc1, submission=sub, verified_amount="3000001")
    sub = rd_declaration_verify(actor=yc1, submission=sub, verified_amount="2000000", reason="部分费用不属研发支出")
    decl = RDDeclaration.objects.get(centre=independent, year=2024)
    assert (decl.verified_amount, decl.declared_amount, decl.revision) == (
        Decimal("2000000.00"),
        Decimal("3000000.00"),
        1,
    )
    run = annual(finance, finance2)
    line = PayoutLine.objects.get(run=run, rule="YC-RD")
    assert (line.kind, line.amount) == ("regular", Decimal("300000.00"))

    # a revised declaration after payment: nothing changes until verified
    rev = rd_declaration_submit(
        actor=owner,
        centre=independent,
        year=2024,
        declared_amount="4000000",
        audit_report=doc("审计报告-更正.pdf"),
        commitment=True,
    )
    with pytest.raises(ServiceError, match="待核定的申报"):
        rd_declaration_submit(
            actor=owner,
            centre=independent,
            year=2024,
            declared_amount="1",
            audit_report=doc("x.pdf"),
            commitment=True,
        )
    rd_declaration_verify(actor=yc1, submission=rev)
    decl.refresh_from_db()
    assert (decl.verified_amount, decl.revision) == (Decimal("4000000.00"), 2)
    run2 = annual(finance, finance2)
    lines = list(PayoutLine.objects.filter(rule="YC-RD", centre=independent).order_by("id"))
    assert [(ln.kind, ln.amount) for ln in lines] == [
        ("regular", Decimal("300000.00")),
        ("adjustment", Decimal("300000.00")),
    ]
    assert lines[1].run_id == run2.pk and lines[1].basis == "rev2"
    # running again adds nothing
    assert annual(finance, finance2).line_count == 0


def test_declaration_refusals(system, owner, other_owner, enterprise, independent, reg1):
    with pytest.raises(ServiceError, match="企业成员"):
        rd_declaration_submit(
            actor=other_owner, centre=independent, year=2024, declared_amount="1", audit_report=doc(), commitment=True
        )
    with pytest.raises(ServiceError, match="请上传该年度研发费用专项审计报告"):
        rd_declaration_submit(
            actor=owner, centre=independent, year=2024, declared_amount="1", audit_report=None, commitment=True
        )
    no_yc = make_centre(actor=system, enterprise=enterprise, ref="NOYC", yinchuan=None)
    with pytest.raises(ServiceError, match="银川市备案在2024年度未生效"):
        rd_declaration_submit(
            actor=owner, centre=no_yc, year=2024, declared_amount="1", audit_report=doc(), commitment=True
        )
    sub = rd_declaration_submit(
        actor=owner, centre=independent, year=2024, declared_amount="100", audit_report=doc(), commitment=True
    )
    with pytest.raises(ServiceError, match="只有银川市科技局审核员"):
        rd_declaration_verify(actor=reg1, submission=sub)


def test_record_refuses_a_verified_amount_above_the_stored_declared_one(owner, independent, yc1):
    """YC-RD 1: the verified amount is never above the declared one, even when the caller passes only the
    verified amount (the stored declaration's declared amount is the ceiling)."""
    from subsidies.declarations.services import rd_declaration_record

    decl = rd_declaration_record(actor=owner, centre=independent, year=2024, declared_amount="100.00")
    with pytest.raises(ServiceError, match="核定金额99,999,999.00不能高于申报金额100.00") as exc:
        rd_declaration_record(actor=yc1, centre=independent, year=2024, verified_amount="99999999.00")
    assert exc.value.code == "verified_above_declared" and independent.ref in str(exc.value.record)
    decl.refresh_from_db()
    assert (decl.declared_amount, decl.verified_amount) == (Decimal("100.00"), None)
    decl = rd_declaration_record(actor=yc1, centre=independent, year=2024, verified_amount="100.00")
    assert decl.verified_amount == Decimal("100.00")


def test_a_year_filed_before_a_suspension_can_still_be_declared_after_reinstatement(owner, independent, yc1):
    """The windows before a reinstatement stay (as the annual run reads them): 2024 stays declarable."""
    import datetime as dt

    from registry.models import Filing
    from registry.services import filing_reinstate, filing_suspend

    filing = Filing.objects.get(centre=independent, level="yinchuan")
    filing_suspend(actor=yc1, filing=filing, on=dt.date(2025, 1, 1), reason="整改")
    filing = filing_reinstate(actor=yc1, filing=Filing.objects.get(pk=filing.pk), on=dt.date(2025, 6, 1))
    assert filing.effective_from == dt.date(2025, 6, 1)
    sub = rd_declaration_submit(
        actor=owner, centre=independent, year=2024, declared_amount="100", audit_report=doc(), commitment=True
    )
    assert sub.status == "pending"


def test_database_keeps_a_verified_amount_within_the_declared_one(owner, independent):
    from django.db import IntegrityError, transaction

    from subsidies.models import RDDeclarationSubmission

    sub = rd_declaration_submit(
        actor=owner, centre=independent, year=2024, declared_amount="100", audit_report=doc(), commitment=True
    )
    rows = RDDeclarationSubmission.objects.filter(pk=sub.pk)
    with pytest.raises(IntegrityError, match="rd_submission_verified_within_declared"), transaction.atomic():
        rows.update(verified_amount=Decimal("100.01"))
    with pytest.raises(IntegrityError, match="rd_submission_verified_has_amount"), transaction.atomic():
        rows.update(status="verified")
    rows.update(status="verified", verified_amount=Decimal("100.00"))  # within the declared amount: fine
