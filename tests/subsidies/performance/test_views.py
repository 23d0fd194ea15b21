# ruff: noqa: F811  (pytest fixtures imported from the support modules)
"""Issue 19 pages: the report page refuses bad input with the field named and saves nothing; another
enterprise, an expert without an assignment and the wrong roles get nothing; the statistics page draws its
charts without inline script or style and its annual report exports as XLSX and PDF."""

import io
import re

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from subsidies.models import IndicatorScore, PerformanceReport, ReportItem, ReportStatus
from subsidies.performance import services
from tests.subsidies.grants_support import (  # noqa: F401  (fixtures)
    enterprise,
    independent,
    joint,
    media_root,
    other_enterprise,
    other_owner,
    owner,
    reg1,
    reg2,
)
from tests.subsidies.performance.support import (  # noqa: F401  (fixtures)
    DEADLINE_DAY,
    expert,
    expert2,
    filled_report,
    patent,
    scheme,
)

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


@pytest.fixture
def report(owner, independent):
    with time_machine.travel(DEADLINE_DAY, tick=False):
        return services.report_create(actor=owner, centre=independent, year=2025)


def test_the_enterprise_creates_and_saves_a_report_through_the_page(owner, independent):
    c = client_for(owner)
    page = c.get(reverse("subsidies:performance_reports"))
    assert page.status_code == 200 and "填报新报告" in page.content.decode()
    with time_machine.travel(DEADLINE_DAY, tick=False):
        response = c.post(reverse("subsidies:performance_report_create"), {"centre": independent.pk, "year": 2025})
    report = PerformanceReport.objects.get()
    assert response.url == reverse("subsidies:performance_report", args=[report.pk])
    body = {
        "action": "save",
        "patents_applied": "1",
        "contract_value": "0",
        "item_figure": ["patents_applied"],
        "item_number": [patent()],
        "item_title": ["一种装置"],
        "item_date": ["2025-04-01"],
        "item_product": [""],
        "item_amount": [""],
    }
    c = client_for(owner)  # the session's idle timer ran in the travelled time
    assert c.post(response.url, body).status_code == 302
    assert ReportItem.objects.filter(report=report).count() == 1


def test_bad_input_on_the_page_is_refused_naming_the_field_and_nothing_saved(owner, report):
    c = client_for(owner)
    url = reverse("subsidies:performance_report", args=[report.pk])
    body = {
        "action": "save",
        "patents_applied": "2",
        "contract_value": "0",
        "item_figure": ["patents_applied"],
        "item_number": ["CN123"],
        "item_title": ["一种装置"],
        "item_date": ["2025-04-01"],
        "item_product": [""],
        "item_amount": [""],
    }
    response = c.post(url, body)
    html = response.content.decode()
    assert response.status_code == 400
    assert "专利号“CN123”格式不正确" in html and "发明专利申请数填报为2" in html
    assert not ReportItem.objects.exists()
    c.cookies["django_language"] = "en"
    html = c.post(url, body).content.decode()
    assert "wrong format" in html and "专利号“CN123”" not in html, "one language per page"


def test_another_enterprise_and_an_expert_cannot_see_the_report(other_owner, expert, report):
    url = reverse("subsidies:performance_report", args=[report.pk])
    assert client_for(other_owner).get(url).status_code == 404
    assert client_for(expert).get(url).status_code == 404, "only accepted reports of assigned centres"
    assert client_for(other_owner).post(url, {"action": "submit"}).status_code == 404


def test_reviewers_take_the_two_steps_on_the_page(owner, report, reg1, reg2):
    with time_machine.travel(DEADLINE_DAY, tick=False):
        filled_report(owner, report)
        services.report_submit(actor=owner, report=report)
    url = reverse("subsidies:performance_report", args=[report.pk])
    assert client_for(reg1).post(url, {"action": "first_review"}).status_code == 302
    refused = client_for(reg1).post(url, {"action": "accept"})
    assert refused.status_code == 400 and "复审须由初审人以外的审核员进行" in refused.content.decode()
    assert client_for(reg2).post(url, {"action": "accept"}).status_code == 302
    report.refresh_from_db()
    assert report.status == ReportStatus.ACCEPTED


def test_an_expert_reaches_only_the_assigned_centres(scheme, independent, joint, expert, expert2, reg1):
    rnd = services.round_create(actor=reg1, scheme=scheme)
    services.assignment_create(actor=reg1, round=rnd, expert=expert, centre=independent)
    c = client_for(expert)
    page = c.get(reverse("subsidies:performance_round", args=[rnd.pk]))
    assert page.status_code == 200 and independent.name in page.content.decode()
    assert joint.name not in page.content.decode()
    assert client_for(expert2).get(reverse("subsidies:performance_round", args=[rnd.pk])).status_code == 404
    other = reverse("subsidies:performance_score", args=[rnd.pk, joint.pk])
    assert c.get(other).status_code == 404 and c.post(other, {"score_A1": "1"}).status_code == 404
    mine = reverse("subsidies:performance_score", args=[rnd.pk, independent.pk])
    bad = c.post(mine, {"score_A1": "101", "score_A2": "50", "score_B1": "5"})
    assert bad.status_code == 400 and "A1" in bad.content.decode() and not IndicatorScore.objects.exists()
    assert c.post(mine, {"score_A1": "90", "score_A2": "50", "score_B1": "5"}).status_code == 302
    assert IndicatorScore.objects.count() == 3
    assert c.get(reverse("subsidies:performance_statistics")).status_code == 403


