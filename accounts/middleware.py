import time

from django.conf import settings
from django.contrib.auth import logout
from django.shortcuts import redirect
from django.urls import reverse


class StaffIdleTimeoutMiddleware:
    """Bureau staff sessions end after 30 minutes without a request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and (user.is_bureau_staff or user.is_superuser):
            now = time.time()
            last = request.session.get("last_seen", now)
            if now - last > settings.STAFF_IDLE_TIMEOUT_SECONDS:
                logout(request)
                if request.path.startswith("/api/"):
                    return self.get_response(request)
                return redirect(f"{reverse(settings.LOGIN_URL)}?next={request.path}&timeout=1")
            request.session["last_seen"] = now
        return self.get_response(request)


class RequestBodyLimitMiddleware:
    """Refuse a request whose declared body (Content-Length) is larger than one document and its multipart
    envelope with 413, before anything reads the body (issue 12): pages as the API does. The API gets its
    error format, the upload script JSON it shows next to the form, a page the message."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from accounts.uploads import oversized_error

        error = oversized_error(request)
        if error is None:
            return self.get_response(request)
        return self.refuse(request, error)

    @staticmethod
    def refuse(request, error):
        from django.http import JsonResponse
        from django.shortcuts import render

        from accounts import uploads
        from accounts.api import error_body

        message = " ".join(error.messages)
        if request.path.startswith("/api/"):
            return JsonResponse(error_body(error.code, error.zh, error.en), status=413)
        if uploads.wants_json(request):
            return JsonResponse({"ok": False, "errors": {"__all__": [message]}}, status=413)
        return render(request, "request_too_large.html", {"message": message, "max_mb": settings.DOCUMENT_MAX_BYTES // 1048576},
                      status=413)
