# ruff: noqa: F811  (pytest fixtures imported from the support modules)
"""Issue 19 journey in a real browser: the enterprise files its annual performance report with an item and its
evidence; two reviewers accept it; staff open the three-yearly evaluation and assign an expert; the expert scores
the centre; the evaluation passes both steps; the next grants run pays NX-PERF at the independent amount; the
enterprise sees its score by indicator. Screenshots: test-artifacts/screenshots/performance_*.png."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse
from playwright.sync_api import expect

from subsidies.models import PayoutLine, PayoutRun, PerformanceEvaluation, RunKind, RunState
from subsidies.parameters.services import parameter_set
from subsidies.runs import services as runs
from tests.registry.conftest import pdf_bytes
from tests.subsidies.grants_support import (  # noqa: F401  (fixtures)
    enterprise,
    independent,
    media_root,
    owner,
    reg1,
    reg2,
)
from tests.subsidies.performance.support import DEADLINE_DAY, expert, patent, scheme  # noqa: F401  (fixtures)

pytestmark = [pytest.mark.browser]


@pytest.fixture
def in_february(transactional_db):
    with time_machine.travel(DEADLINE_DAY, tick=True):
        yield


def _as(page, login, user, url):
    login(user.username)
    page.goto(url)


def test_report_accepted_scored_approved_and_nx_perf_paid(
    page,
    login,
    logout,
    screenshot,
    in_february,
    owner,
    independent,
    reg1,
    reg2,
    expert,
    scheme,
    finance,
    finance2,
    system,
):
    parameter_set(actor=system, name="nx_perf.excellent_share", value="0", effective_from=dt.date(2023, 1, 1))
    reports = reverse("subsidies:performance_reports")

    # the enterprise files its 2025 report: one patent application, listed, with its evidence
    _as(page, login, owner, reports)
    page.get_by_label("研发中心").select_option(label=independent.name)
    page.get_by_label("报告年度").select_option("2025")
    page.get_by_role("button", name="创建报告").click()
    expect(page.get_by_role("heading", name=f"{independent.name} 2025年度绩效报告")).to_be_visible()
    page.get_by_label("发明专利申请数", exact=True).fill("1")
    page.get_by_label("指标", exact=True).first.select_option("patents_applied")
    page.get_by_label("编号", exact=True).first.fill(patent(2025, 4242))
    page.get_by_label("名称", exact=True).first.fill("一种精密减速机")
    page.get_by_label("日期", exact=True).first.fill("2025-03-10")
    page.get_by_role("button", name="保存", exact=True).click()
    expect(page.get_by_text("已保存")).to_be_visible()
    page.locator("#ev-figure").select_option("patents_applied")
    page.get_by_label("文件(PDF或图片)").set_input_files(
        {"name": "专利受理通知书.pdf", "mimeType": "application/pdf", "buffer": pdf_bytes("专利受理通知书")}
    )
    page.get_by_role("button", name="上传").click()
    expect(page.get_by_text("证明材料已上传")).to_be_visible()
    page.get_by_role("button", name="提交报告").click()
    expect(page.get_by_text("报告已提交")).to_be_visible()
    report_url = page.url
    screenshot("performance_report_submitted")
    logout()

    # two reviewers: first review, then acceptance by another
    _as(page, login, reg1, report_url)
    page.get_by_role("button", name="初审通过").click()
    expect(page.get_by_text("初审通过").first).to_be_visible()
    logout()
    _as(page, login, reg2, report_url)
    page.get_by_role("button", name="复审通过(受理)").click()
    expect(page.get_by_text("复审通过,报告已受理")).to_be_visible()
    logout()

    # staff open the evaluation on the cycle's scheme and assign the expert to the centre
    _as(page, login, reg1, reverse("subsidies:performance_rounds"))
    page.get_by_role("button", name="按此指标体系发起评估").click()
    expect(page.get_by_role("heading", name="2023-2025综合绩效评估")).to_be_visible()
    round_url = page.url
    page.get_by_label("评分人").select_option(str(expert.pk))
    page.locator("#a-centre").select_option(label=independent.name)
    page.get_by_role("button", name="分配").click()
    expect(page.get_by_role("cell", name=expert.display_name)).to_be_visible()
    logout()

    # the expert scores the one centre assigned; the report's figure is shown beside the indicator
    _as(page, login, expert, round_url)
    page.get_by_role("link", name="评分").click()
    expect(page.get_by_role("cell", name="1", exact=True).first).to_be_visible()
    page.get_by_label("知识产权产出得分(0至100.00)").fill("95")
    page.get_by_label("成果在宁夏转化得分(0至100.00)").fill("92")
    page.get_by_label("人才队伍得分(0至10.00)").fill("9")
    screenshot("performance_expert_scoring")
    page.get_by_role("button", name="保存评分").click()
    expect(page.get_by_text("评分已保存")).to_be_visible()
    logout()

    # the evaluation: summed up and entered by one reviewer, published by another
    _as(page, login, reg1, round_url)
    page.get_by_role("button", name="汇总评分").click()
    # 95×0.4 + 92×0.4 + 9/10×20 = 38 + 36.8 + 18
    expect(page.get_by_role("cell", name="92.80")).to_be_visible()
    page.get_by_role("button", name="初审通过(录入评估结果)").click()
    expect(page.get_by_role("cell", name="优秀")).to_be_visible()
    logout()
    _as(page, login, reg2, round_url)
    page.get_by_role("button", name="复审通过(公布结果)").click()
    expect(page.get_by_text("已公布").first).to_be_visible()
    screenshot("performance_round_published")
    logout()

    # the next grants run pays NX-PERF for the 优秀 centre, at the independent centre's amount
    evaluation = PerformanceEvaluation.objects.get(centre=independent, period="2023-2025")
    assert evaluation.result == "excellent"
    run = runs.payout_run_start(actor=finance, kind=RunKind.GRANTS, period="2026-02")
    run = runs.payout_run_compute(actor=finance, run=run, inline=True)
    [line] = PayoutLine.objects.filter(run=run, active=True, rule="NX-PERF")
    assert (line.centre_id, line.amount, line.basis) == (
        independent.pk,
        Decimal("500000.00"),
        f"award:{evaluation.award_id}",
    )
    runs.payout_run_approve(actor=finance2, run_id=run.pk)
    assert PayoutRun.objects.get(pk=run.pk).state == RunState.APPROVED

    # the enterprise sees its result and its score by indicator
    _as(page, login, owner, reports)
    expect(page.get_by_role("heading", name="综合绩效评估结果")).to_be_visible()
    expect(page.get_by_text("2023-2025 · " + independent.name + ":优秀")).to_be_visible()
    expect(page.get_by_role("cell", name="知识产权产出")).to_be_visible()
    screenshot("performance_enterprise_result")