def test_statistics_page_and_exports_for_staff_only(reg1, owner, expert, report):
    with time_machine.travel(DEADLINE_DAY, tick=False):
        filled_report(owner, report)
    PerformanceReport.objects.filter(pk=report.pk).update(status=ReportStatus.ACCEPTED)
    c = client_for(reg1)
    page = c.get(reverse("subsidies:performance_statistics"), {"city": "上海", "kind": "independent"})
    html = page.content.decode()
    assert page.status_code == 200 and "<svg" in html and report.centre.name in html
    assert not re.search(r"<script(?![^>]*\bsrc=)", html) and ' style="' not in html
    empty = c.get(reverse("subsidies:performance_statistics"), {"city": "深圳"}).content.decode()
    assert report.centre.name not in empty.split("各中心成果")[-1]
    xlsx = c.get(reverse("subsidies:performance_statistics_export_xlsx"))
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(xlsx.content))
    rows = list(wb["各中心成果"].values)
    assert rows[1][1] == report.centre.name and rows[1][4] == 2
    pdf = c.get(reverse("subsidies:performance_statistics_export_pdf"))
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    for user in (owner, expert):
        assert client_for(user).get(reverse("subsidies:performance_statistics")).status_code == 403
        assert client_for(user).get(reverse("subsidies:performance_statistics_export_xlsx")).status_code == 403


def test_staff_reorder_and_delete_indicators_on_the_page_until_the_scheme_is_used(scheme, reg1, owner):
    c, url = client_for(reg1), reverse("subsidies:performance_rounds")
    page = c.get(url).content.decode()
    assert "上移" in page and "删除" in page and "indicator_delete" in page
    assert c.post(url, {"action": "indicator_up", "scheme": scheme.pk, "code": "B1"}).status_code == 302
    assert list(scheme.indicators.values_list("code", flat=True)) == ["A1", "B1", "A2"]
    assert c.post(url, {"action": "indicator_delete", "scheme": scheme.pk, "code": "A2"}).status_code == 302
    assert list(scheme.indicators.values_list("code", flat=True)) == ["A1", "B1"]
    assert "权重合计应为100" in c.get(url).content.decode()  # 60 of 100 left
    refused = c.post(url, {"action": "indicator_delete", "scheme": scheme.pk, "code": "Z9"}, follow=True)
    assert "Z9" in refused.content.decode() and scheme.indicators.count() == 2
    # an enterprise user cannot reach the page at all; another scheme id is a 404
    assert (
        client_for(owner).post(url, {"action": "indicator_delete", "scheme": scheme.pk, "code": "A1"}).status_code
        == 403
    )
    assert c.post(url, {"action": "indicator_delete", "scheme": 99999, "code": "A1"}).status_code == 404
    services.indicator_set(actor=reg1, scheme=scheme, code="A2", name="成果在宁夏转化", weight="40")
    services.round_create(actor=reg1, scheme=scheme)
    page = c.get(url).content.decode()
    assert "indicator_delete" not in page and "已用于评估" in page
    assert scheme.indicators.count() == 3


def test_the_evidence_of_a_report_downloads_for_its_readers_only(owner, other_owner, expert, reg1, report):
    from tests.api.conftest import pdf_bytes, pdf_upload

    evidence = services.report_attach(actor=owner, report=report, figure="patents_applied", upload=pdf_upload("p.pdf"))
    page = client_for(reg1).get(reverse("subsidies:performance_report", args=[report.pk])).content.decode()
    url = reverse("subsidies:performance_evidence_download", args=[evidence.pk])
    assert url in page  # the reviewer's page links the evidence to a download that serves it
    for reader in (owner, reg1):
        got = client_for(reader).get(url)
        assert got.status_code == 200 and b"".join(got.streaming_content) == pdf_bytes()
        assert got["Content-Disposition"].startswith("attachment") and got["X-Content-Type-Options"] == "nosniff"
    assert client_for(other_owner).get(url).status_code == 404
    assert client_for(expert).get(url).status_code == 404, "an expert reads accepted reports of assigned centres"
    # the filing documents' download does not serve it to the reviewer (no filing): this route is the one
    assert client_for(reg1).get(reverse("registry:document_download", args=[evidence.document_id])).status_code == 404


def test_the_statistics_table_formats_its_last_figure_as_money():
    """The centre table shows the figures in FIGURES order and formats the last one as yuan: it must be money."""
    from subsidies.performance.checks import FIGURES, MONEY_FIGURE

    assert FIGURES[-1] == MONEY_FIGURE
