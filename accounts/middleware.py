import time

from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.shortcuts import redirect
from django.urls import reverse

LOGIN_AT_KEY = "login_at"
LAST_SEEN_KEY = "last_seen"


@receiver(user_logged_in, dispatch_uid="accounts.session_login_at")
def _remember_login_time(sender, request, user, **kwargs):
    if request is not None and hasattr(request, "session"):
        now = time.time()
        request.session[LOGIN_AT_KEY] = now
        request.session[LAST_SEEN_KEY] = now


def idle_limit(user) -> int:
    if user.is_bureau_staff or user.is_superuser:
        return settings.STAFF_IDLE_TIMEOUT_SECONDS
    return settings.ENTERPRISE_IDLE_TIMEOUT_SECONDS


class SessionLifetimeMiddleware:
    """A session ends SESSION_ABSOLUTE_LIFETIME_SECONDS after its login, however busy, and after an idle
    limit without a request: 30 minutes for bureau staff (STAFF_IDLE_TIMEOUT_SECONDS), two hours for
    enterprise users (ENTERPRISE_IDLE_TIMEOUT_SECONDS). A session without its login time (made before
    these limits) ends at once."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            now = time.time()
            login_at = request.session.get(LOGIN_AT_KEY)
            last = request.session.get(LAST_SEEN_KEY, login_at)
            if login_at is None or now - login_at > settings.SESSION_ABSOLUTE_LIFETIME_SECONDS:
                return self._end(request, "expired")
            if now - last > idle_limit(user):
                return self._end(request, "timeout")
            request.session[LAST_SEEN_KEY] = now
        return self.get_response(request)

    def _end(self, request, reason: str):
        logout(request)
        if request.path.startswith("/api/"):
            return self.get_response(request)
        return redirect(f"{reverse(settings.LOGIN_URL)}?next={request.path}&{reason}=1")


class RequestBodyLimitMiddleware:
    """Refuse a request whose declared body (Content-Length) is larger than one document and its multipart
    envelope with 413, before anything reads the body: pages as the API does. The API gets its
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
        from accounts.errors import error_text

        message = error_text(error)
        if request.path.startswith("/api/"):
            return JsonResponse(error_body(error.code, error.zh, error.en), status=413)
        if uploads.wants_json(request):
            return JsonResponse({"ok": False, "errors": {"__all__": [message]}}, status=413)
        return render(
            request,
            "request_too_large.html",
            {"message": message, "max_mb": settings.DOCUMENT_MAX_BYTES // 1048576},
            status=413,
        )
