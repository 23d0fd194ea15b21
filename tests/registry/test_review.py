"""The shared two-step review (registry.review): the row lock and its stale-status refusal, the status check
(a step not yet taken, a record someone decided, the state alone), the required text, the first reviewer and
the second-person check. Each refusal is the caller's wording, and changes nothing."""

import pytest

from accounts.errors import ConflictError, NotFoundError, ServiceError
from accounts.wording import label_en
from registry import review, services
from registry.models import Filing, FilingStatus, ReviewDecision

PLAIN = review.Wording(
    record=lambda obj: "某记录",
    status_zh=lambda obj: f"状态{obj.status}",
    status_en=lambda obj: f"state {obj.status}",
    not_now=review.Refusal("记录当前为“{status}”,不能{action}", "the record is {status_en}; no {action_en}", "not_now"),
)


def _status(filing):
    return Filing.objects.get(pk=filing.pk).status


# --- lock ---------------------------------------------------------------------------------------------------


def test_lock_rereads_the_row_by_object_or_id(submitted):
    Filing.objects.filter(pk=submitted.pk).update(status_reason="changed elsewhere")  # the object in hand is stale
    by_object = review.lock(Filing, submitted)
    by_id = review.lock(Filing.objects.select_related("centre"), submitted.pk)
    assert by_object.status_reason == by_id.status_reason == "changed elsewhere"


def test_lock_of_a_missing_row_is_the_callers_not_found(db):
    with pytest.raises(NotFoundError) as caught:
        review.lock(Filing, 987654, missing=("备案不存在", "filing not found"))
    assert caught.value.code == "not_found" and caught.value.status == 404
    assert (caught.value.zh, caught.value.en) == ("备案不存在", "filing not found")
    with pytest.raises(Filing.DoesNotExist):  # no wording given: the model's own error
        review.lock(Filing, 987654)


def test_lock_refuses_a_decision_on_a_status_the_decider_no_longer_sees(submitted, regional1, regional2):
    """Two reviewers had the submitted filing open; the first one's 初审 went through, so the second one's
    (made on the page that still said 已提交) is refused, naming who handled it, and changes nothing."""
    services.filing_first_review(actor=regional1, filing=submitted, expected_status=FilingStatus.SUBMITTED)
    with pytest.raises(ConflictError) as caught:
        services.filing_return(
            actor=regional2, filing=submitted, comment="请补充材料", expected_status=FilingStatus.SUBMITTED
        )
    exc = caught.value
    assert exc.code == "already_decided" and exc.status == 409
    assert exc.zh.startswith("该备案已由区审核一于") and exc.zh.endswith(
        "处理,当前状态为“初审通过”,不能退回修改。请刷新页面查看最新状态"
    )
    passed = label_en(FilingStatus.FIRST_REVIEWED.label)
    assert exc.en == f"already decided: the filing is {passed}; you cannot return it for changes"
    assert exc.record == str(submitted)
    assert _status(submitted) == FilingStatus.FIRST_REVIEWED
    assert ReviewDecision.objects.filter(filing=submitted).count() == 2  # the submission and the 初审


def test_the_stale_status_refusal_is_never_answered_as_a_step_to_take_first(submitted, regional1, regional2, owner):
    """The decider saw 已初审, but the filing was returned and resubmitted since: it is 已提交 again. That is
    someone else's doing (refresh), not a 初审 the decider skipped."""
    services.filing_first_review(actor=regional1, filing=submitted)
    services.filing_return(actor=regional1, filing=submitted, comment="请补充材料")
    services.filing_submit(actor=owner, filing=submitted, commitment=True)
    with pytest.raises(ConflictError) as caught:
        services.filing_approve(actor=regional2, filing=submitted, expected_status=FilingStatus.FIRST_REVIEWED)
    assert caught.value.code == "already_decided"
    assert "已由张企业于" in caught.value.zh and "须先完成" not in caught.value.zh
    assert _status(submitted) == FilingStatus.SUBMITTED


def test_lock_with_the_status_the_decider_saw_goes_through(submitted):
    locked = review.lock(Filing, submitted, FilingStatus.SUBMITTED, wording=PLAIN)
    assert locked.pk == submitted.pk


# --- assert_status ------------------------------------------------------------------------------------------


def test_an_allowed_status_passes(submitted):
    assert (
        review.assert_status(submitted, FilingStatus.DRAFT, FilingStatus.SUBMITTED, action="审核", wording=PLAIN)
        is None
    )


def test_skipping_the_first_review_says_it_must_come_first(submitted, regional1):
    """Approving a filing nobody has given its 初审 yet: 须先完成初审, not "已由…处理…请刷新页面"."""
    with pytest.raises(ConflictError) as caught:
        services.filing_approve(actor=regional1, filing=submitted)
    exc = caught.value
    assert exc.code == "step_required"
    assert exc.zh == "须先完成初审:当前状态为“已提交”,不能复审通过"
    submitted_en = label_en(FilingStatus.SUBMITTED.label)
    assert (
        exc.en
        == f"the first review (初审) must be completed first: the filing is {submitted_en}; you cannot approve it yet"
    )
    assert "请刷新" not in exc.zh
    assert _status(submitted) == FilingStatus.SUBMITTED


