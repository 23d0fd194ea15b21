"""Phones and desktops (issue 15 §4): at 390×844 the navigation folds behind a menu button, tables become
cards, and no main page of any role scrolls sideways; at 1366 px nothing scrolls sideways either. Each role's
main pages are the links of its own navigation, so a page added to a menu is checked without editing this
test."""

import pytest

from accounts.models import Role
from registry.models import Enterprise, Membership
from subsidies.runs.services import payout_run_compute, payout_run_start
from tests.browser.conftest import PASSWORD, log_in
from tests.subsidies import finance_data

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}
ROLES = [("qiye", Role.ENTERPRISE), ("shenhe", Role.REGIONAL_REVIEWER), ("caiwu", Role.FINANCE), ("guanli", Role.ADMIN)]


@pytest.fixture
def portal(transactional_db, make_user, system):
    finance_data.load(count=6)
    users = {}
    for username, role in ROLES:
        users[role] = make_user(username, role, full_name=f"{username}测试")
    Membership.objects.create(
        enterprise=Enterprise.objects.get(uscc="91640106MA76WL001J"), user=users[Role.ENTERPRISE], is_owner=True
    )
    run = payout_run_start(actor=users[Role.FINANCE], kind="monthly", period="2024-06")
    payout_run_compute(actor=users[Role.FINANCE], run=run, inline=True)
    return users


def _sideways(page) -> int:
    """How far the page scrolls sideways, in CSS pixels (0 when it fits)."""
    return page.evaluate(
        "Math.max(document.documentElement.scrollWidth, document.body.scrollWidth) - window.innerWidth"
    )


def _log_in(page, username):
    log_in(page, username, PASSWORD)  # with the TOTP step for finance and administrators


def _nav_paths(page) -> list[str]:
    return page.eval_on_selector_all("#mainnav a", "els => [...new Set(els.map(a => a.getAttribute('href')))]")


@pytest.mark.parametrize("username", [u for u, _r in ROLES])
def test_main_pages_fit_a_phone_and_a_desktop(page, portal, screenshot, username):
    page.set_viewport_size(PHONE)
    _log_in(page, username)
    nav = page.locator("#mainnav")
    toggle = page.get_by_role("button", name="菜单")
    assert not nav.is_visible() and toggle.get_attribute("aria-expanded") == "false"
    toggle.click()
    assert nav.is_visible() and toggle.get_attribute("aria-expanded") == "true"
    header = page.locator("header.topbar").bounding_box()
    toggle.click()
    assert not nav.is_visible()
    assert page.locator("header.topbar").bounding_box()["height"] < min(header["height"], 120)
    paths = _nav_paths(page)
    assert len(paths) >= 2
    for path in paths:
        page.set_viewport_size(PHONE)
        page.goto(path)
        assert _sideways(page) <= 0, f"{username} {path}: scrolls sideways at 390 px"
        for table in page.locator("table.grid").all():
            assert "stack" in (table.get_attribute("class") or ""), f"{path}: a table did not become cards"
        screenshot(f"phone_{username}_{path.strip('/').replace('/', '_') or 'home'}")
        page.set_viewport_size(DESKTOP)
        page.goto(path)
        assert _sideways(page) <= 0, f"{username} {path}: scrolls sideways at 1366 px"
        assert page.locator("#mainnav").is_visible()


def test_a_table_card_labels_each_value_with_its_column(page, portal):
    page.set_viewport_size(PHONE)
    _log_in(page, "qiye")
    page.goto("/talent/researchers/")
    first = page.locator("table.grid tbody tr").first
    labels = first.locator("td").evaluate_all("tds => tds.map(td => td.dataset.label)")
    heads = page.locator("table.grid thead th").evaluate_all("ths => ths.map(th => th.textContent.trim())")
    assert labels == heads[: len(labels)] and labels[0]
    box = first.bounding_box()
    assert box["width"] <= PHONE["width"]
