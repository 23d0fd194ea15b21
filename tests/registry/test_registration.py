"""Enterprise self-registration: the service creates user, enterprise and owner membership together, or
nothing; an enterprise already on the portal is never taken over; the public page shows each refusal next
to its field, in Chinese, and sends the new owner to the login page."""

import pytest
from django.urls import reverse

from accounts.errors import ConflictError, ServiceError
from accounts.models import Role, User
from registry import services
from registry.models import Enterprise, Membership
from tests.registry.conftest import uscc

NEW = uscc("91640105MA77XC001")
WRONG_CHECK = NEW[:17] + ("0" if NEW[17] != "0" else "1")
ARGS = {
    "uscc": NEW,
    "name": "宁夏智创科技有限公司",
    "division_code": "640105",
    "username": "zhichuang",
    "password": "Ningxia-2024-ok",
    "full_name": "马晓宁",
    "email": "ma@zhichuang.cn",
    "phone": "0951-5550100",
}


def counts():
    return User.objects.count(), Enterprise.objects.count(), Membership.objects.count()


@pytest.mark.django_db
def test_register_creates_user_enterprise_and_owner_membership():
    membership = services.enterprise_register(actor=None, **ARGS)
    user, enterprise = membership.user, membership.enterprise
    assert membership.is_owner is True
    assert user.role == Role.ENTERPRISE and user.check_password(ARGS["password"])
    assert (user.username, user.full_name, user.email) == ("zhichuang", "马晓宁", "ma@zhichuang.cn")
    assert (enterprise.uscc, enterprise.name, enterprise.division_code) == (NEW, "宁夏智创科技有限公司", "640105")
    assert (enterprise.contact_name, enterprise.contact_phone) == ("马晓宁", "0951-5550100")


@pytest.mark.django_db
@pytest.mark.parametrize(
    "change, code, text",
    [
        ({"uscc": WRONG_CHECK}, "uscc", "校验位错误"),
        ({"division_code": "640100"}, "division_code", "不是宁夏的区县"),
        ({"division_code": "310115"}, "division_code", "不是宁夏的区县"),
        ({"name": "  "}, "name", "企业名称不能为空"),
        ({"password": "12345678"}, "password", "密码不符合要求"),
        ({"full_name": ""}, "full_name", "联系人姓名不能为空"),
    ],
    ids=["check-char", "city-not-district", "outside-ningxia", "no-name", "weak-password", "no-contact"],
)
def test_register_refusals_change_nothing(change, code, text):
    before = counts()
    with pytest.raises(ServiceError) as exc:
        services.enterprise_register(actor=None, **{**ARGS, **change})
    assert exc.value.code == code and text in exc.value.zh
    assert counts() == before


@pytest.mark.django_db
def test_existing_enterprise_is_refused_with_the_invitation_hint(enterprise):
    existing = enterprise
    before = counts()
    with pytest.raises(ConflictError) as exc:
        services.enterprise_register(actor=None, **{**ARGS, "uscc": existing.uscc.lower()})
    assert exc.value.code == "enterprise_exists" and "邀请" in exc.value.zh
    assert counts() == before
    assert not Membership.objects.filter(enterprise=existing, user__username="zhichuang").exists()


@pytest.mark.django_db
def test_taken_username_is_refused(owner):
    before = counts()
    with pytest.raises(ConflictError) as exc:
        services.enterprise_register(actor=None, **{**ARGS, "username": owner.username.upper()})
    assert exc.value.code == "username_taken"
    assert counts() == before


def _post(client, **change):
    data = {**ARGS, "password2": ARGS["password"], **change}
    return client.post(reverse("registry:register"), data)


@pytest.mark.django_db
def test_register_page_registers_and_sends_to_login(client, mailoutbox):
    page = client.get(reverse("accounts:login"))
    assert reverse("registry:register") in page.content.decode()
    form = client.get(reverse("registry:register")).content.decode()
    assert "金凤区(640106)" in form and "朝阳区" not in form  # Ningxia districts only
    response = _post(client)
    assert response.status_code == 302 and response.url == reverse("accounts:login")
    assert Membership.objects.get(user__username="zhichuang", is_owner=True).enterprise.uscc == NEW
    follow = client.get(response.url).content.decode()
    assert "注册申请已提交" in follow
    # the outcome goes to the contact e-mail (the page says the same whether the username was free or not)
    assert [m.to for m in mailoutbox] == [["ma@zhichuang.cn"]]
    assert "已注册,您是该企业的管理员" in mailoutbox[0].body and "zhichuang" in mailoutbox[0].body


