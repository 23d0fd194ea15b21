"""The reconciliation report of a run (对账报告), in the register's style: every transfer
with its bank result, the failed and re-issued ones, and totals that tie out:
approved = succeeded + in transit + failed − re-issued. PDF through the exports' WeasyPrint worker,
XLSX with every cell text (accounts/cells.py), amounts as exact two-place strings."""

from __future__ import annotations

from django.template.loader import render_to_string
from django.utils import timezone

from accounts.cells import headed_sheet, neutralise_row, portal_xlsx
from subsidies.exports import pdf_worker
from subsidies.exports.pdf import require_cjk_font
from subsidies.models import PayoutRun
from subsidies.money import amount_in_capitals, format_amount
from subsidies.transfers.models import TransferState
from subsidies.transfers.selectors import run_settlement, run_transfer_rows

HEADERS = [
    "转账编号",
    "补拨批次",
    "收款人名称",
    "开户银行",
    "收款账号",
    "金额(元)",
    "状态",
    "银行流水号",
    "交易日期",
    "失败原因",
    "补拨转账",
    "企业确认到账",
]


def reconciliation_context(run: PayoutRun) -> dict:
    s = run_settlement(run)
    rows = []
    for t in run_transfer_rows(run):
        reissue = getattr(t, "reissue", None) if t.state == TransferState.REISSUED else None
        rows.append(
            [
                t.reference,
                f"#{t.batch_id}" if t.batch_id else "",
                t.payee_name,
                t.bank_name,
                t.bank_account,
                f"{t.amount:.2f}",
                str(t.get_state_display()),
                t.bank_serial,
                t.trade_date.isoformat() if t.trade_date else "",
                t.failure_reason,
                reissue.reference if reissue else "",
                timezone.localtime(t.confirmed_at).strftime("%Y-%m-%d") if t.confirmed_at else "",
            ]
        )
    totals = [
        ("已核定拨付(原批次转账合计)", s.approved),
        ("已到账", s.succeeded),
        ("在途(已发送未回单)", s.in_transit),
        ("退回(含已补拨)", s.failed),
        ("其中已补拨", s.reissued),
    ]
    return {
        "run": run,
        "rows": rows,
        "settlement": s,
        "totals": [(label, format_amount(v)) for label, v in totals],
        "approved_caps": amount_in_capitals(s.approved),
        "headers": HEADERS,
        "printed_at": timezone.localtime().strftime("%Y-%m-%d %H:%M"),
        "header_left": f"对账报告 · 批次#{run.pk} · {run.get_kind_display()} {run.period}",
        "header_right": "宁夏回族自治区企业飞地研发中心管理平台",
        "page_footer": True,
        "equation": f"{format_amount(s.approved)} = {format_amount(s.succeeded)} + {format_amount(s.in_transit)} + {format_amount(s.failed)}"
        f" − {format_amount(s.reissued)}",
    }


def reconciliation_pdf(run: PayoutRun) -> bytes:
    require_cjk_font()
    html = render_to_string("exports/reconciliation.html", reconciliation_context(run))
    data, _pages, _peak = pdf_worker.render_section(html)
    return data


def reconciliation_xlsx(run: PayoutRun) -> bytes:
    ctx = reconciliation_context(run)
    wb, ws = headed_sheet(f"对账-批次{run.pk}", HEADERS)
    for row in ctx["rows"]:
        ws.append(neutralise_row(row))
    ws.append([])
    for label, value in ctx["totals"]:
        ws.append([label, "", "", "", "", value.replace(",", "")])
    ws.append(["勾稽关系:已核定 = 已到账 + 在途 + 退回 − 已补拨", "", "", "", "", ctx["equation"]])
    for row in ws.iter_rows(min_row=2):
        for cell in row:
            if isinstance(cell.value, str):
                cell.data_type = "s"
    for col, width in zip("ABCDEFGHIJKL", (20, 10, 32, 24, 24, 14, 10, 20, 12, 20, 20, 14), strict=True):
        ws.column_dimensions[col].width = width
    ws.freeze_panes = "A2"
    return portal_xlsx(wb)
