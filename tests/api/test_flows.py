"""API flows through the services: filing lifecycle, the error format, idempotency, fields a client must
not set, and 16 simultaneous run starts."""

import threading
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import IdempotencyKey, Role
from registry.models import Filing, FilingStatus
from subsidies.models import PayoutLine, PayoutRun, RDDeclaration, RunState
from talent.models import Degree
from tests.api.conftest import login_client, pdf_upload

pytestmark = pytest.mark.django_db


def _error(response):
    body = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "message_en", "record", "fields"}
    return body["error"]


def test_file_a_centre_submit_and_two_reviewers_approve(world, make_user):
    owner = login_client(world.a.user)
    centre = owner.post(
        "/api/v1/centres/",
        {"enterprise": world.a.enterprise.pk, "name": "企业A杭州研发中心", "city": "杭州", "division_code": "330106"},
        format="json",
    )
    assert centre.status_code == 201, centre.content
    filing = owner.post("/api/v1/filings/", {"centre": centre.json()["id"], "level": "regional"}, format="json")
    assert filing.status_code == 201 and filing.json()["status"] == "draft"
    fid = filing.json()["id"]
    refused = owner.post(f"/api/v1/filings/{fid}/submit/", format="json")
    assert refused.status_code == 400
    err = _error(refused)
    assert err["code"] == "ineligible" and "缺少必备材料" in err["message"] and err["record"]
    for kind in ("business_licence", "establishment_proof"):
        up = owner.post(
            f"/api/v1/filings/{fid}/documents/", {"kind": kind, "file": pdf_upload(f"{kind}.pdf")}, format="multipart"
        )
        assert up.status_code == 201, up.content
    unpromised = owner.post(f"/api/v1/filings/{fid}/submit/", format="json")
    assert unpromised.status_code == 400 and _error(unpromised)["code"] == "commitment_required"
    submitted = owner.post(f"/api/v1/filings/{fid}/submit/", {"commitment": True}, format="json")
    assert submitted.status_code == 200 and submitted.json()["status"] == "submitted"

    first = login_client(world.users["regional_reviewer"])
    assert (
        first.post(f"/api/v1/filings/{fid}/first-review/", {"comment": "材料齐全"}, format="json").json()["status"]
        == "first_reviewed"
    )
    same = first.post(f"/api/v1/filings/{fid}/approve/", {}, format="json")
    assert same.status_code == 403 and _error(same)["code"] == "same_reviewer"
    second = login_client(make_user("api-reg2", Role.REGIONAL_REVIEWER))
    approved = second.post(
        f"/api/v1/filings/{fid}/approve/",
        {"effective_from": "2025-01-01", "backdate_reason": "按纸质备案补录"},
        format="json",
    )
    assert approved.status_code == 200
    assert approved.json()["status"] == "approved" and approved.json()["effective_from"] == "2025-01-01"
    again = second.post(f"/api/v1/filings/{fid}/approve/", {}, format="json")
    assert again.status_code == 409 and _error(again)["code"] == "already_decided"
    decisions = owner.get(f"/api/v1/filings/{fid}/decisions/").json()
    assert [d["step"] for d in decisions] == ["submit", "first_review", "approval"]


def test_document_download_and_upload_limit(world, settings):
    owner = login_client(world.a.user)
    response = owner.get(f"/api/v1/documents/{world.a.document.pk}/download/")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert b"".join(response.streaming_content).startswith(b"%PDF-")
    settings.DOCUMENT_MAX_BYTES = 1024
    big = owner.post(
        f"/api/v1/filings/{world.a.draft.pk}/documents/",
        {"kind": "other", "file": pdf_upload("big.pdf", "x" * 200_000)},
        format="multipart",
    )
    assert big.status_code == 413 and _error(big)["code"] == "too_large"
    fake = owner.post(
        f"/api/v1/filings/{world.a.draft.pk}/documents/",
        {"kind": "other", "file": pdf_upload("x.pdf.exe")},
        format="multipart",
    )
    assert fake.status_code == 400


def test_researcher_ids_are_masked_for_every_role(world):
    number = world.a.researcher.id_number
    for role in ("enterprise", "regional_reviewer", "finance", "admin"):
        body = world.client(role).get(f"/api/v1/researchers/{world.a.researcher.pk}/").content.decode()
        assert number not in body
        assert (
            world.client(role).get(f"/api/v1/researchers/{world.a.researcher.pk}/").json()["id_number_masked"]
            == number[:6] + "********" + number[-4:]
        )
    lines = world.client("finance").get("/api/v1/payout-lines/").content.decode()
    assert number not in lines


