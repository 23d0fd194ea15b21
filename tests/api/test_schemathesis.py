"""Schemathesis against the OpenAPI schema, through the Django WSGI app, as a finance user and as an
enterprise user (token authentication). Bounded: MAX_EXAMPLES per operation, every operation of the
schema (no time cut-off: a slow machine takes longer, it does not test less). Checks: no 5xx, and every
response (refusals included, in the one error format) conforms to the schema. Path ids are half the time the ids of objects the user may see, so the happy paths run too."""

import hypothesis
import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, given
from hypothesis import strategies as st
from hypothesis.internal.conjecture import utils as _cu
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from accounts.tokens import token_issue


def _more(self) -> bool:
    """hypothesis-jsonschema 0.23 (schemathesis 3.x) calls `many.more()`, which newer Hypothesis replaced
    with `with many(...) as e: for _ in e:`. The same protocol on top of the new one."""
    if self._depth is None:
        self.__enter__()
        self._compat_iter = iter(self)
    try:
        next(self._compat_iter)
    except StopIteration:
        self.__exit__(None)
        return False
    return True


if not hasattr(_cu.many, "more"):
    _cu.many.more = _more

MAX_EXAMPLES = 12

pytestmark = pytest.mark.django_db


def _schema():
    raw = SchemaGenerator().get_schema(request=None, public=True)
    import json

    from rest_framework.renderers import JSONRenderer

    return schemathesis.from_dict(json.loads(JSONRenderer().render(raw)), app=get_wsgi_application(),
                                  base_url="/")


def _known_ids(world, tenant) -> dict[str, list[int]]:
    return {
        "enterprises": [tenant.enterprise.pk], "centres": [tenant.centre.pk, tenant.draft_centre.pk],
        "filings": [tenant.filing.pk, tenant.draft.pk], "documents": [tenant.document.pk],
        "researchers": [tenant.researcher.pk], "degrees": [tenant.degree.pk], "contracts": [tenant.contract.pk],
        "declarations": [tenant.declaration.pk], "payout-lines": [tenant.line.pk], "payout-runs": [world.run.pk],
        "parameters": [world.parameter.pk],
        "grant-applications": [tenant.application.pk], "grant-attachments": [tenant.attachment.pk],
        "declaration-submissions": [tenant.submission.pk], "evaluations": [tenant.evaluation.pk],
        "incubators": [tenant.incubator.pk], "benefits": [tenant.centre.pk], "exports": [world.export.pk],
        "programmes": [tenant.application.programme_id],
    }


def _make_run(operation, resource, ids, headers, counts):
    @hypothesis.settings(max_examples=MAX_EXAMPLES, deadline=None, database=None, derandomize=True,
                         phases=[hypothesis.Phase.explicit, hypothesis.Phase.generate],
                         suppress_health_check=list(HealthCheck))
    @given(case=operation.as_strategy(), data=st.data())
    def run(case, data):
        if case.path_parameters and "id" in case.path_parameters and ids.get(resource):
            if data.draw(st.booleans(), label="known id"):
                case.path_parameters["id"] = data.draw(st.sampled_from(ids[resource]), label="id")
        case.headers = {**(case.headers or {}), **headers}
        response = case.call_wsgi()
        counts["examples"] += 1
        counts["by_status"][response.status_code] = counts["by_status"].get(response.status_code, 0) + 1
        case.validate_response(response, checks=(not_a_server_error, response_schema_conformance))

    return run


def _fuzz(world, role: str) -> dict:
    schema = _schema()
    user = world.users[role]
    _token, token = token_issue(actor=user, user=user, name="schemathesis")
    headers = {"Authorization": f"Token {token}"}
    ids = _known_ids(world, world.a)
    counts = {"operations": 0, "examples": 0, "by_status": {}}
    counts["in_schema"] = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        counts["in_schema"] += 1
        counts["operations"] += 1
        resource = operation.path.strip("/").split("/")[2] if operation.path.count("/") > 3 else ""

        _make_run(operation, resource, ids, headers, counts)()
    return counts


@pytest.fixture
def keep_test_connection():
    """The WSGI handler closes the DB connection at the end of each request; inside the test's transaction
    it must not (Django's test client disconnects the same signal handlers)."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.mark.parametrize("role", ["finance", "enterprise"])
def test_schemathesis(world, role, capsys, keep_test_connection):
    counts = _fuzz(world, role)
    with capsys.disabled():
        print(f"\nschemathesis as {role}: {counts['operations']} operations, {counts['examples']} examples, "
              f"statuses {dict(sorted(counts['by_status'].items()))}")
    assert counts["operations"] == counts["in_schema"] >= 90, "every operation of the schema is fuzzed"
    assert counts["examples"] >= counts["operations"]
    assert any(200 <= s < 300 for s in counts["by_status"]), "no request succeeded: the fuzzing tested nothing"
