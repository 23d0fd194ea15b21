"""The Celery application: configuration from Django settings (CELERY_*), tasks from the apps."""
import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "enclave_portal.settings")

app = Celery("enclave_portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
