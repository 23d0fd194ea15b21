"""The bank's result file (银行回单): CSV or XLSX, the bank file's columns plus 交易状态 (成功/失败),
失败原因, 银行流水号 and 交易日期. Parsed into plain rows here, checked against the transfers by the
service. Any problem refuses the whole file with the row named (imports are all or nothing)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from accounts.errors import ServiceError
from subsidies.exports.bank import HEADERS

RESULT_HEADERS = ["交易状态", "失败原因", "银行流水号", "交易日期"]
# a bank may leave out the 联行号 when it echoes the file: the account, payee and amount are what is checked
REQUIRED = [h for h in HEADERS if h not in ("序号", "开户行联行号")] + RESULT_HEADERS
STATUS = {"成功": "succeeded", "失败": "failed"}
REFERENCE = re.compile(r"^ZF\d+-\d+(?:-B\d+)?$")
MAX_BYTES = 20 * 1024 * 1024
MAX_ROWS = 100_000
MAX_AMOUNT = Decimal(10) ** 12  # a transfer's amount has 14 digits, 2 of them decimals (MoneyField)


@dataclass(frozen=True)
class ResultRow:
    number: int  # the row's number in the file (the header is row 1)
    payee: str
    account: str
    bank: str
    amount: Decimal
    reference: str
    status: str  # succeeded / failed
    reason: str
    serial: str
    trade_date: dt.date


def _refuse(zh: str, en: str, *, code: str, row: int | None = None, file_name: str = "") -> ServiceError:
    record = f"第{row}行" if row else (file_name or "银行回单")
    return ServiceError(zh, en, code=code, record=record, field="file")


def _kind(file_name: str, data: bytes) -> str:
    name = file_name.lower()
    if data.startswith(b"PK\x03\x04") and name.endswith(".xlsx"):
        return "xlsx"
    if name.endswith(".csv") and not data.startswith((b"PK\x03\x04", b"%PDF", b"\xd0\xcf\x11\xe0")):
        return "csv"
    raise _refuse(
        "文件类型不对:银行回单应为 CSV 或 XLSX 文件(与导出的银行转账文件同格式)",
        "wrong file type: a bank result file is CSV or XLSX",
        code="file_type",
        file_name=file_name,
    )


def _csv_rows(data: bytes) -> list[list[str]]:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - gb18030 decodes any byte string
        raise _refuse("文件无法按 UTF-8 或 GB18030 编码读取", "unreadable encoding", code="encoding")
    rows = list(csv.reader(io.StringIO(text)))
    for i, row in enumerate(rows, 1):
        for cell in row:
            if cell.strip().startswith("="):
                raise _refuse(
                    f"单元格“{cell[:30]}”是公式,银行回单不接受公式,请导出为纯数据后再导入",
                    "a cell holds a formula",
                    code="formula",
                    row=i,
                )
    return rows


class _NumberCell(str):
    """A numeric XLSX cell's value as text (its shortest repr: 5000.1 for the 5000.10 written), with
    where it stood: the amount may be a number (the bank file writes it so), a whole number
    may stand elsewhere (a 序号), but never in the account or the 联行号 (leading zeros and digits past
    the 15th are lost) and no fraction outside the amount."""

    coordinate = ""
    whole = False


def _xlsx_rows(data: bytes) -> list[list[str]]:
    from openpyxl import load_workbook

    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except Exception:
        raise _refuse("XLSX 文件已损坏或不是 Excel 工作簿", "not a readable XLSX workbook", code="file_type") from None
    ws = wb.worksheets[0]
    rows = []
    for i, row in enumerate(ws.iter_rows(), 1):
        values = []
        for cell in row:
            value = cell.value
            if getattr(cell, "data_type", None) == "f" or (isinstance(value, str) and value.startswith("=")):
                raise _refuse(
                    f"单元格{getattr(cell, 'coordinate', '')}是公式,银行回单不接受公式,请导出为纯数据后再导入",
                    "a cell holds a formula",
                    code="formula",
                    row=i,
                )
            if isinstance(value, dt.datetime):
                value = value.date().isoformat()
            elif isinstance(value, dt.date):
                value = value.isoformat()
            elif isinstance(value, int | float | Decimal) and not isinstance(value, bool):
                value, whole = (
                    _NumberCell(repr(value) if isinstance(value, float) else str(value)),
                    isinstance(value, int),
                )
                value.coordinate, value.whole = getattr(cell, "coordinate", ""), whole
            values.append("" if value is None else value if isinstance(value, _NumberCell) else str(value))
        rows.append(values)
    wb.close()
    return rows


def _date(text: str, row: int) -> dt.date:
    text = text.strip()
    for fmt in ("%Y-%m-%d", "%Y%m%d", "%Y/%m/%d"):
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise _refuse(f"交易日期“{text}”格式不对,应为 YYYY-MM-DD", "trade date not YYYY-MM-DD", code="trade_date", row=row)


def _amount(text: str, row: int) -> Decimal:
    try:
        value = Decimal(text.replace(",", "").strip())
    except InvalidOperation:
        raise _refuse(f"金额“{text}”不是数字", "amount is not a number", code="amount", row=row) from None
    if value.is_finite() and value.copy_abs() >= MAX_AMOUNT:
        raise _refuse(
            f"金额“{text}”超出转账金额的范围(最多12位整数)",
            "amount out of range (at most 12 integer digits)",
            code="amount",
            row=row,
        )
    if not value.is_finite() or value != value.quantize(Decimal("0.01")):
        raise _refuse(
            f"金额“{text}”应为精确到分的数字", "amount must have at most two decimals", code="amount", row=row
        )
    return value


def parse_results(*, file_name: str, data: bytes) -> list[ResultRow]:
    if not data or not data.strip(b"\xef\xbb\xbf \r\n\t,"):
        raise _refuse("文件为空,没有任何银行结果", "the file is empty", code="empty", file_name=file_name)
    if len(data) > MAX_BYTES:
        raise _refuse("文件超过 20 MB", "the file is larger than 20 MB", code="too_large", file_name=file_name)
    rows = _xlsx_rows(data) if _kind(file_name, data) == "xlsx" else _csv_rows(data)
    rows = [[c if isinstance(c, _NumberCell) else c.strip() for c in r] for r in rows]
    rows = [(i, r) for i, r in enumerate(rows, 1) if any(r)]
    if not rows:
        raise _refuse("文件为空,没有任何银行结果", "the file is empty", code="empty", file_name=file_name)
    header_row, header = rows[0]
    header = [h.lstrip("\ufeff") for h in header]
    missing = [h for h in REQUIRED if h not in header]
    if missing:
        raise _refuse(
            f"缺少列:{'、'.join(missing)}。银行回单应为导出的转账文件加上 交易状态、失败原因、银行流水号、交易日期 四列",
            "missing columns",
            code="columns",
            row=header_row,
        )
    col = {h: header.index(h) for h in REQUIRED}
    codes = {header.index(h) for h in ("收款账号", "开户行联行号") if h in header}
    out = []
    for number, raw in rows[1:]:
        cells = raw + [""] * (len(header) - len(raw))
        if cells[0] == "合计":
            continue  # the bank file's total line
        for i, cell in enumerate(cells):
            if isinstance(cell, _NumberCell) and i != col["金额(元)"] and (i in codes or not cell.whole):
                raise _refuse(
                    f"单元格{cell.coordinate}是数值格式,账号、联行号等须为文本,以免精度丢失(只有金额可以是数值)",
                    "a number cell: accounts and codes must be text (only the amount may be a number)",
                    code="number_cell",
                    row=number,
                )
        if len(out) >= MAX_ROWS:
            raise _refuse(f"行数超过 {MAX_ROWS}", "too many rows", code="too_many_rows", row=number)

        def get(name, cells=cells):
            return cells[col[name]]

        memo = get("用途/附言")
        reference = memo.split()[0] if memo.split() else ""
        if not REFERENCE.match(reference):
            raise _refuse(
                f"用途/附言“{memo[:40]}”中没有本平台的转账编号(ZF开头),无法对应转账",
                "no transfer reference in the memo",
                code="no_reference",
                row=number,
            )
        status = STATUS.get(get("交易状态"))
        if status is None:
            raise _refuse(
                f"交易状态“{get('交易状态')}”无法识别,应为“成功”或“失败”",
                "status must be 成功 or 失败",
                code="status",
                row=number,
            )
        reason = get("失败原因")
        if status == "failed" and not reason:
            raise _refuse(
                f"转账{reference}交易失败但未填写失败原因", "a failure without a reason", code="no_reason", row=number
            )
        serial = get("银行流水号")
        if not serial:
            raise _refuse(f"转账{reference}缺少银行流水号", "bank serial number missing", code="no_serial", row=number)
        out.append(
            ResultRow(
                number,
                get("收款人名称").lstrip("'"),
                get("收款账号").lstrip("'").replace(" ", ""),
                get("开户银行").lstrip("'"),
                _amount(get("金额(元)"), number),
                reference,
                status,
                reason[:200],
                serial[:64],
                _date(get("交易日期"), number),
            )
        )
    if not out:
        raise _refuse("文件只有表头,没有任何银行结果", "the file has no result rows", code="empty", file_name=file_name)
    return out
