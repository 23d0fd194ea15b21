"""Every reason the NX-STIPEND rule can give appears, exactly worded, in the why-not answer (issue 16).
Pure: the answer is the runs' own rule (stipend_month_verdict over stipend_due), no database."""

import datetime as dt
from decimal import Decimal

import pytest

from subsidies.explain.months import DUE, NOT_PAYABLE, NOT_YET_DUE, PAID, PAID_ELSEWHERE, PaidLine, month_answers
from subsidies.explain.wording import REMEDIES
from subsidies.rules.calendar import month_index
from subsidies.rules.params import ParamTimeline
from subsidies.rules.stipend import ContractFact, DegreeFact, FilingFact, PersonFacts, stipend_due

D = dt.date
M = lambda y, m: month_index(D(y, m, 1))  # noqa: E731
FILED = (FilingFact(1, "approved", D(2024, 3, 1), None),)
PHD = DegreeFact(1, "doctorate", True, False, D(2019, 7, 1), "2024-01-01T00:00:00+08:00", "审核员")
PARAMS = ParamTimeline()


def contract(start, end=None, *, full_time=True, kind="independent", terminated_on=None, filings=FILED, cid=1):
    return ContractFact(cid, 1, "NX-C1", kind, full_time, start, end, terminated_on, filings)


def person(*contracts, degrees=(PHD,)):
    return PersonFacts(1, "110101199003077571", "张三", tuple(contracts), tuple(degrees))


def answer(p, month, paid=(), lines=None, today=(2024, 9), next_period=None):
    current = M(*today)
    (a,) = month_answers(
        p,
        months=[month],
        paid=set(paid),
        lines=lines or {},
        params=PARAMS,
        current_month=current,
        next_period=current - 1 if next_period is None else next_period,
    )
    return a


def texts(a):
    return [c.text for c in a.conditions]


CASES = [
    ("no_contract", person(), M(2024, 5), "无聘用合同"),
    ("part_time", person(contract(D(2024, 4, 1), full_time=False)), M(2024, 5), "非全职合同(NX-C1,2024-04-01起)"),
    ("joint", person(contract(D(2024, 4, 1), kind="joint")), M(2024, 5), "联合研发机构不适用(NX-C1)"),
    (
        "short_term",
        person(contract(D(2024, 4, 1), D(2029, 3, 30))),
        M(2024, 5),
        "合同期限不足5年(2024-04-01至2029-03-30)",
    ),
    (
        "no_filing",
        person(contract(D(2024, 4, 1), filings=(FilingFact(1, "submitted", D(2024, 3, 1), None),))),
        M(2024, 5),
        "所在研发中心(NX-C1)的自治区备案在2024年5月未生效",
    ),
    ("partial-start", person(contract(D(2024, 5, 15))), M(2024, 5), "2024年5月未整月在岗(5月15日入职)"),
    (
        "partial-left",
        person(contract(D(2024, 3, 1), D(2029, 6, 30), terminated_on=D(2024, 5, 20))),
        M(2024, 5),
        "2024年5月未整月在岗(5月20日离职)",
    ),
    (
        "partial-filing",
        person(contract(D(2024, 3, 1), filings=(FilingFact(1, "approved", D(2024, 5, 10), None),))),
        M(2024, 5),
        "2024年5月备案未覆盖整月(自治区备案自5月10日起生效)",
    ),
    (
        "unverified",
        person(
            contract(D(2024, 4, 1)),
            degrees=(DegreeFact(1, "doctorate", True, False, D(2019, 7, 1), None, None, "pending", D(2024, 6, 3)),),
        ),
        M(2024, 5),
        "学历未核验(已于2024-06-03提交,待科技厅核验)",
    ),
    (
        "returned",
        person(
            contract(D(2024, 4, 1)),
            degrees=(DegreeFact(1, "doctorate", True, False, D(2019, 7, 1), None, None, "returned", D(2024, 6, 3)),),
        ),
        M(2024, 5),
        "学历核验被退回补正(已于2024-06-03提交,待申报单位补正)",
    ),
    (
        "refused",
        person(
            contract(D(2024, 4, 1)),
            degrees=(DegreeFact(1, "doctorate", True, False, D(2019, 7, 1), None, None, "refused", D(2024, 6, 3)),),
        ),
        M(2024, 5),
        "学历不予核验(已于2024-06-03提交,科技厅已作出不予核验决定)",
    ),
    (
        "no_tier",
        person(
            contract(D(2024, 4, 1)), degrees=(DegreeFact(1, "master", True, False, D(2019, 7, 1), "2024-01-01", "r"),)
        ),
        M(2024, 5),
        "无符合条件的学历(全日制博士或重点院校重点学科硕士)",
    ),
    ("cap", person(contract(D(2019, 1, 1))), M(2024, 5), "已领满60个月"),
    (
        "before_measure",
        person(contract(D(2023, 1, 1), filings=(FilingFact(1, "approved", D(2023, 1, 1), None),))),
        M(2023, 5),
        "2023年5月早于自治区办法的适用日期(2023-06-01)",
    ),
    ("outside_contract", person(contract(D(2024, 7, 1))), M(2024, 5), "2024年5月不在任何聘用合同期内"),
]


