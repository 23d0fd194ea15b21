"""One way every upload form answers, with or without JavaScript.

static/js/portal.js sends a form marked `data-upload-progress` by XMLHttpRequest (to show a progress
bar) and reads JSON back: `{"ok": true, "redirect": url}` or `{"ok": false, "errors": {field: [text]}}`.
A refusal is answered 200 with ok=false: it is an answer the script shows next to the field, not a failed
request (Chromium logs every 4xx of a script's request as a console error). Without JavaScript the same
form posts as usual and the view answers with a redirect or the page with the errors on the form.

The views keep their own permission checks and services; this module only shapes the answer and runs the
portal's file check (accounts.files.check_upload: safe name, PDF/JPG/PNG by content signature,
within settings.DOCUMENT_MAX_BYTES) next to each file field, so the person sees which file is wrong. The
services run the same check again: the form's message is for the person, the service's is the guarantee."""

from collections.abc import Callable

from django import forms
from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect

from accounts.errors import ServiceError, error_text
from accounts.files import check_upload

# room for the multipart envelope (boundaries, part headers, the other form fields) around one document
REQUEST_ENVELOPE_BYTES = 64 * 1024


def request_body_limit() -> int:
    """The largest request body the portal reads, pages and API alike: one document and its envelope."""
    return settings.DOCUMENT_MAX_BYTES + REQUEST_ENVELOPE_BYTES


def declared_length(request) -> int:
    """The body length the client declared (Content-Length); Django reads no more than that."""
    try:
        return max(int(request.META.get("CONTENT_LENGTH") or 0), 0)
    except ValueError:
        return 0


def oversized_error(request) -> ServiceError | None:
    """The refusal of a body larger than request_body_limit(), from its Content-Length, before any of
    it is read; None when it is within the limit."""
    length = declared_length(request)
    if length <= request_body_limit():
        return None
    return ServiceError(
        f"上传内容{length / 1048576:.1f} MB超过上限{settings.DOCUMENT_MAX_BYTES // 1048576} MB",
        "the request body is larger than the limit",
        code="too_large",
        status=413,
    )


def wants_json(request) -> bool:
    """The upload script posts with XMLHttpRequest and reads JSON back."""
    return request.headers.get("X-Requested-With") == "XMLHttpRequest"


def check_files(form: forms.Form, *, fields: tuple[str, ...] | None = None) -> bool:
    """Check every uploaded file of a bound, valid form like every portal document; a refusal is put on
    its own field (Chinese, then English). Returns whether all files passed."""
    names = (
        fields
        if fields is not None
        else tuple(name for name, field in form.fields.items() if isinstance(field, forms.FileField))
    )
    ok = True
    for name in names:
        upload = form.cleaned_data.get(name)
        if not upload:
            continue
        try:
            check_upload(upload)
        except ServiceError as exc:
            form.add_error(name, error_text(exc))
            ok = False
        finally:
            upload.seek(0)
    return ok


def form_errors(form: forms.Form) -> dict[str, list[str]]:
    """{field name or "__all__": [messages]} as the script expects."""
    return {field or "__all__": [str(e) for e in errs] for field, errs in form.errors.items()}


def upload_done(request, url: str, **extra) -> HttpResponse:
    """The upload went through: JSON naming where to go next for the script, a redirect otherwise."""
    if wants_json(request):
        return JsonResponse({"ok": True, "redirect": url, **extra})
    return redirect(url)


def upload_refused(request, form: forms.Form, page: Callable[[], HttpResponse]) -> HttpResponse:
    """The upload was refused (or not yet made): on a post from the script, the form's errors as JSON;
    otherwise the page `page()` renders (the form with its errors, or a redirect carrying a message)."""
    if request.method == "POST" and wants_json(request):
        return JsonResponse({"ok": False, "errors": form_errors(form)})
    return page()
