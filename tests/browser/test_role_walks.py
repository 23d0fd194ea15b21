"""Each role's main journey at 1366 px and at 390 px, in Chinese and in English (issue 15), with axe-core,
the no-sideways-scroll check and the desktop-header check on every page it visits (tests/browser/checks.py):

- the enterprise registers a centre, files it (documents, credit commitment), and - once approved - enrols
  a researcher at it and looks at its dashboard, its researchers, the centre's benefits and its messages;
- reviewer A does the first review, reviewer B approves;
- finance user 1 starts and computes the June 2024 run, finance user 2 approves it and exports the
  payout register.

The steps find elements by ids, names and values, never by words, so one walk serves both languages; the
language is chosen with the portal's own switch on the login page (a cookie, kept across log-ins).
tests/browser/test_filing_journey.py walks the same roles at full length (returns, resubmission, roster
import, downloads) in Chinese."""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from accounts.models import Role
from registry.models import Centre, Enterprise, Filing, FilingStatus, Membership
from subsidies.models import PayoutRun, RunState
from tests.browser.checks import PageChecks
from tests.browser.conftest import PASSWORD
from tests.browser.test_filing_journey import pdf_bytes, png_bytes
from tests.subsidies import finance_data

pytestmark = pytest.mark.browser

VIEWPORTS = {"1366": {"width": 1366, "height": 900}, "390": {"width": 390, "height": 844}}
LANGUAGES = ("zh-hans", "en")
USCC = "91640106MA76WL001J"  # finance_data's 银川威力传动
CENTRE = "威力传动深圳研发中心"


@pytest.fixture
def people(transactional_db, make_user, system):
    finance_data.load(count=4)
    Membership.objects.create(
        enterprise=Enterprise.objects.get(uscc=USCC),
        user=make_user("qiye", Role.ENTERPRISE, full_name="企业经办人"),
        is_owner=True,
    )
    make_user("shenhe_a", Role.REGIONAL_REVIEWER, full_name="审核员甲")
    make_user("shenhe_b", Role.REGIONAL_REVIEWER, full_name="审核员乙")
    make_user("caiwu1", Role.FINANCE, full_name="财务一")
    make_user("caiwu2", Role.FINANCE, full_name="财务二")


class Walk:
    def __init__(self, page, checks: PageChecks, language: str):
        self.page, self.check, self.language = page, checks, language

    def submit(self, form: str, what: str = "") -> None:
        """Submit the form matched by `form` (a CSS selector) and check the page it leads to."""
        with self.page.expect_navigation():
            self.page.locator(form).locator("button[type=submit]").first.click()
        self.check(what)

    def goto(self, path: str, what: str = "") -> None:
        self.page.goto(path)
        self.check(what)

    def success(self) -> None:
        expect(self.page.locator("[role=status] .msg.success")).to_be_visible()

    def log_in(self, username: str) -> None:
        page = self.page
        self.goto("/accounts/login/", "login")
        expect(page.locator("html")).to_have_attribute("lang", self.language)
        page.locator("#id_username").fill(username)
        page.locator("#id_password").fill(PASSWORD)
        self.submit("form:has(#id_username)")
        if "/accounts/login/otp/" in page.url:  # finance enrols its authenticator at the first log-in
            from django_otp.plugins.otp_totp.models import TOTPDevice

            from tests.otp_support import code_for

            device = TOTPDevice.objects.filter(user__username=username).order_by("-confirmed", "pk").first()
            page.locator("#id_code").fill(code_for(device))
            self.submit("form:has(#id_code)")
        assert "/accounts/login/" not in page.url, f"login as {username} failed"

    def log_out(self) -> None:
        page = self.page
        _open_menu(page)
        with page.expect_navigation():
            page.locator(".userbox form.inline button[type=submit]").click()
        page.wait_for_url("**/accounts/login/**")
        self.check("logged out")


def _open_menu(page) -> None:
    """On a phone the language switch and the sign-out button sit behind the menu button."""
    toggle = page.locator(".menu-toggle")
    if toggle.is_visible() and toggle.get_attribute("aria-expanded") == "false":
        toggle.click()


