"""Benchmark: the payout register (发放明细表) for 10,000 lines, fast path beside the naive render.

    python bench/register_pdf.py [--lines 10000] [--skip-naive]

The lines are built in memory (the renderers take plain values, not ORM rows), so no database is
touched. Each render runs in a fresh child process; its figures are wall seconds, pages, and peak
resident memory: the rendering process's own peak, the peak of its largest helper process, and
their sum over the helpers that ran at once (an upper bound of the render's total footprint: the
peaks need not coincide). `--repeat N` renders the fast path N times, each in a fresh process, and
prints the best and the median. Not part of the tests."""

import argparse
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SURNAMES = "张王李赵刘陈杨黄周吴徐孙马朱胡郭何高林罗"
GIVEN = ["伟", "芳", "娜", "秀英", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超"]


def build_document(lines: int, seed: int = 7):
    """A monthly run shaped like production: ~60 enterprises, 1-3 centres each, 20-300 researchers."""
    from subsidies.exports.data import CentreGroup, EnterpriseGroup, Line, RunDocument
    from subsidies.rules.stipend import RULE as STIPEND

    rnd = random.Random(seed)
    doc = RunDocument(
        run_id=9001,
        kind="monthly",
        kind_label="月度补助",
        period="2024-06",
        state_label="已审批",
        created_by="财务一",
        computed_by="财务一",
        approved_by="财务二",
        approved_at="2024-07-06 10:00",
        printed_at="2024-07-07 09:00",
    )
    made, e_no = 0, 0
    while made < lines:
        e_no += 1
        ent = EnterpriseGroup(
            e_no,
            f"91640106MA76{e_no:06d}",
            f"宁夏第{e_no}号新材料科技股份有限公司",
            "中国银行银川分行",
            f"62170000{e_no:010d}",
        )
        for c_no in range(rnd.randint(1, 3)):
            centre = CentreGroup(
                f"NX{e_no:03d}-{c_no + 1}", f"第{e_no}号企业{rnd.choice(['上海', '杭州', '深圳', '北京'])}研发中心"
            )
            for _ in range(rnd.randint(20, 300)):
                if made >= lines:
                    break
                made += 1
                doctor = rnd.random() < 0.6
                centre.lines.append(
                    Line(
                        made,
                        STIPEND,
                        "regular",
                        f"11010119{80 + made % 20}{made:08d}",
                        rnd.choice(SURNAMES) + rnd.choice(GIVEN),
                        "2024-06",
                        made % 11 == 0,
                        Decimal("5000.00") if doctor else Decimal("3000.00"),
                    )
                )
            if centre.lines:
                ent.centres.append(centre)
        doc.enterprises.append(ent)
    return doc


NAIVE_TEMPLATE = Path(__file__).resolve().parent / "register_naive.html"


def render_register_naive(doc) -> bytes:
    """The baseline: one template, one table, one WeasyPrint render (no pagination in Python, no sections)."""
    from django.template import engines

    from subsidies.exports import pdf
    from subsidies.money import amount_in_capitals, format_amount

    pdf.require_cjk_font()
    total = doc.total
    html = (
        engines["django"]
        .from_string(NAIVE_TEMPLATE.read_text(encoding="utf-8"))
        .render(
            {
                "doc": doc,
                "total": format_amount(total),
                "total_caps": amount_in_capitals(total, allow_negative=True),
                "page_footer": True,
                **pdf._header(doc, "发放明细表"),
            }
        )
    )
    return pdf._write_pdf(html)[0]


def child(mode: str, lines: int, out: str) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "enclave_portal.settings")
    os.environ.setdefault("DATABASE_URL", "postgres://bench@127.0.0.1:1/unused")  # never connected
    import django

    django.setup()
    from pypdf import PdfReader

    from subsidies.exports import pdf

    doc = build_document(lines)
    pdf.require_cjk_font()
    stats: dict = {}
    cpu_before = sum(
        r.ru_utime + r.ru_stime
        for r in (resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN))
    )
    started = time.perf_counter()
    data = pdf.render_register(doc, stats=stats) if mode == "fast" else render_register_naive(doc)
    seconds = time.perf_counter() - started
    Path(out).write_bytes(data)
    pages = len(PdfReader(out).pages)
    me = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    # CPU seconds of the render in every process (this one and its helpers): less at the mercy of
    # whoever else shares the cores than the wall time
    cpu = (
        sum(
            r.ru_utime + r.ru_stime
            for r in (resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN))
        )
        - cpu_before
    )
    helpers = stats.get("helpers", 0)
    # the helpers report their own peak; the kernel's figure for waited-for children is a cross-check
    kids = (
        max(stats.get("helper_peak_mb", 0.0), resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024)
        if helpers
        else 0.0
    )
    print(
        json.dumps(
            {
                "mode": mode,
                "seconds": seconds,
                "pages": pages,
                "bytes": len(data),
                "self_mb": me,
                "worker_mb": kids,
                "workers": helpers,
                "total_mb": me + kids * helpers,
                "sections": stats.get("sections", 1),
                "merge_seconds": stats.get("merge_seconds", 0.0),
                "cpu_seconds": cpu,
                "total": str(doc.total),
                "lines": doc.line_count,
            }
        )
    )