def test_unknown_and_unauthenticated_use_the_error_format(world):
    anon = APIClient().get("/api/v1/filings/")
    assert anon.status_code == 401 and _error(anon)["code"] == "not_authenticated"
    assert anon["WWW-Authenticate"].startswith("Token")
    bad = world.client("enterprise").post("/api/v1/filings/", {"level": "nowhere"}, format="json")
    err = _error(bad)
    assert bad.status_code == 400 and set(err["fields"]) == {"centre", "level"}
    malformed = world.client("enterprise").generic(
        "POST", "/api/v1/filings/", "{not json", content_type="application/json"
    )
    assert malformed.status_code == 400 and _error(malformed)["code"] == "parse_error"


# --- fields a client must not set -----------------------------------------------------------------------


def test_filing_status_and_dates_are_not_client_fields(world):
    owner = login_client(world.a.user)
    created = owner.post(
        "/api/v1/filings/",
        {
            "centre": world.a.draft_centre.pk,
            "level": "yinchuan",
            "status": "approved",
            "effective_from": "2020-01-01",
            "decided_at": "2020-01-01T00:00:00Z",
        },
        format="json",
    )
    assert created.status_code == 201
    filing = Filing.objects.get(pk=created.json()["id"])
    assert (filing.status, filing.effective_from, filing.decided_at) == (FilingStatus.DRAFT, None, None)
    # the draft filing has its licence; add the establishment proof, then submit with dates in the body
    owner.post(
        f"/api/v1/filings/{world.a.draft.pk}/documents/",
        {"kind": "establishment_proof", "file": pdf_upload()},
        format="multipart",
    )
    submitted = owner.post(
        f"/api/v1/filings/{world.a.draft.pk}/submit/",
        {"status": "approved", "effective_from": "2020-01-01", "effective_to": "2030-01-01", "commitment": True},
        format="json",
    )
    assert submitted.status_code == 200
    world.a.draft.refresh_from_db()
    assert (world.a.draft.status, world.a.draft.effective_from, world.a.draft.effective_to) == (
        FilingStatus.SUBMITTED,
        None,
        None,
    )


def test_degree_verification_and_declaration_amounts_are_not_client_fields(world):
    owner = login_client(world.a.user)
    degree = owner.post(
        "/api/v1/degrees/",
        {
            "researcher": world.a.researcher.pk,
            "level": "doctorate",
            "awarded_on": "2015-07-01",
            "key_discipline": True,
            "verified_at": "2020-01-01T00:00:00Z",
            "verified": True,
            "verified_by": "someone",
        },
        format="json",
    )
    assert degree.status_code == 201, degree.content
    assert Degree.objects.get(pk=degree.json()["id"]).verified_at is None
    # the old declaration API is read-only: declaring and verifying go through declaration-submissions,
    # which require a finished year, an effective Yinchuan filing and the audit report (POLICY YC-RD 1-2)
    before = list(RDDeclaration.objects.values_list("pk", "declared_amount", "verified_amount", "revision"))
    decl = owner.post(
        "/api/v1/declarations/",
        {
            "centre": world.a.centre.pk,
            "year": timezone.localdate().year,
            "declared_amount": "100.00",
            "verified_amount": "9999999.00",
            "revision": 7,
        },
        format="json",
    )
    assert decl.status_code == 405, decl.content  # no create action: the method is not allowed (issue 12 §7)
    verify = world.client(Role.YINCHUAN_REVIEWER.value).post(
        f"/api/v1/declarations/{world.a.declaration.pk}/verify/", {"verified_amount": "99999999.00"}, format="json"
    )
    assert verify.status_code == 404, verify.content
    assert list(RDDeclaration.objects.values_list("pk", "declared_amount", "verified_amount", "revision")) == before


def test_run_state_totals_and_approver_are_not_client_fields(world):
    fin = world.client("finance")
    started = fin.post(
        "/api/v1/payout-runs/",
        {
            "kind": "monthly",
            "period": "2024-06",
            "state": "approved",
            "total_amount": "1.00",
            "line_count": 999,
            "approved_by": world.users["admin"].pk,
        },
        format="json",
    )
    assert started.status_code == 201, started.content
    run = PayoutRun.objects.get(pk=started.json()["id"])
    assert run.state == RunState.COMPUTED and run.approved_by is None
    assert run.line_count == PayoutLine.objects.filter(run=run).count() == 2
    assert run.total_amount == Decimal("10000.00")  # two doctorates × 5,000 for June
    # four eyes: the starter cannot approve
    own = fin.post(f"/api/v1/payout-runs/{run.pk}/approve/", format="json")
    assert own.status_code == 403 and _error(own)["code"] == "four_eyes"