def _choose_language(page, checks, language):
    page.goto("/accounts/login/")
    checks("login")
    if language != "zh-hans":
        _open_menu(page)
        page.locator("#lang-select").select_option(language)
        expect(page.locator("html")).to_have_attribute("lang", language)  # the switch reloads the page
        checks("login, language switched")


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("width", list(VIEWPORTS))
def test_each_roles_main_journey_passes_the_checks_on_every_page(
    page, people, screenshot, settings, tmp_path, width, language
):
    settings.PAYOUT_RUNS_ON_CELERY = False  # runs and exports computed inline by the live server
    settings.EXPORTS_ON_CELERY = False
    settings.EXPORT_ROOT = tmp_path / "exports"
    settings.MEDIA_ROOT = tmp_path / "media"
    page.set_viewport_size(VIEWPORTS[width])
    checks = PageChecks(page, f"{language}@{width}")
    walk = Walk(page, checks, language)

    def shot(name: str) -> None:  # for people to look at: test-artifacts/screenshots/walk_<lang>_<width>_<name>
        screenshot(f"walk_{language}_{width}_{name}")

    _choose_language(page, checks, language)
    enterprise = Enterprise.objects.get(uscc=USCC)

    # --- the enterprise registers a centre and files it at the regional level --------------------------------
    walk.log_in("qiye")
    expect(page.locator("#my-enterprises")).to_contain_text(USCC)
    shot("dashboard")
    walk.goto(reverse("registry:centre_create", args=[enterprise.pk]), "centre form")
    page.locator("#id_name").fill(CENTRE)
    page.locator("#id_kind").select_option("independent")
    page.locator("#id_city").fill("深圳")
    page.locator("#id_division_code").select_option("440305")
    page.locator("#id_address").fill("南山区科技园科苑路15号")
    page.locator("#id_headcount").fill("8")
    shot("centre_form")
    walk.submit("form:has(#id_name)", "centre saved")
    walk.success()
    centre = Centre.objects.get(name=CENTRE)

    walk.goto(reverse("registry:filing_start"), "filing wizard")
    page.locator("#id_centre").select_option(str(centre.pk))
    page.locator("#id_level").select_option("regional")
    walk.submit("form:has(#id_level)", "filing draft")
    filing = Filing.objects.get(centre=centre, level="regional")
    for kind, name, mime, data in (
        ("business_licence", "licence.pdf", "application/pdf", pdf_bytes("Business licence")),
        ("establishment_proof", "proof.png", "image/png", png_bytes()),
    ):
        page.locator("#id_kind").select_option(kind)
        page.locator("#id_file").set_input_files({"name": name, "mimeType": mime, "buffer": data})
        with page.expect_navigation():  # the upload script reloads the filing page when the file is in
            page.locator("form.upload-box button[type=submit]").click()
        expect(page.locator("#tab-body")).to_contain_text(name)
        checks(f"uploaded {kind}")
    page.locator("#commitment").check()
    walk.submit("form:has(#commitment)", "filing submitted")
    expect(page.locator(".acceptance-no")).to_have_text(re.compile(r"^NXFD\d{10}$"))
    shot("filing")
    tabs = page.locator("#tab-body nav.tabs a")
    for i in range(tabs.count()):  # the filing page's tabs swap #tab-body through htmx
        tabs.nth(i).click()
        expect(tabs.nth(i)).to_have_attribute("aria-current", "page")
        checks(f"filing tab {i + 1}")
    walk.log_out()

    # --- reviewer A does the first review, reviewer B approves ----------------------------------------------------
    decide = reverse("registry:review_decide", args=[filing.pk])
    for reviewer, action in (("shenhe_a", "first_review"), ("shenhe_b", "approve")):
        walk.log_in(reviewer)
        expect(page.locator(f"#queue a[href='{decide}']")).to_be_visible()
        with page.expect_navigation():
            page.locator(f"#queue a[href='{decide}']").click()
        checks(f"{reviewer} decide")
        shot(f"decide_{reviewer}")
        page.locator("#id_action").select_option(action)
        page.locator("#id_comment").fill("材料齐全 / documents complete")
        walk.submit("form:has(#id_action)", f"{reviewer} decided")
        walk.success()
        walk.log_out()
    filing.refresh_from_db()
    assert filing.status == FilingStatus.APPROVED

    # --- the enterprise enrols a researcher at the approved centre and looks at its pages ------------------------
    walk.log_in("qiye")
    expect(page.locator("#my-filings tbody tr", has_text=CENTRE).locator(".badge.ok, .badge")).to_be_visible()
    walk.goto(reverse("talent:researcher_create"), "enrol researcher")
    shot("enrol_form")
    page.locator("#id_id_type").select_option("resident_id")
    page.locator("#id_id_number").fill(finance_data.resident_id(90))
    page.locator("#id_name").fill("白新")
    page.locator("#id_centre").select_option(str(centre.pk))
    page.locator("#id_start").fill("2024-05-01")
    page.locator("#id_end").fill("2029-04-30")
    walk.submit("main form", "researcher enrolled")
    expect(page.locator("main")).to_contain_text("白新")
    for name, path in (
        ("researchers", reverse("talent:researcher_list")),
        ("benefits", reverse("subsidies:benefits", args=[centre.pk])),
        ("grants", reverse("subsidies:grant_home")),
        ("messages", reverse("registry:notifications")),
        ("dashboard", reverse("home")),
    ):
        walk.goto(path, name)
    expect(page.locator("#my-filings")).to_contain_text(CENTRE)
    walk.log_out()

    # --- finance user 1 starts and computes June 2024; user 2 approves and exports -------------------------------
    walk.log_in("caiwu1")
    page.locator("#id_kind").first.select_option("monthly")
    page.locator("form[action$='/runs/start/'] #id_period, form:has(#id_kind) #id_period").first.fill("2024-06")
    walk.submit(f"form[action='{reverse('subsidies:run_start')}']", "run computed")
    run = PayoutRun.objects.get(period="2024-06")
    expect(page.locator("#run-total")).to_be_visible()
    assert run.state == RunState.COMPUTED
    shot("run_detail")
    walk.log_out()

    walk.log_in("caiwu2")
    walk.goto(reverse("subsidies:run_detail", args=[run.pk]), "run to approve")
    page.locator("#approve-box summary").click()
    walk.submit("#approve-box form", "run approved")
    walk.success()
    with page.expect_navigation():
        page.locator(f"a[href='{reverse('subsidies:run_exports', args=[run.pk])}']").click()
    checks("exports")
    page.locator("#export-format").select_option("register_pdf")
    walk.submit(f"form[action='{reverse('subsidies:export_create', args=[run.pk])}']", "export made")
    expect(page.locator("#export-table tbody tr").first.locator("a[href*='download']")).to_be_visible()
    run.refresh_from_db()
    assert run.state == RunState.EXPORTED
    walk.goto(reverse("subsidies:run_list"), "runs")
    shot("run_list")
    walk.log_out()

    checks.done()
