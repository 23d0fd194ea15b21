"""API flows for grants and exports, through the services: apply and two-step review with the amount
within the programme's bounds, fields a client must not set, YC-RD submissions, NX-PERF evaluations,
incubators (filing, assessment, recognition), 免申即享 benefits, and run exports with idempotency."""

import hashlib
from decimal import Decimal

import pytest

from accounts.models import IdempotencyKey, Role
from subsidies.exports.services import export_request
from subsidies.models import (
    ApplicationStatus,
    ExportRecord,
    ExportState,
    GrantApplication,
    Incubator,
    PayoutLine,
    PerformanceEvaluation,
    Programme,
    RDDeclaration,
    RDDeclarationSubmission,
)
from tests.api.conftest import login_client, pdf_upload

pytestmark = pytest.mark.django_db


def _error(response):
    body = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "message_en", "record", "fields"}
    return body["error"]


def _apply(client, centre_id, **extra):
    body = {
        "programme": "NX-FIRST",
        "centre": centre_id,
        "requested_amount": "700000.00",
        "document": pdf_upload("approval.pdf"),
        "document_label": "备案批复",
        "commitment": True,
        **extra,
    }
    return client.post("/api/v1/grant-applications/", body, format="multipart")


@pytest.fixture
def reviewer2(make_user):
    return make_user("api-reg2", Role.REGIONAL_REVIEWER, full_name="区审核乙")


# --- applications ----------------------------------------------------------------------------------------


