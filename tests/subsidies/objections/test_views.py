"""The objection and why-not pages: each renders in Chinese, an enterprise sees only its own, bad input is
refused on the page with nothing changed, staff see the queue and the figures."""

import pytest
from django.test import Client
from django.urls import reverse

from subsidies.objections import services as svc
from subsidies.objections.models import HolidayDay, Objection
from tests.api.conftest import pdf_upload

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def test_calendar_and_month_pages_explain_each_month(world):
    c = client_for(world.a.user)
    page = c.get(reverse("objections:calendar", args=[world.a.researcher.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "st-paid" in html and "st-due" in html and 'data-cal-summary="2024年5月已于2024-05期发放5000.00元' in html
    assert "style=" not in html and "<script>" not in html  # CSP: classes and static files only
    month = c.get(reverse("objections:month", args=[world.a.researcher.pk, "2024-05"]))
    assert "二、条件及认定" in month.content.decode() and "nx_stipend" not in month.content.decode()
    # another enterprise's researcher does not exist for A
    assert c.get(reverse("objections:calendar", args=[world.b.researcher.pk])).status_code == 404
    assert c.get(reverse("objections:month", args=[world.a.researcher.pk, "2024-13"])).status_code == 404


def test_raise_on_the_page_then_the_enterprise_sees_only_its_own(world):
    c = client_for(world.a.user)
    url = reverse("objections:raise") + f"?subject=payout_line&id={world.a.line.pk}"
    assert c.get(url).status_code == 200
    response = c.post(
        url,
        {
            "subject": "payout_line",
            "subject_id": world.a.line.pk,
            "category": "amount",
            "text": "页面提出的异议",
            "attachments": [pdf_upload("p.pdf")],
        },
    )
    objection = Objection.objects.get(raised_by=world.a.user, text="页面提出的异议")
    assert response.status_code == 302 and objection.attachments.count() == 1
    listing = c.get(reverse("objections:list")).content.decode()
    assert f"#{objection.pk}" in listing and f"#{world.b.objection.pk}<" not in listing
    assert c.get(reverse("objections:detail", args=[world.b.objection.pk])).status_code == 404


def test_a_wrong_attachment_on_the_page_is_refused_with_the_reason_and_nothing_saved(world):
    c = client_for(world.a.user)
    before = Objection.objects.count()
    response = c.post(
        reverse("objections:raise"),
        {
            "subject": "payout_line",
            "subject_id": world.a.line.pk,
            "category": "amount",
            "text": "x",
            "attachments": [pdf_upload("x.png")],
        },
    )
    assert response.status_code == 200 and "扩展名" in response.content.decode()
    assert Objection.objects.count() == before


def test_staff_queue_figures_answer_and_wrong_bureau(world):
    reviewer, yc = world.users["regional_reviewer"], world.users["yinchuan_reviewer"]
    page = client_for(reviewer).get(reverse("objections:list") + "?sort=-raised_at&category=amount")
    html = page.content.decode()
    assert page.status_code == 200 and "按期答复" in html and world.a.enterprise.name in html
    assert client_for(yc).get(reverse("objections:detail", args=[world.a.objection.pk])).status_code == 404
    client_for(reviewer).post(
        reverse("objections:answer", args=[world.a.objection.pk]), {"outcome": "explained", "answer": "按整月计发"}
    )
    world.a.objection.refresh_from_db()
    assert world.a.objection.status == "answered"
    detail = client_for(world.a.user).get(reverse("objections:detail", args=[world.a.objection.pk]))
    assert "回复答复(仅可回复一次)" in detail.content.decode()


def test_holiday_page_for_staff_only_and_a_weekday_is_not_a_working_weekend(world):
    reviewer = world.users["regional_reviewer"]
    assert client_for(world.a.user).get(reverse("objections:holidays")).status_code == 403
    c = client_for(reviewer)
    assert (
        "国务院办公厅关于2026年部分节假日安排的通知"
        in c.get(reverse("objections:holidays") + "?year=2026").content.decode()
    )
    response = c.post(
        reverse("objections:holidays"), {"day": "2027-01-04", "kind": "workday", "name": "x", "source": "通知"}
    )
    assert response.status_code == 200 and "不需登记为调休上班" in response.content.decode()
    assert not HolidayDay.objects.filter(day="2027-01-04").exists()
    c.post(
        reverse("objections:holidays"),
        {
            "day": "2027-01-01",
            "kind": "holiday",
            "name": "元旦",
            "source": "《国务院办公厅关于2027年部分节假日安排的通知》",
        },
    )
    assert HolidayDay.objects.get(day="2027-01-01").created_by == reviewer


def test_person_letter_pdf_for_staff(world):
    response = client_for(world.users["regional_reviewer"]).get(
        reverse("objections:person_letter_export", args=[world.a.researcher.pk])
    )
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    assert (
        client_for(world.a.user)
        .get(reverse("objections:person_letter_export", args=[world.a.researcher.pk]))
        .status_code
        == 403
    )


def test_api_calendar_and_objection_answer(world):
    api = world.client("enterprise")
    body = api.get(f"/api/v1/stipend-calendar/{world.a.researcher.pk}/", {"month": "2024-05"}).json()
    assert body["months"][0]["status"] == "paid" and body["months"][0]["summary"].startswith("2024年5月已于")
    assert api.get(f"/api/v1/stipend-calendar/{world.a.researcher.pk}/", {"month": "05-2024"}).status_code == 400
    for bad in ("AAA", "null", "true"):  # found by schemathesis: an id that is not a number is a 404, not a 500
        assert api.get(f"/api/v1/stipend-calendar/{bad}/").status_code == 404
    refused = world.client("yinchuan_reviewer").post(
        f"/api/v1/objections/{world.a.objection.pk}/answer/", {"outcome": "explained", "answer": "x"}, format="json"
    )
    assert refused.status_code == 404  # outside the Yinchuan bureau's objections
    svc.objection_answer(
        actor=world.users["regional_reviewer"], objection_id=world.a.objection.pk, outcome="rejected", answer="理由"
    )
    again = world.client("regional_reviewer").post(
        f"/api/v1/objections/{world.a.objection.pk}/answer/", {"outcome": "explained", "answer": "x"}, format="json"
    )
    assert again.status_code == 409 and again.json()["error"]["message_en"]


def test_the_answering_bureau_opens_the_attachment_and_another_enterprise_cannot(world):
    from tests.api.conftest import pdf_bytes

    objection = svc.objection_raise(
        actor=world.a.user,
        subject="payout_line",
        subject_id=world.a.line.pk,
        category="amount",
        text="附证明材料",
        attachments=[pdf_upload("proof.pdf")],
    )
    attachment = objection.attachments.get()
    url = reverse("objections:attachment_download", args=[attachment.pk])
    reviewer = world.users["regional_reviewer"]
    page = client_for(reviewer).get(reverse("objections:detail", args=[objection.pk])).content.decode()
    assert url in page
    for reader in (world.a.user, reviewer):
        got = client_for(reader).get(url)
        assert got.status_code == 200 and b"".join(got.streaming_content) == pdf_bytes()
        assert got["Content-Disposition"].startswith("attachment")
    assert client_for(world.b.user).get(url).status_code == 404
    api = Client()
    api.force_login(reviewer)
    assert api.get(f"/api/v1/objections/{objection.pk}/").json()["attachments"] == [url]
