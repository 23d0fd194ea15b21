# ruff: noqa: F811  (pytest fixtures imported from grants_support)
"""Approved awards become payout lines through the run machinery: a GRANTS run, four eyes, one line per
award with its explanation, and never a second line for an award (also in the database)."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from accounts.errors import ServiceError
from subsidies.grants import incubators
from subsidies.grants import services as grants
from subsidies.models import PayoutLine, RunKind
from subsidies.runs import services as runs
from tests.subsidies.grants_support import (  # noqa: F401
    doc,
    enterprise,
    independent,
    joint,
    make_researcher,
    media_root,
    owner,
    programme,
    reg1,
    reg2,
    yc1,
    yc2,
)

pytestmark = pytest.mark.django_db


def this_month() -> str:
    return timezone.localdate().strftime("%Y-%m")


def grants_run(finance, finance2):
    run = runs.payout_run_start(actor=finance, kind=RunKind.GRANTS, period=this_month())
    run = runs.payout_run_compute(actor=finance, run=run, inline=True)
    return runs.payout_run_approve(actor=finance2, run_id=run.pk)


def test_grants_run_pays_each_award_once(
    client, system, owner, independent, joint, reg1, reg2, yc1, yc2, finance, finance2
):
    app = grants.grant_apply(
        actor=owner,
        programme=programme("NX-FIRST"),
        centre=independent,
        documents=[("备案通知", doc())],
        commitment=True,
    )
    grants.grant_first_review(actor=reg1, application=app)
    grants.grant_approve(actor=reg2, application=app, amount="800000")
    perf = grants.evaluation_record(actor=reg1, centre=joint, period="2022-2024", result="excellent")
    r = make_researcher(actor=system, centre=independent, doctorate=True)
    pdf = grants.grant_apply(
        actor=owner,
        programme=programme("NX-PDF"),
        centre=independent,
        researcher=r,
        documents=[("进站通知", doc())],
        commitment=True,
    )
    grants.grant_first_review(actor=reg1, application=pdf)
    grants.grant_approve(actor=reg2, application=pdf)
    inc = incubators.incubator_create(
        actor=owner, operator=independent.enterprise, ref="INC-P", name="孵化器", city="杭州"
    )
    incubators.incubator_submit(actor=owner, incubator=inc)
    incubators.incubator_decide(actor=yc1, incubator=inc, action="first_review")
    incubators.incubator_decide(actor=yc2, incubator=inc, action="approve")
    rec = incubators.incubator_recognition_record(actor=yc1, incubator=inc, programme_code="YC-MS-NAT")
    # awards from results pass the same second step as applications (issue 12)
    grants.grant_approve(actor=reg2, application=perf.award)
    grants.grant_approve(actor=yc2, application=rec)

    run = grants_run(finance, finance2)
    lines = {line.basis: line for line in PayoutLine.objects.filter(run=run)}
    assert set(lines) == {f"award:{app.pk}", f"award:{perf.award_id}", f"award:{pdf.pk}", f"award:{rec.pk}"}
    first = lines[f"award:{app.pk}"]
    assert (first.rule, first.amount, first.beneficiary) == (
        "NX-FIRST",
        Decimal("800000.00"),
        independent.enterprise.uscc,
    )
    assert first.explanation["legal_reference"].startswith("首次备案的独立研发机构")
    assert [a["step"] for a in first.explanation["approvals"]] == ["submit", "first_review", "approval"]
    assert first.explanation["approvals"][2]["by"] == "区审核二"
    assert lines[f"award:{perf.award_id}"].amount == Decimal("250000.00")
    assert lines[f"award:{perf.award_id}"].service_period == "2024"
    person = lines[f"award:{pdf.pk}"]
    assert (person.beneficiary, person.researcher_id, person.amount) == (r.id_number, r.pk, Decimal("100000.00"))
    assert lines[f"award:{rec.pk}"].centre_id is None and lines[f"award:{rec.pk}"].amount == Decimal("250000.00")
    assert run.total_amount == Decimal("1400000.00") and run.line_count == 4

    # the run page shows the grant lines, an incubator's line (no centre) included
    client.force_login(finance)
    page = client.get(reverse("subsidies:run_detail", args=[run.pk]))
    assert page.status_code == 200 and "YC-MS-NAT" in page.content.decode()

    # exports handle the incubator line: JSON names no centre, the register prints it in its own group
    import io
    import json
    import subprocess

    from django.core.management import call_command

    from subsidies.exports.services import export_to_file

    out = io.StringIO()
    call_command("export_payouts", "--format", "json", "--run", str(run.pk), stdout=out)
    exported = {(ln["rule"], ln["centre"]) for ln in json.loads(out.getvalue())["lines"]}
    assert ("YC-MS-NAT", None) in exported and ("NX-FIRST", independent.ref) in exported
    from django.conf import settings

    pdf_path = export_to_file(run=run, fmt="pdf", out=str(settings.MEDIA_ROOT / "register.pdf"))
    text = subprocess.run(["pdftotext", "-layout", str(pdf_path), "-"], capture_output=True, text=True).stdout
    assert "孵化器及其他项目" in text and "None" not in text

    # a second run of the same month adds nothing
    again = grants_run(finance, finance2)
    assert again.line_count == 0 and PayoutLine.objects.filter(rule__in=["NX-FIRST", "NX-PERF"]).count() == 2

    # and the database refuses a second line for an award
    with pytest.raises(IntegrityError, match="line_award_paid_once"), transaction.atomic():
        PayoutLine.objects.create(
            run=again,
            rule="NX-FIRST",
            centre=independent,
            enterprise=independent.enterprise,
            beneficiary="x",
            beneficiary_name="x",
            service_period="2099",
            basis=f"award:{app.pk}",
            amount=Decimal("1"),
            explanation={},
        )


def test_cancelled_grants_run_frees_the_awards(owner, independent, reg1, reg2, finance, finance2):
    app = grants.grant_apply(
        actor=owner, programme=programme("NX-TH"), centre=independent, documents=[("批复", doc())], commitment=True
    )
    grants.grant_first_review(actor=reg1, application=app)
    grants.grant_approve(actor=reg2, application=app)
    run = runs.payout_run_start(actor=finance, kind=RunKind.GRANTS, period=this_month())
    run = runs.payout_run_compute(actor=finance, run=run, inline=True)
    assert run.line_count == 1
    runs.payout_run_cancel(actor=finance, run_id=run.pk, reason="重算")
    run = grants_run(finance, finance2)
    assert run.line_count == 1 and run.total_amount == Decimal("500000.00")


def test_grants_run_refuses_a_future_month(finance):
    nxt = timezone.localdate().replace(day=28) + dt.timedelta(days=5)
    with pytest.raises(ServiceError, match="尚未开始"):
        runs.payout_run_start(actor=finance, kind=RunKind.GRANTS, period=nxt.strftime("%Y-%m"))
