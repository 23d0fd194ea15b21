"""The one way the portal serves a file: someone's upload, a preview page, an export with bank details.

Every file response carries the same headers: never sniffed into another type (`nosniff`), never run
(a sandboxing Content-Security-Policy), never kept by a browser or a shared cache (`private, no-store`).
A download is an attachment under the name given; a preview image is shown inline and not readable by
another origin."""

from django.http import FileResponse, Http404, HttpResponse
from django.utils.http import content_disposition_header

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PDF = "application/pdf"
CSV = "text/csv; charset=utf-8"

FILE_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; sandbox",
    "Cache-Control": "private, no-store",
}


def with_file_headers(response):
    """`response` with the headers every served file carries."""
    for name, value in FILE_HEADERS.items():
        response[name] = value
    return response


def inline_untrusted(response):
    """Bytes of someone else's file shown in the page (a preview image): the file headers, inline, and
    not readable cross-origin."""
    with_file_headers(response)
    response["Cross-Origin-Resource-Policy"] = "same-origin"
    response["Content-Disposition"] = "inline"
    return response


def attachment(handle, *, filename: str, content_type: str) -> FileResponse:
    """An open file (or bytes stream) as a download named `filename`."""
    return with_file_headers(FileResponse(handle, as_attachment=True, filename=filename, content_type=content_type))


def bytes_attachment(data: bytes, *, filename: str, content_type: str) -> HttpResponse:
    """Bytes the portal made (an export, a notice, a bank file, a template) as a download named `filename`
    (any characters: RFC 6266 encodes them)."""
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return with_file_headers(response)


def open_or_404(opener):
    """The handle `opener()` returns; a file missing from storage is a 404, not a 500."""
    try:
        return opener()
    except OSError:  # FileNotFoundError included
        raise Http404 from None


def document_attachment(document) -> FileResponse:
    """A stored registry Document under its original name and its verified content type."""
    handle = open_or_404(lambda: document.file.open("rb"))
    return attachment(handle, filename=document.original_name, content_type=document.content_type)
