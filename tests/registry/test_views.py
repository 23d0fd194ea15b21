"""Pages: each role's work renders; every registry view answers 404 for another enterprise's object;
downloads are attachments with nosniff."""

import pytest
from django.urls import reverse

from registry import services
from registry.models import Document, FilingStatus, Membership, Notification
from tests.registry.conftest import attach_required, pdf_bytes, upload


@pytest.fixture
def world(owner, owner_b, centre, centre_b, submitted):
    """Enterprise A has a submitted filing with documents; enterprise B has a draft with a document."""
    draft_b = services.filing_create(actor=owner_b, centre=centre_b, level="regional")
    services.document_upload(
        actor=owner_b,
        enterprise=centre_b.enterprise,
        filing=draft_b,
        kind="business_licence",
        upload=upload("b.pdf", pdf_bytes("b")),
    )
    return {"a": submitted, "b": draft_b, "doc_a": submitted.documents.first(), "doc_b": draft_b.documents.first()}


def _login(client, user):
    client.force_login(user)
    return client


def object_urls(filing, document):
    centre, enterprise = filing.centre, filing.centre.enterprise
    return [
        ("get", reverse("registry:enterprise_detail", args=[enterprise.pk])),
        ("post", reverse("registry:enterprise_detail", args=[enterprise.pk])),
        ("get", reverse("registry:centre_create", args=[enterprise.pk])),
        ("post", reverse("registry:centre_create", args=[enterprise.pk])),
        ("get", reverse("registry:centre_edit", args=[centre.pk])),
        ("post", reverse("registry:centre_edit", args=[centre.pk])),
        ("get", reverse("registry:filing_detail", args=[filing.pk])),
        ("get", reverse("registry:filing_detail", args=[filing.pk]) + "?tab=history"),
        ("post", reverse("registry:filing_submit", args=[filing.pk])),
        ("post", reverse("registry:document_upload", args=[filing.pk])),
        ("get", reverse("registry:document_download", args=[document.pk])),
    ]


def test_every_view_answers_404_for_another_enterprises_objects(client, owner, world):
    _login(client, owner)
    for method, url in object_urls(world["b"], world["doc_b"]):
        response = getattr(client, method)(url)
        assert response.status_code == 404, (method, url, response.status_code)
    # and nothing changed on B's side
    assert world["b"].__class__.objects.get(pk=world["b"].pk).status == FilingStatus.DRAFT
    assert Document.objects.filter(filing=world["b"]).count() == 1


def test_the_other_direction_too(client, owner_b, world):
    _login(client, owner_b)
    for method, url in object_urls(world["a"], world["doc_a"]):
        assert getattr(client, method)(url).status_code == 404, (method, url)


def test_lists_show_only_own_records(client, owner, world):
    _login(client, owner)
    page = client.get(reverse("registry:dashboard")).content.decode()
    assert "威力传动上海研发中心" in page
    assert "石嘴山新材料北京研发中心" not in page
    start = client.get(reverse("registry:filing_start")).content.decode()
    assert "石嘴山新材料北京研发中心" not in start


def test_reviewer_of_the_other_level_gets_404(client, yinchuan1, world):
    _login(client, yinchuan1)
    assert client.get(reverse("registry:review_decide", args=[world["a"].pk])).status_code == 404
    assert client.get(reverse("registry:document_download", args=[world["doc_a"].pk])).status_code == 404
    # a draft is private to its enterprise, whatever the level
    assert client.get(reverse("registry:review_decide", args=[world["b"].pk])).status_code == 404


def test_enterprise_user_cannot_open_the_review_pages(client, owner, world):
    _login(client, owner)
    assert client.get(reverse("registry:review_queue")).status_code == 403
    assert (
        client.post(
            reverse("registry:review_decide", args=[world["a"].pk]),
            {"action": "first_review", "seen_status": "submitted"},
        ).status_code
        == 403
    )


def test_download_is_an_attachment_with_nosniff(client, owner, world):
    _login(client, owner)
    response = client.get(reverse("registry:document_download", args=[world["doc_a"].pk]))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content).startswith(b"%PDF-")


def test_anonymous_users_are_sent_to_login(client, world):
    response = client.get(reverse("registry:document_download", args=[world["doc_a"].pk]))
    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]


