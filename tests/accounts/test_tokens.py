"""API tokens: one per client, with a name and an expiry, stored as a digest, revocable on the tokens
page and at logout on request; staff tokens still end after 30 idle minutes (tests/api/test_hardening.py)."""

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.urls import reverse

from accounts.models import ApiToken, Role
from accounts.tokens import token_digest

pytestmark = pytest.mark.django_db
PASSWORD = "pw-Test-2024!"
TOKEN_URL = "/api/v1/auth/token/"


def obtain(client, username, **extra):
    response = client.post(
        TOKEN_URL, {"username": username, "password": PASSWORD, **extra}, content_type="application/json"
    )
    assert response.status_code == 200, response.content
    return response.json()


def api(key):
    return Client().get("/api/v1/centres/", HTTP_AUTHORIZATION=f"Token {key}")


def test_a_token_is_stored_only_as_its_digest(make_user):
    user = make_user("tok-owner", Role.ENTERPRISE)
    body = obtain(Client(), "tok-owner", name="对账脚本")
    key = body["token"]
    token = ApiToken.objects.get(user=user)
    assert (token.name, token.digest, token.prefix) == ("对账脚本", token_digest(key), key[:8])
    assert body["name"] == "对账脚本" and body["expires_at"]
    with connection.cursor() as cursor:  # the key itself is nowhere in the database
        cursor.execute("SELECT count(*) FROM authtoken_token")
        assert cursor.fetchone()[0] == 0
        cursor.execute(
            "SELECT count(*) FROM accounts_apitoken WHERE digest = %s OR prefix = %s OR name = %s", [key, key, key]
        )
        assert cursor.fetchone()[0] == 0
    assert api(key).status_code == 200


def test_each_client_gets_its_own_token_and_revoking_one_leaves_the_other(make_user):
    user = make_user("two-clients", Role.ENTERPRISE)
    first = obtain(Client(), "two-clients", name="ERP")["token"]
    second = obtain(Client(), "two-clients", name="笔记本脚本")["token"]
    assert first != second and ApiToken.objects.filter(user=user).count() == 2
    page = Client()
    page.force_login(user)
    listing = page.get(reverse("accounts:tokens")).content.decode()
    assert "ERP" in listing and "笔记本脚本" in listing and first not in listing and second not in listing
    erp = ApiToken.objects.get(user=user, name="ERP")
    assert page.post(reverse("accounts:tokens"), {"action": "revoke", "token": erp.pk}).status_code == 302
    assert api(first).status_code == 401 and api(first).json()["error"]["code"] == "authentication_failed"
    assert api(second).status_code == 200
    erp.refresh_from_db()
    assert erp.revoked_at is not None


def test_the_tokens_page_issues_a_token_shown_once(make_user):
    user = make_user("page-issuer", Role.ENTERPRISE)
    page = Client()
    page.force_login(user)
    response = page.post(reverse("accounts:tokens"), {"action": "create", "name": "报表工具", "days": "7"})
    assert response.status_code == 200
    token = ApiToken.objects.get(user=user, name="报表工具")
    key = response.context["new_key"]
    assert token.digest == token_digest(key) and key in response.content.decode()
    assert round((token.expires_at - token.created_at).total_seconds()) == 7 * 86400
    assert key not in page.get(reverse("accounts:tokens")).content.decode()  # never shown again
    assert api(key).status_code == 200


def test_nobody_revokes_another_users_token(make_user):
    victim = make_user("victim", Role.ENTERPRISE)
    key = obtain(Client(), "victim")["token"]
    other = Client()
    other.force_login(make_user("other", Role.ENTERPRISE))
    other.post(reverse("accounts:tokens"), {"action": "revoke", "token": ApiToken.objects.get(user=victim).pk})
    other.post(reverse("accounts:tokens"), {"action": "revoke_all"})
    assert api(key).status_code == 200


def test_enterprise_tokens_expire(make_user, settings):
    settings.API_TOKEN_LIFETIME_DAYS = 30
    make_user("expiring", Role.ENTERPRISE)
    with time_machine.travel(dt.datetime(2026, 3, 1, 9, 0, tzinfo=dt.UTC), tick=False) as clock:
        key = obtain(Client(), "expiring")["token"]
        short = obtain(Client(), "expiring", days=2)["token"]
        clock.shift(dt.timedelta(days=2, minutes=1))
        assert api(short).status_code == 401 and api(key).status_code == 200
        clock.shift(dt.timedelta(days=28))
        expired = api(key)
        assert expired.status_code == 401 and expired.json()["error"]["code"] == "authentication_failed"
    too_long = Client().post(
        TOKEN_URL, {"username": "expiring", "password": PASSWORD, "days": 31}, content_type="application/json"
    )
    assert too_long.status_code == 400 and too_long.json()["error"]["code"] == "days"


@pytest.mark.parametrize("revoke", [True, False], ids=["revoke-on-request", "plain-logout"])
def test_logout_revokes_the_users_tokens_on_request(make_user, revoke):
    user = make_user("leaving", Role.ENTERPRISE)
    key = obtain(Client(), "leaving")["token"]
    browser = Client()
    browser.force_login(user)
    data = {"revoke_tokens": "1"} if revoke else {}
    assert browser.post(reverse("accounts:logout"), data).status_code == 302
    assert "_auth_user_id" not in browser.session
    assert api(key).status_code == (401 if revoke else 200)
