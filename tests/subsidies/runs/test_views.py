"""Finance pages: runs list, start, detail with progress, approve (four eyes), cancel; access by role;
a constant number of queries whatever the row count."""

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import Role
from subsidies.models import PayoutLine, PayoutRun, RunKind, RunState
from subsidies.runs import services as run_services
from tests.subsidies import finance_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def data(db):
    return finance_data.load(3)


def login(client, user):
    client.force_login(user)
    return client


def computed_run(actor, period="2024-06", kind=RunKind.MONTHLY):
    run = run_services.payout_run_start(actor=actor, kind=kind, period=period)
    return run_services.payout_run_compute(actor=actor, run=run, inline=True)


# --- access -----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["subsidies:run_list", "subsidies:parameters", "subsidies:bureau_dashboard"])
def test_anonymous_is_sent_to_login(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


@pytest.mark.parametrize(
    "role,runs,params,dash",
    [
        pytest.param(Role.ENTERPRISE, 403, 403, 403, id="enterprise"),
        pytest.param(Role.REGIONAL_REVIEWER, 403, 200, 200, id="regional-reviewer"),
        pytest.param(Role.YINCHUAN_REVIEWER, 403, 200, 200, id="yinchuan-reviewer"),
        pytest.param(Role.FINANCE, 200, 200, 200, id="finance"),
        pytest.param(Role.ADMIN, 200, 200, 200, id="admin"),
    ],
)
def test_pages_by_role(client, make_user, role, runs, params, dash):
    login(client, make_user("u", role))
    assert client.get(reverse("subsidies:run_list")).status_code == runs
    assert client.get(reverse("subsidies:parameters")).status_code == params
    assert client.get(reverse("subsidies:bureau_dashboard")).status_code == dash


def test_enterprise_cannot_see_or_act_on_a_run(client, make_user, finance, data):
    run = computed_run(finance)
    login(client, make_user("ent", Role.ENTERPRISE))
    assert client.get(reverse("subsidies:run_detail", args=[run.pk])).status_code == 403
    assert client.post(reverse("subsidies:run_approve", args=[run.pk])).status_code == 403
    assert client.post(reverse("subsidies:run_start"), {"kind": "monthly", "period": "2024-07"}).status_code == 403
    run.refresh_from_db()
    assert run.state == RunState.COMPUTED and PayoutRun.objects.count() == 1


def test_unknown_run_is_404(client, finance):
    assert login(client, finance).get(reverse("subsidies:run_detail", args=[999999])).status_code == 404


# --- start ------------------------------------------------------------------------------------


def test_start_monthly_run_computes_and_shows_totals(client, finance, data):
    response = login(client, finance).post(reverse("subsidies:run_start"), {"kind": "monthly", "period": "2024-06"})
    run = PayoutRun.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("subsidies:run_detail", args=[run.pk])
    # 3 people x April..June; doctorates (even) 5000, masters (odd) 3000
    assert run.state == RunState.COMPUTED and run.line_count == 9
    assert str(run.total_amount) == "39000.00"
    page = client.get(response["Location"]).content.decode()
    assert "¥39,000.00" in page
    assert "计算完成:100%" in page
    assert 'aria-valuenow="100"' in page
    assert "威力传动上海研发中心" in page and "隆基宁光杭州研发中心" in page
    assert "hx-trigger" not in page  # nothing left to poll


@pytest.mark.parametrize(
    "kind,period,message",
    [
        pytest.param("monthly", "2024-6", "月度补助的期间应为“年-月”", id="malformed-month"),
        pytest.param("monthly", "2024-13", "月度补助的期间应为“年-月”", id="month-13"),
        pytest.param("annual", "24", "年度奖励的期间应为四位年份", id="malformed-year"),
        pytest.param("monthly", "2999-01", "尚未结束", id="future-month"),
        pytest.param("annual", "2999", "尚未结束", id="future-year"),
        pytest.param("grants", "2024", "选择一个有效的选项", id="unknown-kind"),
    ],
)
def test_bad_start_shows_chinese_error_and_writes_nothing(client, finance, data, kind, period, message):
    response = login(client, finance).post(reverse("subsidies:run_start"), {"kind": kind, "period": period})
    assert response.status_code == 200
    assert message in response.content.decode()
    assert PayoutRun.objects.count() == 0 and PayoutLine.objects.count() == 0


def test_second_start_for_an_open_period_is_refused(client, finance, data):
    run = computed_run(finance)
    response = login(client, finance).post(reverse("subsidies:run_start"), {"kind": "monthly", "period": "2024-06"})
    assert f"已有未审批的批次#{run.pk}" in response.content.decode()
    assert PayoutRun.objects.count() == 1 and PayoutLine.objects.count() == 9


# --- progress ---------------------------------------------------------------------------------


def test_progress_partial_polls_while_computing_then_refreshes(client, finance, data):
    run = run_services.payout_run_start(actor=finance, kind=RunKind.MONTHLY, period="2024-06")
    run_services.payout_run_begin_compute(actor=finance, run_id=run.pk)
    login(client, finance)
    url = reverse("subsidies:run_progress", args=[run.pk])
    partial = client.get(url, HTTP_HX_REQUEST="true")
    body = partial.content.decode()
    assert 'hx-trigger="every 1s"' in body and 'aria-valuenow="0"' in body and "HX-Refresh" not in partial
    assert f'hx-get="{url}"' in client.get(reverse("subsidies:run_detail", args=[run.pk])).content.decode()
    run_services.payout_run_resume(run_id=run.pk)
    done = client.get(url, HTTP_HX_REQUEST="true")
    assert done["HX-Refresh"] == "true"
    assert 'aria-valuenow="100"' in done.content.decode() and "hx-trigger" not in done.content.decode()


# --- approve and cancel -----------------------------------------------------------------------


def test_same_user_cannot_approve_and_sees_why(client, finance, data):
    run = computed_run(finance)
    response = login(client, finance).post(reverse("subsidies:run_approve", args=[run.pk]), follow=True)
    assert response.status_code == 200
    assert "审批人不能是发起或计算该批次的人员" in response.content.decode()
    run.refresh_from_db()
    assert run.state == RunState.COMPUTED and run.approved_by is None


def test_second_finance_user_approves(client, finance, finance2, data):
    run = computed_run(finance)
    response = login(client, finance2).post(reverse("subsidies:run_approve", args=[run.pk]), follow=True)
    assert f"批次#{run.pk}已审批通过" in response.content.decode()
    run.refresh_from_db()
    assert run.state == RunState.APPROVED and run.approved_by == finance2
    page = client.get(reverse("subsidies:run_list")).content.decode()
    assert "财务二" in page and "已审批" in page
    # an approved run can be neither approved again nor cancelled
    again = client.post(reverse("subsidies:run_cancel", args=[run.pk]), {"reason": "x"}, follow=True)
    assert "不能作废" in again.content.decode()
    run.refresh_from_db()
    assert run.state == RunState.APPROVED


def test_approve_requires_post_and_csrf(finance2, finance, data):
    from django.test import Client

    run = computed_run(finance)
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(finance2)
    assert strict.get(reverse("subsidies:run_approve", args=[run.pk])).status_code == 405
    assert strict.post(reverse("subsidies:run_approve", args=[run.pk])).status_code == 403
    run.refresh_from_db()
    assert run.state == RunState.COMPUTED


def test_cancel_needs_a_reason_then_voids_the_lines(client, finance, data):
    run = computed_run(finance)
    login(client, finance)
    response = client.post(reverse("subsidies:run_cancel", args=[run.pk]), {"reason": "  "}, follow=True)
    assert "作废批次须填写原因" in response.content.decode()
    run.refresh_from_db()
    assert run.state == RunState.COMPUTED
    response = client.post(reverse("subsidies:run_cancel", args=[run.pk]), {"reason": "参数有误"}, follow=True)
    assert f"批次#{run.pk}已作废" in response.content.decode()
    run.refresh_from_db()
    assert run.state == RunState.CANCELLED
    assert not PayoutLine.objects.filter(run=run, active=True).exists()


# --- detail: filters and explanations ---------------------------------------------------------


def test_line_filters(client, finance, data):
    run = computed_run(finance)
    login(client, finance)
    url = reverse("subsidies:run_detail", args=[run.pk])
    rows = lambda r: r.content.decode().split('id="line-table"')[1].count("<details>")  # noqa: E731
    assert rows(client.get(url)) == 9
    assert rows(client.get(url, {"centre": "LJ-HZ"})) == 3  # person 0 is at LJ-HZ
    assert rows(client.get(url, {"arrears": "1"})) == 6  # April and May are arrears in the June run
    assert rows(client.get(url, {"arrears": "0"})) == 3
    assert rows(client.get(url, {"rule": "YC-RD"})) == 0
    assert rows(client.get(url, {"q": "钱研1"})) == 3
    assert rows(client.get(url, {"q": finance_data.resident_id(2)})) == 3


def test_line_explanation_is_shown(client, finance, data):
    run = computed_run(finance)
    page = login(client, finance).get(reverse("subsidies:run_detail", args=[run.pk]), {"centre": "LJ-HZ"})
    body = page.content.decode()
    assert "本月前 0 个月,本月后 1 个月(上限 60 个月)" in body
    assert "全日制博士" in body
    assert "2024年4月1日 至 2029年4月1日" in body
    assert "已核验" in body
    assert "自治区级 · 已备案 · 2024年3月1日 起" in body
    assert "全日制博士月补助(元) = <b>5000.00</b>" in body  # the parameter by its name, not its key
    assert "全日制博士每月5000元" in body  # the legal reference


# --- query counts -----------------------------------------------------------------------------


def _count(client, url, params=None) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url, params or {}).status_code == 200
    return len(ctx.captured_queries)


