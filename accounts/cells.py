"""Spreadsheet cells that a spreadsheet program must not run (CSV / formula injection, CWE-1236).

A text cell that begins with `=`, `+`, `-` or `@` (or a tab or carriage return, which some programs
strip before reading the formula) is taken as a formula by Excel, WPS and LibreOffice when the file is
opened. The payee name comes from an enterprise's self-registration, so a name such as
`=HYPERLINK("http://…","点击")` would become a live formula in finance's bank file. Such cells are
prefixed with a single quote, which spreadsheets show as text; numbers stay numbers (an amount such as
`-12.50` is not text that could hold a formula)."""

from __future__ import annotations

import re

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"^[+-]?\d+(\.\d+)?$")


def neutralise(value):
    """The cell's value, with a leading quote when a spreadsheet would read it as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_START) and not _NUMBER.match(value):
        return "'" + value
    return value


def neutralise_row(row) -> list:
    return [neutralise(value) for value in row]


PORTAL_CREATOR = "宁夏回族自治区企业飞地研发中心管理平台"  # the author a bank file or report names in its properties


def headed_sheet(title: str, header: list):
    """A new workbook and its one sheet, named `title`, whose first row is `header` in bold."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    ws = book.active
    ws.title = title
    ws.append(header)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    return book, ws


def portal_xlsx(book) -> bytes:
    """The workbook's file, the portal named as its creator."""
    import io

    book.properties.creator = PORTAL_CREATOR
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def xlsx_response(*, filename: str, sheet: str, header: list, rows, widths: list[int] | None = None):
    """A list exported as an XLSX download (lists export to XLSX): text cells neutralised, numbers
    and dates kept as numbers and dates, the header row frozen, served with the download headers."""
    from accounts import downloads

    book, ws = headed_sheet(sheet[:31], [str(h) for h in header])
    for row in rows:
        ws.append(neutralise_row(row))
    ws.freeze_panes = "A2"
    for i, width in enumerate(widths or [], start=1):
        ws.column_dimensions[ws.cell(row=1, column=i).column_letter].width = width
    return downloads.bytes_attachment(portal_xlsx(book), filename=filename, content_type=downloads.XLSX)
