"""Session lifetimes (absolute, and idle for enterprise users too), the password rules, and password
change and reset through Django's own views with the portal's Chinese pages."""

import re

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from accounts.models import Role

pytestmark = pytest.mark.django_db
PASSWORD = "pw-Test-2024!"


def test_enterprise_sessions_end_after_two_idle_hours(make_user):
    owner = make_user("idle-ent", Role.ENTERPRISE)
    with time_machine.travel("2025-03-03 09:00 +0800", tick=False) as clock:
        client = Client()
        client.force_login(owner)
        assert client.get("/api/v1/centres/").status_code == 200
        clock.shift(119 * 60)
        assert client.get("/api/v1/centres/").status_code == 200  # activity restarts the clock
        clock.shift(121 * 60)
        assert client.get("/api/v1/centres/").status_code == 401
        page = client.get(reverse("registry:dashboard"))
        assert page.status_code == 302 and "/accounts/login/" in page["Location"]


def test_sessions_end_twelve_hours_after_the_login_however_busy(make_user):
    reviewer = make_user("busy", Role.REGIONAL_REVIEWER)
    with time_machine.travel("2025-03-03 08:00 +0800", tick=False) as clock:
        client = Client()
        client.force_login(reviewer)
        for _ in range(47):  # a request every quarter hour for 11 h 45 min
            clock.shift(15 * 60)
            assert client.get("/api/v1/parameters/").status_code == 200
        clock.shift(16 * 60)
        page = client.get(reverse("registry:review_queue"))
        assert page.status_code == 302 and "expired=1" in page["Location"]
        assert "登录已超过最长有效时间" in Client().get(page["Location"]).content.decode()
        assert client.get("/api/v1/parameters/").status_code == 401


@pytest.mark.parametrize(
    "password, accepted",
    [("8264019375", False), ("Nx-2024-a", False), ("Nx-2024-ab", True)],
    ids=["all-digits", "nine-characters", "ten-characters"],
)
def test_password_change_applies_the_rules(make_user, password, accepted):
    user = make_user("changer", Role.ENTERPRISE, full_name="马晓宁")
    client = Client()
    client.force_login(user)
    form = client.get(reverse("accounts:password_change"))
    assert form.status_code == 200 and "修改密码" in form.content.decode()
    response = client.post(
        reverse("accounts:password_change"),
        {"old_password": PASSWORD, "new_password1": password, "new_password2": password},
    )
    user.refresh_from_db()
    if accepted:
        assert response.status_code == 302 and response.url == reverse("accounts:password_change_done")
        assert user.check_password(password)
        assert "密码已修改" in client.get(response.url).content.decode()  # still logged in
    else:
        assert response.status_code == 200 and user.check_password(PASSWORD)
        body = response.content.decode()
        assert "密码只包含数字" in body or "至少需要10个字符" in body


def test_password_reset_by_email(make_user, mailoutbox):
    user = make_user("forgetful", Role.ENTERPRISE, email="forgetful@example.cn")
    client = Client()
    assert "忘记密码" in client.get(reverse("accounts:login")).content.decode()
    unknown = client.post(reverse("accounts:password_reset"), {"email": "nobody@example.cn"})
    known = client.post(reverse("accounts:password_reset"), {"email": "forgetful@example.cn"})
    # the same answer whether or not the address is known; one mail, to the known one
    assert unknown.status_code == known.status_code == 302 and unknown.url == known.url
    assert [m.to for m in mailoutbox] == [["forgetful@example.cn"]]
    mail = mailoutbox[0]
    assert "重设" in mail.subject and "forgetful" in mail.body
    link = re.search(r"https?://[^/\s]+(/accounts/password/reset/\S+/)", mail.body).group(1)
    form = client.get(link, follow=True)
    assert form.status_code == 200 and "设置新密码" in form.content.decode()
    done = client.post(
        form.redirect_chain[-1][0], {"new_password1": "Ningxia-new-2025", "new_password2": "Ningxia-new-2025"}
    )
    assert done.status_code == 302 and done.url == reverse("accounts:password_reset_complete")
    user.refresh_from_db()
    assert user.check_password("Ningxia-new-2025")
    assert "_auth_user_id" not in client.session  # a reset does not log in (finance still needs the code)


def test_password_reset_is_throttled_per_client_address(make_user, settings, mailoutbox):
    settings.PASSWORD_RESET_RATE = (2, 3600)
    client = Client()
    for _ in range(2):
        assert client.post(reverse("accounts:password_reset"), {"email": "x@example.cn"}).status_code == 302
    assert client.post(reverse("accounts:password_reset"), {"email": "x@example.cn"}).status_code == 429
