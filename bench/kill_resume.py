#!/usr/bin/env python
"""Kill test of the run_payouts command (a run killed mid-way and resumed), with figures.

    .venv/bin/python bench/kill_resume.py [--researchers 5000] [--centres 250] [--chunk 250] [--kill-at 0.5]

Builds a population (bench/payout_run.py's builder) in its own database `bench_kill_resume`, then:
(1) runs `manage.py run_payouts --month 2025-12` uninterrupted (wall time, lines) and cancels that run;
(2) runs it again, SIGKILLs its process group at `--kill-at` of the uninterrupted wall time, counts the
lines and chunks committed; (3) runs the same command again and times the continuation. Checks that the
continued run's lines equal the uninterrupted run's as multisets (EXCEPT ALL both ways) and that no
person-month is paid twice by active lines."""

import argparse
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
PERIOD = "2025-12"
DB = "bench_kill_resume"
COLUMNS = (
    "rule, kind, researcher_id, centre_id, enterprise_id, beneficiary, beneficiary_name, service_period, "
    "service_month, is_arrears, basis, amount, explanation, explanation_basis_id"
)


def url() -> str:
    from enclave_portal.db import database_url

    head, sep, query = database_url().partition("?")
    return head.rsplit("/", 1)[0] + f"/{DB}" + (sep + query if sep else "")


def command(env: dict) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "manage.py", "run_payouts", "--month", PERIOD],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )


def sql(query: str, args=()):
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(query, args)
        return cur.fetchall()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--researchers", type=int, default=5000)
    ap.add_argument("--centres", type=int, default=250)
    ap.add_argument("--chunk", type=int, default=250)
    ap.add_argument("--kill-at", type=float, default=0.5, help="fraction of the uninterrupted wall time")
    args = ap.parse_args()
    import payout_run

    payout_run.admin_sql(f"DROP DATABASE IF EXISTS {DB}")
    payout_run.admin_sql(f"CREATE DATABASE {DB}")
    from enclave_portal.db import database_url

    os.environ.setdefault("BENCH_ADMIN_URL", database_url())  # to drop the database at the end
    payout_run.setup_django(url())
    payout_run.build(args.researchers, args.centres)
    from django.db import connection

    connection.close()
    env = dict(os.environ, DATABASE_URL=url(), PAYOUT_CHUNK_SIZE=str(args.chunk))

    t0 = time.perf_counter()
    ref = command(env)
    out = ref.communicate()[0]
    uninterrupted = time.perf_counter() - t0
    assert ref.returncode == 0, out
    ((ref_id, ref_lines, chunks, ref_compute),) = sql(
        "SELECT id, line_count, progress_total, extract(epoch FROM computed_at - holder_since) FROM subsidies_payoutrun"
    )
    from accounts.models import system_actor
    from subsidies.runs.services import payout_run_cancel

    payout_run_cancel(actor=system_actor(), run_id=ref_id, reason="kill test reference")
    connection.close()

    victim = command(env)
    t0 = time.perf_counter()
    kill_after = args.kill_at * uninterrupted
    time.sleep(kill_after)
    os.killpg(victim.pid, signal.SIGKILL)
    victim.wait()
    killed_at = time.perf_counter() - t0
    ((run_id, state, done),) = sql(
        "SELECT id, state, (SELECT count(*) FROM subsidies_runchunk c WHERE c.run_id = r.id "
        "AND c.done) FROM subsidies_payoutrun r WHERE id <> %s",
        [ref_id],
    )
    ((before,),) = sql("SELECT count(*) FROM subsidies_payoutline WHERE run_id = %s", [run_id])
    connection.close()

    t0 = time.perf_counter()
    again = command(env)
    out = again.communicate()[0]
    continuation = time.perf_counter() - t0
    assert again.returncode == 0, out
    ((state_after, after, compute),) = sql(
        "SELECT state, line_count, extract(epoch FROM computed_at - holder_since) FROM subsidies_payoutrun WHERE id = %s",
        [run_id],
    )
    ((differ,),) = sql(
        f"SELECT count(*) FROM ((SELECT {COLUMNS} FROM subsidies_payoutline WHERE run_id = %s EXCEPT ALL "
        f"SELECT {COLUMNS} FROM subsidies_payoutline WHERE run_id = %s) UNION ALL (SELECT {COLUMNS} FROM "
        f"subsidies_payoutline WHERE run_id = %s EXCEPT ALL SELECT {COLUMNS} FROM subsidies_payoutline "
        f"WHERE run_id = %s)) d",
        [run_id, ref_id, ref_id, run_id],
    )
    ((twice,),) = sql(
        "SELECT count(*) FROM (SELECT researcher_id, service_month FROM subsidies_payoutline WHERE active "
        "AND rule = 'NX-STIPEND' GROUP BY 1, 2 HAVING count(*) > 1) t"
    )
    print(
        f"population: {args.researchers:,} researchers at {args.centres:,} centres; {chunks} chunks of "
        f"{args.chunk}, {os.environ.get('PAYOUT_INLINE_WORKERS') or os.cpu_count()} processes"
    )
    print(
        f"uninterrupted run: {ref_lines:,} lines in {uninterrupted:.1f} s (command wall time, start-up included; "
        f"{ref_compute:.1f} s from computing to computed)"
    )
    print(
        f"killed (SIGKILL to the process group) at {killed_at:.1f} s: state {state}, {done} of {chunks} chunks "
        f"done, {before:,} lines committed"
    )
    print(f"run again: {out.strip().splitlines()[-1]}")
    print(
        f"continuation: {after - before:,} lines added, {after:,} in all, state {state_after}, "
        f"wall time {continuation:.1f} s ({compute:.1f} s from taking the run over to computed)"
    )
    print(f"lines differing from the uninterrupted run (multiset): {differ}; person-months paid twice: {twice}")
    connection.close()
    ok = state_after == "computed" and differ == 0 and twice == 0 and after == ref_lines
    payout_run.admin_sql(f"DROP DATABASE IF EXISTS {DB}")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
