"""Every reason the YC-RD rule and the grant eligibility check can give appears, exactly worded, in the why-not
answer (issue 16: "the same for YC-RD years and for grant eligibility"). Pure: the answers come from the
runs' own rules (rd_due with rd_conditions, centre_conditions), no database."""

import datetime as dt
from decimal import Decimal

import pytest

from subsidies.explain.eligibility import CONDITION_TEXT, Eligibility, check
from subsidies.explain.letter import rd_sections
from subsidies.explain.months import DUE, NOT_PAYABLE, NOT_YET_DUE, PAID, PaidLine
from subsidies.explain.rd_years import PendingDeclaration, year_answer
from subsidies.rules import grants as rules
from subsidies.rules.params import ParamTimeline
from subsidies.rules.rd_award import (
    R_BEFORE_MEASURE,
    R_NO_FILING,
    R_NOT_VERIFIED,
    DeclarationFact,
    YinchuanFiling,
    rd_due,
)

D = dt.date
P = ParamTimeline()
FILED = (YinchuanFiling(7, "approved", D(2024, 1, 1), None),)


def decl(year, verified="1000000.00", revision=1):
    return DeclarationFact(3, 1, year, Decimal(verified) if verified is not None else None, revision)


def answer(year, declaration=None, *, filings=FILED, pending=None, paid_total=None, lines=(), today=2026, nxt=2025):
    return year_answer(
        centre_id=1,
        centre_ref="YC-C1",
        year=year,
        declaration=declaration,
        pending=pending,
        filings=filings,
        paid_total=paid_total,
        lines=lines,
        params=P,
        current_year=today,
        next_period=nxt,
    )


# --- YC-RD: each reason, exactly worded ------------------------------------------------------------------

RD_CASES = [
    (
        "before_measure",
        answer(2022, decl(2022), filings=(YinchuanFiling(1, "approved", D(2000, 1, 1), None),)),
        "2022年度早于银川市办法的适用起始日期(2023-01-01)",
        "",
    ),
    (
        "no_filing",
        answer(2023, decl(2023)),
        "研发中心(YC-C1)的银川市备案在2023年度未获批生效",
        "研发中心的银川市备案获批并在该年度生效(如生效日期登记有误,由银川市科技局更正)",
    ),
    (
        "not_declared",
        answer(2024),
        "尚未申报2024年度研发投入(须附研发费用专项审计报告)",
        "申报该年度研发投入并上传研发费用专项审计报告",
    ),
    (
        "not_verified",
        answer(2024, pending=PendingDeclaration(9, D(2025, 3, 3), Decimal("2000000.00"))),
        "2024年度研发投入尚未核定(已于2025-03-03申报2,000,000.00元,待银川市科技局核定)",
        "银川市科技局完成核定",
    ),
    (
        "zero_spend",
        answer(2024, decl(2024, "0.00")),
        "2024年度核定研发投入为0.00元,奖励为0",
        "对研发投入核定提出异议申诉并经更正核定金额",
    ),
]


@pytest.mark.parametrize("case, a, text, remedy", RD_CASES, ids=[c[0] for c in RD_CASES])
def test_each_yc_rd_reason_is_worded_exactly(case, a, text, remedy):
    assert a.status == NOT_PAYABLE
    assert [c.text for c in a.conditions] == [text]
    assert [c.remedy for c in a.conditions] == [remedy]
    assert a.summary == f"{a.year}年度研发投入奖励不予发放:{text}"
    if remedy:
        how = "补发" if a.year < 2025 else "发放"
        assert a.if_remedied == f"如{remedy},该年度可在2025年度奖励批次中{how}。"
    else:
        assert a.if_remedied == "该年度所缺条件无法通过补正记录满足。"


def test_every_yc_rd_condition_code_has_a_case():
    codes = {c.code for _case, a, _t, _r in RD_CASES for c in a.conditions}
    assert codes == {"before_measure", "no_filing", "not_verified", "zero_spend"}


def test_two_reasons_at_once_are_both_named_and_remedied():
    a = answer(2023)
    assert [c.text for c in a.conditions] == [
        "研发中心(YC-C1)的银川市备案在2023年度未获批生效",
        "尚未申报2023年度研发投入(须附研发费用专项审计报告)",
    ]
    assert a.if_remedied == (
        "如研发中心的银川市备案获批并在该年度生效(如生效日期登记有误,由银川市科技局更正),"
        "且申报该年度研发投入并上传研发费用专项审计报告,该年度可在2025年度奖励批次中补发。"
    )


