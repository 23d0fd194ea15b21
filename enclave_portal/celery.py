"""The Celery application: configuration from Django settings (CELERY_*), tasks from the apps' packages.

Every installed app and every package inside one (subsidies.runs, subsidies.exports, ...) may hold a
`tasks` module; each is found by autodiscovery, so a new feature package's tasks need no line here."""

import os
import pkgutil
from pathlib import Path

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "enclave_portal.settings")

app = Celery("enclave_portal")
app.config_from_object("django.conf:settings", namespace="CELERY")


def task_packages() -> list[str]:
    """The project's apps and their sub-packages, where autodiscovery looks for a `tasks` module."""
    from django.apps import apps

    found = []
    for config in apps.get_app_configs():
        if "site-packages" in Path(config.path).parts:
            found.append(config.name)  # a third-party app: its own `tasks` module only, as before
            continue
        found.append(config.name)
        found += [f"{config.name}.{m.name}" for m in pkgutil.iter_modules(config.module.__path__) if m.ispkg]
    return found


app.autodiscover_tasks(task_packages)
