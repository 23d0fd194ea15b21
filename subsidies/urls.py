from django.urls import path  # noqa: F401

app_name = "subsidies"
urlpatterns = []

from subsidies import views_exports  # noqa: E402  (exports, issue 7)

urlpatterns += [
    path("runs/<int:run_id>/exports/", views_exports.run_exports, name="run_exports"),
    path("runs/<int:run_id>/exports/new/", views_exports.export_create, name="export_create"),
    path("exports/<int:pk>/status/", views_exports.export_status, name="export_status"),
    path("exports/<int:pk>/download/", views_exports.export_download, name="export_download"),
]