def test_a_decided_record_names_who_decided_and_when(submitted, regional1):
    services.filing_first_review(actor=regional1, filing=submitted)
    submitted.refresh_from_db()
    with pytest.raises(ConflictError) as caught:
        services.filing_assert_status(submitted, FilingStatus.SUBMITTED, action="初审")
    assert caught.value.code == "already_decided"
    assert caught.value.zh.startswith("该备案已由区审核一于")


def test_a_record_without_decisions_is_refused_on_its_state_alone(centre):
    draft = Filing(centre=centre, level="regional", status=FilingStatus.DRAFT)  # unsaved: no decisions to name
    with pytest.raises(ConflictError) as caught:
        review.assert_status(draft, FilingStatus.SUBMITTED, action="初审", wording=services.filings.FILING_WORDING)
    assert caught.value.code == "step_required"  # a draft: the enterprise has to submit it first
    assert caught.value.zh.startswith("企业尚未提交备案,须先由企业提交")
    with pytest.raises(ConflictError) as caught:
        review.assert_status(draft, FilingStatus.APPROVED, action="撤销", wording=PLAIN, action_en="revoke it")
    exc = caught.value
    assert (exc.code, exc.zh, exc.en, exc.record) == (
        "not_now",
        "记录当前为“状态draft”,不能撤销",
        "the record is state draft; no revoke it",
        "某记录",
    )


def test_the_english_action_defaults_to_the_shared_wording(centre):
    draft = Filing(centre=centre, level="regional", status=FilingStatus.DRAFT)
    with pytest.raises(ConflictError) as caught:
        review.assert_status(draft, FilingStatus.FIRST_REVIEWED, action="复审通过", wording=PLAIN)
    assert caught.value.en == "the record is state draft; no approve it"


# --- need_text ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["", "   ", None])
def test_a_decision_without_its_text_is_refused(text):
    with pytest.raises(ServiceError) as caught:
        review.need_text(text, what="退回意见(需要企业修改的内容)", record="某备案")
    exc = caught.value
    assert (exc.code, exc.record, exc.field) == ("comment_required", "某备案", "")
    assert exc.zh == "请填写退回意见(需要企业修改的内容)"
    assert exc.en == "please enter the return comment (what the enterprise must change)"


def test_need_text_keeps_the_callers_english_code_and_field():
    with pytest.raises(ServiceError) as caught:
        review.need_text(
            " ", what="延期理由", en="a reason is required", code="invalid", field="extension_reason", record="r"
        )
    exc = caught.value
    assert (exc.zh, exc.en, exc.code, exc.field) == (
        "请填写延期理由",
        "a reason is required",
        "invalid",
        "extension_reason",
    )


def test_need_text_returns_the_text_stripped():
    assert review.need_text("  材料齐全 \n", what="意见", record="r") == "材料齐全"


def test_a_return_without_a_comment_changes_nothing(submitted, regional1):
    with pytest.raises(ServiceError) as caught:
        services.filing_return(actor=regional1, filing=submitted, comment="  ")
    assert caught.value.code == "comment_required"
    assert _status(submitted) == FilingStatus.SUBMITTED


# --- first reviewer and the second person -------------------------------------------------------------------


def test_first_reviewer_is_the_latest_first_review(submitted, regional1, regional2, owner):
    assert review.first_reviewer(submitted, status=FilingStatus.FIRST_REVIEWED) is None
    services.filing_first_review(actor=regional1, filing=submitted)
    services.filing_return(actor=regional1, filing=submitted, comment="请补充材料")
    services.filing_submit(actor=owner, filing=submitted, commitment=True)
    services.filing_first_review(actor=regional2, filing=submitted)
    assert review.first_reviewer(submitted, status=FilingStatus.FIRST_REVIEWED) == regional2
    assert services.first_reviewer(submitted) == regional2


def test_the_second_person_check(regional1, regional2):
    review.require_second_person(regional2, regional1, record="r")  # another reviewer: passes
    review.require_second_person(regional1, None, record="r")  # no 初审 recorded
    with pytest.raises(ServiceError) as caught:
        review.require_second_person(regional1, regional1, record="某备案", what="该备案", action="复审通过")
    exc = caught.value
    assert (exc.code, exc.status, exc.record) == ("same_reviewer", 403, "某备案")
    assert exc.zh == "复审须由初审人以外的审核员进行,您已对该备案作出初审,不能复审通过"
    assert exc.en == "the approver must not be the first reviewer"
    with pytest.raises(ServiceError) as caught:  # the first reviewer by id, the wording without the record
        review.require_second_person(regional1, regional1.pk, record="r")
    assert caught.value.zh == "复审须由初审人以外的审核员进行"


def test_the_first_reviewer_cannot_approve_and_nothing_changes(submitted, regional1):
    services.filing_first_review(actor=regional1, filing=submitted)
    with pytest.raises(ServiceError) as caught:
        services.filing_approve(actor=regional1, filing=submitted)
    assert caught.value.code == "same_reviewer" and caught.value.status == 403
    assert caught.value.zh == "复审须由初审人以外的审核员进行,您已对该备案作出初审,不能复审通过"
    assert _status(submitted) == FilingStatus.FIRST_REVIEWED
    assert not ReviewDecision.objects.filter(filing=submitted, step="approval").exists()
