#!/usr/bin/env python
"""Payout-run benchmark: 100,000 researchers at 5,000 centres with 24 months of history.

    .venv/bin/python bench/payout_run.py [--researchers 100000] [--centres 5000] [--naive-sample 5000]

Times (a) the first run, which pays 24 months of arrears, and (b) the steady-state run of the next
month, each in its own process, computed as the command line computes it: its chunks spread over
PAYOUT_INLINE_WORKERS processes, one per core by default (wall time, peak memory as the sum of the
parent's and every worker's peak RSS, an upper bound; lines written, lines per second); then a
straightforward per-researcher ORM loop for the steady-state month over a sample of researchers
(scaled to the full population; inside a transaction that is rolled back) and the ratio.
Uses its own database `bench_payouts` on the embedded PostgreSQL (or on DATABASE_URL's server)."""

import argparse
import io
import json
import os
import random
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
FIRST, STEADY = "2025-12", "2026-01"  # contracts from 2024-01: the first run pays 24 months


def bench_url() -> str:
    from enclave_portal.db import database_url

    base = os.environ.get("BENCH_ADMIN_URL") or database_url()
    head, sep, query = base.partition("?")
    return head.rsplit("/", 1)[0] + "/bench_payouts" + (sep + query if sep else "")


def admin_sql(statement: str) -> None:
    import psycopg2

    from enclave_portal.db import database_url

    conn = psycopg2.connect(os.environ.get("BENCH_ADMIN_URL") or database_url())
    conn.autocommit = True
    conn.cursor().execute(statement)
    conn.close()


def setup_django(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "enclave_portal.settings")
    os.environ.setdefault("DEBUG", "1")
    import django

    django.setup()


