"""PDF documents of a payout run (WeasyPrint): the register (发放明细表), payment notices
(拨付通知书) and the explanation appendix (计算依据附表).

The register is rendered fast: its rows are built once as lean table markup, cut into sections of a
few hundred rows at enterprise/centre boundaries, the sections rendered in parallel worker processes
(WeasyPrint is single-threaded and its memory grows with the document), merged with pypdf, and then
"第 x 页 共 y 页" is stamped on every page from a one-page-per-page footer document whose numbers come
from CSS @page counters. A single-section register (most runs) is one ordinary render with the
counters in its own footer. `render_register_naive` is the plain single-template render, kept for
the benchmark."""
from __future__ import annotations

import io
import multiprocessing
import os
import shutil
import subprocess
import unicodedata
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed

from django.template.loader import render_to_string
from django.utils.html import escape

from subsidies.capitals import amount_in_capitals
from subsidies.exports.data import RunDocument

CJK_FONT = "Noto Sans CJK SC"
WORKERS = max(1, min(4, os.cpu_count() or 1))


class FontMissingError(RuntimeError):
    pass


def require_cjk_font() -> None:
    """The documents are Chinese: without the CJK font WeasyPrint would print empty boxes."""
    fc_list = shutil.which("fc-list")
    out = subprocess.run([fc_list, ":lang=zh", "family"], capture_output=True, text=True, check=False).stdout \
        if fc_list else ""
    if CJK_FONT not in out:
        raise FontMissingError(f"缺少中文字体“{CJK_FONT}”:请安装 Debian 软件包 fonts-noto-cjk(make sysdeps)/ "
                               f"the CJK font {CJK_FONT!r} is missing: apt-get install fonts-noto-cjk")


def money(value) -> str:
    return f"{value:,.2f}"


def _header(doc: RunDocument, title: str) -> dict:
    return {"header_left": f"{title} · 批次#{doc.run_id} · {doc.kind_label} {doc.period}",
            "header_right": "宁夏回族自治区企业飞地研发中心管理平台"}


def _write_pdf(html: str) -> tuple[bytes, int]:
    from weasyprint import HTML

    document = HTML(string=html, base_url=".").render()
    return document.write_pdf(), len(document.pages)


# --- the register --------------------------------------------------------------------------------
# Lean markup: the register is paginated here, in Python, in fixed row units. A run of payout lines
# on a page is ONE table cell in the monospaced CJK font holding one text line per payout line,
# columns padded to fixed character cells, so WeasyPrint lays out one
# text line per payout line instead of seven table cells (the per-element cascade, table layout and
# per-cell text layout are what make a plain 10,000-row table slow). Headings and subtotals are
# one-unit rows. Knowing every section's pages in advance lets the sections render in parallel
# with their page numbers right (@page :first { counter-reset: page N }); the page count of each
# rendered section is checked, and on any difference the merged document is numbered by stamping.

UNIT_MM = 4.2  # one row (line, heading, subtotal, table header)
PAGE_UNITS = 60  # of the 63 that fit in 266 mm (A4 less margins): three spare for borders
TITLE_UNITS = 4  # the title block on the first page (its height is fixed in CSS to 4 units)
CLOSING_UNITS = 11  # grand total, capitals, signatures, note (fixed height in CSS)
PAGES_PER_SECTION = 12


def register_items(doc: RunDocument) -> list[tuple]:
    """(kind, ...) per row unit, in print order. Kinds: e enterprise heading, c centre heading,
    l payout line, s centre subtotal, es enterprise subtotal."""
    items = []
    seq = 0
    for e in doc.enterprises:
        eh = f"依托企业:{e.name}(统一社会信用代码 {e.uscc})"
        items.append(("e", eh, eh, ""))
        for c in e.centres:
            ch = f"研发中心:{c.ref} {c.name}"
            items.append(("c", ch, eh, ch))
            for ln in c.lines:
                seq += 1
                label = "调整" if ln.kind == "adjustment" else ("补发" if ln.is_arrears else "正常")
                items.append(("l", (str(seq), ln.beneficiary_name, ln.beneficiary, ln.service_period, ln.rule, label,
                                    money(ln.amount)), eh, ch))
            items.append(("s", f"{c.ref} 小计({len(c.lines)} 笔)", eh, ch, money(c.subtotal)))
        items.append(("es", f"{e.name} 合计({e.line_count} 笔)", eh, "", money(e.subtotal)))
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
            kind, _, eh, ch = item[:4]
            if kind not in ("e",):
                page.append(("k", f"{eh} / {ch}(续)" if ch and kind != "c" else f"{eh}(续)"))
        page.append(item)
    if capacity - len(pages[-1]) < CLOSING_UNITS:
        pages.append([])
    return pages


