"""The 预算测算 page and /api/v1/projection/: committed money from the projection,
baseline / scenario / difference, estimates apart, budgets flagged; saved scenarios immutable,
compared, exported and linked from a decided parameter; long projections as jobs with progress."""

import datetime as dt
import io
import json
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import IntegrityError, InternalError, transaction
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.models import Role
from subsidies.models import RunKind
from subsidies.parameters.services import parameter_set
from subsidies.projection import scenarios
from subsidies.projection.models import ProjectionJob, ProjectionScenario, ScenarioParameterLink
from subsidies.reporting.budgets import budget_set
from subsidies.runs import services as runs
from subsidies.scenario import import_scenario
from tests.subsidies import finance_data

pytestmark = pytest.mark.django_db
URL = "/api/v1/projection/"
RAISE = "nx_stipend.doctorate_monthly=6000.00@2025-01-01"


@pytest.fixture
def paid(finance):
    """Researchers from 2024-04 at WL-SH and LJ-HZ, paid through 2024-12; YC-RD spend verified for 2024."""
    finance_data.load(4)
    runs.run_payouts(actor=finance, kind=RunKind.MONTHLY, period="2024-12")
    import_scenario({"rd_declarations": [{"centre": "WL-SH", "year": 2024, "verified_amount": "2000000.00"}]})


def api(user) -> APIClient:
    c = APIClient()
    c.force_authenticate(user)
    return c


def command_total(*args) -> Decimal:
    out = io.StringIO()
    call_command("project_payouts", *args, "--format", "json", stdout=out)
    return Decimal(json.loads(out.getvalue())["summary"]["total"])


def test_api_gives_baseline_scenario_difference_by_month_year_centre_enterprise(paid, finance):
    r = api(finance).get(URL, {"through": "2025-06", "set": [RAISE]})
    assert r.status_code == 200, r.content
    data = r.json()
    c = data["committed"]
    baseline, scenario = Decimal(c["total"]["baseline"]), Decimal(c["total"]["scenario"])
    assert baseline == command_total("--through", "2025-06")  # the same projection as the command
    assert scenario == command_total("--through", "2025-06", "--set", RAISE)
    assert Decimal(c["total"]["difference"]) == scenario - baseline > 0
    months = {row["key"]: row for row in c["by_month"]}
    assert set(months) == {f"2025-{m:02d}" for m in range(1, 7)}
    assert months["2025-01"]["difference"] != "0.00"
    for cut in ("by_month", "by_year", "by_payment_year", "by_centre", "by_enterprise"):
        assert sum(Decimal(row["baseline"]) for row in c[cut]) == baseline, cut
        assert sum(Decimal(row["difference"]) for row in c[cut]) == scenario - baseline, cut
    assert {row["key"] for row in c["by_centre"]} == {"WL-SH", "LJ-HZ"}  # the joint centre earns none
    assert data["estimates"]["included_in_committed"] is False


def test_estimates_are_apart_and_labelled(paid, finance):
    r = api(finance).get(URL, {"through": "2026-06", "new_doctorates": "2", "new_from": "2025-01"}).json()
    items = r["estimates"]["items"]
    assert all(e["estimate"] for e in items)
    rd = [e for e in items if e["kind"] == "yc_rd"]
    # 2024 declared and verified, not yet paid (paid this year, 2026); 2025 not declared, paid in May
    # 2026: 15% of the 2024 spend
    assert sorted((e["payment_year"], e["amount"], e["detail"][:10]) for e in rd) == [
        (2026, "300000.00", "WL-SH 2024"),
        (2026, "300000.00", "WL-SH 2025"),
    ]
    hires = [e for e in items if e["kind"] == "new_researchers"]
    # 2 a month from 2025-01: 2, 4, ... 24 doctorates in 2025's months, paid the month after
    months_2025 = sum(2 * k * 5000 for k in range(1, 12))  # Jan..Nov are paid in 2025
    assert Decimal(next(e["amount"] for e in hires if e["payment_year"] == 2025)) == months_2025
    committed = Decimal(r["committed"]["total"]["baseline"])
    assert committed == command_total("--through", "2026-06")  # estimates never added in


