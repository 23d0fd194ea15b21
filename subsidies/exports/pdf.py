"""PDF documents of a payout run (WeasyPrint): the register (发放明细表), payment notices
(拨付通知书) and the explanation appendix (计算依据附表).

The register is rendered fast (10,000 lines in ≤ 15 s and ≤ 500 MB on two cores): it is
paginated here, in Python, in fixed row units, and printed with lean markup (one block of
preformatted text per run of payout lines, in one CJK face with half-width Latin, so the columns
line up without a table; two faces fewer to load and subset per section). A large register is cut
into sections that this process and helper interpreters (`python -m subsidies.exports.pdf_worker`,
started and warmed first, one per further core) take from one queue and render at the same time,
each section numbering its own pages from its known offset (CSS @page counters); the sections'
PDFs are merged with pypdf without touching their content streams. A small register is one
ordinary render in this process. Measured figures: README, "Benchmarks" (bench/register_pdf.py, which
holds the plain single-template render it compares with).

The appendix prints each line's reasons in the wording of subsidies.explain.lines (one wording for the
pages, the letters and the documents)."""

from __future__ import annotations

import io
import logging
import math
import os
import pickle
import queue
import shutil
import subprocess
import sys
import threading
import time
import unicodedata
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from django.template.loader import render_to_string
from django.utils.html import escape

from subsidies.explain.lines import explain_line
from subsidies.exports import pdf_worker
from subsidies.money import amount_in_capitals, format_amount
from subsidies.rules.stipend import RULE as STIPEND
from talent.identity import mask_id

logger = logging.getLogger(__name__)

if TYPE_CHECKING:
    from subsidies.exports.data import RunDocument

CJK_FONT = "Noto Sans CJK SC"
WORKERS = max(1, min(4, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1))
PROJECT_ROOT = str(Path(__file__).resolve().parents[2])  # where `subsidies` is importable from


class FontMissingError(RuntimeError):
    pass


def require_cjk_font() -> None:
    """The documents are Chinese: without the CJK font WeasyPrint would print empty boxes."""
    fc_list = shutil.which("fc-list")
    out = (
        subprocess.run([fc_list, ":lang=zh", "family"], capture_output=True, text=True, check=False).stdout
        if fc_list
        else ""
    )
    if CJK_FONT not in out:
        raise FontMissingError(
            f"缺少中文字体“{CJK_FONT}”:请安装 Debian 软件包 fonts-noto-cjk(make sysdeps)/ "
            f"the CJK font {CJK_FONT!r} is missing: apt-get install fonts-noto-cjk"
        )


def _header(doc: RunDocument, title: str) -> dict:
    return {
        "header_left": f"{title} · 批次#{doc.run_id} · {doc.kind_label} {doc.period}",
        "header_right": "宁夏回族自治区企业飞地研发中心管理平台",
    }


def _write_pdf(html: str) -> tuple[bytes, int]:
    data, pages, _peak = pdf_worker.render_section(html)
    return data, pages


# --- the register --------------------------------------------------------------------------------
# Lean markup: a run of payout lines on a page is ONE block of preformatted text, one text line per
# payout line, columns padded to fixed half-width cells. The face is Noto Sans CJK SC with its
# half-width forms (OpenType "hwid": every Latin letter, digit and space is exactly half an em, a
# Chinese character a full em), so the columns line up in the same face as the rest of the document:
# two embedded faces (regular, bold) instead of four. WeasyPrint then lays out one line box per
# payout line, instead of the per-cell cascade, table layout and text layout that make a plain
# 10,000-row table slow. Headings and subtotals are one-unit blocks. Knowing every page in advance
# lets the sections render in parallel with their page numbers right (@page :first { counter-reset:
# page N }); each section's rendered page count is checked, and on any difference the merged
# document is numbered by stamping instead.

