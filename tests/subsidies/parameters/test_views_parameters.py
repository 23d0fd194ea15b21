"""Parameters page: timelines for everyone on staff, changes by administrators only,
through parameter_set (audited); bad input is refused in Chinese and changes nothing."""

import datetime as dt

import pytest
from django.apps import apps
from django.urls import reverse

from accounts.models import Role
from subsidies.models import ParameterValue
from subsidies.parameters.services import parameter_set

pytestmark = pytest.mark.django_db
URL = "subsidies:parameters"


@pytest.fixture
def admin(make_user):
    return make_user("admin1", Role.ADMIN, full_name="管理员甲")


def events():
    return apps.get_model("subsidies", "ParameterValueEvent").objects


def test_timeline_shows_original_figures_and_legal_references(client, finance):
    client.force_login(finance)
    body = client.get(reverse(URL)).content.decode()
    assert "全日制博士每月5000元" in body and "最高不超过100万元" in body
    # one per parameter: the seven figures, the measures' and review dates, the receipt days, the objection
    # deadline and the four NX-PERF report and evaluation figures
    assert body.count("办法原定标准") == 16
    assert 'name="value"' not in body  # finance reads, does not edit
    assert "如需调整,请联系系统管理员" in body


def test_admin_sets_a_value_from_a_date(client, admin):
    client.force_login(admin)
    response = client.post(
        reverse(URL),
        {
            "name": "nx_stipend.doctorate_monthly",
            "value": "6000",
            "effective_from": "2026-01-01",
            "legal_reference": "宁科发〔2025〕12号 第三条",
            "note": "上调博士补助",
        },
        follow=True,
    )
    body = response.content.decode()
    assert "参数 全日制博士月补助(元) 自 2026-01-01 起取值 6000.00,已记录" in body
    pv = ParameterValue.objects.get()
    assert (pv.value, pv.effective_from, pv.legal_reference, pv.created_by) == (
        "6000.00",
        dt.date(2026, 1, 1),
        "宁科发〔2025〕12号 第三条",
        admin,
    )
    event = events().get(pgh_obj_id=pv.pk)
    assert event.pgh_label == "insert" and event.pgh_context.metadata["username"] == "admin1"
    assert "2026年1月1日" in body and "由 管理员甲 于" in body and "宁科发〔2025〕12号 第三条" in body


def test_blank_legal_reference_keeps_the_measure(client, admin):
    client.force_login(admin)
    client.post(reverse(URL), {"name": "yc_rd.cap", "value": "1200000", "effective_from": "2025-01-01"})
    assert ParameterValue.objects.get().legal_reference.startswith("《银川市飞地研发中心")


def test_current_and_future_values_are_marked(client, admin, finance):
    parameter_set(actor=admin, name="nx_stipend.master_monthly", value="3500", effective_from=dt.date(2024, 1, 1))
    parameter_set(actor=admin, name="nx_stipend.master_monthly", value="4000", effective_from=dt.date(2999, 1, 1))
    client.force_login(finance)
    body = client.get(reverse(URL)).content.decode()
    section = body.split('id="param-nx_stipend.master_monthly"')[1].split("</section>")[0]
    assert '<b class="current-value">3500.00</b>' in section
    timeline = section.split('<ol class="timeline">')[1]
    assert timeline.index("<b>3000.00</b>") < timeline.index("<b>3500.00</b>") < timeline.index("<b>4000.00</b>")
    assert "待生效" in section and "已被替代" in section


@pytest.mark.parametrize(
    "form,message",
    [
        pytest.param(
            {"name": "nx_stipend.doctorate_monthly", "value": "abc", "effective_from": "2026-01-01"},
            "不是数字",
            id="not-a-number",
        ),
        pytest.param(
            {"name": "nx_stipend.doctorate_monthly", "value": "-1", "effective_from": "2026-01-01"},
            "不能为负数",
            id="negative",
        ),
        pytest.param(
            {"name": "nx_stipend.max_months", "value": "6.5", "effective_from": "2026-01-01"},
            "应为正整数",
            id="fractional-months",
        ),
        pytest.param(
            {"name": "yc_rd.rate", "value": "15", "effective_from": "2026-01-01"}, "应在0到1之间", id="rate>1"
        ),
        pytest.param(
            {"name": "nx_stipend.month_rule", "value": "weekly", "effective_from": "2026-01-01"},
            "只能取",
            id="bad-month-rule",
        ),
        pytest.param(
            {"name": "nx_stipend.doctorate_monthly", "value": "6000", "effective_from": "2026-13-01"},
            "请输入有效日期",
            id="bad-date",
        ),
        pytest.param(
            {"name": "no.such", "value": "1", "effective_from": "2026-01-01"}, "选择一个有效的选项", id="unknown-name"
        ),
        pytest.param(
            {"name": "nx_stipend.doctorate_monthly", "value": "", "effective_from": "2026-01-01"},
            "该字段是必填项",
            id="blank",
        ),
    ],
)
def test_bad_input_is_refused_and_nothing_changes(client, admin, form, message):
    client.force_login(admin)
    before = events().count()
    response = client.post(reverse(URL), form)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert ParameterValue.objects.count() == 0 and events().count() == before


def test_finance_and_reviewers_cannot_change(client, finance, make_user):
    for user in (finance, make_user("rev", Role.REGIONAL_REVIEWER)):
        client.force_login(user)
        response = client.post(reverse(URL), {"name": "yc_rd.cap", "value": "1", "effective_from": "2026-01-01"})
        assert response.status_code == 403
    assert ParameterValue.objects.count() == 0
