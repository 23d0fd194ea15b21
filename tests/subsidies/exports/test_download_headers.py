"""Every served file carries the same headers (accounts.downloads): the export download page as well as
the API's download. Bank files carry account numbers: never sniffed, never run, never cached."""

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from subsidies.exports.services import export_request
from subsidies.models import ExportFormat
from tests.subsidies.exports.test_exports import approved_run, computed_run, export_root  # noqa: F401

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("fmt", [ExportFormat.BANK_CSV, ExportFormat.BANK_XLSX, ExportFormat.NOTICE_PDF])
def test_export_downloads_are_not_sniffed_nor_cached(approved_run, finance, fmt):  # noqa: F811
    record = export_request(actor=finance, run_id=approved_run.pk, fmt=fmt)
    page = Client()
    page.force_login(finance)
    api = APIClient()
    api.force_authenticate(finance)
    for response in (
        page.get(reverse("subsidies:export_download", args=[record.pk])),
        api.get(f"/api/v1/exports/{record.pk}/download/"),
    ):
        assert response.status_code == 200
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Cache-Control"] == "private, no-store"
        assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"
        assert response["Content-Disposition"].startswith("attachment")
        assert response["X-Content-SHA256"] == record.sha256
