from django.urls import path

from talent import views

app_name = "talent"
urlpatterns = [
    path("researchers/", views.researcher_list, name="researcher_list"),
    path("researchers/export.xlsx", views.researcher_export, name="researcher_export"),
    path("researchers/new/", views.researcher_create, name="researcher_create"),
    path("researchers/<int:pk>/", views.researcher_detail, name="researcher_detail"),
    path("researchers/<int:pk>/edit/", views.researcher_edit, name="researcher_edit"),
    path("researchers/<int:pk>/reveal/", views.researcher_reveal, name="researcher_reveal"),
    path("researchers/<int:pk>/degrees/new/", views.degree_create, name="degree_create"),
    path("researchers/<int:pk>/contracts/new/", views.contract_create, name="contract_create"),
    path("degrees/pending/", views.verification_queue, name="verification_queue"),
    path("degrees/<int:pk>/verify/", views.degree_verify, name="degree_verify"),
    path("degrees/<int:pk>/return/", views.degree_decide, {"decision": "return"}, name="degree_return"),
    path("degrees/<int:pk>/refuse/", views.degree_decide, {"decision": "refuse"}, name="degree_refuse"),
    path("degrees/<int:pk>/certificate/", views.degree_certificate, name="degree_certificate"),
    path("degrees/<int:pk>/certificate/image/", views.degree_certificate_image, name="degree_certificate_image"),
    path("contracts/<int:pk>/terminate/", views.contract_terminate, name="contract_terminate"),
    path("contracts/<int:pk>/document/", views.contract_document, name="contract_document"),
    path("roster/", views.roster_upload, name="roster_upload"),
    path("roster/template/", views.roster_template, name="roster_template"),
    path("roster/<int:pk>/", views.roster_preview, name="roster_preview"),
    path("roster/<int:pk>/commit/", views.roster_commit, name="roster_commit"),
    path("key-institutions/", views.key_institution_list, name="key_institution_list"),
    path("key-institutions/new/", views.key_institution_edit, name="key_institution_create"),
    path("key-institutions/<int:pk>/", views.key_institution_edit, name="key_institution_edit"),
    path("key-institutions/<int:pk>/disciplines/", views.key_discipline_save, name="key_discipline_save"),
    path("key-institutions/<int:pk>/retire/", views.key_reference_retire, name="key_institution_retire"),
    path(
        "key-institutions/<int:pk>/disciplines/<int:discipline>/retire/",
        views.key_reference_retire,
        name="key_discipline_retire",
    ),
]
