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


def xlsx_response(*, filename: str, sheet: str, header: list, rows, widths: list[int] | None = None):
    """A list exported as an XLSX download (issue 15: lists export to XLSX): text cells neutralised, numbers
    and dates kept as numbers and dates, the header row frozen, served with the download headers."""
    import io

    from openpyxl import Workbook
    from openpyxl.styles import Font

    from accounts import downloads

    book = Workbook(write_only=False)
    ws = book.active
    ws.title = sheet[:31]
    ws.append([str(h) for h in header])
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for row in rows:
        ws.append(neutralise_row(row))
    ws.freeze_panes = "A2"
    for i, width in enumerate(widths or [], start=1):
        ws.column_dimensions[ws.cell(row=1, column=i).column_letter].width = width
    buffer = io.BytesIO()
    book.save(buffer)
    return downloads.bytes_attachment(buffer.getvalue(), filename=filename, content_type=downloads.XLSX)
