"""The acceptance cases of ../shared/spec/cases and ../shared/spec/projection_cases, played through the
command-line contract (import_scenario, run_payouts, project_payouts, export_payouts) inside the test
database."""

import collections
import io
import json
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

HERE = Path(__file__).resolve().parent
# The spec's cases beside the checkout (../shared/spec/cases) when present, else the snapshot taken of
# them (public_cases/); plus the portal's own cases (cases/).
SPEC_CASES = Path(__file__).resolve().parents[2].parent / "shared" / "spec" / "cases"
SPEC_PROJECTION_CASES = SPEC_CASES.parent / "projection_cases"
PUBLIC = sorted(SPEC_CASES.glob("*.json")) + sorted(SPEC_PROJECTION_CASES.glob("*.json")) or sorted(
    (HERE / "public_cases").glob("*.json")
)
CASES = PUBLIC + sorted((HERE / "cases").glob("*.json"))
KEYS = ("rule", "beneficiary", "centre", "service_period", "amount")


def export() -> list[dict]:
    out = io.StringIO()
    call_command("export_payouts", "--format", "json", stdout=out)
    return json.loads(out.getvalue())["lines"]


def counted(lines: list[dict]) -> collections.Counter:
    return collections.Counter(tuple(str(line.get(k)) for k in KEYS) for line in lines)


def project(spec: dict) -> list[dict]:
    args = ["project_payouts", "--through", spec["through"], "--format", "json"]
    for override in spec.get("set", []):
        args += ["--set", override]
    out = io.StringIO()
    call_command(*args, stdout=out)
    return json.loads(out.getvalue())["lines"]


def play(case: dict, tmp_path) -> list[dict]:
    for i, step in enumerate(case["steps"]):
        if "import" in step or "import_fails" in step:
            path = tmp_path / f"step{i}.json"
            path.write_text(json.dumps(step.get("import", step.get("import_fails")), ensure_ascii=False))
            if "import" in step:
                call_command("import_scenario", str(path), stdout=io.StringIO())
            else:
                before = export()
                with pytest.raises(CommandError):
                    call_command("import_scenario", str(path), stdout=io.StringIO())
                assert export() == before, f"step {i}: a refused import changed the payouts"
        elif "project" in step:
            before = export()
            projected = project(step["project"])
            assert counted(projected) == counted(step["expected"]), f"step {i}: projection through {step['project']}"
            for expected in step["expected"]:  # a projected line names the run that would pay it
                if "run_period" in expected:
                    assert any(
                        ln["run_period"] == expected["run_period"] and counted([ln]) == counted([expected])
                        for ln in projected
                    ), expected
            assert export() == before, f"step {i}: the projection changed the recorded payouts"
        else:
            flag = "--year" if len(step["run"]) == 4 else "--month"
            call_command("run_payouts", flag, step["run"], stdout=io.StringIO())
    return export()


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_case(path, db, tmp_path):
    case = json.loads(path.read_text())
    lines = play(case, tmp_path)
    key = lambda line: tuple(str(line.get(k)) for k in KEYS)  # noqa: E731
    assert collections.Counter(map(key, lines)) == collections.Counter(map(key, case["expected_lines"]))
    by_run = collections.Counter(key(ln) + (ln["run_period"],) for ln in lines)
    for expected in case["expected_lines"]:
        if "run_period" in expected:
            assert by_run[key(expected) + (expected["run_period"],)] > 0, expected


def test_cases_are_found():
    assert len(PUBLIC) >= 7 and len(CASES) > len(PUBLIC)
    assert any("project" in step for p in PUBLIC for step in json.loads(p.read_text())["steps"])