# Columns of a register row in half-width character cells of the monospaced CJK font (a Chinese
# character takes two): 序号, 受益人, 证件号码/信用代码, 所属期间, 规则, 类别, 金额.
COLUMNS = ((6, ">"), (14, "<"), (22, "<"), (10, "<"), (14, "<"), (8, "<"), (20, ">"))
HEAD = ("序号", "受益人", "证件号码/信用代码", "所属期间", "规则", "类别", "金额(元)")


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _cell(text: str, width: int, align: str) -> str:
    inner = width - 2  # a space either side
    while _width(text) > inner:
        text = text[:-2] + "…"
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
            out.append(f'<tr class="l"><td>{escape(chr(10).join(run))}</td></tr>')
            run.clear()

    for u in units:
        kind = u[0]
        if kind == "l":
            run.append(mono_row(u[1]))
            continue
        flush()
        if kind in ("e", "c", "k"):
            out.append(f'<tr class="{kind}"><td>{escape(u[1])}</td></tr>')
        else:
            out.append(f'<tr class="{kind}"><td>{escape(_subtotal_row(u[1], u[4]))}</td></tr>')
    flush()
    return "".join(out)


def _register_html(doc: RunDocument, pages: list[str], *, first: bool, last: bool, offset: int | None,
                   total_pages: int | None) -> str:
    """One section: `pages` are the tbody contents of its pages. offset/total None: no page footer
    (stamped later); total None with an offset of 0: the document counts its own pages."""
    total = doc.total
    return render_to_string("exports/register.html", {
        "doc": doc, "pages": pages, "first": first, "last": last,
        "page_footer": offset is not None and total_pages is None, "first_page": (offset or 0) + 1,
        "numbered_total": total_pages if offset is not None else None,
        "total": money(total), "total_caps": amount_in_capitals(total, allow_negative=True), "unit": UNIT_MM,
        "head": mono_row(HEAD),
        **_header(doc, "发放明细表"),
    })


def _page_numbers_pdf(pages: int) -> bytes:
    html = render_to_string("exports/page_numbers.html", {"pages": range(pages), "page_footer": True,
                                                          "header_left": "", "header_right": ""})
    data, counted = _write_pdf(html)
    if counted != pages:
        raise RuntimeError(f"page-number document has {counted} pages, expected {pages}")
    return data


def _can_fork_workers() -> bool:
    # a daemonic process (a Celery prefork child) may not start children: render the sections in turn
    return not multiprocessing.current_process().daemon and "fork" in multiprocessing.get_all_start_methods()


SECTIONS_PER_WORKER = 2  # a worker's memory grows with every document it lays out: fresh workers often


def _render_all(htmls: list[str], workers: int, progress, steps: int) -> list[tuple[bytes, int]]:
    results: list = [None] * len(htmls)
    if workers > 1 and len(htmls) > 1 and _can_fork_workers():
        ctx = multiprocessing.get_context("fork")
        batch = workers * SECTIONS_PER_WORKER
        done = 0
        for start in range(0, len(htmls), batch):
            part = range(start, min(start + batch, len(htmls)))
            with ProcessPoolExecutor(max_workers=min(workers, len(part)), mp_context=ctx) as pool:
                futures = {pool.submit(_write_pdf, htmls[i]): i for i in part}
                for future in as_completed(futures):
                    results[futures[future]] = future.result()
                    done += 1
                    if progress:
                        progress(done, steps)
    else:
        for i, html in enumerate(htmls):
            results[i] = _write_pdf(html)
            if progress:
                progress(i + 1, steps)
    return results


def render_register(doc: RunDocument, *, pages_per_section: int = PAGES_PER_SECTION, workers: int | None = None,
                    progress: Callable[[int, int], None] | None = None) -> bytes:
    """The register PDF. `progress(done, total)` is called as sections finish."""
    require_cjk_font()
    pages = [_page_html(p) for p in paginate(register_items(doc))]
    sections = [pages[i:i + pages_per_section] for i in range(0, len(pages), pages_per_section)]
    count, total_pages = len(sections), len(pages)
    steps = count + 1
    workers = workers or WORKERS
    if count == 1:
        data, _n = _write_pdf(_register_html(doc, sections[0], first=True, last=True, offset=0, total_pages=None))
        if progress:
            progress(steps, steps)
        return data
    htmls = [_register_html(doc, sec, first=i == 0, last=i == count - 1, offset=i * pages_per_section,
                            total_pages=total_pages) for i, sec in enumerate(sections)]
    results = _render_all(htmls, workers, progress, steps)
    if any(n != len(sec) for (_d, n), sec in zip(results, sections, strict=True)):
        # a section broke differently from the plan: render without footers and stamp the numbers
        htmls = [_register_html(doc, sec, first=i == 0, last=i == count - 1, offset=None, total_pages=None)
                 for i, sec in enumerate(sections)]
        results = _render_all(htmls, workers, None, steps)
        data = _merge([d for d, _n in results], stamp=True)
    else:
        data = _merge([d for d, _n in results], stamp=False)
    if progress:
        progress(steps, steps)
    return data


