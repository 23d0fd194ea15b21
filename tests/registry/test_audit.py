"""Audit: database triggers record every change with who and when, bulk updates included, and the
application cannot edit or delete an audit row."""

import pytest
from django.apps import apps
from django.db import DatabaseError, transaction

from registry import selectors, services
from registry.models import Filing


def _events(model_name, obj):
    return apps.get_model("registry", f"{model_name}Event").objects.filter(pgh_obj_id=obj.pk).order_by("pgh_id")


def test_decisions_are_recorded_with_the_actor(submitted, regional1, regional2):
    services.filing_first_review(actor=regional1, filing=submitted)
    services.filing_approve(actor=regional2, filing=submitted)
    events = list(_events("Filing", submitted))
    statuses = [e.status for e in events]
    assert statuses[-3:] == ["submitted", "first_reviewed", "approved"]
    assert events[-1].pgh_context.metadata["username"] == "reg2"
    assert events[-2].pgh_context.metadata["username"] == "reg1"


def test_bulk_update_is_recorded(submitted):
    before = _events("Filing", submitted).count()
    Filing.objects.filter(pk=submitted.pk).update(status_reason="批量修改")
    events = list(_events("Filing", submitted))
    assert len(events) == before + 1
    assert events[-1].pgh_label == "update"
    assert events[-1].status_reason == "批量修改"


@pytest.mark.parametrize("model_name", ["Filing", "Enterprise", "Centre", "ReviewDecision", "Document"])
def test_audit_rows_cannot_be_updated_or_deleted(model_name, submitted):
    obj = {
        "Filing": submitted,
        "Enterprise": submitted.centre.enterprise,
        "Centre": submitted.centre,
        "ReviewDecision": submitted.decisions.first(),
        "Document": submitted.documents.first(),
    }[model_name]
    events = _events(model_name, obj)
    n = events.count()
    assert n >= 1
    with pytest.raises(DatabaseError), transaction.atomic():
        events.update(pgh_label="tampered")
    with pytest.raises(DatabaseError), transaction.atomic():
        events.delete()
    assert _events(model_name, obj).count() == n
    assert not _events(model_name, obj).filter(pgh_label="tampered").exists()


def test_history_shows_old_and_new_with_who(submitted, regional1):
    services.filing_return(actor=regional1, filing=submitted, comment="请补充场地证明")
    rows = selectors.filing_history(filing=submitted)
    change = next(
        r
        for r in rows
        if r["model"] == "Filing"
        and any(c["field"] == "status" for c in r["changes"])
        and r["who"] == regional1.display_name
    )
    status = next(c for c in change["changes"] if c["field"] == "status")
    assert (status["old"], status["new"]) == ("submitted", "returned")
    assert any(r["model"] == "ReviewDecision" and r["label"] == "insert" for r in rows)
    assert any(r["model"] == "Document" for r in rows)
