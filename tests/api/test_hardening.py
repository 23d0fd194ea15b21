"""Hardening: axes lockout on every login path, staff idle timeout, CSRF on session-authenticated API
writes, security headers, and `check --deploy` with production-like settings."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
import time_machine
from django.test import Client

from accounts.models import ApiToken, Role
from accounts.tokens import token_digest
from tests.otp_support import code_for, device_for

pytestmark = pytest.mark.django_db
PASSWORD = "pw-Test-2024!"


@pytest.fixture(autouse=True)
def axes_on(settings):
    settings.AXES_ENABLED = True


def test_api_token_then_lockout_after_five_failures(make_user):
    user = make_user("tok-user", Role.FINANCE)
    device = device_for(user)  # finance staff log in with a TOTP code as well
    client = Client()
    ok = client.post(
        "/api/v1/auth/token/",
        {"username": "tok-user", "password": PASSWORD, "otp": code_for(device)},
        content_type="application/json",
    )
    # only the key's digest is stored
    assert ok.status_code == 200 and ApiToken.objects.get(user=user).digest == token_digest(ok.json()["token"])
    # the token authenticates API calls
    runs = Client().get("/api/v1/payout-runs/", HTTP_AUTHORIZATION=f"Token {ok.json()['token']}")
    assert runs.status_code == 200
    for _ in range(5):
        wrong = client.post(
            "/api/v1/auth/token/", {"username": "tok-user", "password": "wrong"}, content_type="application/json"
        )
        assert wrong.status_code in (400, 429)
    locked = client.post(
        "/api/v1/auth/token/", {"username": "tok-user", "password": PASSWORD}, content_type="application/json"
    )
    assert locked.status_code == 429
    assert locked.json()["error"]["code"] == "account_locked" and "锁定" in locked.json()["error"]["message"]
    # the lockout is per username and IP: the same user from another address, and another user, still log in
    other_ip = Client(REMOTE_ADDR="10.9.8.7").post(
        "/api/v1/auth/token/",
        {"username": "tok-user", "password": PASSWORD, "otp": code_for(device)},
        content_type="application/json",
    )
    assert other_ip.status_code == 200


def test_html_login_locks_after_five_failures(make_user):
    make_user("html-user", Role.ENTERPRISE)
    client = Client()
    for _ in range(5):
        client.post("/accounts/login/", {"username": "html-user", "password": "wrong"})
    locked = client.post("/accounts/login/", {"username": "html-user", "password": PASSWORD})
    assert locked.status_code == 429
    assert "_auth_user_id" not in client.session
    # and the API token endpoint shares the count: same username and IP stay locked there too
    api = client.post(
        "/api/v1/auth/token/", {"username": "html-user", "password": PASSWORD}, content_type="application/json"
    )
    assert api.status_code == 429


def test_staff_session_expires_after_30_idle_minutes(make_user):
    staff = make_user("idle-fin", Role.FINANCE)
    owner = make_user("idle-owner", Role.ENTERPRISE)
    with time_machine.travel("2025-03-03 09:00 +0800", tick=False) as traveller:
        staff_client, owner_client = Client(), Client()
        staff_client.force_login(staff)
        owner_client.force_login(owner)
        assert staff_client.get("/api/v1/payout-runs/").status_code == 200
        assert owner_client.get("/api/v1/centres/").status_code == 200
        traveller.shift(29 * 60)
        assert staff_client.get("/api/v1/payout-runs/").status_code == 200  # activity resets the clock
        traveller.shift(29 * 60)
        assert staff_client.get("/api/v1/payout-runs/").status_code == 200
        traveller.shift(31 * 60)
        expired = staff_client.get("/api/v1/payout-runs/")
        assert expired.status_code == 401 and expired.json()["error"]["code"] == "not_authenticated"
        page = staff_client.get("/subsidies/runs/")
        assert page.status_code == 302 and "/accounts/login/" in page["Location"]
        # enterprise sessions are not staff sessions: no idle logout
        assert owner_client.get("/api/v1/centres/").status_code == 200


def test_session_api_post_without_csrf_token_is_refused(make_user):
    user = make_user("csrf-fin", Role.FINANCE)
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    refused = client.post(
        "/api/v1/payout-runs/", {"kind": "monthly", "period": "2024-05"}, content_type="application/json"
    )
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "csrf_failed"
    # with the token from the cookie the same request reaches the service
    client.get("/accounts/login/")
    page = client.get("/subsidies/runs/")
    token = page.cookies.get("csrftoken") or client.cookies.get("csrftoken")
    assert token is not None
    accepted = client.post(
        "/api/v1/payout-runs/",
        {"kind": "monthly", "period": "2024-05"},
        content_type="application/json",
        HTTP_X_CSRFTOKEN=token.value,
    )
    assert accepted.status_code == 201, accepted.content


def test_html_login_form_requires_csrf(make_user):
    make_user("csrf-html", Role.ENTERPRISE)
    client = Client(enforce_csrf_checks=True)
    assert client.post("/accounts/login/", {"username": "csrf-html", "password": PASSWORD}).status_code == 403


def test_security_headers(make_user, client):
    response = client.get("/accounts/login/")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] in ("DENY", "SAMEORIGIN")
    assert response["Referrer-Policy"] == "same-origin"
    api = client.get("/api/v1/schema/")
    assert api.status_code == 200 and api["X-Content-Type-Options"] == "nosniff"


def test_check_deploy_is_clean_with_production_settings():
    root = Path(__file__).resolve().parents[2]
    # production's environment, not the test session's (the browser harness sets DJANGO_ALLOW_ASYNC_UNSAFE)
    env = {k: v for k, v in os.environ.items() if k not in ("DJANGO_ALLOW_ASYNC_UNSAFE", "TEST_DB_SUFFIX")}
    env = {
        **env,
        "DEBUG": "0",
        "SECRET_KEY": "prod-like-" + "k7Qz" * 14,
        "ALLOWED_HOSTS": "x",
        "SECURE_COOKIES": "1",
        "TESTING": "0",
        # check --deploy does not connect; a fixed URL keeps it from starting the embedded server
        "DATABASE_URL": "postgresql://portal:portal@127.0.0.1:5432/portal",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_malformed_session_cookie_is_ignored_not_a_server_error(make_user):
    client = Client()
    client.cookies["sessionid"] = "abc\x00defghijklmnop"
    assert client.get("/accounts/login/").status_code == 200
    api = client.get("/api/v1/filings/")
    assert api.status_code == 401


def test_nul_in_query_or_body_is_a_400(make_user):
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(make_user("nul-owner", Role.ENTERPRISE))
    listed = client.get("/api/v1/researchers/", {"q": "张\x00"})
    assert listed.status_code == 400 and listed.json()["error"]["code"] == "invalid_character"
    posted = client.post("/api/v1/filings/", {"centre": 1, "level": "regional\x00"}, format="json")
    assert posted.status_code == 400


@pytest.mark.parametrize(
    "role, expires", [(Role.FINANCE, True), (Role.REGIONAL_REVIEWER, True), (Role.ENTERPRISE, False)]
)
def test_staff_tokens_expire_after_thirty_idle_minutes_and_a_login_issues_a_new_one(make_user, role, expires):
    import datetime as dt

    user = make_user("idle-user", role)
    device = device_for(user) if role == Role.FINANCE else None

    def credentials():
        return {"username": "idle-user", "password": PASSWORD, **({"otp": code_for(device)} if device else {})}

    client = Client()
    with time_machine.travel(dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC), tick=False) as clock:
        key = client.post("/api/v1/auth/token/", credentials(), content_type="application/json").json()["token"]
        auth = {"HTTP_AUTHORIZATION": f"Token {key}"}
        assert client.get("/api/v1/parameters/", **auth).status_code == 200
        clock.shift(dt.timedelta(minutes=29))  # used within the half hour: still good, and the clock restarts
        assert client.get("/api/v1/parameters/", **auth).status_code == 200
        clock.shift(dt.timedelta(minutes=29))
        assert client.get("/api/v1/parameters/", **auth).status_code == 200
        clock.shift(dt.timedelta(minutes=31))
        idle = client.get("/api/v1/parameters/", **auth)
        if expires:
            assert idle.status_code == 401
            assert idle.json()["error"]["code"] == "authentication_failed"
            again = client.post("/api/v1/auth/token/", credentials(), content_type="application/json").json()["token"]
            # hashed tokens cannot be handed out again: a new token for the client, the idle one stays dead
            assert again != key and client.get("/api/v1/parameters/", **auth).status_code == 401
            assert client.get("/api/v1/parameters/", HTTP_AUTHORIZATION=f"Token {again}").status_code == 200
        else:
            assert idle.status_code == 200
