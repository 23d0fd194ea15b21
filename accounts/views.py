from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse

from accounts.models import Role

HOME_BY_ROLE = {
    Role.ENTERPRISE: "registry:dashboard",
    Role.REGIONAL_REVIEWER: "registry:review_queue",
    Role.YINCHUAN_REVIEWER: "registry:review_queue",
    Role.FINANCE: "subsidies:run_list",
    Role.ADMIN: "subsidies:bureau_dashboard",
}


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    redirect_authenticated_user = True


class LogoutView(auth_views.LogoutView):
    pass


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
