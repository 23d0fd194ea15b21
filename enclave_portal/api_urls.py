"""API v1 routing: each app contributes its router entries in its own api.py."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import SimpleRouter

from accounts.api import TokenView
from registry import api as registry_api
from subsidies import api as subsidies_api
from subsidies.grants import api as grants_api
from subsidies.grants import incubators_api
from subsidies.objections import api as objections_api
from subsidies.performance import api as performance_api
from subsidies.transfers import api as transfers_api
from talent import api as talent_api

router = SimpleRouter()
for app_api in (
    registry_api,
    talent_api,
    subsidies_api,
    grants_api,
    incubators_api,
    transfers_api,
    performance_api,
    objections_api,
):
    app_api.register(router)

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # Swagger UI vendored (drf-spectacular-sidecar); its start-up script is a separate request (no inline script)
    path(
        "docs/",
        SpectacularSwaggerSplitView.as_view(url_name="api-schema", template_name="api/swagger_ui.html"),
        name="api-docs",
    ),
    path("auth/token/", TokenView.as_view(), name="api-token"),
    path("projection/", include("subsidies.projection.api_urls")),
    *router.urls,
]
