from django.urls import path

from subsidies.projection import api

urlpatterns = [
    path("", api.ProjectionView.as_view(), name="api-projection"),
    path("jobs/<int:pk>/", api.ProjectionJobView.as_view(), name="api-projection-job"),
    path("scenarios/", api.ScenarioListView.as_view(), name="api-projection-scenarios"),
    path("scenarios/compare/", api.ScenarioCompareView.as_view(), name="api-projection-compare"),
    path("scenarios/<int:pk>/", api.ScenarioDetailView.as_view(), name="api-projection-scenario"),
]