def _runs(finance, finance2, periods):
    for i, period in enumerate(periods):
        run = computed_run(finance, period=period)
        if i % 2 == 0:
            run_services.payout_run_approve(actor=finance2, run_id=run.pk)


def test_run_list_query_count_is_constant(client, finance, finance2):
    # months from the regional measure's own date (2023-06) on: a run before it is refused
    months = [f"{y}-{m:02d}" for y in (2023, 2024, 2025) for m in range(1, 13)][5:]
    _runs(finance, finance2, months[:5])
    login(client, finance)
    url = reverse("subsidies:run_list")
    few = _count(client, url)
    _runs(finance, finance2, months[5:30])
    assert PayoutRun.objects.count() == 30
    many = _count(client, url)
    assert few == many
    assert _count(client, url, {"state": "approved", "kind": "monthly", "period": "2024"}) == few


def test_run_detail_query_count_is_constant(client, finance):
    finance_data.load(5, start="2024-06-01")
    small = computed_run(finance, period="2024-06")
    finance_data.load(30, offset=100, start="2024-07-01")
    large = computed_run(finance, period="2024-07")
    assert small.line_count == 5 and large.line_count == 35  # the first five earn July too
    login(client, finance)
    few = _count(client, reverse("subsidies:run_detail", args=[small.pk]))
    many = _count(client, reverse("subsidies:run_detail", args=[large.pk]))
    assert few == many


def test_the_month_picker_starts_at_the_latest_finished_month(client, finance):
    for today, expected in ((dt.date(2026, 12, 1), "2026-11"), (dt.date(2027, 1, 31), "2026-12")):
        with time_machine.travel(dt.datetime(today.year, today.month, today.day, 12), tick=False):
            login(client, finance)  # a session of that day
            page = client.get(reverse("subsidies:run_list")).content.decode()
        assert f'name="period" value="{expected}"' in page
