from django.urls import path

from subsidies.performance import views

urlpatterns = [
    path("reports/", views.report_list, name="performance_reports"),
    path("reports/new/", views.report_create, name="performance_report_create"),
    path("reports/<int:pk>/", views.report_detail, name="performance_report"),
    path("evidence/<int:pk>/", views.evidence_download, name="performance_evidence_download"),
    path("evaluations/", views.round_list, name="performance_rounds"),
    path("evaluations/<int:pk>/", views.round_detail, name="performance_round"),
    path("evaluations/<int:pk>/centres/<int:centre_pk>/score/", views.score, name="performance_score"),
    path("statistics/", views.statistics, name="performance_statistics"),
    path("statistics/export.xlsx", views.statistics_export, {"fmt": "xlsx"}, name="performance_statistics_export_xlsx"),
    path("statistics/export.pdf", views.statistics_export, {"fmt": "pdf"}, name="performance_statistics_export_pdf"),
]