UNIT_MM = 4.2  # one row (line, heading, subtotal, column header)
PAGE_UNITS = 60  # of the 63 that fit in 266 mm (A4 less margins): three spare for borders
TITLE_UNITS = 4  # the title block on the first page (its height is fixed in CSS to 4 units)
CLOSING_UNITS = 11  # grand total, capitals, signatures, note (fixed height in CSS)
# Sections: a few per worker, so that a core that finishes early (the machine is shared) takes the
# next one, but not many: each section costs a fixed ~0.2 s of font loading and subsetting.
SECTIONS_PER_WORKER = 3
MIN_SECTION_PAGES = 8
PARALLEL_MIN_PAGES = 40  # below this, starting worker interpreters costs more than it saves
PAGES_PER_SECTION = None  # None: chosen from the page count and the workers (see section_pages)


def register_items(doc: RunDocument) -> list[tuple]:
    """(kind, ...) per row unit, in print order. Kinds: e enterprise heading, c centre heading,
    l payout line, s centre subtotal, es enterprise subtotal. Every item carries the headings it
    continues (the enterprise's and the centre's), for the 续 row of a page that starts inside."""
    items = []
    seq = 0
    for e in doc.enterprises:
        eh = f"依托企业:{e.name}(统一社会信用代码 {e.uscc})"
        items.append(("e", eh, e.name, ""))
        for c in e.centres:
            ch = f"研发中心:{c.ref} {c.name}"
            items.append(("c", ch, e.name, ch))
            for ln in c.lines:
                seq += 1
                label = "调整" if ln.kind == "adjustment" else ("补发" if ln.is_arrears else "正常")
                items.append(
                    (
                        "l",
                        (
                            str(seq),
                            ln.beneficiary_name,
                            ln.beneficiary,
                            ln.service_period,
                            ln.rule,
                            label,
                            format_amount(ln.amount),
                        ),
                        e.name,
                        ch,
                    )
                )
            items.append(("s", f"{c.ref} 小计({len(c.lines)} 笔)", e.name, ch, format_amount(c.subtotal)))
        items.append(("es", f"{e.name} 合计({e.line_count} 笔)", e.name, "", format_amount(e.subtotal)))
    return items


def paginate(items: list[tuple]) -> list[list[tuple]]:
    """Pages of row units. A heading is never the last row of a page; a page that starts inside a
    group repeats the group's headings (续). The closing block gets a page of its own if needed."""
    pages: list[list[tuple]] = [[]]
    capacity = PAGE_UNITS - TITLE_UNITS
    for item in items:
        page = pages[-1]
        room = capacity - len(page)
        if room <= 0 or (item[0] in ("e", "c") and room <= 2):
            pages.append([])
            page, capacity = pages[-1], PAGE_UNITS
            kind, _, ename, ch = item[:4]
            if kind != "e":
                page.append(("k", f"依托企业:{ename} / {ch}(续)" if ch and kind != "c" else f"依托企业:{ename}(续)"))
        page.append(item)
    if capacity - len(pages[-1]) < CLOSING_UNITS:
        pages.append([])
    return pages


# Columns of a register row in half-width character cells (a Chinese character takes two):
# 序号, 受益人, 证件号码/信用代码, 所属期间, 规则, 类别, 金额.
COLUMNS = ((8, ">"), (14, "<"), (22, "<"), (10, "<"), (14, "<"), (8, "<"), (20, ">"))
HEAD = ("序号", "受益人", "证件号码/信用代码", "所属期间", "规则", "类别", "金额(元)")
ROW_CELLS = sum(w for w, _a in COLUMNS)
FONT_PT = 8.5  # print.css: html { font-size: 8.5pt }; a half-width cell is half of it


def _width(text: str) -> int:
    # wide, full-width and ambiguous (…, ·, as in 买买提·艾力) characters take a full em in this face
    if text.isascii():  # numbers, ids, periods, rule ids: most cells, so the quick way first
        return len(text)
    return sum(2 if unicodedata.east_asian_width(ch) in "WFA" else 1 for ch in text)


