"""The Django admin shows researchers, degrees, contracts and roster uploads read-only, with ID numbers
masked everywhere (issue 4 §7): writes go through talent.services, full-number views through the logged
reveal page."""

import pytest
from django.contrib import admin
from django.urls import reverse

from accounts.models import Role
from talent.models import Contract, Degree, Researcher, RosterUpload
from tests.talent.conftest import ZHANG

MODELS = [Researcher, Degree, Contract, RosterUpload]


@pytest.fixture
def superuser(make_user):
    return make_user("root", Role.ADMIN, is_staff=True, is_superuser=True)


@pytest.fixture
def world(db, centre_a, enrol, ent_user_a):
    from talent import roster
    from tests.talent.test_roster import GOOD_1, xlsx

    r, c = enrol(centre_a)
    upload = roster.roster_preview(actor=ent_user_a, centre=centre_a, filename="r.xlsx", raw=xlsx([GOOD_1]))
    return {Researcher: r, Degree: r.degrees.get(), Contract: c, RosterUpload: upload}


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_admin_cannot_add_change_or_delete(rf, superuser, model):
    request = rf.get("/")
    request.user = superuser
    model_admin = admin.site._registry[model]
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request)
    assert not model_admin.has_delete_permission(request)
    assert model_admin.has_view_permission(request)


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_pages_show_the_masked_number_only(client, superuser, world, model):
    client.force_login(superuser)
    obj = world[model]
    opts = model._meta
    changelist = client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"))
    change = client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk]))
    for page in (changelist, change):
        assert page.status_code == 200
        html = page.content.decode()
        assert ZHANG not in html
    if model is not RosterUpload:
        assert "110101********7571" in changelist.content.decode()
        assert "110101********7571" in change.content.decode()
    assert 'name="_save"' not in change.content.decode()  # no save button: nothing editable


def test_a_post_to_the_change_page_changes_nothing(client, superuser, world):
    client.force_login(superuser)
    c = world[Contract]
    url = reverse("admin:talent_contract_change", args=[c.pk])
    response = client.post(url, {"full_time": "", "start": "2020-01-01", "terminated_on": "", "needs_review": ""})
    assert response.status_code == 403
    c.refresh_from_db()
    assert (c.full_time, str(c.start)) == (True, "2024-04-01")
