"""Issue 15 §3, §6, §7: centre data that contradicts itself is refused next to the field; a wrong-state
review action says what is needed; the review page offers only the legal decisions; per-document marks
(材料逐项审核) reach the enterprise."""

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.errors import ConflictError, ServiceError
from registry import services
from registry.models import Centre, DocumentKind, DocumentMark, FilingStatus
from tests.registry.conftest import pdf_bytes, upload

# --- §3 centre city vs division, founding date ---------------------------------------------------------


def test_centre_division_outside_its_city_is_refused(owner, enterprise):
    with pytest.raises(ServiceError) as exc:
        services.centre_create(
            actor=owner, enterprise=enterprise, name="北京研发中心", city="北京", division_code="440305"
        )
    assert exc.value.code == "division_city" and exc.value.field == "division_code"
    assert exc.value.zh == "所在地区划440305(深圳市南山区)不在所在城市“北京”,请选择北京市的区县"
    assert not Centre.objects.filter(name="北京研发中心").exists()


@pytest.mark.parametrize(
    "city, code",
    [
        ("北京", "110108"),
        ("北京市", "110105"),
        ("深圳", "440305"),
        ("杭州", "330106"),
        ("上海", "310115"),
        ("苏州", "320505"),
    ],
)
def test_centre_division_in_its_city_is_accepted(owner, enterprise, city, code):
    """A city the reference data does not know (苏州) cannot be checked and is accepted as before."""
    centre = services.centre_create(
        actor=owner, enterprise=enterprise, name=f"{city}中心", city=city, division_code=code
    )
    assert (centre.city, centre.division_code) == (city, code)


def test_centre_update_to_another_citys_division_is_refused(owner, centre):
    with pytest.raises(ServiceError) as exc:
        services.centre_update(actor=owner, centre=centre, division_code="110108")
    assert exc.value.code == "division_city"
    assert exc.value.zh == "所在地区划110108(北京市海淀区)不在所在城市“上海”,请选择上海市的区县"
    centre.refresh_from_db()
    assert centre.division_code == "310115"


def test_centre_founded_in_the_future_is_refused(owner, enterprise):
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    with pytest.raises(ServiceError) as exc:
        services.centre_create(
            actor=owner,
            enterprise=enterprise,
            name="未来中心",
            city="上海",
            division_code="310115",
            established_on=tomorrow,
        )
    assert exc.value.code == "date_range" and exc.value.field == "established_on"
    assert exc.value.zh == f"成立日期{tomorrow}超出合理范围(应在1950-01-01至{timezone.localdate()}之间)"


def test_centre_form_shows_the_city_refusal_next_to_the_field(client, owner, enterprise):
    client.force_login(owner)
    response = client.post(
        reverse("registry:centre_create", args=[enterprise.pk]),
        {"name": "北京研发中心", "kind": "independent", "city": "北京", "division_code": "440305", "headcount": 3},
    )
    assert response.status_code == 200
    page = response.content.decode()
    field = re.search(r'<div class="field invalid">\s*<label for="id_division_code">.*?</div>', page, re.S)
    assert field is not None, "the division field is not marked invalid"
    assert "不在所在城市“北京”" in field.group(0)
    assert not Centre.objects.filter(name="北京研发中心").exists()


def test_centre_form_shows_the_future_date_next_to_the_field(client, owner, enterprise):
    client.force_login(owner)
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    page = client.post(
        reverse("registry:centre_create", args=[enterprise.pk]),
        {
            "name": "未来中心",
            "kind": "independent",
            "city": "上海",
            "division_code": "310115",
            "established_on": tomorrow.isoformat(),
            "headcount": 3,
        },
    ).content.decode()
    field = re.search(r'<div class="field invalid">\s*<label for="id_established_on">.*?</div>', page, re.S)
    assert field is not None and "超出合理范围" in field.group(0)


def test_centre_api_names_the_refused_field(owner, enterprise):
    api = APIClient()
    api.force_authenticate(owner)
    response = api.post(
        "/api/v1/centres/",
        {"enterprise": enterprise.pk, "name": "北京研发中心", "city": "北京", "division_code": "440305"},
        format="json",
    )
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "division_city"
    assert list(error["fields"]) == ["division_code"]
    assert "不在所在城市“北京”" in error["fields"]["division_code"][0]


# --- §6 what is needed, not "someone else handled it" --------------------------------------------------