def _cell(text: str, width: int, align: str) -> str:
    inner = width - 2  # a space either side
    if _width(text) > inner:
        while _width(text) > inner - 2:
            text = text[:-1]
        text += "…"
    pad = " " * (inner - _width(text))
    return " " + (pad + text if align == ">" else text + pad) + " "


def mono_row(values) -> str:
    return "".join(_cell(v, w, a) for v, (w, a) in zip(values, COLUMNS, strict=True))


def _subtotal_row(label: str, amount: str) -> str:
    label_width = sum(w for w, _a in COLUMNS[:-1])
    return _cell(label, label_width, "<") + _cell(amount, COLUMNS[-1][0], ">")


def _page_html(units: list[tuple]) -> str:
    out = []
    run: list[str] = []

    def flush():
        if run:
            out.append(f'<div class="l">{escape(chr(10).join(run))}</div>')
            run.clear()

    for u in units:
        kind = u[0]
        if kind == "l":
            run.append(mono_row(u[1]))
            continue
        flush()
        if kind in ("e", "c", "k"):
            out.append(f'<div class="{kind}">{escape(u[1])}</div>')
        else:
            out.append(f'<div class="{kind}">{escape(_subtotal_row(u[1], u[4]))}</div>')
    flush()
    return "".join(out)


def _register_html(
    doc: RunDocument, pages: list[str], *, first: bool, last: bool, offset: int | None, total_pages: int | None
) -> str:
    """One section: `pages` are the row blocks of its pages. offset/total None: no page footer
    (stamped later); total None with an offset of 0: the document counts its own pages."""
    total = doc.total
    return render_to_string(
        "exports/register.html",
        {
            "doc": doc,
            "pages": pages,
            "first": first,
            "last": last,
            "page_footer": offset is not None and total_pages is None,
            "first_page": (offset or 0) + 1,
            "numbered_total": total_pages if offset is not None else None,
            "total": format_amount(total),
            "total_caps": amount_in_capitals(total, allow_negative=True),
            "unit": UNIT_MM,
            "head": mono_row(HEAD),
            "row_width_pt": f"{ROW_CELLS * FONT_PT / 2:.2f}",
            "rule_basis": doc.basis(),
            **_header(doc, "发放明细表"),
        },
    )


def _page_numbers_pdf(pages: int) -> bytes:
    html = render_to_string(
        "exports/page_numbers.html", {"pages": range(pages), "page_footer": True, "header_left": "", "header_right": ""}
    )
    data, counted = _write_pdf(html)
    if counted != pages:
        raise RuntimeError(f"page-number document has {counted} pages, expected {pages}")
    return data


def section_pages(total_pages: int, workers: int) -> int:
    """Pages per section: SECTIONS_PER_WORKER sections per renderer, at least MIN_SECTION_PAGES each;
    a register under PARALLEL_MIN_PAGES is one section."""
    if total_pages < PARALLEL_MIN_PAGES or workers < 2:
        return max(1, total_pages)
    return max(MIN_SECTION_PAGES, math.ceil(total_pages / (workers * SECTIONS_PER_WORKER)))


WORKER_MODULE = "subsidies.exports.pdf_worker"


