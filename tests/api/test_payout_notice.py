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
from subsidies.runs.services import payout_run_mark

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


def test_the_notice_is_issued_by_the_bureau_with_a_document_number_and_a_seal_area(world):
    client = Client()
    client.force_login(world.a.user)
    response = client.get(reverse("subsidies:payout_notice_download", args=[world.a.enterprise.pk]))
    text = _text(response.content)
    approved = world.run.approved_at
    assert "宁夏回族自治区科学技术厅" in text and f"宁科飞拨〔{approved.year}〕{world.run.pk}-1号" in text
    assert "(盖章)" in text and "管理平台" not in text  # issued by the bureau, not by the portal


def test_the_enterprise_records_its_bank_details_with_a_valid_cnaps_code(world):
    from registry.models import Enterprise

    a = world.a
    client = Client()
    client.force_login(a.user)
    url = reverse("registry:enterprise_detail", args=[a.enterprise.pk])
    before = Enterprise.objects.get(pk=a.enterprise.pk)
    for bad, message in (
        ("10400001", "应为12位数字(现为8位)"),
        ("1040000A0011", "只能包含数字"),
        ("000100000011", "银行类别代码无效"),
    ):
        page = client.post(
            url, {"action": "bank", "bank_name": "中国银行银川分行", "bank_account": "107100000001", "bank_cnaps": bad}
        ).content.decode()
        assert message in page, bad
        assert Enterprise.objects.get(pk=a.enterprise.pk).bank_cnaps == before.bank_cnaps
    response = client.post(
        url,
        {
            "action": "bank",
            "bank_name": "中国银行银川分行",
            "bank_account": "1071 0000 0001",
            "bank_cnaps": "104871000018",
        },
    )
    assert response.status_code == 302
    saved = Enterprise.objects.get(pk=a.enterprise.pk)
    assert (saved.bank_account, saved.bank_cnaps) == ("107100000001", "104871000018")
    # another enterprise's page is 404; a member who is not the owner may not change it
    assert (
        client.post(
            reverse("registry:enterprise_detail", args=[world.b.enterprise.pk]),
            {"action": "bank", "bank_cnaps": "104871000018"},
        ).status_code
        == 404
    )


def test_the_cnaps_check_refuses_in_the_service_too(world):
    from accounts.errors import ServiceError
    from registry import services

    with pytest.raises(ServiceError) as exc:
        services.enterprise_bank_update(
            actor=world.a.user,
            enterprise=world.a.enterprise,
            bank_name="中国银行",
            bank_account="107100000001",
            bank_cnaps="12345",
        )
    assert exc.value.code == "bank_cnaps" and "12位" in exc.value.zh and "12 digits" in exc.value.en
    with pytest.raises(ServiceError):
        services.enterprise_bank_update(
            actor=world.b.user,
            enterprise=world.a.enterprise,
            bank_name="x",
            bank_account="1",
            bank_cnaps="104871000018",
        )
