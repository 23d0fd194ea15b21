"""Exports hardening (issue 12 §6): full ID numbers printed in the register are logged as full views
(on export and on each download) and masked in the appendix; bank files neutralise cells that a
spreadsheet would run as formulas (the payee name comes from self-registration)."""

import csv
import io
from decimal import Decimal
from pathlib import Path

import pytest
from django.test import Client

from accounts.cells import neutralise
from registry.models import Enterprise
from subsidies.exports import pdf
from subsidies.exports.data import run_document
from subsidies.exports.services import export_request
from subsidies.models import ExportFormat
from talent.models import IdentityAccess, Researcher
from tests.subsidies.exports.test_exports import approved_run, computed_run, export_root, pdf_text, squash  # noqa: F401

FULL_IDS = ("110101199003077571", "33010619880512661X")
INJECTED = '=HYPERLINK("http://evil.example/x","点击查看")'


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+86 951", "'+86 951"),
        ("-cmd|' /C calc'!A0", "'-cmd|' /C calc'!A0"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("银川威力", "银川威力"),
        ("15000.00", "15000.00"),
        ("-12.50", "-12.50"),
        ("", ""),
        (7, 7),
    ],
)
def test_neutralise(value, expected):
    assert neutralise(value) == expected


def test_bank_files_neutralise_formula_cells(approved_run, finance):  # noqa: F811
    Enterprise.objects.filter(uscc="91640106MA76WL001J").update(
        name=INJECTED, bank_name="@银行", bank_account="-2+3+cmd|' /C calc'!A0"
    )
    raw = Path(export_request(actor=finance, run_id=approved_run.pk, fmt=ExportFormat.BANK_CSV).file_path).read_bytes()
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    row = next(r for r in rows[1:-1] if "HYPERLINK" in r[1])
    assert row[1:6] == ["'" + INJECTED, "'-2+3+cmd|' /C calc'!A0", "'@银行", "102871000016", "15000.00"]
    assert not any(cell.startswith(("=", "+", "-", "@")) for r in rows for cell in r), "no cell starts a formula"

    from openpyxl import load_workbook

    ws = load_workbook(
        export_request(actor=finance, run_id=approved_run.pk, fmt=ExportFormat.BANK_XLSX).file_path
    ).active
    cells = [c for r in ws.iter_rows(min_row=2) for c in r if c.value is not None]
    amounts = [c for c in cells if c.column == 6]
    assert all(c.data_type == "n" for c in amounts), "the amounts are numbers (issue 15)"
    assert all(c.data_type == "s" for c in cells if c.column != 6), "every other cell is text, none a formula"
    payee = next(c for c in cells if "HYPERLINK" in str(c.value))
    assert payee.value == "'" + INJECTED
    assert Decimal(str(ws.cell(payee.row, 6).value)) == Decimal("15000.00"), "amounts unchanged"


def test_register_export_and_download_log_full_views(approved_run, finance, finance2, tmp_path):  # noqa: F811
    record = export_request(actor=finance, run_id=approved_run.pk, fmt=ExportFormat.REGISTER_PDF)
    text = pdf_text(Path(record.file_path).read_bytes(), tmp_path)
    assert all(squash(number) in text for number in FULL_IDS), "the register prints full ID numbers"
    logged = IdentityAccess.objects.filter(path=f"export:{record.pk}")
    assert sorted(a.researcher.id_number for a in logged) == sorted(FULL_IDS)
    assert {a.user for a in logged} == {finance} and all("发放明细表" in a.purpose for a in logged)

    client = Client()
    client.force_login(finance2)
    assert client.get(f"/subsidies/exports/{record.pk}/download/").status_code == 200
    assert IdentityAccess.objects.filter(path=f"export:{record.pk}", user=finance2).count() == 2
    from rest_framework.test import APIClient

    api = APIClient()
    api.force_authenticate(finance2)
    assert api.get(f"/api/v1/exports/{record.pk}/download/").status_code == 200
    assert IdentityAccess.objects.filter(path=f"export:{record.pk}", user=finance2).count() == 4


def test_appendix_and_bank_files_print_no_full_id_and_log_nothing(approved_run, finance, tmp_path):  # noqa: F811
    appendix = pdf_text(pdf.render_appendix(run_document(approved_run, with_explanations=True)), tmp_path, "a.pdf")
    assert squash("110101********7571") in appendix and squash("330106********661X") in appendix
    assert not any(squash(number) in appendix for number in FULL_IDS)
    for fmt in (ExportFormat.APPENDIX_PDF, ExportFormat.BANK_CSV, ExportFormat.NOTICE_PDF):
        export_request(actor=finance, run_id=approved_run.pk, fmt=fmt)
    assert not IdentityAccess.objects.exists()
    assert Researcher.objects.count() == 2
