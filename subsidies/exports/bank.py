"""Bank transfer files (批量转账文件) as XLSX and CSV.

One row per receiving enterprise account, not per line: the measures pay the parent enterprise
(依托企业), which passes NX-STIPEND on to its researchers and keeps YC-RD awards, and a bank's batch
transfer takes one credit per payee account. The memo names the run, period, rules and line count
so the enterprise can reconcile against its 拨付通知书. Amounts are exact decimal strings with two
places (never floats). The CSV is UTF-8 with a BOM so Excel shows the Chinese; the XLSX stores the
amount as text too, so no spreadsheet turns 5000.10 into 5000.1. A text cell that a spreadsheet
would read as a formula (a payee name from self-registration beginning with `=`, `+`, `-` or `@`) is
written with a leading quote, and every XLSX cell is a text cell (subsidies/exports/cells.py).

Refused (409, with the enterprises named: the request is right, the records are not yet) rather than written wrong: an enterprise with no bank account
on record, or a negative net amount (an adjustment larger than the payment — recover it separately).
Enterprises whose net is exactly zero get no row (no bank takes a zero transfer)."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from decimal import Decimal

from accounts.cells import neutralise_row
from accounts.errors import ServiceError
from subsidies.exports.data import RunDocument

HEADERS = ["序号", "收款人名称", "收款账号", "开户银行", "金额(元)", "用途/附言"]


@dataclass(frozen=True)
class Transfer:
    payee: str
    account: str
    bank: str
    amount: Decimal
    memo: str


def transfers(doc: RunDocument) -> list[Transfer]:
    missing = [f"{e.name}({e.uscc})" for e in doc.enterprises if not e.bank_account.strip()]
    if missing:
        raise ServiceError(
            f"以下依托企业未登记银行账号,不能生成转账文件:{'、'.join(missing)}。请先在企业信息中补充开户银行和账号",
            "enterprises without a bank account on record",
            code="no_bank_account",
            record=f"批次#{doc.run_id}",
            status=409,
        )
    negative = [f"{e.name}(¥{e.subtotal})" for e in doc.enterprises if e.subtotal < 0]
    if negative:
        raise ServiceError(
            f"以下依托企业本批次净额为负,不能转账:{'、'.join(negative)}。请另行追回",
            "negative net amount",
            code="negative_transfer",
            record=f"批次#{doc.run_id}",
            status=409,
        )
    out = []
    for e in doc.enterprises:
        if e.subtotal == 0:
            continue
        memo = (
            f"{e.reference} " * bool(e.reference)
            + f"批次{doc.run_id} {doc.period} {doc.kind_label} {'/'.join(e.rules)} {e.line_count}笔"
        )
        out.append(Transfer(e.name, e.bank_account.strip(), e.bank_name.strip(), e.subtotal, memo))
    return out


def _rows(doc: RunDocument):
    items = transfers(doc)
    rows = [
        neutralise_row([str(i), t.payee, t.account, t.bank, f"{t.amount:.2f}", t.memo]) for i, t in enumerate(items, 1)
    ]
    total = sum((t.amount for t in items), Decimal("0.00"))
    return rows, total, len(items)


def bank_csv(doc: RunDocument) -> bytes:
    rows, total, count = _rows(doc)
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(HEADERS)
    writer.writerows(rows)
    writer.writerow(["合计", f"{count}笔", "", "", f"{total:.2f}", f"批次{doc.run_id} {doc.period}"])
    return "\ufeff".encode() + buf.getvalue().encode("utf-8")


def bank_xlsx(doc: RunDocument) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    rows, total, count = _rows(doc)
    wb = Workbook()
    ws = wb.active
    ws.title = f"转账明细-批次{doc.run_id}"
    ws.append(HEADERS)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for row in rows:
        ws.append(row)
    ws.append(["合计", f"{count}笔", "", "", f"{total:.2f}", f"批次{doc.run_id} {doc.period}"])
    for col, width in zip("ABCDEF", (6, 36, 26, 28, 16, 48), strict=True):
        ws.column_dimensions[col].width = width
    for row in ws.iter_rows(min_row=2):
        row[2].number_format = "@"  # account numbers as text: no 1.2E+18
        row[4].number_format = "@"
        for cell in row:
            if isinstance(cell.value, str):
                cell.data_type = "s"  # text, never a formula, whatever the value begins with
                cell.quotePrefix = cell.value.startswith("'")
    ws.freeze_panes = "A2"
    wb.properties.creator = "宁夏回族自治区企业飞地研发中心管理平台"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