def test_budget_years_are_flagged_when_committed_exceeds_them(paid, finance):
    budget_set(actor=finance, rule="NX-STIPEND", year=2025, amount="10000.00", reference="宁科发〔2025〕1号")
    budget_set(actor=finance, rule="NX-STIPEND", year=2026, amount="999999999.00", reference="宁科发〔2026〕1号")
    r = api(finance).get(URL, {"through": "2025-12", "set": [RAISE]}).json()
    years = {b["year"]: b for b in r["budgets"]}
    assert years[2025]["over_budget_baseline"] and years[2025]["over_budget_scenario"]
    assert not years[2026]["over_budget_baseline"]
    assert sorted(years) == [2025, 2026]  # the payment years of the horizon (December's run is paid in January)
    assert r["over_budget_years"] == [2025]


def test_page_shows_the_projection_and_the_budget_flag(client, paid, finance):
    budget_set(actor=finance, rule="NX-STIPEND", year=2025, amount="10000.00", reference="宁科发〔2025〕1号")
    client.force_login(finance)
    r = client.get(
        reverse("subsidies:projection"),
        {
            "through": "2025-06",
            "p_name": ["nx_stipend.doctorate_monthly"],
            "p_value": ["6000.00"],
            "p_from": ["2025-01-01"],
        },
    )
    body = r.content.decode()
    assert r.status_code == 200
    assert 'id="total-scenario"' in body and "<svg" in body and "基线超出预算" in body
    assert "估算(不计入已承诺金额)" in body
    bad = client.get(
        reverse("subsidies:projection"),
        {"through": "2025-06", "p_name": ["nx_stipend.phd"], "p_value": ["1"], "p_from": ["2025-01-01"]},
    )
    assert bad.status_code == 400 and "未知参数" in bad.content.decode()


@pytest.mark.parametrize(
    "query, code",
    [
        ({"through": "2025-06", "set": ["nx_stipend.nope=1@2025-01-01"]}, "what_if_name"),
        ({"through": "2025-06", "set": ["nx_stipend.master_monthly=abc@2025-01-01"]}, "what_if_value"),
        ({"through": "2025-06", "set": ["nx_stipend.master_monthly=3500@2025-13-01"]}, "what_if_date"),
        ({"through": "2025-6"}, "through"),
        ({"through": "2025-06", "new_doctorates": "-1"}, "hires"),
    ],
)
def test_api_refuses_bad_inputs_clearly(paid, finance, query, code):
    r = api(finance).get(URL, query)
    assert r.status_code == 400 and r.json()["error"]["code"] == code
    assert r.json()["error"]["message_en"]


def test_enterprises_may_not_project(client, paid, make_user):
    user = make_user("qiye", Role.ENTERPRISE)
    assert api(user).get(URL, {"through": "2025-06"}).status_code == 403
    client.force_login(user)
    assert client.get(reverse("subsidies:projection")).status_code == 403


def test_reviewers_project_but_do_not_save(client, paid, make_user):
    reviewer = make_user("shenhe", Role.REGIONAL_REVIEWER)
    assert api(reviewer).get(URL, {"through": "2025-03"}).status_code == 200
    assert api(reviewer).post(URL + "scenarios/", {"name": "x", "through": "2025-03"}, format="json").status_code == 403


def test_a_saved_scenario_is_immutable_compared_exported_and_linked(client, paid, finance):
    c = api(finance)
    r = c.post(URL + "scenarios/", {"name": "博士补助提高到6000", "through": "2025-06", "set": [RAISE]}, format="json")
    assert r.status_code == 201, r.content
    s = ProjectionScenario.objects.get(pk=r.json()["id"])
    assert (
        s.created_by == finance
        and s.latest_run == "2024-12"
        and s.overrides
        == [{"name": "nx_stipend.doctorate_monthly", "value": "6000.00", "effective_from": "2025-01-01"}]
    )
    assert s.scenario_total - s.baseline_total == s.difference > 0
    base = c.post(URL + "scenarios/", {"name": "基线", "through": "2025-06"}, format="json").json()
    assert base["scenario_total"] is None
    with pytest.raises((InternalError, IntegrityError)), transaction.atomic():
        ProjectionScenario.objects.filter(pk=s.pk).update(name="改名")
    with pytest.raises((InternalError, IntegrityError)), transaction.atomic():
        ProjectionScenario.objects.filter(pk=s.pk).delete()
    cmp = c.get(URL + "scenarios/compare/", {"a": base["id"], "b": s.pk}).json()
    diff = sum(Decimal(row["difference"]) for row in cmp["by_payment_year"])
    assert diff == s.scenario_total - s.baseline_total
    # the bureau decides the raise: the recorded value links to the scenario that costed it
    pv = parameter_set(
        actor=finance, name="nx_stipend.doctorate_monthly", value="6000.00", effective_from=dt.date(2025, 1, 1)
    )
    other = parameter_set(
        actor=finance, name="nx_stipend.master_monthly", value="3500.00", effective_from=dt.date(2025, 1, 1)
    )
    client.force_login(finance)
    page = client.get(reverse("subsidies:projection_scenario", args=[s.pk]))
    assert page.status_code == 200 and f'value="{pv.pk}"' in page.content.decode()
    client.post(reverse("subsidies:projection_scenario_link", args=[s.pk]), {"parameter": pv.pk})
    assert ScenarioParameterLink.objects.get(parameter=pv).scenario == s
    with pytest.raises(Exception, match="未测算"):
        scenarios.scenario_link_parameter(actor=finance, scenario_id=s.pk, parameter=other)
    assert c.get(URL + f"scenarios/{s.pk}/").json()["links"][0]["parameter_id"] == pv.pk
    xlsx = client.get(reverse("subsidies:projection_scenario_export_xlsx", args=[s.pk]))
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(xlsx.content))
    assert "估算(不计入已承诺)" in wb.sheetnames and "预算对比" in wb.sheetnames


