"""The YC-RD years and grant eligibility on the enterprise's pages (the centre's 免申即享 page, the application
page) and in the API, in the same words; a payout line's decision letter in the API, from the code that renders
the page and the PDF. An enterprise sees only its own: another enterprise's centre, application or line is a
404; staff see everyone's."""

import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from subsidies.explain import letter
from subsidies.models import PayoutLine
from subsidies.runs.services import payout_run_approve, run_payouts

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def years_of(body) -> dict:
    return {y["year"]: y for y in body["years"]}


def test_yc_rd_years_in_the_api_name_each_reason_and_the_due_award(world):
    api = world.client("enterprise")
    body = api.get(f"/api/v1/benefits/{world.a.centre.pk}/yc-rd-years/").json()
    years = years_of(body)
    assert sorted(years) == list(range(2023, timezone.localdate().year + 1))
    assert years[2023]["status"] == "not_payable"
    assert [c["text"] for c in years[2023]["conditions"]] == [
        "研发中心(API-A)的银川市备案在2023年度未获批生效",
        "尚未申报2023年度研发投入(须附研发费用专项审计报告)",
    ]
    assert years[2024]["status"] == "due" and years[2024]["amount"] == "150000.00"
    nxt = timezone.localdate().year - 1
    assert years[2024]["summary"] == f"2024年度研发投入奖励符合条件,应发150,000.00元,将在{nxt}年度奖励批次中补发"
    today = timezone.localdate().isoformat()
    assert [c["text"] for c in years[2025]["conditions"]] == [
        f"2025年度研发投入尚未核定(已于{today}申报2,000,000.00元,待银川市科技局核定)"
    ]
    assert years[2025]["conditions"][0]["remedy"] == "银川市科技局完成核定"
    one = api.get(f"/api/v1/benefits/{world.a.centre.pk}/yc-rd-years/", {"year": "2022"}).json()
    assert [c["text"] for c in one["years"][0]["conditions"]] == [
        "2022年度早于银川市办法的适用起始日期(2023-01-01)",
        "尚未申报2022年度研发投入(须附研发费用专项审计报告)",
    ]
    assert api.get(f"/api/v1/benefits/{world.a.centre.pk}/yc-rd-years/", {"year": "22"}).status_code == 400
    # another enterprise's centre does not exist for A; staff see it
    assert api.get(f"/api/v1/benefits/{world.b.centre.pk}/yc-rd-years/").status_code == 404
    assert (
        world.client("yinchuan_reviewer").get(f"/api/v1/benefits/{world.b.centre.pk}/yc-rd-years/").status_code == 200
    )


