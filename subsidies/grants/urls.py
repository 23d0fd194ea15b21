"""Grants pages, included under /subsidies/grants/ in the subsidies namespace."""

from django.urls import path

from subsidies.grants import views as v

urlpatterns = [
    path("", v.grant_home, name="grant_home"),
    path("bureau/", v.bureau, name="grant_bureau"),
    path("centres/<int:centre_pk>/benefits/", v.benefits, name="benefits"),
    path("apply/<str:code>/", v.apply, name="grant_apply"),
    path("applications/<int:pk>/", v.application_detail, name="grant_detail"),
    path("applications/<int:pk>/resubmit/", v.application_resubmit, name="grant_resubmit"),
    path("attachments/<int:pk>/", v.attachment_download, name="grant_attachment"),
    path("declarations/new/", v.declaration_new, name="declaration_new"),
    path("declarations/<int:pk>/verify/", v.declaration_verify, name="declaration_verify"),
    path("declarations/<int:pk>/report/", v.declaration_report, name="declaration_report"),
    path("evaluations/new/", v.evaluation_new, name="evaluation_new"),
    path("incubators/new/", v.incubator_new, name="incubator_new"),
    path("incubators/<int:pk>/", v.incubator_detail, name="incubator_detail"),
    path("runs/start/", v.grants_run_start, name="grants_run_start"),
]
