"""Projection files for finance and the bureau's meeting papers: the projected lines (xlsx), and a
saved scenario (xlsx, pdf). Every sheet and page says that the figures are a projection, and keeps
estimates apart from committed money."""

from __future__ import annotations

import io

from subsidies.rules.calendar import month_label
from subsidies.rules.stipend import RULE as STIPEND

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
                STIPEND,
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


def _cuts(result: dict) -> dict:
    return result.get("committed", {})


def compare(a, b) -> dict:
    """Two saved scenarios side by side: their inputs, totals and every year and month of each."""

    def index(scenario, cut):
        return {row["key"]: row for row in _cuts(scenario.result).get(cut, [])}

    def value(row):
        if row is None:
            return None
        return row["scenario"] if row.get("scenario") is not None else row["baseline"]

    out = {"scenarios": [_head(s) for s in (a, b)]}
    for cut in ("by_payment_year", "by_month"):
        ia, ib = index(a, cut), index(b, cut)
        rows = []
        for key in sorted(set(ia) | set(ib)):
            va, vb = value(ia.get(key)), value(ib.get(key))
            diff = None
            if va is not None or vb is not None:
                from decimal import Decimal

                diff = f"{Decimal(vb or '0') - Decimal(va or '0'):.2f}"
            rows.append({"key": key, "a": va, "b": vb, "difference": diff})
        out[cut] = rows
    return out


def _head(s) -> dict:
    return {
        "id": s.pk,
        "name": s.name,
        "through": s.through,
        "overrides": s.overrides,
        "hires": s.hires,
        "created_by": s.created_by.display_name if s.created_by_id else "",
        "created_at": s.created_at.isoformat(),
        "computed_at": s.computed_at.isoformat(),
        "latest_run": s.latest_run,
        "baseline_total": f"{s.baseline_total:.2f}",
        "scenario_total": f"{s.scenario_total:.2f}" if s.scenario_total is not None else None,
        "difference": f"{s.difference:.2f}" if s.difference is not None else None,
        "over_budget_years": s.over_budget_years,
    }


def scenario_context(s) -> dict:
    r = s.result
    return {
        "s": s,
        "head": _head(s),
        "committed": _cuts(r),
        "estimates": r.get("estimates", {}).get("items", []),
        "budgets": r.get("budgets", []),
        "centres": _cuts(r).get("by_centre", [])[:30],
        "enterprises": _cuts(r).get("by_enterprise", [])[:30],
    }


def scenario_xlsx(s) -> bytes:
    """The meeting papers' workbook: inputs, committed by year and month (baseline, scenario,
    difference), centres and enterprises, estimates (apart), budgets with the years over budget."""
    from decimal import Decimal

    from openpyxl import Workbook

    def num(v):
        return Decimal(v) if v is not None else None

    wb = Workbook()
    ws = wb.active
    ws.title = "方案"
    h = _head(s)
    for row in (
        ("测算方案", f"#{s.pk} {s.name}"),
        ("测算截至", s.through),
        ("数据截至", h["computed_at"]),
        ("最近月度批次", s.latest_run or "无"),
        ("保存人", h["created_by"]),
        ("保存时间", h["created_at"]),
        ("参数假设", "; ".join(f"{o['name']}={o['value']}@{o['effective_from']}" for o in s.overrides) or "无"),
        ("基线合计(已承诺)", num(h["baseline_total"])),
        ("方案合计(已承诺)", num(h["scenario_total"])),
        ("差额", num(h["difference"])),
        ("超出预算的年度", "、".join(str(y) for y in s.over_budget_years) or "无"),
        ("说明", "已承诺金额按现有记录精确测算;估算另列,不计入已承诺金额。"),
    ):
        ws.append(list(row))
    c = _cuts(s.result)
    for title, cut in (
        ("按发放年度", "by_payment_year"),
        ("按服务年度", "by_year"),
        ("按月份", "by_month"),
        ("按研发中心", "by_centre"),
        ("按依托企业", "by_enterprise"),
    ):
        sheet = wb.create_sheet(title)
        sheet.append(["项目", "基线(已承诺)", "方案(已承诺)", "差额"])
        for row in c.get(cut, []):
            sheet.append([row["label"], num(row["baseline"]), num(row["scenario"]), num(row["difference"])])
    est = wb.create_sheet("估算(不计入已承诺)")
    est.append(["类别", "发放年度", "估算金额(基线)", "估算金额(方案)", "说明"])
    for e in s.result.get("estimates", {}).get("items", []):
        est.append([e["label"], e["payment_year"], num(e["amount"]), num(e["scenario"]), e["detail"]])
    bud = wb.create_sheet("预算对比")
    bud.append(
        [
            "年度",
            "预算批复",
            "批复文号",
            "已审批发放",
            "测算(基线)",
            "已承诺合计(基线)",
            "测算(方案)",
            "已承诺合计(方案)",
            "超出预算",
            "估算(未计入)",
        ]
    )
    for b in s.result.get("budgets", []):
        bud.append(
            [
                b["year"],
                num(b["budget"]),
                b["reference"] or "未录入预算",
                num(b["paid"]),
                num(b["projected_baseline"]),
                num(b["committed_baseline"]),
                num(b["projected_scenario"]),
                num(b["committed_scenario"]),
                "是" if (b["over_budget_baseline"] or b["over_budget_scenario"]) else "",
                num(b["estimates_not_included"]),
            ]
        )
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def scenario_pdf(s) -> bytes:
    from django.template.loader import render_to_string

    from subsidies.exports import pdf_worker
    from subsidies.exports.pdf import require_cjk_font

    require_cjk_font()
    html = render_to_string("exports/projection_scenario.html", scenario_context(s))
    data, _pages, _peak = pdf_worker.render_section(html)
    return data
