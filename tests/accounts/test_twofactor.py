"""TOTP two-factor login for finance staff and administrators: enrolment at first login, the code at
every login after it, on the login page and at the token endpoint; the admin site has no way around it."""

import pytest
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import Role
from tests.otp_support import code_for, device_for

pytestmark = pytest.mark.django_db
PASSWORD = "pw-Test-2024!"


def password_step(client, username, **extra):
    return client.post(reverse("accounts:login"), {"username": username, "password": PASSWORD, **extra})


@pytest.mark.parametrize("role", [Role.FINANCE, Role.ADMIN])
def test_first_login_enrols_a_device_then_every_login_asks_for_the_code(make_user, role):
    user = make_user("second-factor", role)
    client = Client()
    step = password_step(client, "second-factor")
    assert step.status_code == 302 and step.url == reverse("accounts:otp")
    assert "_auth_user_id" not in client.session  # the password alone logs nobody in
    assert client.get(reverse("subsidies:run_list")).status_code == 302
    enrol = client.get(reverse("accounts:otp"))
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    assert enrol.context["secret"] in enrol.content.decode() and "otpauth://totp/" in enrol.content.decode()
    wrong = client.post(reverse("accounts:otp"), {"code": "000000" if code_for(device) != "000000" else "111111"})
    assert wrong.status_code == 400 and "_auth_user_id" not in client.session
    device.throttling_failure_count, device.throttling_failure_timestamp = 0, None  # no waiting in the test
    device.save()
    done = client.post(reverse("accounts:otp"), {"code": code_for(device)})
    assert done.status_code == 302 and client.session["_auth_user_id"] == str(user.pk)
    device.refresh_from_db()
    assert device.confirmed
    # the next login asks for the code of the confirmed device; the secret is not shown again
    again = Client()
    password_step(again, "second-factor")
    verify = again.get(reverse("accounts:otp"))
    assert "totp-secret" not in verify.content.decode()
    assert again.post(reverse("accounts:otp"), {"code": code_for(device)}).status_code == 302
    assert again.session["_auth_user_id"] == str(user.pk)


def test_a_code_is_used_once(make_user):
    user = make_user("replay", Role.FINANCE)
    device = device_for(user)
    first, second = Client(), Client()
    password_step(first, "replay")
    password_step(second, "replay")
    code = code_for(device)
    assert first.post(reverse("accounts:otp"), {"code": code}).status_code == 302
    assert second.post(reverse("accounts:otp"), {"code": code}).status_code == 400
    assert "_auth_user_id" not in second.session


def test_the_code_page_needs_the_password_step_first(make_user):
    device_for(make_user("skipper", Role.FINANCE))
    client = Client()
    response = client.post(reverse("accounts:otp"), {"code": "123456"})
    assert response.status_code == 302 and response.url == reverse("accounts:login")
    assert "_auth_user_id" not in client.session


def test_the_login_keeps_next_through_the_second_step(make_user):
    device = device_for(make_user("nexter", Role.FINANCE))
    client = Client()
    password_step(client, "nexter", next="/subsidies/runs/")
    assert client.post(reverse("accounts:otp"), {"code": code_for(device)}).url == "/subsidies/runs/"


@pytest.mark.parametrize("role", [Role.ENTERPRISE, Role.REGIONAL_REVIEWER])
def test_other_roles_log_in_with_the_password(make_user, role):
    user = make_user("one-step", role)
    client = Client()
    assert password_step(client, "one-step").status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)


def test_the_token_endpoint_asks_finance_for_the_code(make_user):
    user = make_user("api-fin", Role.FINANCE)
    url = "/api/v1/auth/token/"
    credentials = {"username": "api-fin", "password": PASSWORD}
    not_enrolled = Client().post(url, credentials, content_type="application/json")
    assert not_enrolled.status_code == 403 and not_enrolled.json()["error"]["code"] == "otp_enrolment_required"
    device = device_for(user)
    missing = Client().post(url, credentials, content_type="application/json")
    assert missing.status_code == 400 and missing.json()["error"]["code"] == "invalid_otp"
    ok = Client().post(url, {**credentials, "otp": code_for(device)}, content_type="application/json")
    assert ok.status_code == 200 and ok.json()["token"]


def test_the_admin_site_login_goes_through_the_portal_login(make_user):
    response = Client().get("/django-admin/login/?next=/django-admin/")
    assert response.status_code == 302 and response.url.startswith(reverse("accounts:login"))
    make_user("root", Role.ADMIN, is_staff=True, is_superuser=True)
    client = Client()
    posted = client.post("/django-admin/login/", {"username": "root", "password": PASSWORD})
    assert posted.status_code == 302 and posted.url.startswith(reverse("accounts:login"))
    assert "_auth_user_id" not in client.session
