"""Bank transfer files (批量转账文件) as XLSX and CSV.

One row per receiving enterprise account, not per line: the measures pay the parent enterprise
(依托企业), which passes NX-STIPEND on to its researchers and keeps YC-RD awards, and a bank's batch
transfer takes one credit per payee account. The memo names the run, period, rules and line count
so the enterprise can reconcile against its 拨付通知书. Each row carries the payee bank's 联行号 (CNAPS
code, 12 digits, column 开户行联行号 after 开户银行), which the bank routes the credit by.

Amounts are Decimal, never floats. The CSV writes them as exact strings with two places ("1234.50").
The XLSX stores them as numeric cells whose value is the Decimal itself (openpyxl writes its exact
digits, so 5000.10 is 5000.1 fen for fen) with the number format "#,##0.00", so a spreadsheet sums
them and still shows the fen; the total row likewise. Account numbers and CNAPS codes stay text cells
(no 1.2E+18). A text cell that a spreadsheet would read as a formula (a payee name from
self-registration beginning with `=`, `+`, `-` or `@`) is written with a leading quote, and every
other XLSX cell is a text cell (subsidies/exports/cells.py).

Refused (409, with the enterprises named: the request is right, the records are not yet) rather than written wrong: an enterprise with no bank account
on record, or a negative net amount (an adjustment larger than the payment — recover it separately).
Enterprises whose net is exactly zero get no row (no bank takes a zero transfer). A payee with no
联行号 on record (data imported by a scenario file before bank files carried the 联行号) is still written, with the cell
empty, and named by `missing_cnaps`: the export record shows it as a warning on the export page and
the command line prints it, so finance completes the 联行号 before uploading the file."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from decimal import Decimal

from accounts.cells import headed_sheet, neutralise_row, portal_xlsx
from accounts.errors import ServiceError
from subsidies.exports.data import RunDocument

HEADERS = ["序号", "收款人名称", "收款账号", "开户银行", "开户行联行号", "金额(元)", "用途/附言"]
AMOUNT_COLUMN = HEADERS.index("金额(元)")
AMOUNT_FORMAT = "#,##0.00"


@dataclass(frozen=True)
class Transfer:
    payee: str
    account: str
    bank: str
    cnaps: str
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
        out.append(
            Transfer(e.name, e.bank_account.strip(), e.bank_name.strip(), e.bank_cnaps.strip(), e.subtotal, memo)
        )
    return out


def missing_cnaps(doc: RunDocument) -> list[str]:
    """The payees the bank file pays without a 联行号 on record, as "name(USCC)"."""
    return [f"{e.name}({e.uscc})" for e in doc.enterprises if e.subtotal > 0 and not e.bank_cnaps.strip()]


def missing_cnaps_warning(names: str) -> tuple[str, str]:
    """(zh, en) of what the command line prints for a bank file whose payees `names` lack a 联行号."""
    return (
        f"以下收款企业未登记开户行联行号,转账文件中该栏为空:{names}。请补充联行号后重新导出,或在网银中补填后再上传",
        f"these payees have no CNAPS bank code on record and their 开户行联行号 cell is empty: {names}. "
        "Record the code and export again, or fill it in on the bank's site before uploading",
    )


def _rows(doc: RunDocument):
    """The rows with each amount as a Decimal in AMOUNT_COLUMN (the text cells neutralised), the total
    row likewise; each writer puts the amounts in its own form."""
    items = transfers(doc)
    rows = []
    for i, t in enumerate(items, 1):
        row = neutralise_row([str(i), t.payee, t.account, t.bank, t.cnaps, t.memo])
        row.insert(AMOUNT_COLUMN, t.amount)
        rows.append(row)
    total = sum((t.amount for t in items), Decimal("0.00"))
    total_row = ["合计", f"{len(items)}笔", "", "", "", total, f"批次{doc.run_id} {doc.period}"]
    return rows, total_row


def _as_text(row: list) -> list:
    return [f"{v:.2f}" if isinstance(v, Decimal) else v for v in row]


def bank_csv(doc: RunDocument) -> bytes:
    rows, total_row = _rows(doc)
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(HEADERS)
    writer.writerows(_as_text(r) for r in rows)
    writer.writerow(_as_text(total_row))
    return "\ufeff".encode() + buf.getvalue().encode("utf-8")


def bank_xlsx(doc: RunDocument) -> bytes:
    rows, total_row = _rows(doc)
    wb, ws = headed_sheet(f"转账明细-批次{doc.run_id}", HEADERS)
    for row in rows:
        ws.append(row)
    ws.append(total_row)
    for col, width in zip("ABCDEFG", (6, 36, 26, 28, 16, 16, 48), strict=True):
        ws.column_dimensions[col].width = width
    for row in ws.iter_rows(min_row=2):
        row[2].number_format = "@"  # account numbers as text: no 1.2E+18
        row[4].number_format = "@"  # the 联行号 likewise (12 digits, a leading zero kept)
        amount = row[AMOUNT_COLUMN]
        if isinstance(amount.value, Decimal):
            amount.data_type = "n"  # a number, the Decimal's exact digits: a spreadsheet sums it, no fen lost
            amount.number_format = AMOUNT_FORMAT
        for cell in row:
            if isinstance(cell.value, str):
                cell.data_type = "s"  # text, never a formula, whatever the value begins with
                cell.quotePrefix = cell.value.startswith("'")
    ws.freeze_panes = "A2"
    return portal_xlsx(wb)
