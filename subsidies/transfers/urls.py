from django.urls import path

from subsidies.transfers import views

app_name = "transfers"
urlpatterns = [
    # finance
    path("runs/<int:run_id>/", views.run_transfers, name="run"),
    path("runs/<int:run_id>/import/", views.run_import, name="run_import"),
    path("runs/<int:run_id>/reissue/", views.batch_create, name="batch_create"),
    path("runs/<int:run_id>/reconciliation.pdf", views.reconciliation_export_pdf, name="reconciliation_export_pdf"),
    path("runs/<int:run_id>/reconciliation.xlsx", views.reconciliation_export_xlsx, name="reconciliation_export_xlsx"),
    path("transfers/<int:pk>/correct/", views.correction_request, name="correction_request"),
    path("corrections/<int:pk>/decide/", views.correction_decide, name="correction_decide"),
    path("batches/<int:pk>/approve/", views.batch_approve, name="batch_approve"),
    path("batches/<int:pk>/export/", views.batch_export, name="batch_export"),
    path("queue/", views.finance_queue, name="finance_queue"),
    path("account-changes/<int:pk>/check/", views.account_change_check, name="account_change_check"),
    # enterprises
    path("mine/", views.my_transfers, name="mine"),
    path("mine/<int:pk>/confirm/", views.confirm_receipt, name="confirm"),
    path("mine/account/", views.account_change_request, name="account_change_request"),
]
