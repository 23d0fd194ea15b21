"""Finance journey in a real browser (issue 8): finance user 1 starts a monthly run and watches the
progress bar reach 100% and the totals, is refused when approving their own run, and finance user 2
approves. The Celery worker is played by the test thread, one chunk at a time, so the htmx progress
bar is seen moving through the live server."""
import re

import pytest
from playwright.sync_api import expect

from accounts.models import Role
from subsidies.models import PayoutRun, RunChunk, RunState
from subsidies.services import runs as run_services
from tests.subsidies import finance_data

pytestmark = pytest.mark.browser


@pytest.fixture
def deferred_worker(settings, monkeypatch):
    """Runs go to 'Celery' (PAYOUT_RUNS_ON_CELERY) but the dispatch only records the run id; the
    test then computes the chunks itself, as a worker would."""
    settings.PAYOUT_RUNS_ON_CELERY = True
    settings.PAYOUT_CHUNK_SIZE = 1  # one researcher per chunk: 3 chunks
    dispatched: list[int] = []
    monkeypatch.setattr("subsidies.tasks.dispatch_run", dispatched.append)
    return dispatched


def test_finance_run_computed_and_approved_by_a_second_person(page, login, logout, screenshot, make_user,
                                                               deferred_worker):
    finance_data.load(3)  # through subsidies.scenario.import_scenario
    make_user("caiwu1", Role.FINANCE, full_name="财务一")
    make_user("caiwu2", Role.FINANCE, full_name="财务二")
    make_user("guanli", Role.ADMIN, full_name="管理员")

    # finance user 1 logs in through the Chinese login page and lands on the runs list
    login("caiwu1")
    expect(page.get_by_role("heading", name="补助发放批次")).to_be_visible()
    page.get_by_label("批次类型").select_option("monthly")
    page.get_by_label("期间").fill("2024-06")
    page.get_by_role("button", name="发起并计算").click()

    # the run detail polls its progress while the worker computes the chunks
    expect(page.locator(".progress-text")).to_contain_text("正在计算:0%")
    bar = page.locator("#run-progress [role=progressbar]")
    expect(bar).to_have_attribute("aria-valuenow", "0")
    assert len(deferred_worker) == 1
    run_id = deferred_worker[0]
    chunks = list(RunChunk.objects.filter(run_id=run_id).order_by("lo").values_list("lo", flat=True))
    assert len(chunks) == 3
    for i, lo in enumerate(chunks[:-1], start=1):
        run_services.payout_run_compute_chunk(run_id=run_id, lo=lo)
        expect(bar).to_have_attribute("aria-valuenow", str(i * 100 // 3))
    run_services.payout_run_compute_chunk(run_id=run_id, lo=chunks[-1])
    run_services.payout_run_finalize(run_id=run_id)
    expect(page.locator(".progress-text")).to_contain_text("计算完成:100%")
    expect(bar).to_have_attribute("aria-valuenow", "100")
    expect(page.locator("#run-total")).to_have_text("¥39,000.00")
    by_centre = page.locator("section", has=page.get_by_role("heading", name="按研发中心汇总"))
    expect(by_centre.locator("tbody tr").nth(0)).to_contain_text("威力传动上海研发中心")
    expect(by_centre.locator("tbody tr").nth(0)).to_contain_text("¥24,000.00")
    expect(by_centre.locator("tbody tr").nth(1)).to_contain_text("¥15,000.00")
    page.locator("#line-table details summary").first.click()
    expect(page.get_by_text("本月前 0 个月,本月后 1 个月(上限 60 个月)").first).to_be_visible()
    screenshot("run_detail")

    # finance user 1 tries to approve their own run and is refused, in Chinese
    page.get_by_text("审批通过").click()
    page.get_by_role("button", name="确认审批").click()
    expect(page.locator(".msg.error")).to_contain_text("审批人不能是发起或计算该批次的人员")
    assert PayoutRun.objects.get(pk=run_id).state == RunState.COMPUTED

    # finance user 2 approves
    logout()
    login("caiwu2")
    row = page.locator("#run-table tbody tr").first
    expect(row).to_contain_text("¥39,000.00")
    expect(row).to_contain_text("已计算")
    row.get_by_role("link", name=f"#{run_id}").click()
    page.get_by_text("审批通过").click()
    page.get_by_role("button", name="确认审批").click()
    expect(page.locator(".msg.success")).to_contain_text(f"批次#{run_id}已审批通过")
    expect(page.locator("h1 .badge")).to_have_text("已审批")
    run = PayoutRun.objects.get(pk=run_id)
    assert run.state == RunState.APPROVED and run.approved_by.username == "caiwu2"
    page.get_by_role("link", name="发放批次").first.click()
    expect(page.locator("#run-table tbody tr").first).to_contain_text("财务二")
    screenshot("run_list")

    # the administrator's pages: dashboard (home) and parameters with its form
    logout()
    login("guanli")
    expect(page.get_by_role("heading", name="飞地研发中心统计看板")).to_be_visible()
    expect(page.locator("svg.chart")).to_have_count(4)
    screenshot("bureau_dashboard")
    page.get_by_role("link", name="政策参数").first.click()
    page.get_by_label("参数", exact=True).select_option("nx_stipend.doctorate_monthly")
    page.get_by_label("新取值", exact=True).fill("abc")
    page.get_by_label("生效日期", exact=True).fill("2030-01-01")
    page.get_by_role("button", name="保存").click()
    expect(page.locator(".msg.error")).to_contain_text("不是数字")
    page.get_by_label("新取值", exact=True).fill("6000")
    page.get_by_label("政策依据", exact=True).fill("宁科发〔2029〕1号 第二条")
    page.get_by_role("button", name="保存").click()
    expect(page.locator(".msg.success")).to_contain_text("自 2030-01-01 起取值 6000.00")
    expect(page.locator("#param-nx_stipend\\.doctorate_monthly")).to_contain_text("宁科发〔2029〕1号 第二条")
    screenshot("parameters")
    assert re.search(r"/subsidies/parameters/", page.url)
