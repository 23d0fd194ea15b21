"""Finance journey in a real browser (issue 8), with a real Celery worker on a real Redis broker: finance
user 1 starts a monthly run, the worker computes its chunks while the page's htmx progress bar moves from
0% through an intermediate value to 100%; user 1 is refused when approving their own run, finance user 2
approves, exports the register PDF (rendered by the worker) and downloads it.

The live server (pytest-django, a thread of this process) and the worker (a subprocess) share the test
database (transactional_db). The progress is observed without timing luck: the run is started before
any worker exists (so the page shows 0%), the test then holds the row lock of the run's last chunk - as a
slow chunk would - while the worker starts and computes the others (the page shows 3 of 4 chunks), and
releases it so the worker finishes (100%)."""

import hashlib
import re
import time
from pathlib import Path

import pytest
from django.db import transaction
from playwright.sync_api import expect

from accounts.models import Role
from subsidies.models import ExportRecord, ExportState, PayoutRun, RunChunk, RunState
from tests.integration_support import CeleryWorker, RedisServer, celery_broker
from tests.subsidies import finance_data

pytestmark = [pytest.mark.browser, pytest.mark.integration]

RESEARCHERS = 8
CHUNK_SIZE = 2  # researchers per chunk: 4 chunks, one Celery task each


@pytest.fixture
def celery_on_redis(transactional_db, live_server, settings, tmp_path, request):
    """redis-server, this process's Celery app pointed at it (runs and exports queued by the live server
    go there), and `start_worker()` for a worker subprocess on the test database. Every worker started is
    stopped (SIGTERM to its process group, SIGKILL if it does not stop) and redis-server after it, also
    when the test fails; a failed test prints the workers' logs."""
    exports = tmp_path / "exports"
    settings.PAYOUT_RUNS_ON_CELERY = True  # exports follow it (subsidies.exports.services)
    settings.PAYOUT_CHUNK_SIZE = CHUNK_SIZE
    settings.EXPORT_ROOT = exports
    workers: list[CeleryWorker] = []
    with RedisServer(tmp_path) as redis, celery_broker(redis.url):

        def start_worker() -> CeleryWorker:
            worker = CeleryWorker(
                redis.url,
                tmp_path,
                f"journey{len(workers) + 1}",
                {"PAYOUT_CHUNK_SIZE": str(CHUNK_SIZE), "EXPORT_ROOT": str(exports)},
            )
            workers.append(worker)
            return worker

        try:
            yield start_worker
        finally:
            for worker in workers:
                worker.stop()
            report = getattr(request.node, "rep_call", None)
            if report is None or report.failed:
                for worker in workers:
                    print(f"--- {worker.log} ---\n{worker.log_text()[-4000:]}")


def reload_until_visible(page, locator, timeout: float = 90) -> None:
    """The exports page does not poll: reload it until the worker's result shows."""
    deadline = time.monotonic() + timeout
    while locator.count() == 0:
        if time.monotonic() > deadline:
            expect(locator).to_be_visible(timeout=1)  # fails with Playwright's description
        time.sleep(0.5)
        page.reload()


