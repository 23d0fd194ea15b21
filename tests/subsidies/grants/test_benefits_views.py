# ruff: noqa: F811  (pytest fixtures imported from grants_support)
"""The 免申即享 pages: each programme's status for an independent and a joint centre, the one-click
pre-filled application, the bureau's eligible-but-not-applied counts, isolation and constant queries."""

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from subsidies.grants import services as grants
from subsidies.grants.selectors import centre_benefits, unclaimed_by_programme
from subsidies.models import GrantApplication
from tests.subsidies.grants_support import (  # noqa: F401
    doc,
    enterprise,
    independent,
    joint,
    make_centre,
    media_root,
    other_enterprise,
    other_owner,
    owner,
    programme,
    reg1,
    reg2,
)

pytestmark = pytest.mark.django_db


def statuses(centre):
    return {b.code: (b.status, b.reasons) for b in centre_benefits(centre)}


def test_independent_centre_statuses(owner, independent, reg1, reg2):
    app = grants.grant_apply(
        actor=owner, programme=programme("NX-TH"), centre=independent, documents=[("批复", doc())], commitment=True
    )
    grants.grant_first_review(actor=reg1, application=app)
    grants.grant_approve(actor=reg2, application=app)
    grants.grant_apply(
        actor=owner, programme=programme("NX-PDW"), centre=independent, documents=[("批复", doc())], commitment=True
    )
    s = statuses(independent)
    assert s["NX-TH"] == ("receiving", [])
    assert s["NX-PDW"][0] == "pending"
    for code in ("NX-FIRST", "NX-PDB", "NX-TEAM", "NX-PDF", "NX-AWARD"):
        assert s[code] == ("eligible", []), code
    assert s["NX-PERF"][0] == "automatic"
    assert s["NX-STIPEND"][0] == "automatic"
    assert s["YC-RD"][0] == "eligible"
    assert not any(code.startswith("YC-INC") or code.startswith("YC-MS") for code in s)


def test_joint_centre_statuses(joint):
    s = statuses(joint)
    for code in ("NX-TH", "NX-PDW", "NX-PDB", "NX-PDF", "NX-TEAM", "NX-STIPEND"):
        assert s[code] == ("not_eligible", ["联合研发机构不适用"]), code
    assert s["NX-FIRST"] == ("eligible", [])
    assert s["NX-AWARD"] == ("eligible", [])
    assert s["NX-PERF"][0] == "automatic"


def test_unfiled_centre_is_not_eligible_with_reasons(system, enterprise):
    centre = make_centre(actor=system, enterprise=enterprise, ref="UNFILED", regional=None, yinchuan=None)
    s = statuses(centre)
    assert s["NX-FIRST"] == ("not_eligible", ["尚无已生效的自治区级备案"])
    assert s["YC-RD"] == ("not_eligible", ["尚无已生效的银川市级备案"])


def test_benefits_page_renders_statuses_and_one_click_apply(client, owner, independent, joint):
    client.force_login(owner)
    html = client.get(reverse("subsidies:benefits", args=[joint.pk])).content.decode()
    assert re.search(r'data-rule="NX-TH" data-status="not_eligible">.*?联合研发机构不适用', html, re.S)
    html = client.get(reverse("subsidies:benefits", args=[independent.pk])).content.decode()
    link = reverse("subsidies:grant_apply", args=["NX-PDW"]) + f"?centre={independent.pk}"
    assert link in html
    form = client.get(link).content.decode()
    assert f'<option value="{independent.pk}" selected>' in form
    assert "核定金额须为 300,000.00 元" in form