class _Helper:
    """A helper interpreter (`python -m subsidies.exports.pdf_worker`) that renders sections next to
    this process. It is started first, so it warms up (WeasyPrint, the CJK faces) while the sections'
    HTML is built; then a thread feeds it sections from the shared queue, one at a time, until the
    queue is empty, and reports each result (or its failure) on `done`. Only this process's main
    thread touches the results and calls `progress` (which may write to the database)."""

    def __init__(self):
        env = {
            **os.environ,
            "PYTHONPATH": os.pathsep.join(p for p in (PROJECT_ROOT, os.environ.get("PYTHONPATH")) if p),
        }
        self.proc = subprocess.Popen(
            [sys.executable, "-m", WORKER_MODULE],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=env,
            cwd=PROJECT_ROOT,
        )
        self.thread: threading.Thread | None = None

    def start(self, tasks: queue.SimpleQueue, done: queue.SimpleQueue) -> None:
        self.thread = threading.Thread(target=self._pump, args=(tasks, done), daemon=True)
        self.thread.start()

    def _pump(self, tasks: queue.SimpleQueue, done: queue.SimpleQueue) -> None:
        try:
            while True:
                try:
                    index, html = tasks.get_nowait()
                except queue.Empty:
                    return
                pickle.dump(html, self.proc.stdin, protocol=pickle.HIGHEST_PROTOCOL)
                self.proc.stdin.flush()
                status, value = pickle.load(self.proc.stdout)
                done.put((index, value) if status == "ok" else (None, value))
                if status != "ok":
                    return
        except Exception as exc:  # noqa: BLE001 - whatever it is, the main thread must hear of it
            done.put((None, f"渲染进程意外退出 / the render worker exited ({exc!r})"))
        finally:
            self._close_stdin()

    def _close_stdin(self) -> None:
        try:
            self.proc.stdin.close()
        except OSError:  # the worker is gone already
            pass

    def stop(self, *, kill: bool = False) -> None:
        if kill:  # this process is failing (or interrupted): do not wait for the section in hand
            self.proc.kill()
        if self.thread is None:
            self._close_stdin()
        else:
            self.thread.join()
        self.proc.wait()
        self.proc.stdout.close()


def _start_helpers(n: int) -> list[_Helper]:
    helpers = []
    if not sys.executable:
        return helpers
    for _ in range(n):
        try:
            helpers.append(_Helper())
        except OSError as exc:  # cannot start an interpreter here: render with fewer hands
            logger.warning("register PDF helper not started: %s", exc)
            break
    return helpers


def _render_sections(
    htmls: Callable[[], list[str]], count: int, workers: int, progress, steps: int, stats: dict
) -> list[tuple[bytes, int]]:
    """Render the sections' HTML (built by `htmls()`) into (PDF bytes, pages), in order.

    With `workers` > 1, this process renders sections and `workers - 1` helper interpreters render
    others at the same time, each taking the next section from a shared queue as it finishes one (a
    core that is faster, or less shared, takes more). This process's figures stay in this process;
    the helpers report their peak memory with each section."""
    helpers = _start_helpers(min(workers, count) - 1)
    results: list = [None] * count
    tasks: queue.SimpleQueue = queue.SimpleQueue()
    done: queue.SimpleQueue = queue.SimpleQueue()
    errors: list[str] = []
    helper_peaks: list[float] = []
    finished = 0

    def collect(index, value) -> None:
        nonlocal finished
        if index is None:
            errors.append(value)
            return
        data, pages, peak = value
        results[index] = (data, pages)
        helper_peaks.append(peak)
        finished += 1
        if progress:
            progress(finished, steps)

    try:
        for i, html in enumerate(htmls()):
            tasks.put((i, html))
        for helper in helpers:
            helper.start(tasks, done)
        while not errors:
            try:
                index, html = tasks.get_nowait()
            except queue.Empty:
                break
            data, pages, _peak = pdf_worker.render_section(html)
            results[index] = (data, pages)
            finished += 1
            if progress:
                progress(finished, steps)
            while not done.empty():
                collect(*done.get())
        while finished < count and not errors:
            collect(*done.get())
    finally:
        failing = bool(errors) or finished < count
        while True:  # nothing left for the helpers to take
            try:
                tasks.get_nowait()
            except queue.Empty:
                break
        for helper in helpers:
            helper.stop(kill=failing)
    if errors:
        raise RuntimeError("发放明细表分段渲染失败 / a register section failed to render:\n" + "\n".join(errors))
    stats["helpers"] = len(helpers)
    stats["helper_peak_mb"] = max(helper_peaks, default=0.0)
    return results