def test_skipping_the_first_review_says_it_is_needed(submitted, regional2):
    with pytest.raises(ConflictError) as exc:
        services.filing_approve(actor=regional2, filing=submitted)
    assert exc.value.code == "step_required"
    assert exc.value.zh == "须先完成初审:当前状态为“已提交”,不能复审通过"
    assert "已由" not in exc.value.zh


def test_suspending_before_approval_says_approval_is_needed(submitted, regional1):
    services.filing_first_review(actor=regional1, filing=submitted)
    with pytest.raises(ConflictError) as exc:
        services.filing_suspend(actor=regional1, filing=submitted, on=dt.date(2025, 5, 1), reason="x")
    assert exc.value.zh == "须先完成复审(予以备案):当前状态为“初审通过”,不能暂停"


def test_reviewing_a_draft_says_it_is_not_submitted(owner, centre, yinchuan1):
    draft = services.filing_create(actor=owner, centre=centre, level="yinchuan")
    with pytest.raises(ConflictError) as exc:
        services.filing_first_review(actor=yinchuan1, filing=draft)
    assert exc.value.zh == "企业尚未提交备案,须先由企业提交:当前状态为“草稿”,不能初审"


def test_a_real_race_still_names_who_moved_the_filing(submitted, regional1, regional2):
    services.filing_first_review(actor=regional1, filing=submitted)
    with pytest.raises(ConflictError) as exc:  # regional2's page still showed 已提交
        services.filing_first_review(actor=regional2, filing=submitted, expected_status="submitted")
    assert exc.value.code == "already_decided"
    assert "已由区审核一" in exc.value.zh and "请刷新页面" in exc.value.zh


def test_skipping_the_first_review_on_the_page(client, submitted, regional2):
    client.force_login(regional2)
    url = reverse("registry:review_decide", args=[submitted.pk])
    page = client.post(url, {"action": "approve", "seen_status": "submitted"}, follow=True).content.decode()
    assert "须先完成初审" in page and "已由" not in page
    submitted.refresh_from_db()
    assert submitted.status == FilingStatus.SUBMITTED


def _offered(page: str) -> list[str]:
    select = re.search(r'<select name="action".*?</select>', page, re.S)
    return re.findall(r'<option value="([a-z_]+)"', select.group(0)) if select else []


def test_the_review_page_offers_only_the_legal_decisions(client, submitted, regional1, regional2):
    url = reverse("registry:review_decide", args=[submitted.pk])
    client.force_login(regional1)
    assert _offered(client.get(url).content.decode()) == ["first_review", "return", "reject"]
    services.filing_first_review(actor=regional1, filing=submitted)
    assert _offered(client.get(url).content.decode()) == ["return"]  # the first reviewer may not approve
    client.force_login(regional2)
    assert _offered(client.get(url).content.decode()) == ["approve", "return", "reject"]
    services.filing_approve(actor=regional2, filing=submitted, effective_from=timezone.localdate())
    assert _offered(client.get(url).content.decode()) == ["suspend", "revoke"]
    services.filing_suspend(
        actor=regional2, filing=submitted, on=timezone.localdate() + dt.timedelta(days=1), reason="核查"
    )
    assert _offered(client.get(url).content.decode()) == ["revoke", "reinstate"]
    services.filing_revoke(
        actor=regional2, filing=submitted, on=timezone.localdate() + dt.timedelta(days=2), reason="撤销"
    )
    page = client.get(url).content.decode()
    assert _offered(page) == [] and "没有可作出的审核决定" in page


def test_the_decision_sits_in_the_side_panel_before_the_previews(client, submitted, regional1):
    client.force_login(regional1)
    page = client.get(reverse("registry:review_decide", args=[submitted.pk])).content.decode()
    assert page.index('class="review-side"') < page.index('id="decision-h"')
    assert page.index('class="review-main"') < page.index('class="review-side"')


# --- §7 per-document marks ---------------------------------------------------------------------------


def _licence(filing):
    return filing.documents.get(kind=DocumentKind.BUSINESS_LICENCE, is_current=True)


def test_a_correction_mark_needs_its_reason(submitted, regional1):
    with pytest.raises(ServiceError) as exc:
        services.document_mark(actor=regional1, document=_licence(submitted), mark="needs_correction", reason=" ")
    assert exc.value.code == "reason_required"
    assert exc.value.zh == "标记为需补正时须填写补正原因"
    assert not DocumentMark.objects.exists()


def test_marks_are_for_reviewers_of_the_level(submitted, owner, yinchuan1):
    for actor in (owner, yinchuan1):
        with pytest.raises(ServiceError) as exc:
            services.document_mark(actor=actor, document=_licence(submitted), mark="pass")
        assert exc.value.status == 403


