"""Issue 15 §7 in a real browser: on a desktop the decision form and the per-document marks sit in a side
panel beside the materials and stay in view while the reviewer scrolls through the previews; on a phone the
page is one column and does not scroll sideways."""

import pytest
from playwright.sync_api import expect

from accounts.models import Role
from registry import services
from tests.registry.conftest import make_enterprise, upload
from tests.registry.sample_files import real_pdf, real_png

pytestmark = pytest.mark.browser

CENTRE = "塞上智造上海研发中心"


@pytest.fixture
def filing(make_user, system, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    owner = make_user("saishang", Role.ENTERPRISE, full_name="马塞上")
    make_user("shenhe", Role.REGIONAL_REVIEWER, full_name="审核员甲")
    enterprise = make_enterprise(
        actor=system, owner=owner, body17="91640100MA76PQRT3", name="宁夏塞上智造有限公司", division_code="640106"
    )
    centre = services.centre_create(
        actor=owner, enterprise=enterprise, name=CENTRE, city="上海", division_code="310115", headcount=15
    )
    filing = services.filing_create(actor=owner, centre=centre, level="regional")
    services.document_upload(
        actor=owner,
        enterprise=enterprise,
        filing=filing,
        kind="business_licence",
        upload=upload("营业执照.pdf", real_pdf(5, "Business licence")),
    )
    services.document_upload(
        actor=owner,
        enterprise=enterprise,
        filing=filing,
        kind="establishment_proof",
        upload=upload("设立证明.png", real_png(360, 240)),
    )
    return services.filing_submit(actor=owner, filing=filing, commitment=True)


def _sideways(page) -> int:
    return page.evaluate(
        "Math.max(document.documentElement.scrollWidth, document.body.scrollWidth) - window.innerWidth"
    )


def test_the_decision_stays_beside_the_previews(page, login, screenshot, live_server, filing):
    page.set_viewport_size({"width": 1366, "height": 900})
    login("shenhe")
    page.goto(f"{live_server.url}/registry/review/{filing.pk}/")
    decision = page.locator("#decision-h")
    expect(decision).to_be_in_viewport()
    main, side = page.locator(".review-main").bounding_box(), page.locator(".review-side").bounding_box()
    assert side["x"] >= main["x"] + main["width"], "the side panel is not beside the materials"
    # scrolled down to the last preview page, the decision form is still on screen
    page.locator("article.preview").last.scroll_into_view_if_needed()
    page.mouse.wheel(0, 3000)
    assert page.evaluate("window.scrollY") > 500
    expect(page.get_by_role("button", name="提交决定")).to_be_in_viewport()
    expect(page.locator(".review-side").get_by_role("button", name="保存标记").first).to_be_attached()
    assert _sideways(page) <= 0
    screenshot("review_desktop")

    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    main, side = page.locator(".review-main").bounding_box(), page.locator(".review-side").bounding_box()
    assert side["y"] >= main["y"] + main["height"] - 1, "under 900 px the page is one column"
    assert _sideways(page) <= 0, "the review page scrolls sideways at 390 px"
    screenshot("review_phone")