def render_register(
    doc: RunDocument,
    *,
    pages_per_section: int | None = PAGES_PER_SECTION,
    workers: int | None = None,
    progress: Callable[[int, int], None] | None = None,
    stats: dict | None = None,
) -> bytes:
    """The register PDF. `progress(done, total)` is called as sections finish; `stats`, if given, is
    filled with figures of the render (pages, sections, helpers and their peak memory, seconds)."""
    require_cjk_font()
    stats = {} if stats is None else stats
    started = time.perf_counter()
    workers = workers or WORKERS
    planned = paginate(register_items(doc))
    total_pages = len(planned)
    size = pages_per_section or section_pages(total_pages, workers)
    chunks = [planned[i : i + size] for i in range(0, total_pages, size)]
    count = len(chunks)
    steps = count + 1
    stats.update(pages=total_pages, sections=count)

    def htmls(numbered: bool):
        return lambda: [
            _register_html(
                doc,
                [_page_html(p) for p in chunk],
                first=i == 0,
                last=i == count - 1,
                offset=i * size if numbered else None,
                total_pages=total_pages if numbered and count > 1 else None,
            )
            for i, chunk in enumerate(chunks)
        ]

    results = _render_sections(htmls(True), count, workers, progress, steps, stats)
    rendered = time.perf_counter()
    stats["render_seconds"] = rendered - started
    if count == 1:
        data = results[0][0]
    elif any(n != len(chunk) for (_d, n), chunk in zip(results, chunks, strict=True)):
        # a section broke differently from the plan: render without footers and stamp the numbers
        results = _render_sections(htmls(False), count, workers, None, steps, stats)
        data = _merge([d for d, _n in results], stamp=True)
    else:
        data = _merge([d for d, _n in results], stamp=False)
    stats["merge_seconds"] = time.perf_counter() - rendered
    stats["seconds"] = time.perf_counter() - started
    if progress:
        progress(steps, steps)
    return data


