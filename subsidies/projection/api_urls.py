from django.urls import path

from subsidies.projection import api

urlpatterns = [
    path("", api.ProjectionView.as_view(), name="projection-summary"),
    path("jobs/<int:pk>/", api.ProjectionJobView.as_view(), name="projection-job-detail"),
    path("scenarios/", api.ScenarioListView.as_view(), name="projection-scenario-list"),
    path("scenarios/compare/", api.ScenarioCompareView.as_view(), name="projection-scenario-compare"),
    path("scenarios/<int:pk>/", api.ScenarioDetailView.as_view(), name="projection-scenario-detail"),
]
