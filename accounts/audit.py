"""Audit trail: database triggers (django-pghistory) record who, when, old and new for every
insert, update (bulk updates included) and delete of a tracked model. Event tables are
append-only (PGHISTORY_APPEND_ONLY): triggers refuse updates and deletes of audit rows."""

import pghistory


def audited(**kwargs):
    """Class decorator for models whose every change is a legally meaningful record."""
    return pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent(), **kwargs)


def acting(actor, **extra):
    """Context for the audit rows written inside it: the acting user (the system actor for imports)."""
    return pghistory.context(user=getattr(actor, "pk", None), username=getattr(actor, "username", None), **extra)