def test_the_answer_uses_the_runs_rule_reasons_unchanged():
    """rd_due's amounts and summary reasons are those the runs have always had; the conditions add the facts."""
    before = rd_due(decl(2022), FILED, paid_total=None, params=P)
    assert before.reasons == (R_BEFORE_MEASURE.format(since="2023-01-01"),)
    assert rd_due(decl(2023), FILED, paid_total=None, params=P).reasons == (R_NO_FILING,)
    assert rd_due(decl(2024, None), FILED, paid_total=None, params=P).reasons == (R_NOT_VERIFIED,)
    zero = rd_due(decl(2024, "0.00"), FILED, paid_total=None, params=P)
    assert (zero.kind, zero.amount, zero.reasons) == ("none", Decimal("0.00"), ())
    assert [(c.code, c.held) for c in zero.conditions] == [
        ("before_measure", True),
        ("no_filing", True),
        ("not_verified", True),
        ("zero_spend", False),
    ]
    ok = rd_due(decl(2024), FILED, paid_total=None, params=P)
    assert (ok.kind, ok.amount) == ("regular", Decimal("150000.00")) and all(c.held for c in ok.conditions)


def test_due_paid_and_not_yet_due():
    due = answer(2024, decl(2024))
    assert (due.status, due.amount) == (DUE, Decimal("150000.00"))
    assert due.summary == "2024年度研发投入奖励符合条件,应发150,000.00元,将在2025年度奖励批次中补发"
    on_time = answer(2025, decl(2025, "8000000.00"))
    assert on_time.summary == "2025年度研发投入奖励符合条件,应发1,000,000.00元,将在2025年度奖励批次中发放"
    line = PaidLine(41, Decimal("150000.00"), "2024", "approved", False)
    paid = answer(2024, decl(2024), paid_total=Decimal("150000.00"), lines=(line,))
    assert paid.status == PAID
    assert paid.summary == "2024年度研发投入奖励已发放150,000.00元:2024年度奖励批次发放150,000.00元(发放明细#41)"
    revised = answer(2024, decl(2024, "800000.00", 2), paid_total=Decimal("150000.00"), lines=(line,))
    assert revised.summary.endswith(";核定研发投入修订后应收回差额30,000.00元,将在2025年度奖励批次中调整")
    later = answer(2026)
    assert later.status == NOT_YET_DUE
    assert later.summary == "2026年度尚未结束,年度结束后申报研发投入(附审计报告),经银川市科技局核定后发放"
    unfiled = answer(2026, filings=())
    assert unfiled.summary.endswith(";目前:研发中心(YC-C1)的银川市备案在2026年度未获批生效")


def test_a_yc_rd_line_reads_as_a_decision_letter():
    result = rd_due(decl(2024, "8000000.00"), FILED, paid_total=None, params=P)
    x = dict(result.explanation, arrears=True, run_period="2025")
    sections = rd_sections(x, result.amount)
    assert [s.title for s in sections] == [
        "一、认定依据的记录",
        "二、条件及认定",
        "三、适用的参数及政策依据",
        "四、核定金额",
    ]
    texts = [i.text for s in sections for i in s.items]
    assert "研发投入申报:2024年度,核定研发投入8000000.00元(第1版)" in texts
    assert "银川市备案:2024-01-01至长期" in texts
    assert all(i.held for i in sections[1].items)
    assert sections[2].items[0].text.startswith("研发投入奖励比例:0.15(自")
    assert sections[2].items[0].text.endswith(";平台规则 YC-RD)")
    assert "核定奖励:1000000.00元(核定研发投入×奖励比例,已达年度上限)" in texts
    assert "补发:所属年度早于发放批次期间2025" in texts


# --- grant eligibility: each reason, exactly worded ------------------------------------------------------


def prog(code="NX-TH", *, applicant="centre", level="regional", ind=True, jnt=True, freq="once_per_centre"):
    return rules.ProgrammeFact(
        code, applicant, level, ind, jnt, "application", "fixed", Decimal(0), Decimal(500000), None, freq
    )


