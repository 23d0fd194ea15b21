"""Grants pages, included under /subsidies/grants/ in the subsidies namespace."""

from django.urls import path

from subsidies.grants import service_views as sv
from subsidies.grants import views as v

urlpatterns = [
    path("", v.grant_home, name="grant_home"),
    path("bureau/", v.bureau, name="grant_bureau"),
    path("centres/<int:centre_pk>/benefits/", v.benefits, name="benefits"),
    path("apply/<str:code>/", v.apply, name="grant_apply"),
    path("applications/<int:pk>/", v.application_detail, name="grant_detail"),
    path("applications/<int:pk>/resubmit/", v.application_resubmit, name="grant_resubmit"),
    path("applications/<int:pk>/withdraw/", sv.application_withdraw, name="grant_withdraw"),
    path("guide/yc-rd/", sv.declaration_guide, name="declaration_guide"),
    path("guide/<str:code>/", sv.programme_guide, name="grant_guide"),
    path("declarations/<int:pk>/", sv.declaration_detail, name="declaration_detail"),
    path("declarations/<int:pk>/withdraw/", sv.declaration_withdraw, name="declaration_withdraw"),
    path("attachments/<int:pk>/", v.attachment_download, name="grant_attachment"),
    path("declarations/new/", v.declaration_new, name="declaration_new"),
    path("declarations/<int:pk>/verify/", v.declaration_verify, name="declaration_verify"),
    path("declarations/<int:pk>/report/", v.declaration_report, name="declaration_report"),
    path("evaluations/new/", v.evaluation_new, name="evaluation_new"),
    path("incubators/new/", v.incubator_new, name="incubator_new"),
    path("incubators/<int:pk>/", v.incubator_detail, name="incubator_detail"),
    path("runs/start/", v.grants_run_start, name="grants_run_start"),
]