def test_marks_only_while_under_review_and_on_the_current_version(owner, submitted, regional1):
    old = _licence(submitted)
    services.filing_return(actor=regional1, filing=submitted, comment="请补正营业执照")
    with pytest.raises(ConflictError) as exc:
        services.document_mark(actor=regional1, document=old, mark="pass")
    assert exc.value.zh == "只有审核中的备案才能逐项审核材料,当前状态为“退回修改”"
    services.document_upload(
        actor=owner,
        enterprise=submitted.centre.enterprise,
        filing=submitted,
        kind=DocumentKind.BUSINESS_LICENCE,
        upload=upload("new.pdf", pdf_bytes("new")),
    )
    services.filing_submit(actor=owner, filing=submitted, commitment=True)
    with pytest.raises(ConflictError) as exc:
        services.document_mark(actor=regional1, document=old, mark="pass")
    assert exc.value.zh == "该材料已有新版本,请审核当前版本"


def test_the_latest_mark_counts(submitted, regional1, regional2):
    doc = _licence(submitted)
    services.document_mark(actor=regional1, document=doc, mark="needs_correction", reason="执照已过期")
    services.document_mark(actor=regional2, document=doc, mark="pass")
    latest = services.latest_marks([doc])[doc.pk]
    assert (latest.mark, latest.reviewer) == ("pass", regional2)
    assert DocumentMark.objects.filter(document=doc).count() == 2


def test_marks_set_on_the_review_page_reach_the_enterprise(client, owner, submitted, regional1):
    doc = _licence(submitted)
    client.force_login(regional1)
    review = reverse("registry:review_decide", args=[submitted.pk])
    mark_url = reverse("registry:review_mark", args=[submitted.pk, doc.pk])
    assert f'action="{mark_url}"' in client.get(review).content.decode()
    page = client.post(
        mark_url, {f"m{doc.pk}-mark": "needs_correction", f"m{doc.pk}-reason": ""}, follow=True
    ).content.decode()
    assert "标记为需补正时须填写补正原因" in page
    client.post(mark_url, {f"m{doc.pk}-mark": "needs_correction", f"m{doc.pk}-reason": "执照副本模糊,请重新扫描"})
    assert services.latest_marks([doc])[doc.pk].reason == "执照副本模糊,请重新扫描"
    client.post(review, {"action": "return", "comment": "请补正材料", "seen_status": "submitted"})
    submitted.refresh_from_db()
    assert submitted.status == FilingStatus.RETURNED

    client.force_login(owner)
    page = client.get(reverse("registry:filing_detail", args=[submitted.pk])).content.decode()
    row = re.search(rf"<tr><td>{doc.get_kind_display()}</td>.*?</tr>", page, re.S).group(0)
    assert "需补正" in row and "执照副本模糊,请重新扫描" in row
    corrections = re.search(r'<section class="card corrections".*?</section>', page, re.S).group(0)
    assert "营业执照" in corrections and "执照副本模糊,请重新扫描" in corrections


def test_marking_another_filings_document_is_404(client, submitted, regional1, owner, centre):
    other = services.filing_create(actor=owner, centre=centre, level="yinchuan")
    services.document_upload(
        actor=owner,
        enterprise=centre.enterprise,
        filing=other,
        kind="business_licence",
        upload=upload("o.pdf", pdf_bytes("o")),
    )
    doc = other.documents.get()
    client.force_login(regional1)
    response = client.post(reverse("registry:review_mark", args=[submitted.pk, doc.pk]), {f"m{doc.pk}-mark": "pass"})
    assert response.status_code == 404
    assert not DocumentMark.objects.exists()


def test_the_form_lists_every_problem_at_the_top_each_linked_to_its_field(client, owner, enterprise):
    client.force_login(owner)
    url = reverse("registry:centre_create", args=[enterprise.pk])
    assert "error-summary" not in client.get(url).content.decode()
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    page = client.post(
        url,
        {"name": "", "kind": "independent", "city": "上海", "division_code": "310115", "established_on": tomorrow},
    ).content.decode()
    summary = re.search(r'<div class="error-summary" role="alert".*?</div>', page, re.S)
    assert summary is not None, "no error summary"
    links = re.findall(r'<a href="#(id_\w+)">', summary.group(0))
    assert "id_name" in links and "id_established_on" in links  # every problem at once, not only the first
    assert "请修改以下" in summary.group(0)
    assert not Centre.objects.filter(enterprise=enterprise, established_on=tomorrow).exists()
