"""The filing lifecycle through the services: each transition, each refusal, review records and
notifications."""

import datetime as dt

import pytest
import time_machine
from django.core import mail

from accounts.errors import ConflictError, ServiceError
from registry import services
from registry.models import Filing, FilingStatus, Notification, ReviewDecision, ReviewStep
from tests.registry.conftest import attach_required, make_enterprise, pdf_bytes, upload

BACKDATED = "按2024年纸质备案补录"  # an effective date before the submission needs a reason (issue 12 §2)


def _status(filing):
    return Filing.objects.get(pk=filing.pk).status


def test_whole_lifecycle_draft_to_approved_with_a_return(
    owner, centre, regional1, regional2, django_capture_on_commit_callbacks
):
    filing = services.filing_create(actor=owner, centre=centre, level="regional")
    assert filing.status == FilingStatus.DRAFT
    attach_required(actor=owner, filing=filing)
    with django_capture_on_commit_callbacks(execute=True):
        services.filing_submit(actor=owner, filing=filing, commitment=True)
    assert _status(filing) == FilingStatus.SUBMITTED

    with django_capture_on_commit_callbacks(execute=True):
        services.filing_return(actor=regional1, filing=filing, comment="设立证明缺少公章,请重新上传")
    assert _status(filing) == FilingStatus.RETURNED
    services.document_upload(
        actor=owner,
        enterprise=centre.enterprise,
        filing=filing,
        kind="establishment_proof",
        upload=upload("设立证明(盖章).pdf", pdf_bytes("stamped")),
    )
    with time_machine.travel(dt.datetime(2024, 3, 14, 10, 0, tzinfo=dt.UTC)):  # resubmitted the day before
        services.filing_submit(actor=owner, filing=filing, commitment=True)
    services.filing_first_review(actor=regional1, filing=filing, comment="材料齐全")
    assert _status(filing) == FilingStatus.FIRST_REVIEWED

    with time_machine.travel(dt.datetime(2024, 3, 15, 10, 0, tzinfo=dt.UTC)):
        approved = services.filing_approve(actor=regional2, filing=filing)
    assert approved.status == FilingStatus.APPROVED
    assert approved.effective_from == dt.date(2024, 3, 15)
    assert approved.effective_to is None
    assert approved.ever_approved is True

    steps = list(
        ReviewDecision.objects.filter(filing=filing).order_by("id").values_list("step", "decision", "actor__username")
    )
    assert steps == [
        ("submit", "submitted", "owner-a"),
        ("return", "returned", "reg1"),
        ("submit", "submitted", "owner-a"),
        ("first_review", "first_reviewed", "reg1"),
        ("approval", "approved", "reg2"),
    ]
    # every step told the enterprise's member, in the portal and (after commit) by email
    assert Notification.objects.filter(user=owner, filing=filing).count() == 5
    assert any("设立证明缺少公章" in m.body for m in mail.outbox)
    assert mail.outbox[0].to == ["owner-a@example.cn"]


def test_explicit_effective_date_at_approval(submitted, regional1, regional2):
    services.filing_first_review(actor=regional1, filing=submitted)
    filing = services.filing_approve(
        actor=regional2, filing=submitted, effective_from=dt.date(2024, 3, 1), backdate_reason=BACKDATED
    )
    assert filing.effective_from == dt.date(2024, 3, 1)


def test_approver_must_differ_from_first_reviewer(submitted, regional1):
    services.filing_first_review(actor=regional1, filing=submitted)
    with pytest.raises(ServiceError) as exc:
        services.filing_approve(actor=regional1, filing=submitted)
    assert exc.value.code == "same_reviewer"
    assert "初审人以外" in exc.value.zh
    assert _status(submitted) == FilingStatus.FIRST_REVIEWED
    with pytest.raises(ServiceError) as exc:
        services.filing_reject(actor=regional1, filing=submitted, comment="不符合")
    assert exc.value.code == "same_reviewer"
    assert _status(submitted) == FilingStatus.FIRST_REVIEWED


def test_reviewer_of_the_other_level_is_refused(submitted, yinchuan1):
    with pytest.raises(ServiceError) as exc:
        services.filing_first_review(actor=yinchuan1, filing=submitted)
    assert exc.value.status == 403
    assert _status(submitted) == FilingStatus.SUBMITTED


def test_enterprise_user_cannot_review_and_other_enterprise_cannot_submit(submitted, owner, owner_b, enterprise_b):
    with pytest.raises(ServiceError):
        services.filing_first_review(actor=owner, filing=submitted)
    draft = services.filing_create(actor=owner, centre=submitted.centre, level="yinchuan")
    with pytest.raises(ServiceError) as exc:
        services.filing_submit(actor=owner_b, filing=draft, commitment=True)
    assert exc.value.status == 403
    assert _status(draft) == FilingStatus.DRAFT