def test_scenario_pdf(client, paid, finance):
    from subsidies.exports.pdf import FontMissingError, require_cjk_font

    try:
        require_cjk_font()
    except FontMissingError:
        pytest.skip("the CJK font is not installed here")
    s = scenarios.scenario_save(actor=finance, name="会议材料", through="2025-03", overrides=[RAISE])
    client.force_login(finance)
    r = client.get(reverse("subsidies:projection_scenario_export_pdf", args=[s.pk]))
    assert r.status_code == 200 and r.content[:5] == b"%PDF-"


def test_a_long_projection_is_a_job_with_progress(paid, finance, settings):
    settings.PROJECTION_INLINE_LIMIT = 1  # everything is long
    settings.PAYOUT_CHUNK_SIZE = 2  # several chunks to report
    r = api(finance).get(URL, {"through": "2025-06", "set": [RAISE]})
    assert r.status_code == 202
    job = ProjectionJob.objects.get(pk=r.json()["job"]["id"])
    assert job.state == "done" and job.progress_total > 1 and job.progress_done == job.progress_total
    status = api(finance).get(URL + f"jobs/{job.pk}/").json()
    assert Decimal(status["result"]["committed"]["total"]["scenario"]) == command_total(
        "--through", "2025-06", "--set", RAISE
    )


def test_the_page_works_on_the_demo_data(client):
    """`make run`'s data: the four first-batch centres, 31 approved monthly runs, budgets entered."""
    call_command("load_demo", stdout=io.StringIO())
    from accounts.models import User

    client.force_login(User.objects.get(username="caiwu1"))
    r = client.get(
        reverse("subsidies:projection"),
        {
            "through": "2027-12",
            "p_name": ["nx_stipend.doctorate_monthly"],
            "p_value": ["6000.00"],
            "p_from": ["2027-01-01"],
            "new_doctorates": "1",
        },
    )
    body = r.content.decode()
    assert r.status_code == 200, body[:2000]
    assert 'id="total-scenario"' in body and 'id="budget-year-2027"' in body and "新增研发人员" in body
    assert client.get(reverse("subsidies:projection")).status_code == 200  # the empty form


def test_the_page_queues_a_long_projection_and_shows_its_progress(client, paid, finance, settings):
    from subsidies.projection import jobs

    settings.PROJECTION_INLINE_LIMIT = 1
    settings.PAYOUT_RUNS_ON_CELERY = True  # queued when the request's transaction commits (not in this test)
    client.force_login(finance)
    r = client.get(reverse("subsidies:projection"), {"through": "2025-06"})
    body = r.content.decode()
    job = ProjectionJob.objects.get()
    assert job.state == "queued" and 'id="job-progress"' in body and "hx-get" in body
    assert 'id="total-baseline"' not in body
    partial = client.get(reverse("subsidies:projection_job_progress", args=[job.pk]), HTTP_HX_REQUEST="true")
    assert partial.status_code == 200 and "HX-Redirect" not in partial
    jobs.job_run(job_id=job.pk)  # what the worker does
    partial = client.get(reverse("subsidies:projection_job_progress", args=[job.pk]), HTTP_HX_REQUEST="true")
    assert partial["HX-Redirect"] == reverse("subsidies:projection_job_result", args=[job.pk])
    done = client.get(partial["HX-Redirect"]).content.decode()
    assert f"{Decimal(ProjectionJob.objects.get().result['committed']['total']['baseline']):,.2f}" in done
