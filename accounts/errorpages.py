"""Error answers: under /api/ the API's one JSON error format, whatever failed (a path
id that matches no route, a 500 outside any view); elsewhere the portal's own Chinese pages.
Wired as handler400/403/404/500 in enclave_portal/urls.py (Django uses them when DEBUG is off)."""

from __future__ import annotations

from django.http import JsonResponse
from django.shortcuts import render
from django.template import loader

from accounts.api import GENERIC, error_body

API_PREFIX = "/api/"

API_ERRORS = {
    400: ("bad_request", "请求无效", "bad request"),
    403: ("permission_denied", *GENERIC["permission_denied"]),
    404: ("not_found", *GENERIC["not_found"]),
    500: ("server_error", "服务器内部错误,请稍后重试;如持续出现请联系管理员", "internal server error"),
}


def is_api(request) -> bool:
    return request.path.startswith(API_PREFIX)


def api_error(status: int) -> JsonResponse:
    code, zh, en = API_ERRORS[status]
    return JsonResponse(error_body(code, zh, en), status=status, json_dumps_params={"ensure_ascii": False})


def bad_request(request, exception=None):
    if is_api(request):
        return api_error(400)
    return render(request, "errors/400.html", status=400)


def permission_denied(request, exception=None):
    if is_api(request):
        return api_error(403)
    return render(request, "errors/403.html", status=403)


def page_not_found(request, exception=None):
    if is_api(request):
        return api_error(404)
    return render(request, "errors/404.html", status=404)


def server_error(request):
    """No context processors and no database: whatever broke may be what they need."""
    if is_api(request):
        return api_error(500)
    from django.http import HttpResponseServerError

    return HttpResponseServerError(loader.get_template("errors/500.html").render({}))