@pytest.mark.parametrize(
    "action",
    ["approve", "first_review_twice", "submit_again", "suspend_unapproved", "reinstate_approved", "return_draft"],
)
def test_illegal_transitions_are_conflicts(action, owner, submitted, regional1, regional2, yinchuan1):
    if action == "approve":
        call = lambda: services.filing_approve(actor=regional2, filing=submitted)
    elif action == "first_review_twice":
        services.filing_first_review(actor=regional1, filing=submitted)
        call = lambda: services.filing_first_review(actor=regional2, filing=submitted)
    elif action == "submit_again":
        call = lambda: services.filing_submit(actor=owner, filing=submitted, commitment=True)
    elif action == "suspend_unapproved":
        call = lambda: services.filing_suspend(actor=regional1, filing=submitted, on=dt.date(2024, 5, 1), reason="x")
    elif action == "reinstate_approved":
        services.filing_first_review(actor=regional1, filing=submitted)
        services.filing_approve(actor=regional2, filing=submitted)
        call = lambda: services.filing_reinstate(actor=regional1, filing=submitted)
    else:
        draft = services.filing_create(actor=owner, centre=submitted.centre, level="yinchuan")
        call = lambda: services.filing_return(actor=yinchuan1, filing=draft, comment="x")
    before = list(ReviewDecision.objects.order_by("id").values_list("id", flat=True))
    with pytest.raises(ConflictError) as exc:
        call()
    assert exc.value.status == 409
    assert list(ReviewDecision.objects.order_by("id").values_list("id", flat=True)) == before


def test_return_and_reject_need_a_comment(submitted, regional1):
    for call in (services.filing_return, services.filing_reject):
        with pytest.raises(ServiceError) as exc:
            call(actor=regional1, filing=submitted, comment="  ")
        assert exc.value.code == "comment_required"
    assert _status(submitted) == FilingStatus.SUBMITTED


def test_reject_at_first_review(submitted, regional1):
    filing = services.filing_reject(actor=regional1, filing=submitted, comment="研发中心未实际运营")
    assert filing.status == FilingStatus.REJECTED
    assert filing.status_reason == "研发中心未实际运营"
    assert filing.decisions.last().step == ReviewStep.FIRST_REVIEW


def test_suspend_reinstate_revoke_set_the_window(submitted, regional1, regional2):
    services.filing_first_review(actor=regional1, filing=submitted)
    services.filing_approve(
        actor=regional2, filing=submitted, effective_from=dt.date(2024, 3, 1), backdate_reason=BACKDATED
    )
    with pytest.raises(ServiceError) as exc:
        services.filing_suspend(actor=regional1, filing=submitted, on=dt.date(2024, 3, 1), reason="整改")
    assert exc.value.code == "date_order"
    f = services.filing_suspend(
        actor=regional1, filing=submitted, on=dt.date(2024, 9, 1), reason="年度检查未通过,限期整改"
    )
    assert (f.status, f.effective_from, f.effective_to) == ("suspended", dt.date(2024, 3, 1), dt.date(2024, 8, 31))
    f = services.filing_reinstate(actor=regional2, filing=submitted, on=dt.date(2024, 11, 1))
    assert (f.status, f.effective_from, f.effective_to) == ("approved", dt.date(2024, 11, 1), None)
    f = services.filing_revoke(actor=regional1, filing=submitted, on=dt.date(2025, 2, 1), reason="弄虚作假")
    assert (f.status, f.effective_to, f.status_reason) == ("revoked", dt.date(2025, 1, 31), "弄虚作假")
    assert f.ever_approved


def test_revoking_a_suspended_filing_keeps_the_earlier_end(submitted, regional1, regional2):
    services.filing_first_review(actor=regional1, filing=submitted)
    services.filing_approve(
        actor=regional2, filing=submitted, effective_from=dt.date(2024, 3, 1), backdate_reason=BACKDATED
    )
    services.filing_suspend(actor=regional1, filing=submitted, on=dt.date(2024, 6, 1), reason="整改")
    f = services.filing_revoke(actor=regional2, filing=submitted, on=dt.date(2024, 9, 1), reason="整改不到位")
    assert f.effective_to == dt.date(2024, 5, 31)


def test_refiling_after_revocation_reopens_the_same_filing(owner, submitted, regional1, regional2):
    services.filing_first_review(actor=regional1, filing=submitted)
    services.filing_approve(
        actor=regional2, filing=submitted, effective_from=dt.date(2024, 3, 1), backdate_reason=BACKDATED
    )
    services.filing_revoke(actor=regional1, filing=submitted, on=dt.date(2024, 6, 1), reason="撤销")
    again = services.filing_create(actor=owner, centre=submitted.centre, level="regional")
    assert again.pk == submitted.pk
    assert again.status == FilingStatus.DRAFT
    assert again.ever_approved  # NX-FIRST is paid on the first regional filing only


