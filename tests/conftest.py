"""Shared fixtures. Test data is made through services, as users make it."""
import pytest

from accounts.models import Role, User


@pytest.fixture
def make_user(db):
    def make(username: str, role: str = Role.ENTERPRISE, **extra) -> User:
        user = User.objects.create_user(username=username, password="pw-Test-2024!", role=role, **extra)
        return user

    return make


@pytest.fixture
def finance(make_user):
    return make_user("finance1", Role.FINANCE, full_name="财务一")


@pytest.fixture
def finance2(make_user):
    return make_user("finance2", Role.FINANCE, full_name="财务二")


@pytest.fixture
def system(db):
    from accounts.models import system_actor

    return system_actor()
