"""project_payouts (POLICY §4, SCENARIOS.md): what on-time monthly runs would pay, exactly, writing
nothing; what-ifs in memory only; unknown names, bad values and dates refused."""

import collections
import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from subsidies.models import ParameterValue, PayoutLine, RunKind
from subsidies.parameters.services import parameter_set
from subsidies.runs import services as runs
from subsidies.scenario import import_scenario
from tests.subsidies.builders import base_fragment, researchers_fragment

pytestmark = pytest.mark.django_db
KEYS = ("rule", "beneficiary", "centre", "service_period", "amount", "run_period")


def project(*args) -> dict:
    out = io.StringIO()
    call_command("project_payouts", *args, stdout=out)
    return json.loads(out.getvalue())


def lines_of_runs_after(line_id: int) -> collections.Counter:
    return collections.Counter(
        (ln.rule, ln.beneficiary, ln.centre.ref, ln.service_period, f"{ln.amount:.2f}", ln.run.period)
        for ln in PayoutLine.objects.filter(id__gt=line_id, active=True).select_related("run", "centre")
    )


def counted(lines) -> collections.Counter:
    return collections.Counter(tuple(str(ln[k]) for k in KEYS) for ln in lines)


def late_and_leaving() -> dict:
    """A researcher recorded late (arrears), one who leaves early, one who reaches the lifetime cap."""
    frag = researchers_fragment(3, seed=11)
    frag["researchers"][0]["degrees"][0]["level"] = "doctorate"
    frag["contracts"][0].update(start="2024-03-01", end=None)
    frag["contracts"][1].update(start="2024-04-01", end="2029-03-31", terminated_on="2024-08-15")
    frag["researchers"][1]["degrees"][0].update(level="doctorate")
    frag["contracts"][2].update(start="2024-03-01", end=None)
    frag["researchers"][2]["degrees"][0].update(level="doctorate")
    return frag


@pytest.fixture
def data(db, finance):
    import_scenario(base_fragment())
    import_scenario(researchers_fragment(12))
    runs.run_payouts(actor=finance, kind=RunKind.MONTHLY, period="2024-05")
    import_scenario(late_and_leaving())  # recorded after the 2024-05 run: its months up to May are arrears


def test_projection_is_what_the_runs_then_pay(data, finance):
    """The strongest check there is: project, then let the real runs pay the same months."""
    last = PayoutLine.objects.order_by("-id").values_list("id", flat=True).first()
    projected = project("--through", "2024-10", "--format", "json")
    assert projected["projection"]["first_run"] == "2024-06" and projected["projection"]["estimate"] is False
    arrears = [ln for ln in projected["lines"] if ln["service_period"] < "2024-06"]
    assert arrears and {ln["run_period"] for ln in arrears} == {"2024-06"}  # pending arrears, first run
    assert any(ln["service_period"] == "2024-07" for ln in projected["lines"])
    for month in ("2024-06", "2024-07", "2024-08", "2024-09", "2024-10"):
        runs.run_payouts(actor=finance, kind=RunKind.MONTHLY, period=month)
    assert counted(projected["lines"]) == lines_of_runs_after(last)
    total = sum(float(ln["amount"]) for ln in projected["lines"])
    assert float(projected["summary"]["total"]) == pytest.approx(total)


def test_what_if_is_what_the_runs_pay_once_the_value_is_decided(data, finance):
    last = PayoutLine.objects.order_by("-id").values_list("id", flat=True).first()
    args = (
        "--through",
        "2024-09",
        "--set",
        "nx_stipend.doctorate_monthly=6000.00@2024-07-01",
        "--set",
        "nx_stipend.max_months=4@2024-06-01",
        "--format",
        "json",
    )
    baseline = project("--through", "2024-09", "--format", "json")
    what_if = project(*args)
    assert counted(what_if["lines"]) != counted(baseline["lines"])
    assert not ParameterValue.objects.exists()  # the what-if was never recorded
    parameter_set(
        actor=finance,
        name="nx_stipend.doctorate_monthly",
        value="6000.00",
        effective_from=__import__("datetime").date(2024, 7, 1),
    )
    parameter_set(
        actor=finance, name="nx_stipend.max_months", value="4", effective_from=__import__("datetime").date(2024, 6, 1)
    )
    for month in ("2024-06", "2024-07", "2024-08", "2024-09"):
        runs.run_payouts(actor=finance, kind=RunKind.MONTHLY, period=month)
    assert counted(what_if["lines"]) == lines_of_runs_after(last)


