"""The register's fast path (issue 7): sections rendered by this process and a helper interpreter,
merged in order, numbered 第 x 页 共 y 页 across the merge, columns aligned in one CJK face. Built
from in-memory documents (the renderers take plain values), so no database is needed."""

import subprocess
from decimal import Decimal
from pathlib import Path

import pytest

from subsidies.exports import pdf
from subsidies.exports.data import CentreGroup, EnterpriseGroup, Line, RunDocument


def make_doc(lines_per_centre=(40, 25, 30)) -> RunDocument:
    doc = RunDocument(
        run_id=77,
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
    seq = 0
    for e_no, count in enumerate(lines_per_centre, 1):
        ent = EnterpriseGroup(
            e_no, f"91640106MA76{e_no:06d}", f"宁夏第{e_no}号科技有限公司", "中国银行银川分行", f"6217{e_no:012d}"
        )
        centre = CentreGroup(f"NX{e_no:03d}-1", f"第{e_no}号研发中心")
        for i in range(count):
            seq += 1
            name = "买买提·艾力" if i == 0 else f"张{'三四五六'[i % 4]}"
            centre.lines.append(
                Line(
                    seq,
                    "NX-STIPEND",
                    "regular",
                    f"110101199003{seq:06d}",
                    name,
                    "2024-06",
                    i % 7 == 0,
                    Decimal("5000.00") if i % 2 else Decimal("3000.00"),
                )
            )
        ent.centres.append(centre)
        doc.enterprises.append(ent)
    return doc


def pages_text(data: bytes, tmp_path: Path) -> list[str]:
    path = tmp_path / "register.pdf"
    path.write_bytes(data)
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout
    return ["".join(page.split()) for page in text.split("\f")[:-1]]


def fonts(data: bytes, tmp_path: Path) -> list[list[str]]:
    path = tmp_path / "fonts.pdf"
    path.write_bytes(data)
    out = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    return [line.split() for line in out.splitlines()[2:]]


@pytest.fixture
def small_pages(monkeypatch):
    """Pages of 14 row units, so a 95-line register spans several sections."""
    monkeypatch.setattr(pdf, "PAGE_UNITS", 14)


def test_parallel_render_matches_serial_and_numbers_across_sections(small_pages, tmp_path):
    doc = make_doc()
    stats: dict = {}
    parallel = pdf.render_register(doc, pages_per_section=2, workers=2, stats=stats)
    assert stats["helpers"] == 1 and stats["sections"] >= 4
    assert 0 < stats["helper_peak_mb"] < 400
    pages = pages_text(parallel, tmp_path)
    n = len(pages)
    assert n == stats["pages"] == len(pdf.paginate(pdf.register_items(doc)))
    for i, page in enumerate(pages, 1):
        assert f"第{i}页共{n}页" in page, f"page {i} is not numbered {i} of {n}"
        if "110101199003" in page:  # a page with payout lines (the closing may have a page of its own)
            assert "序号受益人证件号码/信用代码所属期间规则类别金额(元)" in page, f"page {i} lacks the column header"
    assert "补助资金发放明细表" in pages[0] and "批次:#77" in pages[0]
    last = pages[-1]
    assert "合计:3家依托企业,95笔,金额¥379,000.00" in last
    assert "大写:人民币叁拾柒万玖仟元整" in last
    assert "制表:财务一" in last and "审核:财务二" in last and "批准:" in last
    assert "NX001-1小计(40笔)160,000.00" in "".join(pages)
    assert "宁夏第3号科技有限公司合计(30笔)120,000.00" in "".join(pages)
    # the same document as one process renders it, section by section
    serial = pdf.render_register(doc, pages_per_section=2, workers=1)
    assert pages_text(serial, tmp_path) == pages


def test_every_payout_line_printed_once_in_order(small_pages, tmp_path):
    doc = make_doc()
    text = "".join(pages_text(pdf.render_register(doc, pages_per_section=3, workers=2), tmp_path))
    positions = [text.find(ln.beneficiary) for e in doc.enterprises for c in e.centres for ln in c.lines]
    assert all(p >= 0 for p in positions)
    assert positions == sorted(positions)
    assert all(text.count(ln.beneficiary) == 1 for e in doc.enterprises for c in e.centres for ln in c.lines)


def test_large_register_one_subset_cjk_face(tmp_path, monkeypatch):
    """Sections rendered in parallel by default for a long register (thresholds lowered here to
    keep the test short); every font in the merged file is Noto Sans CJK SC, embedded and subset."""
    monkeypatch.setattr(pdf, "PARALLEL_MIN_PAGES", 6)
    monkeypatch.setattr(pdf, "MIN_SECTION_PAGES", 2)
    doc = make_doc((200, 150, 100))
    stats: dict = {}
    data = pdf.render_register(doc, stats=stats)
    assert stats["sections"] > 1 and stats["helpers"] == 1
    found = fonts(data, tmp_path)
    assert found, "no fonts in the register"
    for f in found:
        assert f[0].split("+")[1] == "Noto-Sans-CJK-SC", f"unexpected font {f}"
        assert f[-5:-3] == ["yes", "yes"], f"font not embedded and subset: {f}"
    # one subset per section, each under its own tag (viewers may cache fonts by name)
    assert len(found) == stats["sections"] == len({f[0] for f in found})
    pages = pages_text(data, tmp_path)
    assert len(pages) == stats["pages"]
    assert f"第{len(pages)}页共{len(pages)}页" in pages[-1]


def test_rows_fill_the_same_cells_whatever_the_text():
    """Columns line up only if every row is exactly ROW_CELLS half-width cells: Chinese and
    ambiguous-width characters (·, …) count two, long values are cut with an ellipsis."""
    rows = [
        pdf.mono_row(pdf.HEAD),
        pdf.mono_row(("10000", "买买提·艾力", "110101199003077571", "2024-06", "NX-STIPEND", "补发", "5,000.00")),
        pdf.mono_row(
            ("1", "欧阳娜娜娜娜娜娜娜", "91640106MA76000001X99", "2024-06", "YC-RD", "调整", "-1,234,567,890.00")
        ),
        pdf._subtotal_row("NX001-1 小计(129 笔)", "537,000.00"),
    ]
    assert {pdf._width(r) for r in rows} == {pdf.ROW_CELLS}
    assert "欧阳娜娜娜…" in rows[2]
    assert "10000" in rows[1]


def test_helper_failure_is_reported(small_pages, monkeypatch):
    monkeypatch.setattr(pdf, "WORKER_MODULE", "subsidies.exports.no_such_worker")
    with pytest.raises(RuntimeError, match="发放明细表分段渲染失败"):
        pdf.render_register(make_doc(), pages_per_section=2, workers=2)


def test_failure_in_this_process_stops_the_helpers(small_pages):
    """An error while sections are in flight (here: the progress writer) propagates at once; the
    helpers are stopped, not left rendering."""
    calls = []

    def progress(done, total):
        calls.append(done)
        raise ValueError("进度写入失败")

    with pytest.raises(ValueError, match="进度写入失败"):
        pdf.render_register(make_doc(), pages_per_section=1, workers=2, progress=progress)
    assert calls == [1]