def test_duplicate_filing_at_the_same_level_is_a_conflict(owner, submitted):
    with pytest.raises(ConflictError) as exc:
        services.filing_create(actor=owner, centre=submitted.centre, level="regional")
    assert exc.value.code == "duplicate"
    assert Filing.objects.filter(centre=submitted.centre).count() == 1


# --- eligibility at submission (POLICY §1) ----------------------------------------------------------------


def test_regional_needs_a_ningxia_enterprise(system, make_user):
    owner = make_user("bj-owner")
    ent = make_enterprise(
        actor=system, owner=owner, body17="91110108MA01ABCD3", name="北京某公司", division_code="110108"
    )
    centre = services.centre_create(
        actor=owner, enterprise=ent, name="北京研发中心", city="北京", division_code="110105"
    )
    filing = services.filing_create(actor=owner, centre=centre, level="regional")
    attach_required(actor=owner, filing=filing)
    with pytest.raises(ServiceError) as exc:
        services.filing_submit(actor=owner, filing=filing, commitment=True)
    assert "自治区备案要求依托企业注册在宁夏" in exc.value.zh
    assert _status(filing) == FilingStatus.DRAFT


def test_regional_needs_a_centre_outside_ningxia(owner, enterprise):
    centre = services.centre_create(
        actor=owner, enterprise=enterprise, name="区内中心", city="银川", division_code="640104"
    )
    filing = services.filing_create(actor=owner, centre=centre, level="regional")
    attach_required(actor=owner, filing=filing)
    with pytest.raises(ServiceError) as exc:
        services.filing_submit(actor=owner, filing=filing, commitment=True)
    assert "研发中心位于宁夏区外" in exc.value.zh
    assert _status(filing) == FilingStatus.DRAFT


def test_yinchuan_needs_a_yinchuan_enterprise(owner_b, centre_b):
    filing = services.filing_create(actor=owner_b, centre=centre_b, level="yinchuan")
    attach_required(actor=owner_b, filing=filing)
    with pytest.raises(ServiceError) as exc:
        services.filing_submit(actor=owner_b, filing=filing, commitment=True)
    assert "银川市备案要求依托企业注册在银川市" in exc.value.zh
    # the same enterprise (石嘴山, Ningxia) may file at the regional level
    regional = services.filing_create(actor=owner_b, centre=centre_b, level="regional")
    attach_required(actor=owner_b, filing=regional)
    assert services.filing_submit(actor=owner_b, filing=regional, commitment=True).status == FilingStatus.SUBMITTED


def test_yinchuan_filing_of_a_yinchuan_enterprise_is_accepted(owner, centre):
    filing = services.filing_create(actor=owner, centre=centre, level="yinchuan")
    attach_required(actor=owner, filing=filing)
    assert services.filing_submit(actor=owner, filing=filing, commitment=True).status == FilingStatus.SUBMITTED


def test_required_documents_are_named(owner, centre):
    filing = services.filing_create(actor=owner, centre=centre, level="regional")
    services.document_upload(
        actor=owner,
        enterprise=centre.enterprise,
        filing=filing,
        kind="business_licence",
        upload=upload("执照.pdf", pdf_bytes()),
    )
    with pytest.raises(ServiceError) as exc:
        services.filing_submit(actor=owner, filing=filing, commitment=True)
    assert "缺少必备材料" in exc.value.zh
    assert "研发中心设立证明" in exc.value.zh
    assert "营业执照" not in exc.value.zh
    assert _status(filing) == FilingStatus.DRAFT


def test_joint_centre_also_needs_the_cooperation_agreement(owner, enterprise):
    centre = services.centre_create(
        actor=owner,
        enterprise=enterprise,
        name="联合中心",
        city="杭州",
        division_code="330106",
        kind="joint",
        partner_institution="浙江大学",
    )
    filing = services.filing_create(actor=owner, centre=centre, level="regional")
    for kind in ("business_licence", "establishment_proof"):
        services.document_upload(
            actor=owner, enterprise=enterprise, filing=filing, kind=kind, upload=upload(f"{kind}.pdf", pdf_bytes())
        )
    with pytest.raises(ServiceError) as exc:
        services.filing_submit(actor=owner, filing=filing, commitment=True)
    assert "联合共建协议" in exc.value.zh


def test_joint_centre_needs_a_partner(owner, enterprise):
    with pytest.raises(ServiceError) as exc:
        services.centre_create(
            actor=owner, enterprise=enterprise, name="联合中心", city="杭州", division_code="330106", kind="joint"
        )
    assert exc.value.code == "partner_required"


def test_import_decided_still_works_for_the_scenarios(system, centre):
    filing = services.filing_import_decided(
        actor=system, centre=centre, level="regional", status="approved", effective_from=dt.date(2024, 3, 1)
    )
    assert (filing.status, filing.ever_approved) == ("approved", True)
