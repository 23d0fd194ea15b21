# ruff: noqa: F811  (pytest fixtures imported from grants_support)
"""Staff pages refuse invalid forms: the page again with the form's errors (400), nothing saved - never
"已保存", never a verification at the full declared amount."""

import datetime as dt

import pytest
from django.urls import reverse

from subsidies.declarations.services import rd_declaration_submit
from subsidies.grants import incubators
from subsidies.models import IncubatorAssessment, RDDeclaration, RDDeclarationSubmission
from tests.subsidies.grants_support import (  # noqa: F401
    doc,
    enterprise,
    independent,
    media_root,
    owner,
    yc1,
    yc2,
)

pytestmark = pytest.mark.django_db


def test_invalid_verification_form_is_shown_with_its_errors_and_verifies_nothing(client, owner, independent, yc1):
    sub = rd_declaration_submit(
        actor=owner,
        centre=independent,
        year=2024,
        declared_amount="3000000",
        audit_report=doc("审计报告.pdf"),
        commitment=True,
    )
    client.force_login(yc1)
    page = client.post(
        reverse("subsidies:declaration_verify", args=[sub.pk]),
        {"verified_amount": "二百万", "reason": "部分费用不属研发支出"},
    )
    assert page.status_code == 400
    text = page.content.decode()
    assert "“二百万”不是有效金额" in text and "研发投入未核定:请更正表单中的错误" in text
    assert 'value="二百万"' in text  # the entered value is kept in its field
    sub.refresh_from_db()
    assert sub.status == "pending" and sub.verified_amount is None
    assert not RDDeclaration.objects.filter(verified_amount__isnull=False).exists()
    # a valid form still verifies
    ok = client.post(
        reverse("subsidies:declaration_verify", args=[sub.pk]),
        {"verified_amount": "2,000,000", "reason": "部分费用不属研发支出"},
    )
    assert ok.status_code == 302
    assert RDDeclarationSubmission.objects.get(pk=sub.pk).verified_amount == 2000000


def test_invalid_incubator_form_is_shown_with_its_errors_and_saves_nothing(client, owner, enterprise, yc1, yc2):
    inc = incubators.incubator_create(actor=owner, operator=enterprise, ref="INC-F", name="表单孵化器", city="上海")
    incubators.incubator_submit(actor=owner, incubator=inc)
    incubators.incubator_decide(actor=yc1, incubator=inc, action="first_review")
    incubators.incubator_decide(actor=yc2, incubator=inc, action="approve", on=dt.date(2023, 1, 1))
    client.force_login(yc1)
    url = reverse("subsidies:incubator_detail", args=[inc.pk])
    page = client.post(url, {"what": "assess", "year": "二〇二四", "score": "90", "passed": "on", "amount": "400000"})
    assert page.status_code == 400
    text = page.content.decode()
    assert "已保存" not in text and "未保存:请更正表单中的错误" in text
    assert 'class="field invalid"' in text and "error-text" in text
    assert not IncubatorAssessment.objects.exists()
    bad_decision = client.post(url, {"what": "decide", "action": "nonsense"})
    assert bad_decision.status_code == 400 and "已保存" not in bad_decision.content.decode()
    inc.refresh_from_db()
    assert inc.status == "approved"
    saved = client.post(
        url, {"what": "assess", "year": "2024", "score": "90", "passed": "on", "amount": "400000"}, follow=True
    )
    assert "已保存" in saved.content.decode() and IncubatorAssessment.objects.count() == 1