IND = rules.CentreFact(1, "independent", "approved", False, "approved")
GRANT_CASES = [
    ("not_centre", prog(applicant="incubator"), IND, {}, rules.R_NOT_CENTRE),
    ("joint", prog(jnt=False), rules.CentreFact(2, "joint", "approved", False, None), {}, rules.R_JOINT),
    ("independent_only", prog(ind=False), IND, {}, rules.R_INDEPENDENT_ONLY),
    ("no_regional", prog(), rules.CentreFact(3, "independent", "submitted", False, None), {}, rules.R_NO_REGIONAL),
    (
        "no_yinchuan",
        prog("YC-X", level="yinchuan"),
        rules.CentreFact(4, "independent", None, False, None),
        {},
        rules.R_NO_YINCHUAN,
    ),
    ("refiling", prog("NX-FIRST"), rules.CentreFact(5, "independent", "approved", True, None), {}, rules.R_REFILING),
    ("awarded", prog(), IND, {"awarded": True}, rules.R_AWARDED),
    ("pending", prog(), IND, {"pending": True}, rules.R_PENDING),
]
WORDS = {
    rules.R_NOT_CENTRE: "该项目的申报主体为飞地孵化器运营方,不适用于研发中心",
    rules.R_JOINT: "联合研发机构不适用",
    rules.R_INDEPENDENT_ONLY: "仅适用于联合研发机构",
    rules.R_NO_REGIONAL: "尚无已生效的自治区级备案",
    rules.R_NO_YINCHUAN: "尚无已生效的银川市级备案",
    rules.R_REFILING: "该中心曾被撤销备案,撤销后重新备案不再给予首次备案奖励(仅限首次备案)",
    rules.R_AWARDED: "已获得该项资助(每个中心限一次)",
    rules.R_PENDING: "已有在审的申报,请等待审核结果",
}


def eligibility(p, centre, **kw):
    checks = tuple(check(c.code, c.held, c.reason) for c in rules.centre_conditions(p, centre, **kw))
    return Eligibility(p.code, f"{p.code} 项目", "中心甲(C1)", checks)


@pytest.mark.parametrize("code, p, centre, kw, reason", GRANT_CASES, ids=[c[0] for c in GRANT_CASES])
def test_each_grant_reason_is_worded_exactly(code, p, centre, kw, reason):
    e = eligibility(p, centre, **kw)
    assert not e.eligible and e.status_label == "不符合条件"
    assert [(c.code, c.reason) for c in e.failed] == [(code, WORDS[reason])]
    assert e.summary == f"按现有记录,中心甲(C1)不符合{p.code} 项目的条件:{WORDS[reason]}"
    # the failed reasons are exactly what the rule refuses with
    assert rules.centre_problems(p, centre, **kw) == [WORDS[reason]]
    held = [c for c in e.checks if c.held]
    assert all(c.text == CONDITION_TEXT[c.code] and c.mark == "符合" for c in held)


def test_every_grant_condition_code_has_a_case():
    assert {c[0] for c in GRANT_CASES} == {
        "not_centre",
        "joint",
        "independent_only",
        "no_regional",
        "no_yinchuan",
        "refiling",
        "awarded",
        "pending",
    }


def test_an_eligible_centre_has_every_condition_held():
    e = eligibility(prog("NX-FIRST"), IND)
    assert e.eligible and e.if_remedied == ""
    assert [c.text for c in e.checks] == [
        "该项目适用于独立研发机构",
        "已有生效的自治区级备案",
        "首次备案(未曾撤销备案后重新备案)",
        "尚未获得该项资助(每个中心限一次)",
        "没有在审的同项申报",
    ]
    assert e.summary == "按现有记录,中心甲(C1)符合NX-FIRST 项目的条件"


def test_what_would_make_it_eligible():
    e = eligibility(prog(), rules.CentreFact(3, "independent", None, False, None), pending=True)
    assert e.if_remedied == "如研发中心的自治区级备案获批并生效,且在审的申报审核完毕,即符合条件。"
    stuck = eligibility(prog(), rules.CentreFact(3, "independent", None, False, None), awarded=True)
    assert stuck.if_remedied == ("如研发中心的自治区级备案获批并生效,仍有其他不能补正的条件,仍不符合条件。")
    joint = eligibility(prog(jnt=False), rules.CentreFact(2, "joint", "approved", False, None))
    assert joint.if_remedied == "所缺条件无法通过补正记录满足。"
