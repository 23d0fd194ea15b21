from django.urls import path

from subsidies.objections import views

app_name = "objections"
urlpatterns = [
    path("", views.objection_list, name="list"),
    path("new/", views.objection_raise, name="raise"),
    path("<int:pk>/", views.objection_detail, name="detail"),
    path("<int:pk>/answer/", views.objection_answer, name="answer"),
    path("<int:pk>/reply/", views.objection_reply, name="reply"),
    path("<int:pk>/close/", views.objection_close, name="close"),
    path("attachments/<int:pk>/", views.attachment_download, name="attachment_download"),
    path("holidays/", views.holidays, name="holidays"),
    path("researchers/<int:pk>/months/", views.researcher_calendar, name="calendar"),
    path("researchers/<int:pk>/months/<str:month>/", views.researcher_month, name="month"),
    path("researchers/<int:pk>/letter.pdf", views.person_letter_export, name="person_letter_export"),
]