def _retag_fonts(reader, section: int) -> None:
    """Give each section's font subsets their own tag. Every section embeds its own subset of the
    same face under the same name (ABCDEF+Noto-Sans-CJK-SC); a viewer that caches fonts by name
    would draw one section's text with another section's glyphs."""
    from pypdf.generic import NameObject

    tag = "".join(chr(65 + (section // 26**k) % 26) for k in range(4))  # AAAA, BAAA, ...
    seen: set[int] = set()

    def retag(obj, key):
        name = str(obj.get(key, ""))
        if "+" in name:
            obj[NameObject(key)] = NameObject(f"/RG{tag}+{name.split('+', 1)[1]}")

    for page in reader.pages:
        fonts = page.get("/Resources", {}).get("/Font", {})
        for ref in fonts.values():
            font = ref.get_object()
            if id(font) in seen:
                continue
            seen.add(id(font))
            for obj in [font, *(d.get_object() for d in font.get("/DescendantFonts", []))]:
                retag(obj, "/BaseFont")
                if "/FontDescriptor" in obj:
                    retag(obj["/FontDescriptor"].get_object(), "/FontName")


def _merge(parts: list[bytes], *, stamp: bool) -> bytes:
    """The sections' pages in order, their content streams copied as they are (still compressed)."""
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    for i, part in enumerate(parts):
        reader = PdfReader(io.BytesIO(part))
        _retag_fonts(reader, i)
        writer.append(reader)
    if stamp:
        numbers = PdfReader(io.BytesIO(_page_numbers_pdf(len(writer.pages))))
        for page, number in zip(writer.pages, numbers.pages, strict=True):
            page.merge_page(number)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


# --- notices and the appendix ---------------------------------------------------------------------


def notice_closing(doc: RunDocument, codes) -> str:
    """The notice's closing paragraph, fitting what the money is for: a stipend or a personal award is paid
    on to the people, a centre's award (and YC-RD, to the parent enterprise) funds the centre, an
    incubator's award its operation."""
    from subsidies.exports.data import INCUBATOR, PERSON

    groups: dict[str, list[str]] = {}
    for code in sorted(codes):
        groups.setdefault(doc.info(code).recipient, []).append(code)
    parts = []
    if groups.get(PERSON):
        people = "、".join(groups[PERSON])
        parts.append(
            f"{people}资金请按规定及时足额发放给相关研发人员"
            if groups[PERSON] == [STIPEND]
            else f"{people}资金请按规定及时足额发放给相关研发人员(受资助人员)"
        )
    centre = [c for r, cs in groups.items() if r not in (PERSON, INCUBATOR) for c in cs]
    if centre:
        parts.append(f"{'、'.join(centre)}资金为对研发中心及其依托企业的奖补,请用于飞地研发中心建设和研发活动")
    if groups.get(INCUBATOR):
        parts.append(f"{'、'.join(groups[INCUBATOR])}资金请用于飞地孵化器的建设和运营")
    return "请贵单位收到资金后" + ";".join(parts) + ",专款专用,并妥善保存资金使用及发放记录备查。"


# The notice is issued by the bureau that administers the rules it pays (never by "管理平台"), under
# a document number (文号) of the run and the notice, dated the approval day, with a seal area.
ISSUERS = {"NX": ("宁夏回族自治区科学技术厅", "宁科飞拨"), "YC": ("银川市科学技术局", "银科飞拨")}


def notice_issuer(codes) -> tuple[str, str]:
    """(issuing bureau, 文号 prefix): the Yinchuan bureau for YC-* rules only, the regional department
    otherwise (a mixed notice names the regional department, which co-issues with the city)."""
    codes = list(codes)
    return ISSUERS["YC"] if codes and all(c.startswith("YC-") for c in codes) else ISSUERS["NX"]


def chinese_date(stamp: str) -> str:
    """'2026-12-01 10:00' -> 2026年12月1日 (the date of an official document)."""
    day = stamp[:10]
    if len(day) != 10:
        return ""
    return f"{int(day[:4])}年{int(day[5:7])}月{int(day[8:10])}日"


def render_notices(doc: RunDocument) -> bytes:
    """One 拨付通知书 per enterprise, each on its own pages, naming the measures and rules it pays under."""
    require_cjk_font()
    notices = []
    for e in doc.enterprises:
        issuer, prefix = notice_issuer(e.rules)
        year = (doc.approved_at or doc.printed_at)[:4]
        notices.append(
            {
                "e": e,
                "subtotal": format_amount(e.subtotal),
                "issuer": issuer,
                "doc_no": f"{prefix}〔{year}〕{doc.run_id}-{len(notices) + 1}号",
                "issued_on": chinese_date(doc.approved_at or doc.printed_at),
                "caps": amount_in_capitals(e.subtotal, allow_negative=True),
                "basis": doc.basis(e.rules),
                "closing": notice_closing(doc, e.rules),
                "centres": [
                    {"ref": c.ref, "name": c.name, "count": len(c.lines), "amount": format_amount(c.subtotal)}
                    for c in e.centres
                ],
            }
        )
    header = {
        **_header(doc, "拨付通知书"),
        "header_right": " · ".join(sorted({n["issuer"] for n in notices})) or ISSUERS["NX"][0],
    }
    html = render_to_string("exports/notice.html", {"doc": doc, "notices": notices, "page_footer": True, **header})
    return _write_pdf(html)[0]


def render_appendix(doc: RunDocument) -> bytes:
    """计算依据附表: every line with the reasons its rule recorded."""
    require_cjk_font()
    groups = []
    for e in doc.enterprises:
        items = []
        for c in e.centres:
            for ln in c.lines:
                # a person's ID number is masked here: the reasons do not need it (the register prints it,
                # and its export is logged as a full view)
                items.append(
                    {
                        "line": ln,
                        "centre": c.ref,
                        "amount": format_amount(ln.amount),
                        "beneficiary": mask_id(ln.beneficiary) if ln.researcher_id else ln.beneficiary,
                        "reasons": explain_line(ln, doc.info(ln.rule)),
                    }
                )
        groups.append({"e": e, "items": items})
    html = render_to_string(
        "exports/appendix.html", {"doc": doc, "groups": groups, "page_footer": True, **_header(doc, "计算依据附表")}
    )
    return _write_pdf(html)[0]