def test_enterprise_wizard_centre_draft_upload_submit(client, owner, enterprise):
    _login(client, owner)
    response = client.post(
        reverse("registry:centre_create", args=[enterprise.pk]),
        {
            "name": "威力传动杭州研发中心",
            "kind": "independent",
            "city": "杭州",
            "division_code": "330106",
            "address": "西湖区文三路1号",
            "headcount": "9",
            "rd_fields": "精密传动",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    centre = enterprise.centres.get(name="威力传动杭州研发中心")
    response = client.post(reverse("registry:filing_start"), {"centre": centre.pk, "level": "regional"})
    filing = centre.filings.get()
    assert response.status_code == 302 and filing.status == FilingStatus.DRAFT
    # submitting without documents is refused with the missing documents named
    response = client.post(reverse("registry:filing_submit", args=[filing.pk]), follow=True)
    assert "缺少必备材料" in response.content.decode()
    for kind in ("business_licence", "establishment_proof"):
        f = upload(f"{kind}.pdf", pdf_bytes(kind))
        client.post(reverse("registry:document_upload", args=[filing.pk]), {"kind": kind, "file": f})
    bad = upload("evil.png", b"\x89PNG\r\n\x1a\n<html><script>alert(1)</script>")
    response = client.post(
        reverse("registry:document_upload", args=[filing.pk]), {"kind": "other", "file": bad}, follow=True
    )
    assert "网页或脚本" in response.content.decode()
    assert filing.documents.count() == 2
    client.post(reverse("registry:filing_submit", args=[filing.pk]), {"commitment": "on"})
    filing.refresh_from_db()
    assert filing.status == FilingStatus.SUBMITTED
    for tab in ("documents", "comments", "history"):
        r = client.get(reverse("registry:filing_detail", args=[filing.pk]) + f"?tab={tab}", HTTP_HX_REQUEST="true")
        assert r.status_code == 200
        assert 'id="tab-body"' in r.content.decode()


def test_review_queue_and_decisions_through_the_pages(client, regional1, regional2, owner, world):
    _login(client, regional1)
    page = client.get(reverse("registry:review_queue")).content.decode()
    assert "威力传动上海研发中心" in page
    assert "石嘴山新材料北京研发中心" not in page  # a draft never reaches the queue
    url = reverse("registry:review_decide", args=[world["a"].pk])
    assert client.get(url).status_code == 200
    client.post(url, {"action": "first_review", "comment": "材料齐全", "seen_status": "submitted"})
    world["a"].refresh_from_db()
    assert world["a"].status == FilingStatus.FIRST_REVIEWED
    # the first reviewer may not approve
    response = client.post(url, {"action": "approve", "seen_status": "first_reviewed"}, follow=True)
    assert "初审人以外" in response.content.decode()
    # a stale page: regional2 saw "submitted" and tries to return it
    _login(client, regional2)
    response = client.post(url, {"action": "return", "comment": "x", "seen_status": "submitted"}, follow=True)
    assert "已由区审核一" in response.content.decode()
    client.post(
        url,
        {
            "action": "approve",
            "on": "2024-03-01",
            "seen_status": "first_reviewed",
            "backdate_reason": "按2024年纸质备案补录",
        },
    )
    world["a"].refresh_from_db()
    assert (world["a"].status, str(world["a"].effective_from)) == ("approved", "2024-03-01")
    assert Notification.objects.filter(user=owner, filing=world["a"]).count() == 3  # submit, 初审, 复审
    filtered = client.get(reverse("registry:review_queue") + "?status=approved&level=regional").content.decode()
    assert "威力传动上海研发中心" in filtered


def test_comments_are_visible_to_the_enterprise(client, owner, regional1, world):
    services.filing_return(actor=regional1, filing=world["a"], comment="请补充场地租赁合同")
    _login(client, owner)
    page = client.get(reverse("registry:filing_detail", args=[world["a"].pk]) + "?tab=comments").content.decode()
    assert "请补充场地租赁合同" in page
    notes = client.get(reverse("registry:notifications")).content.decode()
    assert "退回修改" in notes


def test_owner_invites_a_member_who_then_sees_the_enterprise(client, owner, enterprise, world):
    _login(client, owner)
    response = client.post(
        reverse("registry:enterprise_detail", args=[enterprise.pk]),
        {"username": "colleague", "full_name": "王同事", "email": "wang@example.cn", "password": "Strong-Pass-2024!"},
    )
    assert response.status_code == 302
    member = Membership.objects.get(enterprise=enterprise, user__username="colleague")
    assert member.is_owner is False
    client.force_login(member.user)
    assert client.get(reverse("registry:filing_detail", args=[world["a"].pk])).status_code == 200
    # a plain member cannot invite
    response = client.post(
        reverse("registry:enterprise_detail", args=[enterprise.pk]),
        {"username": "another", "full_name": "赵", "email": "z@example.cn", "password": "Strong-Pass-2024!"},
    )
    assert response.status_code == 403
    assert not Membership.objects.filter(user__username="another").exists()


def test_lists_paginate(client, owner, enterprise):
    for i in range(25):
        services.centre_create(
            actor=owner, enterprise=enterprise, name=f"中心{i:02d}", city="北京", division_code="110108"
        )
    _login(client, owner)
    first = client.get(reverse("registry:dashboard")).content.decode()
    second = client.get(reverse("registry:dashboard") + "?cpage=2").content.decode()
    assert "第 1 / 2 页" in first and "第 2 / 2 页" in second


def test_attach_helper_covers_required_kinds(owner, centre):
    filing = services.filing_create(actor=owner, centre=centre, level="yinchuan")
    attach_required(actor=owner, filing=filing)
    assert services.filing_document_problems(filing) == []


def test_queue_counts_age_and_filter_pagination(client, regional1, owner, enterprise, make_user):
    import datetime as dt

    import time_machine

    with time_machine.travel(dt.datetime(2024, 3, 1, 9, 0, tzinfo=dt.UTC)):
        for i in range(22):
            c = services.centre_create(
                actor=owner, enterprise=enterprise, name=f"排队中心{i:02d}", city="上海", division_code="310115"
            )
            f = services.filing_create(actor=owner, centre=c, level="regional")
            attach_required(actor=owner, filing=f)
            services.filing_submit(actor=owner, filing=f, commitment=True)
    _login(client, regional1)
    with time_machine.travel(dt.datetime(2024, 3, 11, 9, 0, tzinfo=dt.UTC)):
        page = client.get(reverse("registry:review_queue") + "?city=上海").content.decode()
    assert '<td class="num">10</td>' in page  # waiting 10 days
    assert "第 1 / 2 页" in page
    assert "page=2&amp;city=" in page or "page=2&city=" in page
    assert "<b>22</b>" in page
