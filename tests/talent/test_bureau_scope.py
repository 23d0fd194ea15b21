"""Staff act only within their bureau (issue 12 §5): a Yinchuan reviewer cannot verify a degree, terminate
a contract or reveal a full ID number of someone whose only contract is at a centre with no Yinchuan
filing (reads of that centre are already a 404 for them), nor a regional reviewer at a Yinchuan-only
centre. Service, API and page alike; a negative asserts that nothing changed."""

import datetime as dt

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.errors import NotFoundError
from accounts.models import Role
from registry import services as registry_services
from talent import selectors, services
from talent.models import Contract, Degree, IdentityAccess

pytestmark = pytest.mark.django_db


@pytest.fixture
def yinchuan_reviewer(make_user):
    return make_user("yc1", Role.YINCHUAN_REVIEWER, full_name="银川审核一")


@pytest.fixture
def regional_only(centre_a, enrol):
    """centre_a has only a regional filing; its researcher's doctorate awaits verification."""
    researcher, contract = enrol(centre_a, verified=False)
    return researcher, contract, Degree.objects.get(researcher=researcher)


@pytest.fixture
def yinchuan_only(make_centre, enrol, system):
    centre = make_centre(ref="YC-ONLY", uscc_body="91640106MA76YC003", filed_from=None)
    registry_services.filing_import_decided(
        actor=system, centre=centre, level="yinchuan", status="approved", effective_from=dt.date(2024, 1, 1)
    )
    researcher, contract = enrol(centre, id_number="11010119900307803X", name="李四", verified=False)
    return researcher, contract, Degree.objects.get(researcher=researcher)


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


# --- degree verification -----------------------------------------------------------------------------


def test_service_refuses_a_degree_outside_the_bureau(regional_only, yinchuan_only, yinchuan_reviewer, reviewer):
    _r, _c, degree = regional_only
    with pytest.raises(NotFoundError) as err:
        services.degree_verify(actor=yinchuan_reviewer, degree=degree)
    assert err.value.code == "bureau_scope"
    assert Degree.objects.get(pk=degree.pk).verified_at is None
    # each bureau verifies its own centres' people
    assert services.degree_verify(actor=reviewer, degree=degree).verified_by == reviewer
    other = yinchuan_only[2]
    with pytest.raises(NotFoundError):
        services.degree_verify(actor=reviewer, degree=other)
    assert services.degree_verify(actor=yinchuan_reviewer, degree=other).verified_by == yinchuan_reviewer


def test_api_verify_outside_the_bureau_is_a_404(regional_only, yinchuan_reviewer, reviewer):
    degree = regional_only[2]
    response = api(yinchuan_reviewer).post(f"/api/v1/degrees/{degree.pk}/verify/")
    assert response.status_code == 404, response.content
    assert Degree.objects.get(pk=degree.pk).verified_at is None
    assert api(reviewer).post(f"/api/v1/degrees/{degree.pk}/verify/").status_code == 200


def test_page_verify_outside_the_bureau_is_a_404(client, regional_only, yinchuan_reviewer):
    researcher, _c, degree = regional_only
    client.force_login(yinchuan_reviewer)
    assert client.post(reverse("talent:degree_verify", args=[degree.pk])).status_code == 404
    assert Degree.objects.get(pk=degree.pk).verified_at is None
    # the queue does not offer it, nor does the researcher's page offer the buttons
    queue = client.get(reverse("talent:verification_queue")).content.decode()
    assert reverse("talent:degree_verify", args=[degree.pk]) not in queue
    page = client.get(reverse("talent:researcher_detail", args=[researcher.pk])).content.decode()
    assert reverse("talent:degree_verify", args=[degree.pk]) not in page
    assert reverse("talent:researcher_reveal", args=[researcher.pk]) not in page
    assert reverse("talent:contract_terminate", args=[regional_only[1].pk]) not in page


def test_queue_holds_the_bureaus_own_degrees(regional_only, yinchuan_only, yinchuan_reviewer, reviewer):
    assert list(selectors.verification_queue(actor=yinchuan_reviewer)) == [yinchuan_only[2]]
    assert list(selectors.verification_queue(actor=reviewer)) == [regional_only[2]]


# --- contract termination -----------------------------------------------------------------------------


def test_service_refuses_a_termination_outside_the_bureau(regional_only, yinchuan_reviewer, reviewer):
    contract = regional_only[1]
    with pytest.raises(NotFoundError):
        services.contract_terminate(
            actor=yinchuan_reviewer, contract=contract, terminated_on=dt.date(2025, 6, 30), reason="离职"
        )
    assert Contract.objects.get(pk=contract.pk).terminated_on is None
    done = services.contract_terminate(
        actor=reviewer, contract=contract, terminated_on=dt.date(2025, 6, 30), reason="离职"
    )
    assert done.terminated_on == dt.date(2025, 6, 30)


def test_api_termination_outside_the_bureau_is_a_404(regional_only, yinchuan_reviewer):
    contract = regional_only[1]
    response = api(yinchuan_reviewer).post(
        f"/api/v1/contracts/{contract.pk}/terminate/", {"terminated_on": "2025-06-30", "reason": "离职"}, format="json"
    )
    assert response.status_code == 404, response.content
    assert Contract.objects.get(pk=contract.pk).terminated_on is None


def test_page_termination_outside_the_bureau_is_a_404(client, regional_only, yinchuan_only, yinchuan_reviewer):
    contract = regional_only[1]
    client.force_login(yinchuan_reviewer)
    url = reverse("talent:contract_terminate", args=[contract.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, {"terminated_on": "2025-06-30", "reason": "离职"}).status_code == 404
    assert Contract.objects.get(pk=contract.pk).terminated_on is None
    # at a centre filed with the Yinchuan bureau the same reviewer may
    own = yinchuan_only[1]
    page = client.get(reverse("talent:researcher_detail", args=[own.researcher_id])).content.decode()
    assert reverse("talent:contract_terminate", args=[own.pk]) in page
    assert client.get(reverse("talent:contract_terminate", args=[own.pk])).status_code == 200


# --- full ID numbers ---------------------------------------------------------------------------------


def test_reveal_outside_the_bureau_is_refused_and_not_logged(client, regional_only, yinchuan_only, yinchuan_reviewer):
    researcher = regional_only[0]
    with pytest.raises(NotFoundError):
        services.identity_reveal(actor=yinchuan_reviewer, researcher=researcher, purpose="核验")
    client.force_login(yinchuan_reviewer)
    response = client.post(reverse("talent:researcher_reveal", args=[researcher.pk]), {"purpose": "核验"})
    assert response.status_code == 403
    assert researcher.id_number not in response.content.decode()
    assert not IdentityAccess.objects.filter(researcher=researcher).exists()
    own = yinchuan_only[0]
    shown = client.post(reverse("talent:researcher_reveal", args=[own.pk]), {"purpose": "核验"})
    assert shown.status_code == 200 and own.id_number in shown.content.decode()
    assert IdentityAccess.objects.filter(researcher=own, user=yinchuan_reviewer).count() == 1
