from django.contrib import admin
from django.urls import include, path
from django.views.i18n import JavaScriptCatalog

from accounts import views as account_views

urlpatterns = [
    path("", account_views.home, name="home"),
    path("accounts/", include("accounts.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("registry/", include("registry.urls")),
    path("talent/", include("talent.urls")),
    path("subsidies/objections/", include("subsidies.objections.urls")),  # 异议申诉, why-not
    path("subsidies/", include("subsidies.urls")),
    path("api/v1/", include("enclave_portal.api_urls")),
    # the admin site's own login would skip the second factor: it sends people to the portal's login
    path("django-admin/login/", account_views.admin_login),
    path("django-admin/", admin.site.urls),
]

# error answers: the API's JSON error format under /api/, the portal's Chinese pages elsewhere
handler400 = "accounts.errorpages.bad_request"
handler403 = "accounts.errorpages.permission_denied"
handler404 = "accounts.errorpages.page_not_found"
handler500 = "accounts.errorpages.server_error"