def build(researchers: int, centres: int) -> None:
    """Bulk-load the population with COPY (benchmark set-up, not the code under test)."""
    from django.core.management import call_command
    from django.db import connection

    from accounts.models import system_actor
    from registry.identifiers import uscc_check_char
    from subsidies.demo import resident_id

    call_command("migrate", verbosity=0)
    actor = system_actor()
    rng = random.Random(5)
    t0 = time.perf_counter()

    def copy(table, cols, rows):
        buf = io.StringIO()
        for r in rows:
            buf.write("\t".join("\\N" if v is None else str(v) for v in r) + "\n")
        buf.seek(0)
        with connection.cursor() as cur:
            cur.cursor.copy_expert(f"COPY {table} ({', '.join(cols)}) FROM STDIN", buf)

    with connection.cursor() as cur:  # the audit triggers are not what is measured here
        cur.execute("SET session_replication_role = replica")
    n_ent = max(centres // 10, 1)
    copy(
        "registry_enterprise",
        [
            "id",
            "uscc",
            "name",
            "division_code",
            "legal_representative",
            "contact_name",
            "contact_phone",
            "contact_email",
            "bank_name",
            "bank_account",
            "created_at",
        ],
        [
            (
                i + 1,
                (b := f"91640106MA{i:07d}") + uscc_check_char(b),
                f"企业{i}",
                "640106",
                "",
                "",
                "",
                "",
                "",
                "",
                "2024-01-01 00:00+08",
            )
            for i in range(n_ent)
        ],
    )
    copy(
        "registry_centre",
        [
            "id",
            "ref",
            "enterprise_id",
            "name",
            "kind",
            "partner_institution",
            "city",
            "division_code",
            "address",
            "rd_fields",
            "headcount",
            "created_at",
        ],
        [
            (
                i + 1,
                f"C{i:05d}",
                i % n_ent + 1,
                f"中心{i}",
                "independent" if i % 7 else "joint",
                "",
                "北京",
                "110108",
                "",
                "",
                20,
                "2024-01-01 00:00+08",
            )
            for i in range(centres)
        ],
    )
    copy(
        "registry_filing",
        [
            "id",
            "centre_id",
            "level",
            "status",
            "effective_from",
            "effective_to",
            "ever_approved",
            "status_reason",
            "created_at",
            "updated_at",
        ],
        [
            (
                i + 1,
                i + 1,
                "regional",
                "approved",
                "2023-06-01",
                None,
                "t",
                "",
                "2024-01-01 00:00+08",
                "2024-01-01 00:00+08",
            )
            for i in range(centres)
        ],
    )
    copy(
        "registry_filingperiod", ["filing_id", "start", '"end"'], [(i + 1, "2023-06-01", None) for i in range(centres)]
    )
    used: set = set()
    copy(
        "talent_researcher",
        ["id", "id_type", "id_number", "nationality", "name", "phone", "email", "photo", "created_at"],
        [
            (i + 1, "resident_id", resident_id(rng, used), "", f"研究员{i}", "", "", "", "2024-01-01 00:00+08")
            for i in range(researchers)
        ],
    )
    degrees, contracts = [], []
    for i in range(researchers):
        kind = i % 10
        level, key = ("doctorate", "f") if kind < 5 else ("master", "t") if kind < 8 else ("bachelor", "f")
        degrees.append(
            (i + 1, level, "t", "", "", key, "2019-07-01", "2023-12-01 00:00+08", actor.pk, "2024-01-01 00:00+08", "")
        )
        start = f"2024-01-{1 if i % 6 else 15:02d}"
        contracts.append(
            (
                i + 1,
                i % centres + 1,
                "t" if i % 17 else "f",
                start,
                "2028-12-31" if i % 4 else None,
                None,
                "",
                "f",
                "2024-01-01 00:00+08",
                "",
            )
        )
    copy(
        "talent_degree",
        [
            "researcher_id",
            "level",
            "full_time",
            "institution",
            "discipline",
            "key_discipline",
            "awarded_on",
            "verified_at",
            "verified_by_id",
            "created_at",
            "certificate",
        ],
        degrees,
    )
    copy(
        "talent_contract",
        [
            "researcher_id",
            "centre_id",
            "full_time",
            "start",
            '"end"',
            "terminated_on",
            "termination_reason",
            "needs_review",
            "created_at",
            "document",
        ],
        contracts,
    )
    with connection.cursor() as cur:
        cur.execute("SET session_replication_role = DEFAULT")
        for t in ("registry_enterprise", "registry_centre", "registry_filing", "talent_researcher"):
            cur.execute(f"SELECT setval(pg_get_serial_sequence('{t}', 'id'), (SELECT max(id) FROM {t}))")
        cur.execute("ANALYZE")
    print(f"built {researchers:,} researchers at {centres:,} centres in {time.perf_counter() - t0:.1f} s", flush=True)


def timed_run(period: str) -> dict:
    from accounts.models import User
    from subsidies.models import RunKind
    from subsidies.runs.services import run_payouts

    actor = User.objects.get(username="system")
    t0 = time.perf_counter()
    from django.conf import settings

    run = run_payouts(
        actor=actor, kind=RunKind.MONTHLY, period=period, inline=True, processes=settings.PAYOUT_INLINE_WORKERS
    )  # as the run_payouts command computes
    wall = time.perf_counter() - t0
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    worker = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024  # the largest chunk process
    workers = min(settings.PAYOUT_INLINE_WORKERS, run.progress_total)
    # upper bound of the run's footprint: this process plus every chunk process at its own peak at once
    peak = own + (worker * workers if workers > 1 else 0)
    return {
        "period": period,
        "wall_s": wall,
        "peak_mb": peak,
        "lines": run.line_count,
        "workers": workers,
        "total": str(run.total_amount),
        "lines_per_s": run.line_count / wall if wall else 0,
    }


def naive(period: str, sample: int) -> dict:
    """The straightforward way: per researcher, ORM queries for contracts, filings, degrees and paid
    months, the same pure rule, and one INSERT per line. Rolled back."""
    from django.db import transaction

    from registry.models import Filing
    from subsidies.models import PayoutLine, PayoutRun, RunKind
    from subsidies.parameters.services import parameter_timeline
    from subsidies.rules import stipend
    from subsidies.rules.calendar import month_index, month_start, parse_month
    from talent.models import Researcher

    class Rollback(Exception):
        pass

    through = parse_month(period)
    t0 = time.perf_counter()
    written = 0
    try:
        with transaction.atomic():
            from accounts.models import system_actor

            run = PayoutRun.objects.create(
                kind=RunKind.GRANTS, period="naive", created_by=system_actor(), state="computing"
            )
            params = parameter_timeline()
            for r in Researcher.objects.order_by("id")[:sample]:
                contracts = []
                for c in r.contracts.select_related("centre").all():
                    filings = tuple(
                        stipend.FilingFact(f.pk, f.status, f.effective_from, f.effective_to)
                        for f in Filing.objects.filter(centre=c.centre, level="regional")
                    )
                    contracts.append(
                        stipend.ContractFact(
                            c.pk,
                            c.centre_id,
                            c.centre.ref,
                            c.centre.kind,
                            c.full_time,
                            c.start,
                            c.end,
                            c.terminated_on,
                            filings,
                        )
                    )
                degrees = tuple(
                    stipend.DegreeFact(
                        d.pk,
                        d.level,
                        d.full_time,
                        d.key_discipline,
                        d.awarded_on,
                        d.verified_at.isoformat() if d.verified_at else None,
                        None,
                    )
                    for d in r.degrees.all()
                )
                paid = {
                    month_index(m)
                    for m in PayoutLine.objects.filter(researcher=r, rule=stipend.RULE, active=True).values_list(
                        "service_month", flat=True
                    )
                }
                person = stipend.PersonFacts(r.pk, r.id_number, r.name, tuple(contracts), degrees)
                for m in stipend.stipend_due(person, through=through, paid=paid, params=params).months:
                    centre = next(c for c in r.contracts.select_related("centre") if c.centre_id == m.centre_id).centre
                    PayoutLine.objects.create(
                        run=run,
                        rule=stipend.RULE,
                        researcher=r,
                        centre_id=m.centre_id,
                        enterprise_id=centre.enterprise_id,
                        beneficiary=r.id_number,
                        beneficiary_name=r.name,
                        service_period=m.label,
                        service_month=month_start(m.month),
                        amount=m.amount,
                        explanation=m.explanation,
                    )
                    written += 1
            raise Rollback
    except Rollback:
        pass
    wall = time.perf_counter() - t0
    return {"sample": sample, "wall_s": wall, "lines": written}


def child(phase: str, args) -> None:
    setup_django(bench_url())
    if phase == "build":
        build(args.researchers, args.centres)
        return
    result = (
        timed_run(FIRST if phase == "first" else STEADY)
        if phase in ("first", "steady")
        else naive(STEADY, args.naive_sample)
    )
    print("RESULT " + json.dumps(result), flush=True)


def spawn(phase: str, args) -> dict | None:
    cmd = [
        sys.executable,
        __file__,
        "--phase",
        phase,
        "--researchers",
        str(args.researchers),
        "--centres",
        str(args.centres),
        "--naive-sample",
        str(args.naive_sample),
    ]
    out = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
    if out.returncode != 0:
        sys.exit(f"{phase} failed:\n{out.stdout[-2000:]}\n{out.stderr[-3000:]}")
    for line in out.stdout.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[7:])
        print(line)
    return None


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--researchers", type=int, default=100_000)
    ap.add_argument("--centres", type=int, default=5_000)
    ap.add_argument("--naive-sample", type=int, default=5_000)
    ap.add_argument("--phase", default=None)
    args = ap.parse_args()
    if args.phase:
        child(args.phase, args)
        return
    admin_sql("DROP DATABASE IF EXISTS bench_payouts")
    admin_sql("CREATE DATABASE bench_payouts")
    spawn("build", args)
    first = spawn("first", args)
    naive_result = spawn("naive", args)  # before the steady run, so both face the same unpaid month
    steady = spawn("steady", args)
    scale = args.researchers / max(naive_result["sample"], 1)
    naive_full = naive_result["wall_s"] * scale
    print()
    print(f"{'run':<34}{'wall s':>10}{'peak MB':>10}{'lines':>12}{'lines/s':>12}")
    for name, r in (("first run (24 months of arrears)", first), ("steady-state run (next month)", steady)):
        print(f"{name:<34}{r['wall_s']:>10.2f}{r['peak_mb']:>10.0f}{r['lines']:>12,}{r['lines_per_s']:>12,.0f}")
    print(
        f"{'naive ORM loop, steady state':<34}{naive_full:>10.1f}{'':>10}{naive_result['lines'] * scale:>12,.0f}"
        f"   (measured {naive_result['wall_s']:.1f} s on {naive_result['sample']:,} researchers, x{scale:.0f})"
    )
    print(
        f"\nsteady state: {naive_full / steady['wall_s']:.1f}x faster than the naive loop "
        f"(targets: steady <= 10 s, >= 20x, peak <= 1024 MB; first run <= 120 s)"
    )
    if not os.environ.get("BENCH_KEEP_DB"):
        admin_sql("DROP DATABASE IF EXISTS bench_payouts")


if __name__ == "__main__":
    main()
