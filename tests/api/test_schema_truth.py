"""The schema and the API agree (issue 12 §7): a JSON error on every /api/v1/ path, free integer id
filters, enum, number and boolean filters validated (empty values refused), 405 for a method no
route declares, and the error answers documented on every operation."""

import pytest
from django.test import Client
from drf_spectacular.generators import SchemaGenerator

pytestmark = pytest.mark.django_db


def _error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
    body = response.json()
    assert body["error"]["code"] == code and body["error"]["message"], body
    return body


@pytest.mark.parametrize(
    "path",
    ["/api/v1/benefits/0.5/", "/api/v1/centres/abc/", "/api/v1/no-such-thing/", "/api/v1/filings/1/documents/x.y/"],
)
def test_unrouted_api_path_answers_the_json_error(world, path):
    response = world.client("enterprise").get(path)
    _error(response, 404, "not_found")


def test_unrouted_page_answers_the_chinese_404_page(world):
    client = Client()
    client.force_login(world.users["enterprise"])
    response = client.get("/registry/no-such-page/")
    assert response.status_code == 404 and response["Content-Type"].startswith("text/html")
    page = response.content.decode()
    assert "页面不存在" in page and 'class="topbar"' in page, "the portal's own page, in Chinese"


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/centres/",
        "/api/v1/filings/",
        "/api/v1/contracts/",
        "/api/v1/declarations/",
        "/api/v1/researchers/",
        "/api/v1/documents/",
    ],
)
def test_id_filter_takes_any_integer(world, path):
    """Another enterprise's id, or one that does not exist, is an empty list, not a 400."""
    client = world.client("enterprise")
    for value in ("0", str(world.b.enterprise.pk), "99999999999999999999"):
        response = client.get(path, {"enterprise": value})
        assert response.status_code == 200, (path, value, response.content[:300])
        assert response.json()["results"] == [], (path, value)
    assert client.get(path, {"enterprise": "0.5"}).status_code == 400
    own = client.get(path, {"enterprise": world.a.enterprise.pk})
    assert own.status_code == 200


def test_fk_filter_from_filterset_fields_takes_any_integer(world):
    client = world.client("finance")
    assert client.get("/api/v1/payout-lines/", {"run": 0}).json()["results"] == []
    assert client.get("/api/v1/payout-lines/", {"run": world.run.pk}).json()["results"]
    assert client.get("/api/v1/grant-attachments/", {"application": 0}).status_code in (200, 403)


@pytest.mark.parametrize(
    ("path", "query"),
    [
        ("/api/v1/filings/", {"level": ""}),
        ("/api/v1/filings/", {"status": ""}),
        ("/api/v1/filings/", {"level": "", "status": ""}),
        ("/api/v1/centres/", {"kind": ""}),
        ("/api/v1/centres/", {"enterprise": ""}),
        ("/api/v1/declarations/", {"year": ""}),
        ("/api/v1/declarations/", {"year": "2024.5"}),
        ("/api/v1/declarations/", {"verified": ""}),
        ("/api/v1/declarations/", {"verified": "maybe"}),
        ("/api/v1/filings/", {"level": "national"}),
    ],
)
def test_invalid_filter_values_are_refused(world, path, query):
    response = world.client("enterprise").get(path, query)
    body = _error(response, 400, "invalid")
    assert set(query) & set(body["error"]["fields"]), body


def test_free_text_filter_may_be_empty(world):
    response = world.client("enterprise").get("/api/v1/centres/", {"q": "", "city": ""})
    assert response.status_code == 200 and response.json()["results"]


@pytest.mark.parametrize("method", ["TRACE", "PUT", "DELETE"])
@pytest.mark.parametrize(
    "path", ["/api/v1/benefits/{centre}/", "/api/v1/centres/", "/api/v1/auth/token/", "/api/v1/payout-runs/{run}/"]
)
def test_undeclared_method_is_405(world, method, path):
    client = world.client("enterprise")
    response = client.generic(method, path.format(centre=world.a.centre.pk, run=world.run.pk))
    _error(response, 405, "method_not_allowed")
    assert response.has_header("Allow")


def test_every_operation_documents_its_error_answers():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            codes = set(operation["responses"])
            assert {"400", "401", "403", "404", "429"} <= codes, (method, path, sorted(codes))


@pytest.mark.parametrize("page", ["", "abc", "0", "-1", "1.5"])
def test_page_that_is_not_a_whole_number_from_1_is_refused(world, page):
    response = world.client("enterprise").get("/api/v1/centres/", {"page": page})
    assert "page" in _error(response, 400, "invalid")["error"]["fields"]


def test_run_periods_have_a_documented_shape(world):
    client = world.client("finance")
    for path, body in (
        ("/api/v1/payout-runs/", {"kind": "monthly", "period": "0000-01"}),
        ("/api/v1/payout-runs/grants/", {"period": "0000-01"}),
        ("/api/v1/payout-runs/", {"kind": "monthly", "period": "2024-13"}),
    ):
        response = client.post(path, body, format="json")
        assert "period" in _error(response, 400, "invalid")["error"]["fields"], (path, body)
    schema = SchemaGenerator().get_schema(request=None, public=True)
    run_start = schema["components"]["schemas"]["RunStartRequest"]["properties"]["period"]
    assert run_start["pattern"].startswith("^(19|20)")


def test_downloads_document_the_media_types_they_send():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    documents = schema["paths"]["/api/v1/documents/{id}/download/"]["get"]["responses"]["200"]["content"]
    assert {"application/pdf", "image/jpeg", "image/png"} <= set(documents)
    exports = schema["paths"]["/api/v1/exports/{id}/download/"]["get"]["responses"]["200"]["content"]
    assert {"application/pdf", "text/csv", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"} <= set(
        exports
    )