def test_apply_and_review_through_the_pages(client, owner, reg1, reg2, independent):
    client.force_login(owner)
    url = reverse("subsidies:grant_apply", args=["NX-TEAM"])
    response = client.post(
        url,
        {
            "centre": independent.pk,
            "requested_amount": "1500000",
            "description": "团队",
            "doc_label": "批复文件",
            "document": doc(),
            "commitment": "on",
        },
    )
    app = GrantApplication.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("subsidies:grant_detail", args=[app.pk])
    client.force_login(reg1)
    detail = reverse("subsidies:grant_detail", args=[app.pk])
    client.post(detail, {"action": "first_review", "seen_status": "submitted", "comment": ""})
    client.force_login(reg2)
    page = client.post(
        detail, {"action": "approve", "seen_status": "first_reviewed", "amount": "2500000"}, follow=True
    ).content.decode()
    assert "核定金额须大于 0 且不超过 2,000,000.00 元" in page
    client.post(detail, {"action": "approve", "seen_status": "first_reviewed", "amount": "1500000"})
    app.refresh_from_db()
    assert (app.status, str(app.approved_amount)) == ("approved", "1500000.00")
    client.force_login(owner)
    attachment = app.attachments.get()
    assert client.get(reverse("subsidies:grant_attachment", args=[attachment.pk])).status_code == 200


def test_another_enterprise_gets_404(client, owner, other_owner, other_enterprise, independent):
    app = grants.grant_apply(
        actor=owner, programme=programme("NX-TH"), centre=independent, documents=[("批复", doc())], commitment=True
    )
    client.force_login(other_owner)
    assert client.get(reverse("subsidies:grant_detail", args=[app.pk])).status_code == 404
    assert client.get(reverse("subsidies:grant_attachment", args=[app.attachments.get().pk])).status_code == 404
    assert client.get(reverse("subsidies:benefits", args=[independent.pk])).status_code == 404
    assert client.get(reverse("subsidies:grant_apply", args=["NX-TH"]) + f"?centre={independent.pk}").status_code == 404
    assert "NX-TH" not in client.get(reverse("subsidies:grant_home")).content.decode().split("资助申报与核准记录")[1]


def test_bureau_counts_eligible_not_applied(client, owner, reg1, independent, joint):
    grants.grant_apply(
        actor=owner, programme=programme("NX-FIRST"), centre=independent, documents=[("x", doc())], commitment=True
    )
    rows = {r["programme"].code: (r["eligible"], r["unclaimed"]) for r in unclaimed_by_programme()}
    assert rows["NX-FIRST"] == (2, 1)
    assert rows["NX-TH"] == (1, 1)
    assert "NX-PERF" not in rows
    client.force_login(reg1)
    html = client.get(reverse("subsidies:grant_bureau")).content.decode()
    assert re.search(r'data-rule="NX-FIRST">.*?<td class="num">2</td><td class="num unclaimed">1</td>', html, re.S)
    client.force_login(owner)
    assert client.get(reverse("subsidies:grant_bureau")).status_code == 403


def test_constant_query_counts(client, system, owner, reg1, enterprise, independent):
    client.force_login(owner)
    url = reverse("subsidies:benefits", args=[independent.pk])
    with CaptureQueriesContext(connection) as first:
        client.get(url)
    with CaptureQueriesContext(connection) as bureau_first:
        unclaimed_by_programme()
    for i in range(5):
        c = make_centre(actor=system, enterprise=enterprise, ref=f"MORE{i}", kind="joint" if i % 2 else "independent")
        grants.grant_apply(
            actor=owner, programme=programme("NX-FIRST"), centre=c, documents=[("x", doc())], commitment=True
        )
    with CaptureQueriesContext(connection) as second:
        client.get(url)
    with CaptureQueriesContext(connection) as bureau_second:
        unclaimed_by_programme()
    assert len(second) == len(first)
    assert len(bureau_second) == len(bureau_first)


