"""Schemathesis on the projection operations only (issue 18), as finance and as an enterprise user: no
5xx and every answer in the schema, refusals included (the whole API is fuzzed by test_schemathesis)."""

import pytest
from rest_framework.authtoken.models import Token

from tests.api import test_schemathesis as fuzz
from tests.api.test_schemathesis import keep_test_connection  # noqa: F401  (the fixture)

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("role", ["finance", "enterprise"])
def test_projection_operations(world, role, keep_test_connection):  # noqa: F811
    schema = fuzz._schema()
    token = Token.objects.create(user=world.users[role]).key
    counts = {"operations": 0, "examples": 0, "by_status": {}}
    for result in schema.get_all_operations():
        operation = result.ok()
        if "/projection/" not in operation.path:
            continue
        counts["operations"] += 1
        fuzz._make_run(operation, "", {}, {"Authorization": f"Token {token}"}, counts)()
    assert counts["operations"] == 6
    assert counts["examples"] >= counts["operations"]
    if role == "finance":
        assert any(200 <= s < 300 for s in counts["by_status"]), counts
    else:
        assert set(counts["by_status"]) <= {400, 401, 403, 404}, counts
