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


REFERENCE_DATA = (
    # (migration module, seeding function, model whose rows it creates)
    ("registry.migrations.0003_division_reference_data", "load", "registry.Division"),
    ("subsidies.migrations.0003_grants", "seed_programmes", "subsidies.Programme"),
    ("talent.migrations.0004_key_reference_data", "load", "talent.KeyInstitution"),
    ("subsidies.migrations.0018_objections", "load", "subsidies.HolidayDay"),
)


@pytest.fixture(autouse=True)
def reference_data(request):
    """Reference data comes from data migrations; a transactional test (live server, concurrency,
    Celery) ends with a flush that empties those tables for the tests after it on the same worker.
    Put the rows back, through the migrations' own functions, when they are missing."""
    uses_db = request.node.get_closest_marker("django_db") or {"db", "transactional_db", "live_server"} & set(
        request.fixturenames
    )
    if not uses_db:
        return
    import importlib

    from django.apps import apps

    blocker = request.getfixturevalue("django_db_blocker")
    with blocker.unblock():
        for module, function, model in REFERENCE_DATA:
            if not apps.get_model(model).objects.exists():
                getattr(importlib.import_module(module), function)(apps, None)


@pytest.fixture(autouse=True)
def _fresh_throttles():
    """Throttle counters live in the cache (per process): each test starts with none, as a new client."""
    from django.core.cache import cache

    cache.clear()
    yield
