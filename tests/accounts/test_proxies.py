"""Behind NUM_PROXIES trusted reverse proxies the lockout and the throttles key on the client, not on
the proxy; without a proxy X-Forwarded-For is ignored, so rotating it escapes nothing."""

import pytest
from django.test import Client, RequestFactory

from accounts.clientip import client_ip
from accounts.models import Role

pytestmark = pytest.mark.django_db
PASSWORD = "pw-Test-2024!"
TOKEN_URL = "/api/v1/auth/token/"
PROXY = "10.0.0.2"


@pytest.mark.parametrize(
    "proxies, forwarded, expected",
    [
        (0, "203.0.113.7", PROXY),
        (1, "203.0.113.7", "203.0.113.7"),
        (1, "6.6.6.6, 203.0.113.7", "203.0.113.7"),  # the client's own entry is not trusted
        (2, "6.6.6.6, 203.0.113.7, 10.0.0.9", "203.0.113.7"),
        (1, "", PROXY),
    ],
)
def test_client_address(settings, proxies, forwarded, expected):
    settings.NUM_PROXIES = proxies
    request = RequestFactory().get("/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=forwarded)
    assert client_ip(request) == expected


def test_rotating_forwarded_for_does_not_escape_the_token_throttle(settings):
    settings.NUM_PROXIES = 0
    client = Client()
    statuses = [
        client.post(TOKEN_URL, {}, content_type="application/json", HTTP_X_FORWARDED_FOR=f"198.51.100.{i}").status_code
        for i in range(31)
    ]
    assert statuses[:30] == [400] * 30 and statuses[30] == 429


def test_behind_a_proxy_the_token_throttle_keys_on_the_client(settings):
    settings.NUM_PROXIES = 1
    client = Client(REMOTE_ADDR=PROXY)
    spoofed = [
        client.post(
            TOKEN_URL, {}, content_type="application/json", HTTP_X_FORWARDED_FOR=f"6.6.6.{i}, 203.0.113.7"
        ).status_code
        for i in range(31)
    ]
    assert spoofed[30] == 429
    other = client.post(TOKEN_URL, {}, content_type="application/json", HTTP_X_FORWARDED_FOR="203.0.113.8")
    assert other.status_code == 400  # another client behind the same proxy is not throttled


def test_behind_a_proxy_one_client_cannot_lock_out_another(settings, make_user):
    settings.AXES_ENABLED = True
    settings.NUM_PROXIES = 1
    make_user("caiwu1", Role.ENTERPRISE)
    attacker, owner = Client(REMOTE_ADDR=PROXY), Client(REMOTE_ADDR=PROXY)
    for _ in range(5):
        attacker.post(
            "/accounts/login/", {"username": "caiwu1", "password": "wrong"}, HTTP_X_FORWARDED_FOR="203.0.113.66"
        )
    locked = attacker.post(
        "/accounts/login/", {"username": "caiwu1", "password": PASSWORD}, HTTP_X_FORWARDED_FOR="203.0.113.66"
    )
    assert locked.status_code == 429
    ok = owner.post(
        "/accounts/login/", {"username": "caiwu1", "password": PASSWORD}, HTTP_X_FORWARDED_FOR="198.51.100.20"
    )
    assert ok.status_code == 302 and "_auth_user_id" in owner.session
