"""The bureau's annual statistics report (统计分析): XLSX and PDF (the project's WeasyPrint worker), from the
same selector as the page, so the file and the page never disagree."""

from __future__ import annotations

import io

from django.template.loader import render_to_string

from subsidies.performance.checks import FIGURES
from subsidies.performance.services import LABELS

DEGREES = (("doctorate", "博士"), ("master", "硕士"), ("bachelor", "学士"), ("other", "其他/未登记"))


def statistics_xlsx(stats: dict, filters: dict) -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "说明"
    ws.append(["飞地研发中心绩效统计分析"])
    ws.append(["筛选条件", "; ".join(f"{k}={v}" for k, v in filters.items() if v) or "全部"])
    ws.append(["口径", "已审批发放金额按批次审批年度统计;成果数据取已受理的年度绩效报告"])
    sheet = wb.create_sheet("按规则发放")
    sheet.append(["规则", "已发放金额(元)"])
    for r in stats["paid_by_rule"]:
        sheet.append([r["rule"], r["total"]])
    sheet = wb.create_sheet("按年度发放")
    sheet.append(["年度", "规则", "已发放金额(元)"])
    for r in stats["paid_by_year"]:
        sheet.append([r["y"], r["rule"], r["total"]])
    sheet = wb.create_sheet("按城市发放")
    sheet.append(["城市", "已发放金额(元)"])
    for r in stats["paid_by_city"]:
        sheet.append([r["centre__city"], r["total"]])
    sheet = wb.create_sheet("各中心成果")
    sheet.append(["中心编号", "研发中心", "城市", "已获支持(元)", *(LABELS[f] for f in FIGURES)])
    for r in stats["outcomes"]:
        c = r["centre"]
        sheet.append([c.ref, c.name, c.city, r["paid"], *(r[f] for f in FIGURES)])
    sheet = wb.create_sheet("成果趋势")
    sheet.append(["年度", *(LABELS[f] for f in FIGURES)])
    for r in stats["trend"]:
        sheet.append([r["year"], *(r[f] or 0 for f in FIGURES)])
    sheet = wb.create_sheet("投入产出比")
    sheet.append(["研发中心", "已获支持(元)", "每百万元支持发明专利申请数", "每百万元支持成果数"])
    for r in stats["ratios"]:
        sheet.append(
            [r["centre"].name if r["centre"] else "合计", r["paid"], r["patents_per_million"], r["results_per_million"]]
        )
    sheet = wb.create_sheet("研发人员")
    sheet.append(["城市", *(label for _k, label in DEGREES), "合计"])
    for r in stats["researchers"]:
        sheet.append([r["city"], *(r[k] for k, _label in DEGREES), r["total"]])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def statistics_pdf(stats: dict, filters: dict) -> bytes:
    from subsidies.exports import pdf_worker
    from subsidies.exports.pdf import require_cjk_font

    require_cjk_font()
    html = render_to_string(
        "exports/performance_statistics.html",
        {
            "s": stats,
            "filters": filters,
            "labels": [LABELS[f] for f in FIGURES],
            "figures": FIGURES,
            "degrees": DEGREES,
        },
    )
    data, _pages, _peak = pdf_worker.render_section(html)
    return data
