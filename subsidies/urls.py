from django.urls import include, path

from subsidies import views, views_notices
from subsidies.exports import views as views_exports
from subsidies.parameters import views as views_parameters

app_name = "subsidies"
urlpatterns = [
    path("runs/", views.run_list, name="run_list"),
    path("runs/export.xlsx", views.run_list_export, name="run_list_export"),
    path("runs/start/", views.run_start, name="run_start"),
    path("runs/<int:pk>/", views.run_detail, name="run_detail"),
    path("runs/<int:pk>/progress/", views.run_progress, name="run_progress"),
    path("runs/<int:pk>/compute/", views.run_compute, name="run_compute"),
    path("runs/<int:pk>/approve/", views.run_approve, name="run_approve"),
    path("runs/<int:pk>/cancel/", views.run_cancel, name="run_cancel"),
    path("parameters/", views_parameters.parameters, name="parameters"),
    path("dashboard/", views.bureau_dashboard, name="bureau_dashboard"),
    path("budgets/", views.budgets, name="budgets"),
    # exports
    path("runs/<int:run_id>/exports/", views_exports.run_exports, name="run_exports"),
    path("runs/<int:run_id>/exports/new/", views_exports.export_create, name="export_create"),
    path("exports/<int:pk>/status/", views_exports.export_status, name="export_status"),
    path("exports/<int:pk>/download/", views_exports.export_download, name="export_download"),
    path(
        "enterprises/<int:pk>/payout-notice/download/",
        views_notices.payout_notice_download,
        name="payout_notice_download",
    ),  # the enterprise's own 拨付通知书
    path("grants/", include("subsidies.grants.urls")),
    path("projection/", include("subsidies.projection.urls")),  # 预算测算
    path("transfers/", include("subsidies.transfers.urls")),  # 银行转账与回单
    path("performance/", include("subsidies.performance.urls")),  # 绩效报告、综合评估、统计分析
]
