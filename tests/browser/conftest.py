"""Browser-test harness: Playwright (sync API) driving Debian's Chromium against pytest-django's
live_server (a real HTTP server in a thread, transactional database).

- Chromium is /usr/bin/chromium (installed by `make test` through apt); Playwright's own browser
  downloads are never used. A missing binary fails the test with what to do - it is not skipped.
- Any console error or uncaught page error fails the test.
- A failed test leaves a full-page screenshot in test-artifacts/screenshots/<test>.png; the
  `screenshot` fixture saves one on demand (the main pages, for people to look at)."""

import os
import re
from pathlib import Path

import pytest

# Playwright's sync API runs an asyncio loop in this thread; Django refuses ORM calls from a thread
# with a running loop unless told this is intended (the test thread, never the server).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = Path(os.environ.get("PORTAL_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
PASSWORD = "pw-Test-2024!"  # tests/conftest.py make_user


def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", name).strip("_")[:120]


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    """Console and page errors fail the test itself (not just its teardown), so the failure
    screenshot is taken and the report names the errors."""
    result = yield
    errors = getattr(item, "browser_errors", None)
    if errors:
        pytest.fail("browser console/page errors:\n  " + "\n  ".join(errors), pytrace=False)
    return result


@pytest.fixture(scope="session", autouse=True)
def _live_server_media_url():
    """Django's live server wraps the site in a media-files handler built from MEDIA_URL, which this
    project sets to None (uploads are served only by permission-checked views); urlparse(None)
    then breaks every request. Give the handler a prefix nothing uses, before live_server starts."""
    from django.conf import settings

    original = settings.MEDIA_URL
    if not original:
        settings.MEDIA_URL = "/__media-not-served__/"
    yield
    settings.MEDIA_URL = original


@pytest.fixture(scope="session")
def chromium():
    if not CHROMIUM.exists():
        pytest.fail(
            f"Chromium not found at {CHROMIUM}. Run `make test` (it installs Debian's chromium package "
            "through `make sysdeps`), or `sudo apt-get install chromium`; browser tests are never skipped.",
            pytrace=False,
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def page(chromium, live_server, settings, request):
    # the live server speaks plain HTTP; secure-only cookies would never come back
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False
    context = chromium.new_context(
        base_url=live_server.url, locale="zh-CN", timezone_id="Asia/Shanghai", viewport={"width": 1280, "height": 900}
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    errors: list[str] = []
    request.node.browser_errors = errors
    page.on(
        "console",
        lambda msg: errors.append(f"console.{msg.type}: {msg.text} ({msg.location.get('url')})")
        if msg.type == "error"
        else None,
    )
    page.on("pageerror", lambda exc: errors.append(f"pageerror: {exc}"))
    yield page
    report = getattr(request.node, "rep_call", None)
    if report is None or report.failed:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        try:
            page.screenshot(path=str(SCREENSHOTS / f"{_safe(request.node.name)}.png"), full_page=True)
        except Exception as exc:  # the page may be gone; the failure itself matters more
            print(f"could not save the failure screenshot: {exc}")
    context.close()


@pytest.fixture
def screenshot(page):
    """screenshot("run_list") -> test-artifacts/screenshots/run_list.png (full page)."""

    def save(name: str) -> Path:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{_safe(name)}.png"
        # caret="initial": hiding the caret makes Playwright inject a <style>, which the portal's
        # Content-Security-Policy refuses (a console error, failing the test)
        page.screenshot(path=str(path), full_page=True, caret="initial")
        return path

    return save


def log_in(page, username: str, password: str = PASSWORD) -> None:
    """Log in through the Chinese login page, as a user does. Finance staff and administrators then
    enter the TOTP code (enrolling at their first login), computed from their device's secret as an
    authenticator app would (tests/otp_support.py)."""
    page.goto("/accounts/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()
    page.wait_for_load_state("load")
    if "/accounts/login/otp/" in page.url:
        from django_otp.plugins.otp_totp.models import TOTPDevice

        from tests.otp_support import code_for

        device = TOTPDevice.objects.filter(user__username=username).order_by("-confirmed", "pk").first()
        page.get_by_label("动态验证码").fill(code_for(device))
        page.get_by_role("button", name=re.compile("登录")).click()
        page.wait_for_load_state("load")
    assert "/accounts/login/" not in page.url, f"login as {username} failed"


@pytest.fixture
def login(page):
    def do(username: str, password: str = PASSWORD):
        log_in(page, username, password)

    return do


@pytest.fixture
def logout(page):
    def do():
        page.get_by_role("button", name="退出").click()
        page.wait_for_url("**/accounts/login/**")

    return do