def run(mode: str, lines: int, tmp: str) -> dict:
    out = os.path.join(tmp, f"register-{mode}.pdf")
    proc = subprocess.run(
        [sys.executable, __file__, "--child", mode, "--lines", str(lines), "--out", out],
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode:
        sys.stderr.write(proc.stderr)
        raise SystemExit(f"{mode} render failed")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--lines", type=int, default=10_000)
    parser.add_argument("--skip-naive", action="store_true")
    parser.add_argument("--repeat", type=int, default=1, help="fast renders to run (best and median printed)")
    parser.add_argument("--child")
    parser.add_argument("--out")
    args = parser.parse_args()
    if args.child:
        child(args.child, args.lines, args.out)
        return
    with tempfile.TemporaryDirectory() as tmp:
        fasts = [run("fast", args.lines, tmp) for _ in range(max(1, args.repeat))]
        naive = None if args.skip_naive else run("naive", args.lines, tmp)
    print(f"register PDF, {args.lines} lines, {os.cpu_count()} CPUs")
    print(
        f"{'render':<8}{'seconds':>9}{'pages':>7}{'MB out':>8}{'peak MB (main)':>16}{'peak MB (helper)':>18}"
        f"{'peak MB (sum)':>15}{'sections':>10}{'merge s':>9}{'CPU s':>7}"
    )
    for r in fasts + ([naive] if naive else []):
        print(
            f"{r['mode']:<8}{r['seconds']:>9.1f}{r['pages']:>7}{r['bytes'] / 2**20:>8.1f}{r['self_mb']:>16.0f}"
            f"{r['worker_mb']:>18.0f}{r['total_mb']:>15.0f}{r.get('sections', 1):>10}"
            f"{r.get('merge_seconds', 0.0):>9.2f}{r['cpu_seconds']:>7.1f}"
        )
    times = sorted(r["seconds"] for r in fasts)
    sums = sorted(r["total_mb"] for r in fasts)
    if len(fasts) > 1:
        print(
            f"fast over {len(fasts)} runs: best {times[0]:.1f} s, median {statistics.median(times):.1f} s; "
            f"peak MB (sum) best {sums[0]:.0f}, median {statistics.median(sums):.0f}, worst {sums[-1]:.0f}"
        )
    if naive:
        fast = min(fasts, key=lambda r: r["seconds"])
        assert fast["total"] == naive["total"], "the two renders disagree on the total"
        print(
            f"naive / fast: {naive['seconds'] / fast['seconds']:.1f}x time, "
            f"{naive['total_mb'] / fast['total_mb']:.1f}x peak memory; pages {fast['pages']} vs {naive['pages']}"
        )


if __name__ == "__main__":
    main()