@pytest.mark.django_db
@pytest.mark.parametrize(
    "change, field_text",
    [
        ({"uscc": WRONG_CHECK}, "校验位错误"),
        ({"password2": "something-else-9"}, "两次输入的密码不一致"),
    ],
    ids=["uscc", "password-mismatch"],
)
def test_register_page_shows_the_refusal_next_to_the_field(client, owner, change, field_text):
    before = counts()
    response = _post(client, **change)
    assert response.status_code == 200
    body = response.content.decode()
    assert field_text in body and 'class="field invalid"' in body
    assert counts() == before


@pytest.mark.django_db
def test_register_page_refuses_an_existing_enterprise(client, enterprise):
    existing = enterprise
    response = _post(client, uscc=existing.uscc)
    assert response.status_code == 200
    assert "请联系本企业的平台管理员(所有者)邀请您加入" in response.content.decode()
    assert not User.objects.filter(username="zhichuang").exists()


@pytest.mark.django_db
def test_register_page_needs_csrf():
    from django.test import Client

    response = Client(enforce_csrf_checks=True).post(
        reverse("registry:register"), {**ARGS, "password2": ARGS["password"]}
    )
    assert response.status_code == 403
    assert not User.objects.filter(username="zhichuang").exists()


@pytest.mark.django_db
def test_register_page_does_not_confirm_a_taken_username(client, owner, mailoutbox):
    """A taken username gets the answer a registration gets (back to the login page, "sent to your
    e-mail"); the page never names the username as taken. The registrant learns it by e-mail."""
    before = counts()
    response = _post(client, username=owner.username.upper())
    assert response.status_code == 302 and response.url == reverse("accounts:login")
    follow = client.get(response.url).content.decode()
    assert "注册申请已提交" in follow
    assert "已被使用" not in follow and owner.username.upper() not in follow
    assert counts() == before
    assert [m.to for m in mailoutbox] == [["ma@zhichuang.cn"]] and "不可用" in mailoutbox[0].body


@pytest.mark.django_db
def test_register_page_checks_the_password_before_the_username(client, owner):
    """A weak password is refused whatever the username: the answer cannot tell a taken name from a free one."""
    taken = _post(client, username=owner.username, password="1234567890", password2="1234567890")
    free = _post(client, username="nobody-yet", password="1234567890", password2="1234567890")
    assert taken.status_code == free.status_code == 200
    assert "已被使用" not in taken.content.decode()
    assert 'class="field invalid"' in taken.content.decode() and 'class="field invalid"' in free.content.decode()


@pytest.mark.django_db
def test_register_page_is_throttled_per_client_address(client, settings):
    settings.REGISTRATION_RATE = (3, 3600)
    for _ in range(3):
        assert _post(client, uscc=WRONG_CHECK).status_code == 200
    assert _post(client, uscc=WRONG_CHECK).status_code == 429
    # another address still registers
    from django.test import Client

    assert Client(REMOTE_ADDR="10.1.2.3").post(reverse("registry:register"), {}).status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize(
    "password, text", [("8264019375", "全部为数字"), ("Nx-2024-ab", None)], ids=["all-digits", "ten-characters"]
)
def test_register_password_rules(password, text):
    """All-digit passwords are refused (the form says 不能全为数字), and 10 characters are the minimum."""
    if text is None:
        services.enterprise_register(actor=None, **{**ARGS, "password": password})
        with pytest.raises(ServiceError) as exc:
            services.enterprise_register(
                actor=None,
                **{**ARGS, "uscc": uscc("91640105MA77XC002"), "username": "other-user", "password": password[:9]},
            )
        assert exc.value.code == "password"
        return
    with pytest.raises(ServiceError) as exc:
        services.enterprise_register(actor=None, **{**ARGS, "password": password})
    assert exc.value.code == "password"
