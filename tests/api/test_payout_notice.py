"""The enterprise's own 拨付通知书 and the payout notices (issue 15): an approved run tells each enterprise
what was approved for it (portal and e-mail); the enterprise downloads a notice with its own lines only."""

import io

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from pypdf import PdfReader

from registry.models import Notification
from subsidies.models import PayoutLine, RunState
from subsidies.money import format_yuan
from subsidies.services.runs import payout_run_mark

pytestmark = pytest.mark.django_db


def _text(data: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def test_the_enterprise_downloads_its_own_notice_from_its_dashboard(world):
    a, b = world.a, world.b
    client = Client()
    client.force_login(a.user)
    dashboard = client.get(reverse("registry:dashboard")).content.decode()
    url = reverse("subsidies:payout_notice_download", args=[a.enterprise.pk]) + f"?run={world.run.pk}"
    assert url in dashboard.replace("&amp;", "&")
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert "attachment" in response["Content-Disposition"]
    text = _text(b"".join(response.streaming_content) if response.streaming else response.content)
    assert a.enterprise.name in text and b.enterprise.name not in text
    assert b.centre.ref not in text
    # B's enterprise, or a run without A's lines: 404
    assert client.get(reverse("subsidies:payout_notice_download", args=[b.enterprise.pk])).status_code == 404
    assert (
        client.get(reverse("subsidies:payout_notice_download", args=[a.enterprise.pk]) + "?run=999999").status_code
        == 404
    )


def test_approval_and_transfer_notify_each_enterprise_of_its_own_total(world, django_capture_on_commit_callbacks):
    a, b = world.a, world.b
    total_a = sum(
        line.amount for line in PayoutLine.objects.filter(run=world.run, enterprise=a.enterprise, active=True)
    )
    approved = Notification.objects.get(user=a.user, title__startswith="【拨付通知】")
    assert (
        approved.title == f"【拨付通知】2024-05 月度补助:已核定 {format_yuan(total_a)}" and "到账" not in approved.body
    )
    assert approved.title_en.startswith("[Payment notice] 2024-05") and "approved" in approved.title_en
    assert Notification.objects.filter(user=b.user, title__startswith="【拨付通知】").count() == 1
    a.user.email = "a-owner@example.cn"
    a.user.save()
    payout_run_mark(actor=world.users["finance"], run_id=world.run.pk, state=RunState.EXPORTED)
    with django_capture_on_commit_callbacks(execute=True):
        payout_run_mark(actor=world.users["finance"], run_id=world.run.pk, state=RunState.PAID)
    paid = Notification.objects.filter(user=a.user, title__contains="已拨付")
    assert paid.count() == 1
    assert [m.subject for m in mail.outbox if m.to == ["a-owner@example.cn"]] == [paid.get().title]
