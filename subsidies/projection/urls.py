from django.urls import path

from subsidies.projection import views

urlpatterns = [
    path("", views.projection, name="projection"),
    path("jobs/<int:pk>/progress/", views.job_progress, name="projection_job_progress"),
    path("jobs/<int:pk>/", views.job_result, name="projection_job_result"),
    path("scenarios/", views.scenario_save, name="projection_scenario_save"),
    path("scenarios/compare/", views.scenario_compare, name="projection_compare"),
    path("scenarios/<int:pk>/", views.scenario_detail, name="projection_scenario"),
    path("scenarios/<int:pk>/link/", views.scenario_link, name="projection_scenario_link"),
    path("scenarios/<int:pk>/export.pdf", views.scenario_export, {"fmt": "pdf"}, name="projection_scenario_export_pdf"),
    path(
        "scenarios/<int:pk>/export.xlsx", views.scenario_export, {"fmt": "xlsx"}, name="projection_scenario_export_xlsx"
    ),
]
