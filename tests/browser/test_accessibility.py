"""Accessibility (issue 15, GB/T 37668 / WCAG 2.1 AA): axe-core (vendored) finds no serious or critical
violation on the main pages of every role, in Chinese and in English: the login page, each page of the
role's own navigation, a filing page with its 办事指南 and stage tracking."""

import pytest
from playwright.sync_api import expect

from registry import services as registry_services
from registry.models import Centre, Filing
from tests.browser.axe import violations
from tests.browser.conftest import PASSWORD, log_in
from tests.browser.test_phone_layout import ROLES, portal  # noqa: F401  (the fixture)

pytestmark = pytest.mark.browser


class Checker:
    """Every page is checked; the test fails at the end listing each page's violations."""

    def __init__(self, page):
        self.page, self.found = page, []

    def __call__(self, where: str):
        for v in violations(self.page):
            self.found.append(f"{where}: {v['impact']} {v['id']} ({v['help']}): {' | '.join(v['nodes'])}")

    def done(self):
        assert not self.found, "axe-core:\n" + "\n".join(self.found)


def _nav_paths(page) -> list[str]:
    return page.eval_on_selector_all("#mainnav a", "els => [...new Set(els.map(a => a.getAttribute('href')))]")


def test_the_login_page_and_the_guides_have_no_serious_violations(page, portal):  # noqa: F811
    assert_accessible = Checker(page)
    page.goto("/accounts/login/")
    assert_accessible("login")
    for level in ("regional", "yinchuan"):
        page.goto(f"/registry/guide/{level}/")
        assert_accessible(f"guide {level}")
    for key in ("NX-FIRST", "NX-PERF", "yc-rd"):  # the grants' and the YC-RD declaration's guides (issue 15)
        page.goto(f"/subsidies/grants/guide/{key}/")
        assert_accessible(f"guide {key}")
    assert_accessible.done()


@pytest.mark.parametrize("username", [u for u, _r in ROLES])
def test_each_roles_main_pages_have_no_serious_violations(page, portal, username):  # noqa: F811
    assert_accessible = Checker(page)
    log_in(page, username, PASSWORD)
    paths = _nav_paths(page)
    assert len(paths) >= 2
    for path in paths:
        page.goto(path)
        assert_accessible(f"{username} {path}")
    if username == "qiye":
        user = portal[ROLES[0][1]]
        centre = Centre.objects.filter(enterprise__memberships__user=user).order_by("pk").first()
        filing = Filing.objects.filter(centre=centre).first() or registry_services.filing_create(
            actor=user, centre=centre, level="yinchuan"
        )
        page.goto(f"/registry/filings/{filing.pk}/")
        assert_accessible("filing page")
    assert_accessible.done()


def test_english_mode_pages_have_no_serious_violations(page, portal):  # noqa: F811
    assert_accessible = Checker(page)
    log_in(page, "qiye", PASSWORD)
    page.locator("#lang-select").select_option("en")
    expect(page.locator("html")).to_have_attribute("lang", "en")  # the switch reloads the page: wait for it
    for path in _nav_paths(page):
        page.goto(path)
        assert_accessible(f"en {path}")
    assert_accessible.done()