# --- idempotency ------------------------------------------------------------------------------------------


def test_idempotent_start_replays_and_refuses_a_different_body(world):
    fin = world.client("finance")
    body = {"kind": "monthly", "period": "2024-07"}
    first = fin.post("/api/v1/payout-runs/", body, format="json", HTTP_IDEMPOTENCY_KEY="start-2024-07")
    replay = fin.post("/api/v1/payout-runs/", body, format="json", HTTP_IDEMPOTENCY_KEY="start-2024-07")
    assert first.status_code == replay.status_code == 201
    assert replay.json() == first.json() and replay["Idempotent-Replayed"] == "true"
    assert PayoutRun.objects.filter(period="2024-07").count() == 1
    other = fin.post(
        "/api/v1/payout-runs/",
        {"kind": "monthly", "period": "2024-08"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="start-2024-07",
    )
    assert other.status_code == 422 and _error(other)["code"] == "idempotency_key_reused"
    assert not PayoutRun.objects.filter(period="2024-08").exists()
    # without a key a second start is the service's 409
    plain = fin.post("/api/v1/payout-runs/", body, format="json")
    assert plain.status_code == 409 and _error(plain)["code"] == "run_exists"
    # keys are per user: another finance user's same key is a new request
    fin_b = world.client("admin")
    assert (
        fin_b.post("/api/v1/payout-runs/", body, format="json", HTTP_IDEMPOTENCY_KEY="start-2024-07").status_code == 409
    )


def test_idempotent_approve_and_cancel(world, finance_b):
    fin = world.client("finance")
    run_id = fin.post("/api/v1/payout-runs/", {"kind": "monthly", "period": "2024-06"}, format="json").json()["id"]
    approver = login_client(finance_b)
    first = approver.post(f"/api/v1/payout-runs/{run_id}/approve/", format="json", HTTP_IDEMPOTENCY_KEY="ap-1")
    replay = approver.post(f"/api/v1/payout-runs/{run_id}/approve/", format="json", HTTP_IDEMPOTENCY_KEY="ap-1")
    assert first.status_code == replay.status_code == 200 and first.json() == replay.json()
    assert first.json()["state"] == "approved" and first.json()["approved_by"] == finance_b.display_name
    # a refusal is remembered too: replaying the cancel of an approved run gives the same 409
    c1 = fin.post(f"/api/v1/payout-runs/{run_id}/cancel/", {"reason": "x"}, format="json", HTTP_IDEMPOTENCY_KEY="cx-1")
    c2 = fin.post(f"/api/v1/payout-runs/{run_id}/cancel/", {"reason": "x"}, format="json", HTTP_IDEMPOTENCY_KEY="cx-1")
    assert c1.status_code == c2.status_code == 409 and c1.json() == c2.json()
    assert IdempotencyKey.objects.filter(user=finance_b).count() == 1


# --- concurrency -------------------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_sixteen_simultaneous_starts_give_one_run(make_user, media_root):
    from tests.api.conftest import build_world

    world = build_world(make_user, media_root)
    finance = world.users["finance"]
    barrier = threading.Barrier(16)
    statuses, codes = [], []
    lock = threading.Lock()

    def start():
        client = APIClient()
        client.force_authenticate(finance)
        try:
            barrier.wait(timeout=30)
            response = client.post("/api/v1/payout-runs/", {"kind": "monthly", "period": "2024-06"}, format="json")
            with lock:
                statuses.append(response.status_code)
                if response.status_code != 201:
                    codes.append(response.json()["error"]["code"])
        finally:
            connection.close()

    threads = [threading.Thread(target=start) for _ in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert sorted(statuses) == [201] + [409] * 15, statuses
    assert len(codes) == 15 and set(codes) <= {"run_exists", "run_in_progress"}
    assert PayoutRun.objects.filter(period="2024-06").count() == 1
    # and the one run paid each person-month once
    assert PayoutLine.objects.filter(service_period="2024-06", active=True).count() == 2