def test_with_no_run_yet_every_month_is_projected_on_time(db):
    import_scenario(base_fragment())
    import_scenario(researchers_fragment(4))
    out = project("--through", "2024-06", "--format", "json")
    assert out["projection"]["first_run"] is None and out["lines"]
    assert min(ln["service_period"] for ln in out["lines"]) == "2024-03"
    assert all(ln["run_period"] == ln["service_period"] for ln in out["lines"])


def row_counts() -> dict:
    with connection.cursor() as cur:
        tables = connection.introspection.table_names(cur)
        counts = {}
        for t in tables:
            cur.execute(f'SELECT count(*) FROM "{t}"')
            counts[t] = cur.fetchone()[0]
    return counts


def test_projection_writes_nothing_in_any_table(data, tmp_path):
    before = row_counts()
    assert before["subsidies_payoutline"] > 0
    what_if = (
        "--set",
        "nx_stipend.doctorate_monthly=7000.00@2024-08-01",
        "--set",
        "nx_stipend.month_rule=daily_prorata@2024-01-01",
    )
    project("--through", "2025-03", "--format", "json", *what_if)
    call_command(
        "project_payouts",
        "--through",
        "2025-03",
        "--format",
        "csv",
        "--out",
        str(tmp_path / "p.csv"),
        *what_if,
        stdout=io.StringIO(),
    )
    call_command(
        "project_payouts",
        "--through",
        "2025-03",
        "--format",
        "xlsx",
        "--out",
        str(tmp_path / "p.xlsx"),
        stdout=io.StringIO(),
    )
    assert row_counts() == before


@pytest.mark.parametrize(
    "override, words",
    [
        ("nx_stipend.phd_monthly=6000@2025-01-01", "未知参数"),
        ("nx_stipend.doctorate_monthly=abc@2025-01-01", "不是数字"),
        ("nx_stipend.doctorate_monthly=-1@2025-01-01", "负数"),
        ("nx_stipend.doctorate_monthly=6000.001@2025-01-01", "两位小数"),
        ("nx_stipend.max_months=6.5@2025-01-01", "正整数"),
        ("nx_stipend.month_rule=weekly@2025-01-01", "只能取"),
        ("yc_rd.rate=1.5@2025-01-01", "比例"),
        ("nx_stipend.doctorate_monthly=6000@2025-02-30", "生效日期"),
        ("nx_stipend.doctorate_monthly=6000@2025-2-1", "生效日期"),
        ("nx_stipend.doctorate_monthly=6000", "格式错误"),
        ("nx_stipend.doctorate_monthly@2025-01-01", "格式错误"),
    ],
    ids=[
        "name",
        "nan",
        "negative",
        "fen",
        "integer",
        "month-rule",
        "rate",
        "no-such-day",
        "short-date",
        "no-date",
        "no-value",
    ],
)
def test_bad_what_ifs_are_refused_clearly(data, override, words):
    before = row_counts()
    with pytest.raises(CommandError) as err:
        call_command(
            "project_payouts", "--through", "2024-10", "--set", override, "--format", "json", stdout=io.StringIO()
        )
    assert words in str(err.value) and " / " in str(err.value)
    assert row_counts() == before


@pytest.mark.parametrize("through", ["2024-13", "2024-6", "next", "2040-01"])
def test_bad_horizons_are_refused(data, through):
    with pytest.raises(CommandError):
        call_command("project_payouts", "--through", through, "--format", "json", stdout=io.StringIO())


def test_csv_and_xlsx_hold_the_same_lines_as_json(data, tmp_path):
    from openpyxl import load_workbook

    lines = project("--through", "2024-08", "--format", "json")["lines"]
    call_command(
        "project_payouts",
        "--through",
        "2024-08",
        "--format",
        "csv",
        "--out",
        str(tmp_path / "p.csv"),
        stdout=io.StringIO(),
    )
    import csv

    rows = list(csv.DictReader(open(tmp_path / "p.csv", encoding="utf-8")))
    assert counted(rows) == counted(lines)
    call_command(
        "project_payouts",
        "--through",
        "2024-08",
        "--format",
        "xlsx",
        "--out",
        str(tmp_path / "p.xlsx"),
        stdout=io.StringIO(),
    )
    ws = load_workbook(tmp_path / "p.xlsx").active
    body = [r for r in ws.iter_rows(values_only=True) if r[0] == "NX-STIPEND"]
    assert len(body) == len(lines)
    assert "测算" in str(ws["A1"].value)
    with pytest.raises(CommandError):
        call_command("project_payouts", "--through", "2024-08", "--format", "xlsx", stdout=io.StringIO())
