import time

import django_otp
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model, login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render, resolve_url
from django.urls import NoReverseMatch, reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters

from accounts import twofactor
from accounts.errors import error_text
from accounts.models import Role
from accounts.throttling import within_budget
from accounts.tokens import token_issue, token_revoke, tokens_of, tokens_revoke_all

HOME_BY_ROLE = {
    Role.ENTERPRISE: "registry:dashboard",
    Role.REGIONAL_REVIEWER: "registry:review_queue",
    Role.YINCHUAN_REVIEWER: "registry:review_queue",
    Role.FINANCE: "subsidies:run_list",
    Role.ADMIN: "subsidies:bureau_dashboard",
    Role.EXPERT: "subsidies:performance_rounds",  # appointed evaluation experts
}
PENDING_NEXT_KEY = "twofactor_pending_next"
PENDING_AT_KEY = "twofactor_pending_at"
PENDING_TRIES_KEY = "twofactor_pending_tries"
PENDING_SECONDS = 5 * 60
PENDING_TRIES = 5


class LoginView(auth_views.LoginView):
    """Step one: username and password (under the axes lockout). Finance staff and administrators go on
    to the TOTP code (accounts.twofactor); everyone else is logged in here."""

    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def form_valid(self, form):
        user = form.get_user()
        if not twofactor.needs_second_factor(user):
            return super().form_valid(form)
        session = self.request.session
        session.cycle_key()
        session[twofactor.PENDING_KEY] = user.pk
        session[twofactor.PENDING_BACKEND_KEY] = user.backend
        session[PENDING_NEXT_KEY] = self.get_redirect_url()
        session[PENDING_AT_KEY] = time.time()
        session[PENDING_TRIES_KEY] = 0
        return redirect("accounts:otp")


def _clear_pending(session) -> None:
    for key in (
        twofactor.PENDING_KEY,
        twofactor.PENDING_BACKEND_KEY,
        PENDING_NEXT_KEY,
        PENDING_AT_KEY,
        PENDING_TRIES_KEY,
    ):
        session.pop(key, None)


def _pending_user(request):
    session = request.session
    pk = session.get(twofactor.PENDING_KEY)
    if pk is None or time.time() - session.get(PENDING_AT_KEY, 0) > PENDING_SECONDS:
        return None
    return get_user_model().objects.filter(pk=pk, is_active=True).first()


@sensitive_post_parameters("code")
@csrf_protect
@never_cache
def otp(request):
    """Step two for finance staff and administrators: the TOTP code; on first login, enrolment."""
    user = _pending_user(request)
    if user is None:
        _clear_pending(request.session)
        messages.warning(request, _("请重新输入用户名和密码登录。"))
        return redirect("accounts:login")
    device = twofactor.confirmed_device(user)
    enrolling = device is None
    if enrolling:
        device = twofactor.enrolment_device(user)
    error = ""
    if request.method == "POST":
        if twofactor.verify(device, request.POST.get("code", "")):
            if enrolling:
                device.confirmed = True
                device.save(update_fields=["confirmed"])
            backend = request.session.get(twofactor.PENDING_BACKEND_KEY) or settings.AUTHENTICATION_BACKENDS[-1]
            target = request.session.get(PENDING_NEXT_KEY) or ""
            _clear_pending(request.session)
            user.otp_device = device  # django_otp records the verified device in the session on login
            login(request, user, backend=backend)
            django_otp.login(request, device)
            if not url_has_allowed_host_and_scheme(
                target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
            ):
                target = ""
            return redirect(target or resolve_url(settings.LOGIN_REDIRECT_URL))
        tries = request.session.get(PENDING_TRIES_KEY, 0) + 1
        request.session[PENDING_TRIES_KEY] = tries
        if tries >= PENDING_TRIES:
            _clear_pending(request.session)
            messages.error(request, _("动态验证码错误次数过多,请重新输入用户名和密码登录。"))
            return redirect("accounts:login")
        error = _("动态验证码错误或已使用,请输入验证器应用中显示的最新6位数字。")
    context = {"pending_user": user, "enrolling": enrolling, "error": error}
    if enrolling:
        context.update(secret=twofactor.base32_secret(device), otpauth_url=device.config_url)
    return render(request, "accounts/otp.html", context, status=400 if error else 200)


class LogoutView(auth_views.LogoutView):
    """POST only (Django). With `revoke_tokens` the user's API tokens are revoked as well."""

    def post(self, request, *args, **kwargs):
        if request.user.is_authenticated and request.POST.get("revoke_tokens"):
            tokens_revoke_all(actor=request.user, user=request.user)
        return super().post(request, *args, **kwargs)


def admin_login(request):
    """The admin site has no login of its own: it would skip the second factor."""
    target = request.GET.get("next") or reverse("admin:index")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = reverse("admin:index")
    return redirect(f"{reverse(settings.LOGIN_URL)}?next={target}")


@login_required
@csrf_protect
@never_cache
def tokens(request):
    """The user's API tokens: name, prefix, issued, expiry, last use; issue one, revoke one or all."""
    new_key, error = "", ""
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "create":
                days = request.POST.get("days") or None
                _token, new_key = token_issue(
                    actor=request.user,
                    user=request.user,
                    name=request.POST.get("name", ""),
                    days=int(days) if days and days.isdigit() else None,
                )
            elif action == "revoke":
                token = tokens_of(request.user).filter(pk=request.POST.get("token") or 0).first()
                if token is not None:
                    token_revoke(actor=request.user, token=token)
                    messages.success(request, _("令牌“%(name)s”已吊销。") % {"name": token.name})
                return redirect("accounts:tokens")
            elif action == "revoke_all":
                count = tokens_revoke_all(actor=request.user, user=request.user)
                messages.success(request, _("已吊销%(count)d个令牌。") % {"count": count})
                return redirect("accounts:tokens")
        except ValidationError as exc:
            error = error_text(exc)
    return render(
        request,
        "accounts/tokens.html",
        {
            "tokens": tokens_of(request.user),
            "new_key": new_key,
            "error": error,
            "max_days": settings.API_TOKEN_LIFETIME_DAYS,
        },
        status=400 if error else 200,
    )


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change_form.html"
    success_url = reverse_lazy("accounts:password_change_done")


class PasswordChangeDoneView(auth_views.PasswordChangeDoneView):
    template_name = "accounts/password_change_done.html"


class PasswordResetView(auth_views.PasswordResetView):
    """Django's reset by e-mail (the answer never says whether the address is known), with a budget of
    PASSWORD_RESET_RATE requests per client address."""

    template_name = "accounts/password_reset_form.html"
    email_template_name = "accounts/password_reset_email.txt"
    subject_template_name = "accounts/password_reset_subject.txt"
    success_url = reverse_lazy("accounts:password_reset_done")

    def post(self, request, *args, **kwargs):
        limit, period = settings.PASSWORD_RESET_RATE
        if not within_budget(request, "password_reset", limit, period):
            return render(request, "accounts/throttled.html", status=429)
        return super().post(request, *args, **kwargs)


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "accounts/password_reset_done.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password_reset_complete")


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "accounts/password_reset_complete.html"


@login_required
def home(request):
    """Each role lands on its own work: enterprises on their dashboard, staff on their queue."""
    name = HOME_BY_ROLE.get(request.user.role)
    if name:
        try:
            return redirect(reverse(name))
        except NoReverseMatch:
            pass
    return render(request, "accounts/home.html")
