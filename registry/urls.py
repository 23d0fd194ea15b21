from django.urls import path

from registry import views

app_name = "registry"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("register/", views.register, name="register"),
    path("guide/<str:level>/", views.guide, name="guide"),
    path("enterprises/<int:pk>/", views.enterprise_detail, name="enterprise_detail"),
    path("enterprises/<int:enterprise_pk>/centres/new/", views.centre_create, name="centre_create"),
    path("centres/<int:pk>/edit/", views.centre_edit, name="centre_edit"),
    path("filings/new/", views.filing_start, name="filing_start"),
    path("filings/<int:pk>/", views.filing_detail, name="filing_detail"),
    path("filings/<int:pk>/submit/", views.filing_submit, name="filing_submit"),
    path("filings/<int:pk>/withdraw/", views.filing_withdraw, name="filing_withdraw"),
    path("filings/<int:pk>/documents/", views.document_upload, name="document_upload"),
    path("documents/<int:pk>/download/", views.document_download, name="document_download"),
    path("documents/<int:pk>/preview/", views.document_preview, name="document_preview"),
    path("notifications/", views.notifications, name="notifications"),
    path("review/", views.review_queue, name="review_queue"),
    path("review/<int:pk>/", views.review_decide, name="review_decide"),
    path("review/<int:pk>/documents/<int:document_pk>/mark/", views.review_mark, name="review_mark"),
]