def test_apply_review_and_approve_within_bounds(world, reviewer2):
    owner = login_client(world.a.user)
    # the fixture's pending NX-FIRST application blocks a second one (once per centre, one in review)
    dup = _apply(owner, world.a.centre.pk)
    assert dup.status_code == 400 and _error(dup)["code"] == "ineligible"
    assert f"#{world.a.application.pk}" in _error(dup)["message"]
    app_id = world.a.application.pk

    first = world.client("regional_reviewer")
    wrong_state = first.post(f"/api/v1/grant-applications/{app_id}/approve/", {"amount": "500000.00"}, format="json")
    # skipping 初审 says what is needed, not that someone else has handled it (issue 15 §6)
    assert wrong_state.status_code == 409 and _error(wrong_state)["code"] == "step_required"
    assert _error(wrong_state)["message"].startswith("须先完成初审") and "处理" not in _error(wrong_state)["message"]
    reviewed = first.post(f"/api/v1/grant-applications/{app_id}/first-review/", {"comment": "材料齐全"}, format="json")
    assert reviewed.status_code == 200 and reviewed.json()["status"] == "first_reviewed"
    same = first.post(f"/api/v1/grant-applications/{app_id}/approve/", {"amount": "500000.00"}, format="json")
    assert same.status_code == 403 and _error(same)["code"] == "same_reviewer"

    second = login_client(reviewer2)
    # out of bounds: 400 naming the bounds (NX-FIRST: more than 0, at most 1,000,000 for an independent centre)
    for amount in ("1500000.00", "0.00", "-1.00"):
        over = second.post(f"/api/v1/grant-applications/{app_id}/approve/", {"amount": amount}, format="json")
        err = _error(over)
        assert over.status_code == 400 and err["code"] == "amount_bounds", over.content
        assert "核定金额须大于 0 且不超过 1,000,000.00 元" in err["message"] and "NX-FIRST" in err["message"]
    app = GrantApplication.objects.get(pk=app_id)
    assert (app.status, app.approved_amount, app.decided_at) == (ApplicationStatus.FIRST_REVIEWED, None, None)

    body = {"amount": "600000.00", "comment": "同意", "expected_status": "first_reviewed"}
    approved = second.post(
        f"/api/v1/grant-applications/{app_id}/approve/", body, format="json", HTTP_IDEMPOTENCY_KEY="grant-approve-1"
    )
    assert approved.status_code == 200, approved.content
    assert approved.json()["status"] == "approved" and approved.json()["approved_amount"] == "600000.00"
    replay = second.post(
        f"/api/v1/grant-applications/{app_id}/approve/", body, format="json", HTTP_IDEMPOTENCY_KEY="grant-approve-1"
    )
    assert replay.status_code == 200 and replay.json() == approved.json()
    assert replay["Idempotent-Replayed"] == "true"
    other = second.post(
        f"/api/v1/grant-applications/{app_id}/approve/",
        {"amount": "700000.00"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="grant-approve-1",
    )
    assert other.status_code == 422 and _error(other)["code"] == "idempotency_key_reused"
    assert GrantApplication.objects.get(pk=app_id).approved_amount == Decimal("600000.00")

    steps = owner.get(f"/api/v1/grant-applications/{app_id}/decisions/").json()
    assert [(d["step"], d["decision"]) for d in steps] == [
        ("submit", "submitted"),
        ("first_review", "first_reviewed"),
        ("approval", "approved"),
    ]
    assert steps[-1]["amount"] == "600000.00" and steps[-1]["actor"] == reviewer2.display_name
    # a Yinchuan reviewer does not see (nor decide) a regional programme's application
    assert world.client("yinchuan_reviewer").get(f"/api/v1/grant-applications/{app_id}/").status_code == 404


def test_fields_a_client_must_not_set_on_apply_are_ignored(world):
    owner = login_client(world.a.user)
    created = _apply(
        owner,
        world.a.draft_centre.pk,
        programme="NX-TH",
        requested_amount="",
        status="approved",
        approved_amount="9999999.00",
        submitted_by=world.users["admin"].pk,
        decided_at="2020-01-01T00:00:00Z",
        origin="evaluation",
        enterprise=world.b.enterprise.pk,
    )
    # the draft centre has no approved filing: the service refuses with the reason, nothing is created
    assert created.status_code == 400 and "自治区级备案" in _error(created)["message"]
    assert not GrantApplication.objects.filter(centre=world.a.draft_centre).exists()
    created = _apply(
        owner,
        world.a.centre.pk,
        programme="NX-TH",
        requested_amount="",
        status="approved",
        approved_amount="9999999.00",
        submitted_by=world.users["admin"].pk,
        decided_at="2020-01-01T00:00:00Z",
        origin="evaluation",
        enterprise=world.b.enterprise.pk,
    )
    assert created.status_code == 201, created.content
    app = GrantApplication.objects.get(pk=created.json()["id"])
    assert (app.status, app.approved_amount, app.decided_at, app.origin) == (
        ApplicationStatus.SUBMITTED,
        None,
        None,
        "application",
    )
    assert (app.submitted_by, app.enterprise, app.centre) == (world.a.user, world.a.enterprise, world.a.centre)
    attachments = owner.get(f"/api/v1/grant-applications/{app.pk}/attachments/").json()
    assert [a["label"] for a in attachments] == ["备案批复"]
    download = owner.get(attachments[0]["download_url"])
    assert download.status_code == 200 and download["Content-Disposition"].startswith("attachment")
    assert b"".join(download.streaming_content).startswith(b"%PDF-")


def test_apply_naming_another_enterprises_objects_is_404(world):
    owner = login_client(world.a.user)
    assert _apply(owner, world.b.centre.pk).status_code == 404
    researcher = _apply(owner, world.a.centre.pk, programme="NX-PDF", researcher=world.b.researcher.pk)
    assert researcher.status_code == 404
    incubator = _apply(owner, world.a.centre.pk, programme="NX-FIRST", incubator=world.b.incubator.pk)
    assert incubator.status_code == 404
    no_application = _apply(owner, world.a.centre.pk, programme="NX-PERF")
    assert no_application.status_code == 400 and _error(no_application)["code"] == "no_application"
    missing_doc = owner.post(
        "/api/v1/grant-applications/", {"programme": "NX-FIRST", "centre": world.a.centre.pk}, format="multipart"
    )
    assert missing_doc.status_code == 400 and "document" in _error(missing_doc)["fields"]
    unknown = _apply(owner, world.a.centre.pk, programme="NX-NOPE")
    assert unknown.status_code == 404 and "NX-NOPE" in _error(unknown)["message"]
    assert GrantApplication.objects.filter(enterprise=world.a.enterprise).count() == 1


def test_return_resubmit_and_reject(world):
    app_id = world.a.application.pk
    reviewer = world.client("regional_reviewer")
    no_comment = reviewer.post(f"/api/v1/grant-applications/{app_id}/return/", {}, format="json")
    assert no_comment.status_code == 400 and "comment" in _error(no_comment)["fields"]
    returned = reviewer.post(
        f"/api/v1/grant-applications/{app_id}/return/", {"comment": "请补充备案批复原件"}, format="json"
    )
    assert returned.status_code == 200 and returned.json()["status"] == "returned"
    owner = login_client(world.a.user)
    resubmitted = owner.post(
        f"/api/v1/grant-applications/{app_id}/resubmit/",
        {
            "description": "已补充",
            "document": pdf_upload("orig.pdf"),
            "document_label": "原件",
            "status": "approved",
            "commitment": True,
        },
        format="multipart",
    )
    assert resubmitted.status_code == 200 and resubmitted.json()["status"] == "submitted"
    assert [a["label"] for a in owner.get(f"/api/v1/grant-applications/{app_id}/attachments/").json()] == [
        "备案批复",
        "原件",
    ]
    rejected = reviewer.post(
        f"/api/v1/grant-applications/{app_id}/reject/",
        {"comment": "不符合条件", "expected_status": "submitted"},
        format="json",
    )
    assert rejected.status_code == 200 and rejected.json()["status"] == "rejected"
    stale = reviewer.post(
        f"/api/v1/grant-applications/{app_id}/first-review/", {"expected_status": "submitted"}, format="json"
    )
    assert stale.status_code == 409 and _error(stale)["code"] == "already_decided"


# --- YC-RD submissions ---------------------------------------------------------------------------------------


def test_declaration_submission_and_verification(world):
    owner = login_client(world.a.user)
    sub_id = world.a.submission.pk
    again = owner.post(
        "/api/v1/declaration-submissions/",
        {
            "centre": world.a.centre.pk,
            "year": 2025,
            "declared_amount": "1.00",
            "audit_report": pdf_upload(),
            "commitment": True,
        },
        format="multipart",
    )
    assert again.status_code == 400 and f"#{sub_id}" in _error(again)["message"]
    # the enterprise cannot verify, and its verified amount / status are ignored on submit
    assert owner.post(f"/api/v1/declaration-submissions/{sub_id}/verify/", {}, format="json").status_code == 403
    created = owner.post(
        "/api/v1/declaration-submissions/",
        {
            "centre": world.a.centre.pk,
            "year": 2024,
            "declared_amount": "1200000.00",
            "audit_report": pdf_upload("audit2024.pdf"),
            "commitment": True,
            "verified_amount": "1200000.00",
            "status": "verified",
        },
        format="multipart",
    )
    assert created.status_code == 201, created.content
    assert created.json()["status"] == "pending" and created.json()["verified_amount"] is None
    assert RDDeclaration.objects.get(centre=world.a.centre, year=2024).verified_amount == Decimal("1000000.00")

    assert (
        world.client("regional_reviewer")
        .post(f"/api/v1/declaration-submissions/{sub_id}/verify/", {}, format="json")
        .status_code
        == 403
    )
    yc = world.client("yinchuan_reviewer")
    above = yc.post(
        f"/api/v1/declaration-submissions/{sub_id}/verify/", {"verified_amount": "2000000.01"}, format="json"
    )
    assert above.status_code == 400 and _error(above)["code"] == "verified_above_declared"
    lower = yc.post(
        f"/api/v1/declaration-submissions/{sub_id}/verify/", {"verified_amount": "1500000.00"}, format="json"
    )
    assert lower.status_code == 400 and _error(lower)["code"] == "reason_required"
    assert RDDeclarationSubmission.objects.get(pk=sub_id).status == "pending"
    verified = yc.post(
        f"/api/v1/declaration-submissions/{sub_id}/verify/",
        {"verified_amount": "1500000.00", "reason": "剔除不可加计费用"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="verify-1",
    )
    assert verified.status_code == 200, verified.content
    assert verified.json()["status"] == "verified" and verified.json()["verified_amount"] == "1500000.00"
    decl = RDDeclaration.objects.get(centre=world.a.centre, year=2025)
    assert (decl.declared_amount, decl.verified_amount) == (Decimal("2000000.00"), Decimal("1500000.00"))
    report = owner.get(f"/api/v1/declaration-submissions/{sub_id}/report/")
    assert report.status_code == 200 and b"".join(report.streaming_content).startswith(b"%PDF-")


# --- NX-PERF evaluations -------------------------------------------------------------------------------------


def test_excellent_evaluation_produces_the_award_once(world, reviewer2):
    reviewer = world.client("regional_reviewer")
    body = {
        "centre": world.a.centre.pk,
        "period": "2023-2025",
        "result": "excellent",
        "award": world.a.application.pk,
        "note": "优秀",
    }
    created = reviewer.post("/api/v1/evaluations/", body, format="json", HTTP_IDEMPOTENCY_KEY="eval-1")
    assert created.status_code == 201, created.content
    # the recording is the award's 初审: proposed at 500,000 (independent centre), approved by another reviewer
    assert (
        created.json()["award_status"],
        created.json()["award_proposed_amount"],
        created.json()["award_amount"],
    ) == ("first_reviewed", "500000.00", None)
    award_id = created.json()["award"]
    approved = login_client(reviewer2).post(f"/api/v1/grant-applications/{award_id}/approve/", {}, format="json")
    assert approved.status_code == 200, approved.content
    shown = reviewer.get(f"/api/v1/evaluations/{created.json()['id']}/").json()
    assert (shown["award_status"], shown["award_amount"]) == ("approved", "500000.00")
    award = GrantApplication.objects.get(pk=award_id)
    assert award.pk != world.a.application.pk and award.origin == "evaluation"
    replay = reviewer.post("/api/v1/evaluations/", body, format="json", HTTP_IDEMPOTENCY_KEY="eval-1")
    assert replay.json() == created.json()
    twice = reviewer.post("/api/v1/evaluations/", body, format="json")
    assert twice.status_code in (400, 409) and "2023-2025" in _error(twice)["message"]
    assert PerformanceEvaluation.objects.filter(centre=world.a.centre, period="2023-2025").count() == 1
    bad = reviewer.post("/api/v1/evaluations/", {**body, "period": "2024-2025"}, format="json")
    assert bad.status_code == 400 and "连续三个年度" in _error(bad)["message"]
    # the enterprise sees its own centre's evaluations only
    owner = login_client(world.a.user)
    ids = {e["id"] for e in owner.get("/api/v1/evaluations/").json()["results"]}
    assert ids == {world.a.evaluation.pk, created.json()["id"]}


# --- incubators ------------------------------------------------------------------------------------------------


def test_incubator_filing_assessment_and_recognition(world, make_user):
    owner = login_client(world.a.user)
    created = owner.post(
        "/api/v1/incubators/",
        {
            "operator": world.a.enterprise.pk,
            "ref": "INC-NEW",
            "name": "银川飞地孵化器",
            "city": "上海",
            "status": "approved",
            "effective_from": "2020-01-01",
        },
        format="json",
    )
    assert created.status_code == 201 and created.json()["status"] == "draft"
    assert Incubator.objects.get(pk=created.json()["id"]).effective_from is None
    inc_id = created.json()["id"]
    assert (
        owner.post(f"/api/v1/incubators/{inc_id}/submit/", {"status": "approved"}, format="json").json()["status"]
        == "submitted"
    )
    yc = world.client("yinchuan_reviewer")
    assert yc.post(f"/api/v1/incubators/{inc_id}/first-review/", {}, format="json").json()["status"] == "first_reviewed"
    same = yc.post(f"/api/v1/incubators/{inc_id}/approve/", {}, format="json")
    assert same.status_code == 403 and _error(same)["code"] == "same_reviewer"
    yc2 = login_client(make_user("api-yc2", Role.YINCHUAN_REVIEWER, full_name="市审核乙"))
    approved = yc2.post(f"/api/v1/incubators/{inc_id}/approve/", {"on": "2025-01-01"}, format="json")
    assert approved.status_code == 200 and approved.json()["effective_from"] == "2025-01-01"
    assert [d["step"] for d in owner.get(f"/api/v1/incubators/{inc_id}/decisions/").json()] == [
        "submit",
        "first_review",
        "approve",
    ]

    over = yc.post(
        f"/api/v1/incubators/{inc_id}/assessments/",
        {"year": 2025, "score": "91.5", "passed": True, "amount": "600000.00"},
        format="json",
    )
    assert over.status_code == 400 and "500,000.00" in _error(over)["message"]
    assessed = yc.post(
        f"/api/v1/incubators/{inc_id}/assessments/",
        {"year": 2025, "score": "91.5", "passed": True, "amount": "300000.00"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="assess-1",
    )
    assert assessed.status_code == 201 and assessed.json()["award_proposed_amount"] == "300000.00"
    assert (
        yc2.post(f"/api/v1/grant-applications/{assessed.json()['award']}/approve/", {}, format="json").json()[
            "approved_amount"
        ]
        == "300000.00"
    )
    assert [a["year"] for a in owner.get(f"/api/v1/incubators/{inc_id}/assessments/").json()] == [2025]
    assert owner.post(f"/api/v1/incubators/{inc_id}/assessments/", {}, format="json").status_code == 403

    nat = Programme.objects.get(code="YC-INC-NAT")
    recognised = yc.post(
        f"/api/v1/incubators/{inc_id}/recognitions/",
        {"programme_code": "YC-INC-NAT", "note": "国科发区〔2025〕1号", "amount": "1.00", "approved_amount": "1.00"},
        format="json",
    )
    assert recognised.status_code == 201, recognised.content
    assert recognised.json()["status"] == "first_reviewed" and recognised.json()["approved_amount"] is None
    approved = yc2.post(f"/api/v1/grant-applications/{recognised.json()['id']}/approve/", {}, format="json")
    assert Decimal(approved.json()["approved_amount"]) == nat.amount_max
    again = yc.post(f"/api/v1/incubators/{inc_id}/recognitions/", {"programme_code": "YC-INC-NAT"}, format="json")
    assert again.status_code == 409 and _error(again)["code"] == "already_awarded"
    revoked = yc.post(
        f"/api/v1/incubators/{inc_id}/revoke/", {"comment": "运营方退出", "on": "2026-01-01"}, format="json"
    )
    assert revoked.status_code == 200 and revoked.json()["effective_to"] == "2025-12-31"


def test_incubator_operator_must_be_in_yinchuan_and_ones_own(world):
    owner = login_client(world.a.user)
    other = owner.post(
        "/api/v1/incubators/",
        {"operator": world.b.enterprise.pk, "ref": "INC-B2", "name": "x", "city": "上海"},
        format="json",
    )
    assert other.status_code == 404
    assert owner.post(f"/api/v1/incubators/{world.b.incubator.pk}/submit/", format="json").status_code == 404


# --- benefits ----------------------------------------------------------------------------------------------------


def test_benefits_of_a_centre(world):
    owner = login_client(world.a.user)
    response = owner.get(f"/api/v1/benefits/{world.a.centre.pk}/")
    assert response.status_code == 200
    body = response.json()
    assert body["centre"] == world.a.centre.pk
    by_code = {b["code"]: b for b in body["benefits"]}
    assert by_code["NX-FIRST"]["status"] == "pending" and by_code["NX-FIRST"]["pending_ids"] == [world.a.application.pk]
    assert by_code["NX-STIPEND"]["status"] == "receiving" and Decimal(by_code["NX-STIPEND"]["paid"]) > 0
    assert by_code["NX-PERF"]["status"] in ("automatic", "not_eligible") and not by_code["NX-PERF"]["can_apply"]
    assert owner.get(f"/api/v1/benefits/{world.b.centre.pk}/").status_code == 404
    assert owner.get("/api/v1/benefits/abc/").status_code == 404


# --- exports -------------------------------------------------------------------------------------------------------


def test_export_a_run_idempotently_and_download_it(world):
    fin = world.client("finance")
    run_id = world.run.pk
    before = ExportRecord.objects.count()
    first = fin.post(
        f"/api/v1/payout-runs/{run_id}/exports/",
        {"format": "notice_pdf"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="export-notice-1",
    )
    assert first.status_code == 201, first.content
    body = first.json()
    assert (
        body["state"] == "done"
        and body["format"] == "notice_pdf"
        and body["line_count"] == PayoutLine.objects.filter(run=world.run, active=True).count() > 0
    )
    assert "file_path" not in body
    replay = fin.post(
        f"/api/v1/payout-runs/{run_id}/exports/",
        {"format": "notice_pdf"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="export-notice-1",
    )
    assert replay.status_code == 201 and replay.json() == body and replay["Idempotent-Replayed"] == "true"
    assert ExportRecord.objects.count() == before + 1
    reused = fin.post(
        f"/api/v1/payout-runs/{run_id}/exports/",
        {"format": "appendix_pdf"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="export-notice-1",
    )
    assert reused.status_code == 422 and _error(reused)["code"] == "idempotency_key_reused"
    assert ExportRecord.objects.count() == before + 1
    unknown = fin.post(f"/api/v1/payout-runs/{run_id}/exports/", {"format": "docx"}, format="json")
    assert unknown.status_code == 400 and "format" in _error(unknown)["fields"]

    listed = fin.get(f"/api/v1/payout-runs/{run_id}/exports/").json()
    assert {e["id"] for e in listed} == {world.export.pk, body["id"]}
    download = fin.get(body["download_url"])
    assert download.status_code == 200 and download["Content-Disposition"].startswith("attachment")
    data = b"".join(download.streaming_content)
    assert (
        data.startswith(b"%PDF-") and hashlib.sha256(data).hexdigest() == download["X-Content-SHA256"] == body["sha256"]
    )
    # an enterprise never reaches exports (they carry every beneficiary's bank details)
    owner = login_client(world.a.user)
    assert owner.get(body["download_url"]).status_code == 403
    assert (
        owner.post(f"/api/v1/payout-runs/{run_id}/exports/", {"format": "notice_pdf"}, format="json").status_code == 403
    )


def test_export_refused_for_an_unapproved_run_and_not_ready_download(world):
    fin = world.client("finance")
    run = fin.post("/api/v1/payout-runs/", {"kind": "monthly", "period": "2024-06"}, format="json").json()
    refused = fin.post(
        f"/api/v1/payout-runs/{run['id']}/exports/",
        {"format": "register_pdf"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="export-computed",
    )
    assert refused.status_code == 409 and _error(refused)["code"] == "not_exportable"
    assert not ExportRecord.objects.filter(run_id=run["id"]).exists()
    assert IdempotencyKey.objects.get(key="export-computed").status_code == 409
    # queued on the workers (their transaction never commits in this test): not downloadable yet
    queued = export_request(actor=world.users["finance"], run_id=world.run.pk, fmt="appendix_pdf", inline=False)
    assert queued.state == ExportState.QUEUED
    detail = fin.get(f"/api/v1/exports/{queued.pk}/").json()
    assert detail["state"] == "queued" and detail["download_url"] is None
    early = fin.get(f"/api/v1/exports/{queued.pk}/download/")
    assert early.status_code == 409 and _error(early)["code"] == "export_not_ready"
