"""Degree verification decisions (issue 15 §2): 核验通过 needs a certificate; 退回补正 and 不予核验 need a
reason, which the claimant enterprise's users are told; a returned claim corrected by its enterprise waits
again; a refused claim stays refused; the certificate is shown inline to the claimant and staff only."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.errors import NotFoundError, ServiceError
from accounts.models import Role
from registry.models import Notification, PreviewState
from subsidies.reporting import panels as stipend_panels
from subsidies.rules.stipend import R_REFUSED, R_RETURNED, R_UNVERIFIED
from talent import certificates, selectors, services
from talent.models import CertificatePreview, Degree, DegreeStatus
from tests.api.conftest import login_client
from tests.registry.conftest import pdf_bytes, png_bytes, upload
from tests.registry.sample_files import real_pdf

from .conftest import with_certificate

D = dt.date
REASON = "证书照片不清晰,请重新上传原件扫描件"


@pytest.fixture
def yinchuan_reviewer(make_user):
    return make_user("yc1", Role.YINCHUAN_REVIEWER, full_name="银川审核一")


@pytest.fixture
def claim(centre_a, ent_user_a, enrol):
    """Enterprise A's own master's claim (no certificate yet) on a person it employs."""
    r, _c = enrol(centre_a)
    return services.degree_upsert(
        actor=ent_user_a, researcher=r, level="master", full_time=True, awarded_on=D(2016, 7, 1), institution="宁夏大学"
    )


@pytest.fixture
def shared(claim, centre_b, system):
    """The same person also works for enterprise B (B relies on the record, never sees A's claim)."""
    services.contract_upsert(
        actor=system,
        researcher=claim.researcher,
        centre=centre_b,
        full_time=False,
        start=D(2024, 5, 1),
        end=D(2026, 4, 30),
    )
    return claim


def test_verification_needs_the_certificate(claim, reviewer):
    with pytest.raises(ServiceError) as exc:
        services.degree_verify(actor=reviewer, degree=claim)
    assert exc.value.code == "certificate_required" and "学位证书" in exc.value.zh
    assert Degree.objects.get(pk=claim.pk).verified_at is None
    degree = services.degree_verify(actor=reviewer, degree=with_certificate(claim))
    assert degree.status == DegreeStatus.VERIFIED and degree.verification_status == DegreeStatus.VERIFIED
    assert (degree.reviewed_by, degree.verified_by) == (reviewer, reviewer)


def test_a_scenario_import_arrives_verified_without_a_certificate(system, enrol, centre_a):
    r, _c = enrol(centre_a, verified=True)
    degree = r.degrees.get()
    assert not degree.certificate and degree.status == DegreeStatus.VERIFIED


def test_return_needs_a_reason_and_tells_the_claimants_users(claim, reviewer, ent_user_a, ent_user_b):
    for blank in ("", "   "):
        with pytest.raises(ServiceError) as exc:
            services.degree_return(actor=reviewer, degree=claim, reason=blank)
        assert exc.value.code == "reason"
    assert Degree.objects.get(pk=claim.pk).status == DegreeStatus.PENDING
    assert not Notification.objects.exists()
    degree = services.degree_return(actor=reviewer, degree=claim, reason=REASON)
    assert (degree.status, degree.verification_reason, degree.reviewed_by) == (DegreeStatus.RETURNED, REASON, reviewer)
    note = Notification.objects.get()
    assert note.user == ent_user_a and "退回补正" in note.title and REASON in note.body
    assert not Notification.objects.filter(user=ent_user_b).exists()
    # audited by the event table with the reviewer and the action
    event = Degree.pgh_event_model.objects.filter(pgh_obj_id=claim.pk).order_by("-pgh_id").first()
    assert event.verification_status == DegreeStatus.RETURNED and event.pgh_context.metadata["user"] == reviewer.pk
    # out of the queue, not verifiable, until the enterprise corrects it
    assert claim not in selectors.verification_queue(actor=reviewer)
    with pytest.raises(ServiceError) as exc:
        services.degree_verify(actor=reviewer, degree=with_certificate(Degree.objects.get(pk=claim.pk)))
    assert exc.value.code == "degree_returned"


def test_a_corrected_returned_claim_waits_again_and_can_be_verified(claim, reviewer, ent_user_a):
    services.degree_return(actor=reviewer, degree=claim, reason=REASON)
    corrected = services.degree_upsert(
        actor=ent_user_a,
        researcher=claim.researcher,
        level="master",
        full_time=True,
        awarded_on=D(2016, 7, 1),
        institution="宁夏大学",
        certificate=upload("证书.png", png_bytes()),
    )
    assert corrected.pk == claim.pk and corrected.status == DegreeStatus.PENDING and corrected.certificate
    assert claim in selectors.verification_queue(actor=reviewer)
    assert services.degree_verify(actor=reviewer, degree=corrected).status == DegreeStatus.VERIFIED
    assert [n.title for n in Notification.objects.order_by("id")][-1].endswith("核验通过")


def test_a_refused_claim_stays_refused_and_a_new_claim_may_be_filed(claim, reviewer, ent_user_a):
    with pytest.raises(ServiceError) as exc:
        services.degree_refuse(actor=reviewer, degree=claim, reason="")
    assert exc.value.code == "reason"
    services.degree_return(actor=reviewer, degree=claim, reason=REASON)
    refused = services.degree_refuse(actor=reviewer, degree=claim, reason="学位证书与学信网信息不符")
    assert refused.status == DegreeStatus.REFUSED and "不予核验" in Notification.objects.order_by("id").last().title
    for decide in (
        lambda: services.degree_verify(actor=reviewer, degree=with_certificate(refused)),
        lambda: services.degree_return(actor=reviewer, degree=refused, reason=REASON),
        lambda: services.degree_refuse(actor=reviewer, degree=refused, reason=REASON),
    ):
        with pytest.raises(ServiceError) as exc:
            decide()
        assert exc.value.code == "degree_refused"
    again = services.degree_upsert(
        actor=ent_user_a,
        researcher=claim.researcher,
        level="master",
        full_time=True,
        awarded_on=D(2016, 7, 1),
        institution="宁夏大学",
        certificate=upload("新证书.pdf", pdf_bytes("新")),
    )
    assert again.pk != claim.pk and again.status == DegreeStatus.PENDING
    assert Degree.objects.get(pk=claim.pk).status == DegreeStatus.REFUSED


def test_a_verified_degree_is_neither_returned_nor_refused(claim, reviewer):
    services.degree_verify(actor=reviewer, degree=with_certificate(claim))
    with pytest.raises(ServiceError) as exc:
        services.degree_return(actor=reviewer, degree=claim, reason=REASON)
    assert exc.value.code == "already_verified"


def test_decisions_are_scoped_to_the_reviewers_bureau(claim, ent_user_a, yinchuan_reviewer):
    for decide in (services.degree_return, services.degree_refuse):
        with pytest.raises(NotFoundError) as exc:
            decide(actor=yinchuan_reviewer, degree=claim, reason=REASON)
        assert exc.value.code == "bureau_scope"
        with pytest.raises(ServiceError) as exc:
            decide(actor=ent_user_a, degree=claim, reason=REASON)
        assert exc.value.status == 403
    assert Degree.objects.get(pk=claim.pk).status == DegreeStatus.PENDING


def test_the_stipend_says_a_degree_was_returned_or_refused(centre_a, reviewer, enrol):
    r, _c = enrol(centre_a, verified=False)
    degree = r.degrees.get()
    reasons = lambda: stipend_panels.stipend_statuses([r.pk], as_of=D(2024, 8, 10))[r.pk].status.reasons  # noqa: E731
    assert R_UNVERIFIED in reasons()
    services.degree_return(actor=reviewer, degree=degree, reason=REASON)
    assert R_RETURNED in reasons() and R_UNVERIFIED not in reasons()
    services.degree_refuse(actor=reviewer, degree=degree, reason=REASON)
    assert R_REFUSED in reasons() and R_RETURNED not in reasons()


# --- API ------------------------------------------------------------------------------------------------


def test_api_return_and_refuse(claim, reviewer, ent_user_a, yinchuan_reviewer):
    url = f"/api/v1/degrees/{claim.pk}"
    assert login_client(reviewer).post(f"{url}/return/", {}, format="json").status_code == 400
    assert login_client(ent_user_a).post(f"{url}/return/", {"reason": REASON}, format="json").status_code == 403
    assert login_client(yinchuan_reviewer).post(f"{url}/return/", {"reason": REASON}, format="json").status_code == 404
    response = login_client(reviewer).post(f"{url}/return/", {"reason": REASON}, format="json")
    assert response.status_code == 200, response.content
    assert (response.json()["status"], response.json()["status_reason"]) == ("returned", REASON)
    mine = login_client(ent_user_a).get(f"{url}/").json()
    assert (mine["status"], mine["status_reason"]) == ("returned", REASON)
    verify = login_client(reviewer).post(f"{url}/verify/")
    assert verify.status_code == 409, verify.content
    response = login_client(reviewer).post(f"{url}/refuse/", {"reason": "不符"}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "refused"


def test_api_verify_without_a_certificate_is_refused_with_the_reason(claim, reviewer):
    response = login_client(reviewer).post(f"/api/v1/degrees/{claim.pk}/verify/")
    assert response.status_code == 400 and "学位证书" in response.content.decode()
    assert Degree.objects.get(pk=claim.pk).verified_at is None


def test_another_enterprise_never_sees_the_reason_or_the_certificate(shared, reviewer, ent_user_b, client):
    with_certificate(shared)
    services.degree_return(actor=reviewer, degree=shared, reason=REASON)
    api = login_client(ent_user_b)
    assert api.get(f"/api/v1/degrees/{shared.pk}/").status_code == 404
    assert shared.pk not in [d["id"] for d in api.get("/api/v1/degrees/").json()["results"]]
    assert REASON not in api.get("/api/v1/degrees/").content.decode()
    client.force_login(ent_user_b)
    page = client.get(reverse("talent:researcher_detail", args=[shared.researcher_id]))
    assert page.status_code == 200 and REASON not in page.content.decode()
    assert reverse("talent:degree_certificate_image", args=[shared.pk]) not in page.content.decode()
    assert client.get(reverse("talent:degree_certificate_image", args=[shared.pk])).status_code == 404
    assert client.get(reverse("talent:degree_certificate", args=[shared.pk])).status_code == 404


# --- pages ----------------------------------------------------------------------------------------------


def test_queue_buttons_and_the_inline_certificate(claim, reviewer, client):
    client.force_login(reviewer)
    queue = client.get(reverse("talent:verification_queue")).content.decode()
    for name in ("degree_return", "degree_refuse"):
        assert reverse(f"talent:{name}", args=[claim.pk]) in queue
    assert "尚未上传学位证书,不能核验" in queue  # the verify button is disabled without a certificate
    with_certificate(claim)
    queue = client.get(reverse("talent:verification_queue")).content.decode()
    image = reverse("talent:degree_certificate_image", args=[claim.pk])
    assert f'<img src="{image}?page=1"' in queue
    response = client.get(f"{image}?page=1")
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert response["Content-Disposition"] == "inline" and response["X-Content-Type-Options"] == "nosniff"
    assert response.content == png_bytes()
    page = client.get(image)  # the portal page of the preview, as a filing document's
    assert page.status_code == 200 and f'<img src="{image}?page=1"' in page.content.decode()


def test_a_pdf_certificate_is_shown_as_page_images_rendered_off_the_request_path(
    claim, reviewer, ent_user_a, client, settings
):
    settings.DOCUMENT_PREVIEWS_ON_CELERY = True  # the render task runs after the upload commits
    corrected = services.degree_upsert(
        actor=ent_user_a,
        researcher=claim.researcher,
        level="master",
        full_time=True,
        awarded_on=D(2016, 7, 1),
        institution="宁夏大学",
        certificate=upload("证书.pdf", real_pdf(pages=2)),
    )
    image = reverse("talent:degree_certificate_image", args=[claim.pk])
    client.force_login(reviewer)
    queue = client.get(reverse("talent:verification_queue")).content.decode()
    assert "预览生成中" in queue and f"{image}?page=1" not in queue  # the page view rendered nothing
    assert CertificatePreview.objects.get(degree=corrected).state == PreviewState.PENDING
    assert client.get(f"{image}?page=1").status_code == 404
    # the Celery task's body
    assert certificates.certificate_preview_render(degree_id=corrected.pk).state == PreviewState.READY
    queue = client.get(reverse("talent:verification_queue")).content.decode()
    assert f'<img src="{image}?page=2"' in queue and "预览生成中" not in queue
    response = client.get(f"{image}?page=1")
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert b"".join(response.streaming_content).startswith(b"\x89PNG")
    assert response["Content-Disposition"] == "inline"
    assert client.get(f"{image}?page=3").status_code == 404
    # a corrected claim with a new certificate gets its own pages; a stale task renders nothing
    services.degree_return(actor=reviewer, degree=corrected, reason=REASON)
    services.degree_upsert(
        actor=ent_user_a,
        researcher=claim.researcher,
        level="master",
        full_time=True,
        awarded_on=D(2016, 7, 1),
        institution="宁夏大学",
        certificate=upload("新证书.pdf", real_pdf(pages=1)),
    )
    assert "预览生成中" in client.get(reverse("talent:verification_queue")).content.decode()
    certificates.certificate_preview_render(degree_id=corrected.pk)
    assert CertificatePreview.objects.get(degree=corrected).pages_rendered == 1


def test_a_broken_pdf_certificate_says_why_there_is_no_preview(claim, reviewer, ent_user_a, client):
    services.degree_upsert(
        actor=ent_user_a,
        researcher=claim.researcher,
        level="master",
        full_time=True,
        awarded_on=D(2016, 7, 1),
        institution="宁夏大学",
        certificate=upload("证书.pdf", pdf_bytes()),
    )  # a PDF without pages
    client.force_login(reviewer)
    queue = client.get(reverse("talent:verification_queue")).content.decode()
    assert "无法生成预览" in queue and reverse("talent:degree_certificate", args=[claim.pk]) in queue


def test_page_return_then_the_enterprise_sees_why(claim, reviewer, ent_user_a, client):
    client.force_login(reviewer)
    url = reverse("talent:degree_return", args=[claim.pk])
    client.post(url, {"reason": ""})
    assert Degree.objects.get(pk=claim.pk).status == DegreeStatus.PENDING
    response = client.post(url, {"reason": REASON, "next": reverse("talent:verification_queue")}, follow=True)
    assert "已退回补正 张三 的学位" in response.content.decode()
    assert Degree.objects.get(pk=claim.pk).status == DegreeStatus.RETURNED
    # a returned claim offers only 不予核验 to the reviewer on the person's page
    page = client.get(reverse("talent:researcher_detail", args=[claim.researcher_id])).content.decode()
    assert reverse("talent:degree_refuse", args=[claim.pk]) in page
    assert reverse("talent:degree_verify", args=[claim.pk]) not in page
    client.force_login(ent_user_a)
    page = client.get(reverse("talent:researcher_detail", args=[claim.researcher_id])).content.decode()
    assert "退回补正" in page and REASON in page and "请重新登记该学位" in page
    assert reverse("talent:degree_refuse", args=[claim.pk]) not in page
    refuse = client.post(reverse("talent:degree_refuse", args=[claim.pk]), {"reason": REASON})
    assert refuse.status_code == 403


def test_a_lost_certificate_render_is_queued_again_then_given_up(claim, ent_user_a, settings):
    settings.DOCUMENT_PREVIEWS_ON_CELERY = True
    services.degree_upsert(
        actor=ent_user_a,
        researcher=claim.researcher,
        level="master",
        full_time=True,
        awarded_on=D(2016, 7, 1),
        institution="宁夏大学",
        certificate=upload("证书.pdf", real_pdf(pages=1)),
    )
    assert certificates.certificate_preview_requeue_stale() == 0  # not stale yet
    settings.DOCUMENT_PREVIEWS_ON_CELERY = False  # without Celery the requeue renders it at once
    CertificatePreview.objects.update(queued_at=timezone.now() - dt.timedelta(hours=1))
    assert certificates.certificate_preview_requeue_stale() == 1
    assert CertificatePreview.objects.get().state == PreviewState.READY
    CertificatePreview.objects.update(
        state=PreviewState.PENDING, attempts=3, queued_at=timezone.now() - dt.timedelta(hours=1)
    )
    assert certificates.certificate_preview_requeue_stale() == 0
    assert CertificatePreview.objects.get().state == PreviewState.FAILED