def test_home_renders_for_each_role_and_finance_starts_a_grants_run(
    client, owner, reg1, independent, finance, make_user
):
    from accounts.models import Role
    from subsidies.models import PayoutRun

    yc = make_user("g-yc-home", Role.YINCHUAN_REVIEWER)
    ev = grants.evaluation_record(actor=reg1, centre=independent, period="2022-2024", result="excellent")
    grants.grant_approve(actor=make_user("g-reg2-home", Role.REGIONAL_REVIEWER), application=ev.award)
    for user in (owner, reg1, yc, finance):
        client.force_login(user)
        assert client.get(reverse("subsidies:grant_home")).status_code == 200, user.role
    from django.utils import timezone

    response = client.post(reverse("subsidies:grants_run_start"), {"period": timezone.localdate().strftime("%Y-%m")})
    run = PayoutRun.objects.get(kind="grants")
    assert response["Location"] == reverse("subsidies:run_detail", args=[run.pk])
    assert (run.state, run.line_count, str(run.total_amount)) == ("computed", 1, "500000.00")
    assert client.get(reverse("subsidies:run_detail", args=[run.pk])).status_code == 200


def test_incubator_pages(client, owner, enterprise, make_user):
    from accounts.models import Role
    from subsidies.models import Incubator

    y1, y2 = make_user("g-y1", Role.YINCHUAN_REVIEWER), make_user("g-y2", Role.YINCHUAN_REVIEWER)
    client.force_login(owner)
    client.post(
        reverse("subsidies:incubator_new"),
        {"operator": enterprise.pk, "ref": "INC-W", "name": "飞地孵化器", "city": "深圳"},
    )
    inc = Incubator.objects.get()
    url = reverse("subsidies:incubator_detail", args=[inc.pk])
    client.post(url, {"what": "submit"})
    client.force_login(y1)
    client.post(url, {"what": "decide", "action": "first_review"})
    client.force_login(y2)
    client.post(url, {"what": "decide", "action": "approve"})
    year = str(dt.date.today().year)  # approved today: only this year is in force (POLICY §1)
    page = client.post(
        url, {"what": "assess", "year": year, "score": "88", "passed": "on", "amount": "600000"}, follow=True
    ).content.decode()
    assert "不超过 500,000.00 元" in page
    client.post(url, {"what": "assess", "year": year, "score": "88", "passed": "on", "amount": "450000"})
    client.post(url, {"what": "recognise", "programme_code": "YC-INC-REG"})
    inc.refresh_from_db()
    assert inc.status == "approved"
    # recorded by y2 = their 初审; another Yinchuan reviewer approves them on the award's page
    assert "待复审的奖补" in client.get(url).content.decode()
    client.force_login(y1)
    for award in inc.grant_applications.all():
        client.post(
            reverse("subsidies:grant_detail", args=[award.pk]),
            {"action": "approve", "amount": "", "comment": "", "seen_status": "first_reviewed"},
        )
    assert sorted((a.programme.code, str(a.approved_amount)) for a in inc.grant_applications.all()) == [
        ("YC-INC-OPS", "450000.00"),
        ("YC-INC-REG", "250000.00"),
    ]


def test_benefit_amounts_are_the_parameters_in_force(system, independent):
    """The amounts shown follow the dated parameters, not the measures' original figures."""
    from subsidies.parameters.services import parameter_set

    amounts = {b.code: str(b.amount_text) for b in centre_benefits(independent)}
    assert amounts["NX-STIPEND"] == "每人每月 5,000.00 / 3,000.00 元"
    assert amounts["YC-RD"] == "研发投入的15%,每年最高 1,000,000.00 元"
    parameter_set(
        actor=system,
        name="nx_stipend.doctorate_monthly",
        value="6000",
        effective_from=dt.date(2025, 1, 1),
        legal_reference="测试调整",
    )
    parameter_set(
        actor=system, name="yc_rd.rate", value="0.2", effective_from=dt.date(2025, 1, 1), legal_reference="测试调整"
    )
    amounts = {b.code: str(b.amount_text) for b in centre_benefits(independent)}
    assert amounts["NX-STIPEND"] == "每人每月 6,000.00 / 3,000.00 元"
    assert amounts["YC-RD"] == "研发投入的20%,每年最高 1,000,000.00 元"
