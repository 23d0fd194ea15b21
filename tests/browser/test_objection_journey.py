"""Issue 16 journey in a real browser: an enterprise asks why a month was not paid (the calendar, the reason on
tap, the month's page), objects; staff verify the degree and answer 'corrected' (the page shows the expected
arrears from the rule); the next run pays those arrears; the enterprise accepts and sees the objection closed as
corrected and the month paid. Screenshots: test-artifacts/screenshots/objection_*.png."""

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
import time_machine
from playwright.sync_api import expect

from subsidies.models import PayoutLine
from subsidies.objections.models import Objection
from subsidies.runs.services import payout_run_approve, run_payouts
from talent import services as talent_services
from tests.api.conftest import build_world, pdf_upload

pytestmark = [pytest.mark.browser]


@pytest.fixture
def journey_world(transactional_db, make_user, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.EXPORT_ROOT = tmp_path / "exports"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    with time_machine.travel(dt.datetime(2026, 12, 1, 10, tzinfo=ZoneInfo("Asia/Shanghai")), tick=True):
        yield build_world(make_user, settings.MEDIA_ROOT)


def test_why_not_object_correct_arrears_closed(page, login, logout, screenshot, journey_world):
    world = journey_world
    a, reviewer = world.a, world.users["regional_reviewer"]
    person = talent_services.researcher_upsert(
        actor=a.user,
        id_type="passport",
        id_number="E12345679",
        name="张三",
        nationality="德国",
        enterprise=a.enterprise,
    )
    talent_services.contract_upsert(
        actor=a.user,
        researcher=person,
        centre=a.centre,
        full_time=True,
        start=dt.date(2026, 9, 1),
        end=dt.date(2031, 8, 31),
        document=pdf_upload("c.pdf", "c"),
    )
    degree = talent_services.degree_upsert(
        actor=a.user,
        researcher=person,
        level="doctorate",
        full_time=True,
        awarded_on=dt.date(2019, 7, 1),
        institution="清华大学",
        certificate=pdf_upload("cert.pdf", "cert"),
    )

    # the enterprise asks why 2026-10 was not paid: the reason on the first tap, the month's page on the second
    login(a.user.username)
    page.goto(f"/subsidies/objections/researchers/{person.pk}/months/")
    expect(page.get_by_role("heading", name="张三的补助逐月说明")).to_be_visible()
    cell = page.locator(f'a[href="/subsidies/objections/researchers/{person.pk}/months/2026-10/"]')
    cell.click()
    expect(page.locator("#cal-detail")).to_contain_text("学历未核验(已于2026-12-01提交,待科技厅核验)")
    screenshot("objection_calendar_reason")
    cell.click()
    expect(page.get_by_text("如科技厅完成学历核验,该月可在2026-11期发放批次中补发。")).to_be_visible()
    page.get_by_role("link", name="对该月未发放提出异议").click()
    page.get_by_label("异议类别").select_option("eligibility")
    page.get_by_label("异议内容").fill("学历证书已提交,请核验后补发")
    page.get_by_role("button", name="提交异议").click()
    expect(page.get_by_text("异议已提交")).to_be_visible()
    objection = Objection.objects.get(researcher=person)
    assert objection.bureau == "regional"
    screenshot("objection_raised")
    logout()

    # staff verify the degree and answer 'corrected', linking the verification
    talent_services.degree_verify(actor=reviewer, degree=degree)
    login(reviewer.username)
    page.goto("/subsidies/objections/")
    expect(page.get_by_text("按期答复")).to_be_visible()
    page.get_by_role("link", name=f"#{objection.pk}").click()
    page.get_by_label("处理结果").select_option("corrected")
    page.get_by_label("答复意见").fill("学历已核验,下一次发放批次补发")
    page.get_by_label("已更正的学历").select_option(str(degree.pk))
    page.get_by_role("button", name="提交答复").click()
    expect(page.get_by_text(re.compile(r"预计补发15000\.00元\(2026-09、2026-10、2026-11\)"))).to_be_visible()
    screenshot("objection_answered_corrected")
    logout()

    # the next run pays the arrears
    run = run_payouts(actor=world.users["finance"], kind="monthly", period="2026-11")
    payout_run_approve(actor=world.finance2, run_id=run.pk)
    assert sorted(
        PayoutLine.objects.filter(run=run, researcher=person).values_list("service_period", "is_arrears")
    ) == [("2026-09", True), ("2026-10", True), ("2026-11", False)]

    # the enterprise accepts the answer and sees the objection closed as corrected, and the month paid
    login(a.user.username)
    page.goto(f"/subsidies/objections/{objection.pk}/")
    page.get_by_role("button", name="接受答复并办结").click()
    expect(page.get_by_text("已办结:已更正")).to_be_visible()
    screenshot("objection_closed_corrected")
    page.goto(f"/subsidies/objections/researchers/{person.pk}/months/2026-10/")
    expect(page.get_by_text("2026年10月已于2026-11期补发5000.00元")).to_be_visible()
    expect(page.get_by_text("二、条件及认定")).to_be_visible()
    screenshot("objection_month_paid_letter")
