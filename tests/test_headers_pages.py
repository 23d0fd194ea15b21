"""Headers and error pages (issue 12 §6): a Content-Security-Policy on every response with no inline
script allowed (and none in the templates), `Cache-Control: no-store` where personal data is answered,
the portal's own Chinese 400/403/404/500 pages (JSON under /api/), and Swagger UI served from the
installed sidecar package, never a CDN."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client, RequestFactory

from accounts import errorpages
from accounts.models import Role

TEMPLATES = Path(settings.BASE_DIR) / "templates"
# payout documents are rendered to PDF on the server (WeasyPrint), never served as pages
PRINT_TEMPLATES = TEMPLATES / "exports"


def _policy(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in header.split(";") if part.strip()}


def _page_templates():
    return [p for p in TEMPLATES.rglob("*.html") if PRINT_TEMPLATES not in p.parents]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path", ["/accounts/login/", "/api/v1/schema/", "/api/v1/docs/", "/registry/", "/api/v1/centres/", "/no-such-page/"]
)
def test_every_response_has_a_strict_policy(make_user, path):
    client = Client()
    client.force_login(make_user("csp-ent", Role.ENTERPRISE))
    policy = _policy(client.get(path))
    assert policy["script-src"] == ["'self'"] and policy["style-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"] and policy["frame-ancestors"] == ["'none'"]
    assert "'unsafe-inline'" not in str(policy) and "'unsafe-eval'" not in str(policy)


def test_no_inline_script_handler_or_style_in_page_templates():
    offenders = []
    for template in _page_templates():
        text = template.read_text()
        for tag in re.findall(r"<script\b[^>]*>", text):
            if "src=" not in tag:
                offenders.append(f"{template.name}: inline {tag}")
        offenders += [f"{template.name}: handler {m}" for m in re.findall(r"\son[a-z]+\s*=", text)]
        offenders += [f"{template.name}: style attribute" for _ in re.findall(r"\sstyle\s*=", text)]
        offenders += [f"{template.name}: <style>" for _ in re.findall(r"<style\b", text)]
    assert not offenders, offenders


def test_no_form_widget_sets_an_inline_style():
    base = Path(settings.BASE_DIR)
    offenders = [
        f"{path.relative_to(base)}: {line.strip()}"
        for app in ("accounts", "registry", "talent", "subsidies")
        for path in (base / app).rglob("*.py")
        if "migrations" not in path.parts
        for line in path.read_text().splitlines()
        if re.search(r"[\"']style[\"']\s*:", line)
    ]
    assert not offenders, offenders


@pytest.mark.django_db
def test_personal_data_is_not_stored_by_caches(make_user):
    user = make_user("cache-ent", Role.ENTERPRISE)
    client = Client()
    client.force_login(user)
    for path in ("/registry/", "/talent/researchers/", "/api/v1/centres/"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"], path
    from rest_framework.test import APIClient

    api = APIClient()
    api.force_authenticate(user)
    assert "no-store" in api.get("/api/v1/researchers/")["Cache-Control"]
    assert "no-store" in Client().get("/api/v1/centres/")["Cache-Control"], "a refusal too"


@pytest.mark.django_db
def test_403_and_404_pages_are_the_portals_own_in_chinese(make_user):
    client = Client()
    client.force_login(make_user("page-ent", Role.ENTERPRISE))
    forbidden = client.get("/registry/review/")
    assert forbidden.status_code == 403 and "无权访问" in forbidden.content.decode()
    missing = client.get("/registry/centres/999999/edit/")
    assert missing.status_code == 404 and "页面不存在" in missing.content.decode()
    for response in (forbidden, missing):
        assert (
            'class="topbar"' in response.content.decode()
            and "宁夏企业飞地研发中心管理平台" in response.content.decode()
        )


@pytest.mark.django_db
def test_400_page_for_a_bad_host():
    response = Client(HTTP_HOST="evil.example").get("/accounts/login/")
    assert response.status_code == 400 and "请求无效" in response.content.decode()


def test_500_page_needs_no_database_and_api_500_is_json():
    request = RequestFactory().get("/registry/")
    page = errorpages.server_error(request)  # no database access is allowed in this test
    assert page.status_code == 500 and "服务器内部错误" in page.content.decode()
    api = errorpages.server_error(RequestFactory().get("/api/v1/centres/"))
    assert api.status_code == 500 and api["Content-Type"].startswith("application/json")
    assert api.content.decode().startswith('{"error": {"code": "server_error"')


def test_urlconf_names_the_handlers():
    from enclave_portal import urls

    assert {urls.handler400, urls.handler403, urls.handler404, urls.handler500} == {
        "accounts.errorpages.bad_request",
        "accounts.errorpages.permission_denied",
        "accounts.errorpages.page_not_found",
        "accounts.errorpages.server_error",
    }


@pytest.mark.django_db
def test_swagger_ui_is_vendored_and_has_no_inline_script():
    client = Client()
    page = client.get("/api/v1/docs/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in html
    assert "cdn" not in html.lower() and "//unpkg" not in html and "jsdelivr" not in html
    assert all("src=" in tag for tag in re.findall(r"<script\b[^>]*>", html)) and "<style" not in html
    script = client.get("/api/v1/docs/", {"script": ""})
    assert script.status_code == 200 and "SwaggerUIBundle" in script.content.decode()
    assert client.get("/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js").status_code == 200
    assert client.get("/api/v1/schema/").status_code == 200, "the schema is public (README, API)"