def _merge(parts: list[bytes], *, stamp: bool) -> bytes:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    for part in parts:
        writer.append(PdfReader(io.BytesIO(part)))
    if stamp:
        numbers = PdfReader(io.BytesIO(_page_numbers_pdf(len(writer.pages))))
        for page, number in zip(writer.pages, numbers.pages, strict=True):
            page.merge_page(number)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def render_register_naive(doc: RunDocument) -> bytes:
    """One template, one table, one WeasyPrint render (benchmark baseline)."""
    require_cjk_font()
    total = doc.total
    html = render_to_string("exports/register_naive.html", {
        "doc": doc, "total": money(total), "total_caps": amount_in_capitals(total, allow_negative=True),
        "page_footer": True, **_header(doc, "发放明细表")})
    return _write_pdf(html)[0]


# --- notices and the appendix ---------------------------------------------------------------------

def render_notices(doc: RunDocument) -> bytes:
    """One 拨付通知书 per enterprise, each on its own pages."""
    require_cjk_font()
    notices = []
    for e in doc.enterprises:
        notices.append({"e": e, "subtotal": money(e.subtotal),
                        "caps": amount_in_capitals(e.subtotal, allow_negative=True),
                        "centres": [{"ref": c.ref, "name": c.name, "count": len(c.lines), "amount": money(c.subtotal)}
                                    for c in e.centres]})
    html = render_to_string("exports/notice.html", {"doc": doc, "notices": notices, "page_footer": True,
                                                    **_header(doc, "拨付通知书")})
    return _write_pdf(html)[0]


DEGREE_LABELS = {"doctorate": "博士", "master": "硕士", "bachelor": "学士"}


def explain_line(line) -> list[str]:
    """A line's reasons in Chinese, from the explanation the rule stored (NX-STIPEND / YC-RD)."""
    x = line.explanation or {}
    out = []
    if line.rule == "NX-STIPEND":
        out.append(f"档次:{x.get('tier_label') or x.get('tier', '')};服务月份 {x.get('service_month', line.service_period)}"
                   f",在岗 {x.get('covered_days', '?')}/{x.get('days_in_month', '?')} 天(口径 {x.get('month_rule', '')})")
        out.append(f"已享受月数:发放前 {x.get('months_used_before', '?')} 个月,发放后 {x.get('months_used_after', '?')} 个月"
                   f"(上限 {x.get('max_months', '?')} 个月)")
        c = x.get("contract") or {}
        if c:
            out.append(f"合同:{c.get('centre', '')} {c.get('start', '')} 至 {c.get('end') or '无固定期限'}"
                       f"{',全职' if c.get('full_time') else ''}{',已于' + c['terminated_on'] + '解除' if c.get('terminated_on') else ''}"
                       f"(须不少于 {c.get('min_contract_years', '?')} 年)")
        d = x.get("degree") or {}
        if d:
            out.append(f"学位:{DEGREE_LABELS.get(d.get('level'), d.get('level', ''))}"
                       f"{'(全日制)' if d.get('full_time') else ''}{',重点学科' if d.get('key_discipline') else ''}"
                       f",授予 {d.get('awarded_on', '')}")
        f = x.get("filing") or {}
        if f:
            out.append(f"自治区备案:自 {f.get('effective_from', '')} 起{'至 ' + f['effective_to'] if f.get('effective_to') else '有效'}")
    elif line.rule == "YC-RD":
        out.append(f"年度 {x.get('year', line.service_period)}:核定研发投入 ¥{x.get('verified_amount')},"
                   f"奖励 ¥{x.get('award')}{'(已达上限)' if x.get('capped') else ''}"
                   f"{',此前已发 ¥' + x['paid_before'] if x.get('paid_before') else ''}"
                   f"(申报第 {x.get('declaration_revision', 1)} 版)")
        f = x.get("filing") or {}
        if f:
            out.append(f"银川市备案:自 {f.get('effective_from', '')} 起{'至 ' + f['effective_to'] if f.get('effective_to') else '有效'}")
    if x.get("arrears"):
        out.append(f"补发:所属期间早于批次期间 {x.get('run_period', '')}")
    for p in x.get("parameters") or []:
        out.append(f"参数 {p.get('name')} = {p.get('value')}(自 {p.get('effective_from')} 起施行;依据:{p.get('legal_reference', '')})")
    return out


def render_appendix(doc: RunDocument) -> bytes:
    """计算依据附表: every line with the reasons its rule recorded."""
    require_cjk_font()
    groups = []
    for e in doc.enterprises:
        items = []
        for c in e.centres:
            for ln in c.lines:
                items.append({"line": ln, "centre": c.ref, "amount": money(ln.amount), "reasons": explain_line(ln)})
        groups.append({"e": e, "items": items})
    html = render_to_string("exports/appendix.html", {"doc": doc, "groups": groups, "page_footer": True,
                                                      **_header(doc, "计算依据附表")})
    return _write_pdf(html)[0]