def test_finance_run_computed_on_a_celery_worker_approved_by_a_second_person_and_exported(
    page, login, logout, screenshot, make_user, celery_on_redis
):
    finance_data.load(RESEARCHERS)  # through subsidies.scenario.import_scenario
    make_user("caiwu1", Role.FINANCE, full_name="财务一")
    make_user("caiwu2", Role.FINANCE, full_name="财务二")
    make_user("guanli", Role.ADMIN, full_name="管理员")

    # finance user 1 logs in through the Chinese login page and lands on the runs list
    login("caiwu1")
    expect(page.get_by_role("heading", name="补助发放批次")).to_be_visible()
    page.get_by_label("批次类型").select_option("monthly")
    page.get_by_label("期间").fill("2024-06")
    page.get_by_role("button", name="发起并计算").click()

    # the run's chunks wait on Redis: no worker runs yet, so the page starts at 0%
    expect(page.locator(".progress-text")).to_contain_text("正在计算:0%(已完成 0 / 4 个分片)")
    bar = page.locator("#run-progress [role=progressbar]")
    expect(bar).to_have_attribute("aria-valuenow", "0")
    run_id = int(re.search(r"/subsidies/runs/(\d+)/", page.url).group(1))
    los = list(RunChunk.objects.filter(run_id=run_id).order_by("lo").values_list("lo", flat=True))
    assert len(los) == 4 and PayoutRun.objects.get(pk=run_id).state == RunState.COMPUTING

    with transaction.atomic():
        # hold the last chunk as a slow one would: the worker computes the other three and waits on it
        RunChunk.objects.select_for_update().get(run_id=run_id, lo=los[-1])
        worker = celery_on_redis()
        expect(page.locator(".progress-text")).to_contain_text("正在计算:75%(已完成 3 / 4 个分片)", timeout=60_000)
        expect(bar).to_have_attribute("aria-valuenow", "75")
        screenshot("run_detail_computing")
    # released: the worker computes the last chunk and the chord finalises the run; the page reloads itself
    expect(page.locator(".progress-text")).to_contain_text("计算完成:100%", timeout=60_000)
    expect(bar).to_have_attribute("aria-valuenow", "100")
    expect(page.locator("#run-total")).to_have_text("¥96,000.00")
    by_centre = page.locator("section", has=page.get_by_role("heading", name="按研发中心汇总"))
    expect(by_centre.locator("tbody tr").nth(0)).to_contain_text("威力传动上海研发中心")
    expect(by_centre.locator("tbody tr").nth(0)).to_contain_text("¥57,000.00")
    expect(by_centre.locator("tbody tr").nth(1)).to_contain_text("隆基宁光杭州研发中心")
    expect(by_centre.locator("tbody tr").nth(1)).to_contain_text("¥39,000.00")
    run = PayoutRun.objects.get(pk=run_id)
    assert (run.state, run.progress_done, run.progress_total, run.line_count) == (RunState.COMPUTED, 4, 4, 24)
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
    expect(row).to_contain_text("¥96,000.00")
    expect(row).to_contain_text("已计算")
    row.get_by_role("link", name=f"#{run_id}").click()
    page.get_by_text("审批通过").click()
    page.get_by_role("button", name="确认审批").click()
    expect(page.locator(".msg.success")).to_contain_text(f"批次#{run_id}已审批通过")
    expect(page.locator("h1 .badge")).to_have_text("已审批")
    run = PayoutRun.objects.get(pk=run_id)
    assert run.state == RunState.APPROVED and run.approved_by.username == "caiwu2"

    # finance user 2 exports the register PDF: the worker renders it; the download is the stored file
    page.get_by_role("link", name="导出发放文件").click()
    expect(page.get_by_role("heading", name=re.compile("导出发放文件"))).to_be_visible()
    page.get_by_label("格式").select_option("register_pdf")
    page.get_by_role("button", name="生成").click()
    expect(page.locator(".msg.success")).to_contain_text("已提交导出#")
    download_link = page.locator("#export-table tbody tr").first.get_by_role("link", name="下载")
    reload_until_visible(page, download_link)
    expect(page.locator("#export-table tbody tr").first).to_contain_text("¥96,000.00")
    screenshot("run_exports")
    with page.expect_download() as info:
        download_link.click()
    download = info.value
    assert download.suggested_filename == f"发放明细表-批次{run_id}-2024-06.pdf"
    data = Path(download.path()).read_bytes()
    assert data.startswith(b"%PDF-")
    record = ExportRecord.objects.get(run_id=run_id)
    assert record.state == ExportState.DONE and record.requested_by.username == "caiwu2"
    assert record.sha256 == hashlib.sha256(data).hexdigest() and record.size == len(data)
    assert (record.line_count, record.total_amount) == (24, run.total_amount)
    assert PayoutRun.objects.get(pk=run_id).state == RunState.EXPORTED  # the first export of an approved run

    # all of it ran on the worker: four chunks, the chord's finalisation and the PDF
    worker.stop()
    assert worker.proc.returncode == 0, worker.log_text()[-2000:]  # a clean (warm) shutdown
    assert worker.succeeded("subsidies.tasks.compute_chunk") == 4
    assert worker.succeeded("subsidies.tasks.finalize_run") == 1
    assert worker.succeeded("subsidies.tasks_exports.render_export") == 1

    page.get_by_role("link", name="发放批次").first.click()
    expect(page.locator("#run-table tbody tr").first).to_contain_text("财务二")
    expect(page.locator("#run-table tbody tr").first).to_contain_text("已导出")
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
