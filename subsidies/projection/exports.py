"""Projection files for finance and the bureau's meeting papers: the projected lines (xlsx), and a
saved scenario (xlsx, pdf). Every sheet and page says that the figures are a projection, and keeps
estimates apart from committed money."""

from __future__ import annotations

import io

from subsidies.rules.calendar import month_label

LINE_HEADERS = ("规则", "受益人证件号", "研发中心", "服务月份", "金额(元)", "发放批次月份", "补发")


def lines_xlsx(plan, lines, centres) -> bytes:
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("测算明细")
    ws.append([f"NX-STIPEND 已承诺补助测算(测算结果,未写入任何数据)至 {month_label(plan.through)}"])
    if plan.overrides:
        ws.append(["测算假设: " + "; ".join(str(o) for o in plan.overrides)])
    ws.append(list(LINE_HEADERS))
    for ln in lines:
        ws.append(
            [
                "NX-STIPEND",
                ln.beneficiary,
                centres[ln.centre_id][0],
                month_label(ln.month),
                ln.amount,
                month_label(ln.run_month),
                "是" if ln.is_arrears else "",
            ]
        )
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
