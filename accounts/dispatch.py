"""The one place that queues background work: a service names the Celery task (or the function that
queues a group of tasks) by its dotted path, and it is queued once the current transaction commits.

Naming it by path, rather than importing it, is what keeps the import graph acyclic: a tasks module
imports the service it calls, so the service must not import the tasks module back. Whether work runs
inline or on Celery is the service's decision (its *_ON_CELERY setting), taken before it calls here."""

from django.db import transaction
from django.utils.module_loading import import_string


def after_commit(task: str, *args) -> None:
    """`task.delay(*args)` once the transaction commits (at once outside one)."""
    transaction.on_commit(lambda: import_string(task).delay(*args))


def call_after_commit(queuer: str, *args) -> None:
    """`queuer(*args)` once the transaction commits: for work queued as a group (a chord of chunks)."""
    transaction.on_commit(lambda: import_string(queuer)(*args))