@pytest.mark.parametrize("code, p, month, text", CASES, ids=[c[0] for c in CASES])
def test_each_reason_appears_exactly_worded(code, p, month, text):
    paid = set(range(M(2019, 5), M(2024, 5))) if code == "cap" else set()  # 60 months paid before 2024-05
    a = answer(p, month, paid=paid)
    assert a.status == NOT_PAYABLE
    assert text in texts(a), texts(a)
    assert text in a.summary
    assert {c.code for c in a.conditions} >= {code.split("-")[0]}


def test_every_reason_code_the_rule_notes_has_words_and_a_remedy_entry():
    codes = {c[0].split("-")[0] for c in CASES}
    assert codes == set(REMEDIES)


def test_two_failed_conditions_are_both_named():
    p = person(contract(D(2024, 5, 15), D(2029, 5, 1)))  # short and starting mid-month: May fails for both
    a = answer(p, M(2024, 5))
    assert texts(a) == ["合同期限不足5年(2024-05-15至2029-05-01)"]  # a short contract never reaches the month
    p = person(
        contract(D(2024, 5, 15)),
        degrees=(DegreeFact(1, "doctorate", True, False, D(2019, 7, 1), None, None, "pending", D(2024, 6, 3)),),
    )
    assert texts(answer(p, M(2024, 6))) == ["学历未核验(已于2024-06-03提交,待科技厅核验)"]


def test_remedy_and_arrears_for_a_past_month_awaiting_verification():
    p = person(
        contract(D(2024, 4, 1)),
        degrees=(DegreeFact(1, "doctorate", True, False, D(2019, 7, 1), None, None, "pending", D(2024, 6, 3)),),
    )
    a = answer(p, M(2024, 5), today=(2024, 9))
    assert a.arrears and a.if_remedied == "如科技厅完成学历核验,该月可在2024-08期发放批次中补发。"


def test_nothing_to_remedy_is_said_so():
    a = answer(person(contract(D(2024, 4, 1), kind="joint")), M(2024, 5))
    assert a.if_remedied == "该月所缺条件无法通过补正记录满足。"


def test_payable_month_not_paid_is_due_as_arrears_with_the_runs_amount():
    p = person(contract(D(2024, 4, 1)))
    a = answer(p, M(2024, 5), today=(2024, 9))
    run = stipend_due(p, through=M(2024, 8), paid=set(), params=PARAMS)
    assert a.status == DUE and a.arrears and a.amount == Decimal("5000.00") == run.months[1].amount
    assert a.summary == "2024年5月符合条件,应发5000.00元,将在2024-08期发放批次中补发"
    last = answer(p, M(2024, 8), today=(2024, 9))
    assert last.status == DUE and not last.arrears


def test_this_month_and_later_are_not_yet_due():
    p = person(contract(D(2024, 4, 1)))
    assert answer(p, M(2024, 9), today=(2024, 9)).status == NOT_YET_DUE
    assert answer(p, M(2025, 1), today=(2024, 9)).summary == "2025年1月尚未到发放时间;按现有记录,届时可发5000.00元"


def test_paid_month_names_its_line_and_a_month_paid_elsewhere_names_none():
    p = person(contract(D(2024, 4, 1)))
    line = PaidLine(7, Decimal("5000.00"), "2024-06", "approved", True)
    a = answer(p, M(2024, 5), paid={M(2024, 5)}, lines={M(2024, 5): line})
    assert a.status == PAID and a.line == line and a.summary == "2024年5月已于2024-06期补发5000.00元"
    other = answer(p, M(2024, 5), paid={M(2024, 5)})
    assert other.status == PAID_ELSEWHERE and other.line is None and "其他研发中心" in other.summary


def test_cap_counts_earlier_unpaid_payable_months_first_like_the_run():
    p = person(contract(D(2019, 1, 1)))
    paid = set(range(M(2019, 6), M(2019, 6) + 59))  # 59 months paid, 2024-05 is the 60th
    assert answer(p, M(2024, 5), paid=paid).status == DUE
    assert texts(answer(p, M(2024, 6), paid=paid)) == ["已领满60个月"]


def test_run_reasons_unchanged_by_the_month_record():
    p = person(contract(D(2024, 4, 1), D(2029, 3, 30)))
    assert stipend_due(p, through=M(2024, 6), paid=set(), params=PARAMS).reasons == ["合同期限不足5年"]


CJK = __import__("re").compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")


@pytest.mark.parametrize("code, p, month, text", CASES, ids=[c[0] for c in CASES])
def test_in_english_mode_every_reason_its_remedy_and_the_summary_are_english(code, p, month, text):
    from django.utils import translation

    paid = set(range(M(2019, 5), M(2024, 5))) if code == "cap" else set()
    with translation.override("en"):
        a = answer(p, month, paid=paid)
        words = [a.summary, a.if_remedied, a.status_label, *texts(a), *a.remedies]
    assert a.status == NOT_PAYABLE
    assert not [w for w in words if CJK.search(w)], words
    assert text not in a.summary  # the Chinese wording is not what an English page shows


def test_english_mode_names_the_month_and_the_facts():
    from django.utils import translation

    with translation.override("en"):
        a = answer(person(contract(D(2024, 5, 15))), M(2024, 5))
        due = answer(person(contract(D(2024, 4, 1))), M(2024, 5), today=(2024, 9))
        summary, label = due.summary, due.status_label  # words are given in the language active when read
    assert texts(a) == ["May 2024: not in post for the whole month (started May 15)"]
    assert summary == "May 2024 is due, ¥5000.00, to be paid as arrears in the 2024-08 run"
    assert label == "Due, not yet paid"