def test_the_centre_page_shows_the_same_words(world):
    c = client_for(world.a.user)
    page = c.get(reverse("subsidies:benefits", args=[world.a.centre.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    api = world.client("enterprise").get(f"/api/v1/benefits/{world.a.centre.pk}/yc-rd-years/").json()
    for y in api["years"]:
        assert y["summary"] in html
        for cond in y["conditions"]:
            assert cond["text"] in html
    assert "银川市研发投入奖励逐年说明" in html and "逐项条件" in html
    assert "style=" not in html and "<script>" not in html
    assert c.get(reverse("subsidies:benefits", args=[world.b.centre.pk])).status_code == 404
    staff = client_for(world.users["admin"]).get(reverse("subsidies:benefits", args=[world.b.centre.pk]))
    assert staff.status_code == 200 and "研发中心(API-B)的银川市备案在2023年度未获批生效" in staff.content.decode()


def test_a_paid_year_names_its_line_and_the_line_letter_is_in_the_api(world):
    run = run_payouts(actor=world.users["finance"], kind="annual", period=str(timezone.localdate().year - 1))
    payout_run_approve(actor=world.finance2, run_id=run.pk)
    line = PayoutLine.objects.get(run=run, centre=world.a.centre, rule="YC-RD", service_period="2024")
    years = years_of(world.client("enterprise").get(f"/api/v1/benefits/{world.a.centre.pk}/yc-rd-years/").json())
    assert years[2024]["status"] == "paid"
    assert years[2024]["lines"] == [
        {"id": line.pk, "amount": "150000.00", "run_period": run.period, "is_arrears": True}
    ]
    assert years[2024]["summary"] == (
        f"2024年度研发投入奖励已发放150,000.00元:{run.period}年度奖励批次补发150,000.00元(发放明细#{line.pk})"
    )
    body = world.client("enterprise").get(f"/api/v1/payout-lines/{line.pk}/letter/").json()
    assert body["sections"] == letter.sections_body(letter.line_sections(line))
    texts = [i["text"] for s in body["sections"] for i in s["items"]]
    assert "研发投入申报:2024年度,核定研发投入1000000.00元(第1版)" in texts
    assert "核定奖励:150000.00元(核定研发投入×奖励比例)" in texts
    assert any(t.startswith("年度奖励上限(元):1000000.00(自") and "平台规则 YC-RD" in t for t in texts)


def test_the_stipend_line_letter_in_the_api_is_the_page_and_pdf_wording(world):
    api = world.client("enterprise")
    body = api.get(f"/api/v1/payout-lines/{world.a.line.pk}/letter/").json()
    assert body["line"] == world.a.line.pk and body["rule"] == "NX-STIPEND" and body["amount"] == "5000.00"
    assert body["sections"] == letter.sections_body(letter.line_sections(world.a.line))
    assert [s["title"] for s in body["sections"]] == [
        "一、认定依据的记录",
        "二、条件及认定",
        "三、适用的参数及政策依据",
        "四、核定金额",
    ]
    held = [i for i in body["sections"][1]["items"]]
    assert all(i["held"] is True and i["mark"] == "符合" for i in held)
    params = body["sections"][2]["items"]
    assert params and all(
        re.search(r"自\d{4}-\d{2}-\d{2}起施行;依据:.+;平台规则 NX-STIPEND", i["text"]) for i in params
    )
    # the month page renders the same sections
    page = client_for(world.a.user).get(
        reverse("objections:month", args=[world.a.researcher.pk, world.a.line.service_period])
    )
    for s in body["sections"]:
        for i in s["items"]:
            assert i["text"] in page.content.decode()
    assert api.get(f"/api/v1/payout-lines/{world.b.line.pk}/letter/").status_code == 404
    assert world.client("finance").get(f"/api/v1/payout-lines/{world.b.line.pk}/letter/").status_code == 200
    assert world.client("regional_reviewer").get(f"/api/v1/payout-lines/{world.a.line.pk}/letter/").status_code == 403


def test_grant_eligibility_on_the_application_page_and_in_the_api(world):
    api = world.client("enterprise")
    body = api.get(f"/api/v1/grant-applications/{world.a.application.pk}/eligibility/").json()
    assert body["code"] == "NX-FIRST" and body["eligible"] is True
    assert [(c["code"], c["held"]) for c in body["checks"]] == [
        ("independent_only", True),
        ("no_regional", True),
        ("refiling", True),
        ("awarded", True),
        ("pending", True),
    ]
    assert body["summary"].startswith("按现有记录,企业A上海研发中心(API-A)符合NX-FIRST ")
    page = client_for(world.a.user).get(reverse("subsidies:grant_detail", args=[world.a.application.pk]))
    html = page.content.decode()
    assert page.status_code == 200 and body["summary"] in html and "资格条件" in html
    for c in body["checks"]:
        assert c["condition"] in html
    assert api.get(f"/api/v1/grant-applications/{world.b.application.pk}/eligibility/").status_code == 404
    assert (
        client_for(world.a.user).get(reverse("subsidies:grant_detail", args=[world.b.application.pk])).status_code
        == 404
    )
    staff = world.client("regional_reviewer").get(f"/api/v1/grant-applications/{world.b.application.pk}/eligibility/")
    assert staff.status_code == 200 and staff.json()["eligible"] is True


def test_centre_eligibility_names_the_failed_condition_of_each_programme(world):
    api = world.client("enterprise")
    body = api.get(f"/api/v1/benefits/{world.a.centre.pk}/eligibility/").json()
    by_code = {p["code"]: p for p in body["programmes"]}
    first = by_code["NX-FIRST"]  # A has applied: its application is in review
    assert first["eligible"] is False
    assert [(c["code"], c["reason"], c["remedy"]) for c in first["checks"] if not c["held"]] == [
        ("pending", "已有在审的申报,请等待审核结果", "在审的申报审核完毕")
    ]
    assert first["if_remedied"] == "如在审的申报审核完毕,即符合条件。"
    only = api.get(f"/api/v1/benefits/{world.a.centre.pk}/eligibility/", {"programme": "NX-TH"}).json()
    assert [p["code"] for p in only["programmes"]] == ["NX-TH"] and only["programmes"][0]["eligible"] is True
    none = api.get(f"/api/v1/benefits/{world.a.centre.pk}/eligibility/", {"programme": "NOPE"})
    assert none.status_code == 200 and none.json()["programmes"] == []
    assert api.get(f"/api/v1/benefits/{world.b.centre.pk}/eligibility/").status_code == 404
    page = client_for(world.a.user).get(reverse("subsidies:benefits", args=[world.a.centre.pk])).content.decode()
    assert first["summary"] in page


def test_a_verified_year_becomes_due_and_the_enterprise_may_object_to_the_verification(world):
    from subsidies.declarations.services import rd_declaration_verify

    rd_declaration_verify(
        actor=world.users["yinchuan_reviewer"],
        submission=world.a.submission,
        verified_amount="1000000.00",
        reason="核减",
    )
    years = years_of(world.client("enterprise").get(f"/api/v1/benefits/{world.a.centre.pk}/yc-rd-years/").json())
    assert (years[2025]["status"], years[2025]["amount"], years[2025]["conditions"]) == ("due", "150000.00", [])
    html = client_for(world.a.user).get(reverse("subsidies:benefits", args=[world.a.centre.pk])).content.decode()
    assert f"?subject=rd_verification&amp;id={world.a.submission.pk}" in html
    staff = client_for(world.users["yinchuan_reviewer"]).get(reverse("subsidies:benefits", args=[world.a.centre.pk]))
    assert "subject=rd_verification" not in staff.content.decode()  # staff answer objections, they do not raise them
