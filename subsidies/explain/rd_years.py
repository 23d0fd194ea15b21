"""Why / why not for a YC-RD centre-year ("the same for YC-RD years"; POLICY §3 YC-RD): paid (with
the lines), due, not yet due, or not payable with every failed condition in plain Chinese, what would make it
payable and whether it would then be paid as arrears (补发). The verdict is the annual run's own rule,
subsidies.rules.rd_award.rd_due, with its conditions (rd_conditions). Pure: facts in, an answer out."""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext as _

from subsidies.explain.months import DUE, NOT_PAYABLE, NOT_YET_DUE, PAID, AnswerWords, Condition, PaidLine
from subsidies.rules.params import ParamTimeline
from subsidies.rules.rd_award import (
    C_FILING,
    C_MEASURE,
    C_SPEND,
    C_VERIFIED,
    DeclarationFact,
    RDCondition,
    YinchuanFiling,
    rd_due,
)


@dataclass(frozen=True)
class PendingDeclaration:
    """A declaration the enterprise submitted that staff have not verified yet."""

    id: int
    submitted_on: dt.date
    declared_amount: Decimal


def _yuan(amount: Decimal) -> str:
    return _("%(amount)s元") % {"amount": f"{amount:,.2f}"}


def condition_text(c: RDCondition, *, year: int, centre_ref: str, pending: PendingDeclaration | None) -> str:
    """The failed condition in plain Chinese, naming its facts."""
    if c.code == C_MEASURE:
        return _("%(year)s年度早于银川市办法的适用起始日期(%(since)s)") % {
            "year": year,
            "since": c.fact("since").isoformat(),
        }
    if c.code == C_FILING:
        return _("研发中心(%(ref)s)的银川市备案在%(year)s年度未获批生效") % {"ref": centre_ref, "year": year}
    if c.code == C_VERIFIED:
        if pending is not None:
            return _("%(year)s年度研发投入尚未核定(已于%(on)s申报%(amount)s,待银川市科技局核定)") % {
                "year": year,
                "on": pending.submitted_on.isoformat(),
                "amount": _yuan(pending.declared_amount),
            }
        return _("尚未申报%(year)s年度研发投入(须附研发费用专项审计报告)") % {"year": year}
    if c.code == C_SPEND:
        return _("%(year)s年度核定研发投入为%(amount)s,奖励为0") % {"year": year, "amount": _yuan(c.fact("verified"))}
    raise ValueError(f"未知的不予发放原因“{c.code}” / unknown reason code")


def condition_remedy(c: RDCondition, *, pending: PendingDeclaration | None) -> str:
    """What would make the year payable; empty where nothing the enterprise or staff can do changes it."""
    if c.code == C_FILING:
        return _("研发中心的银川市备案获批并在该年度生效(如生效日期登记有误,由银川市科技局更正)")
    if c.code == C_VERIFIED:
        return _("银川市科技局完成核定") if pending is not None else _("申报该年度研发投入并上传研发费用专项审计报告")
    if c.code == C_SPEND:
        return _("对研发投入核定提出异议申诉并经更正核定金额")
    return ""


@dataclass(frozen=True)
class YearAnswer(AnswerWords):
    year: int
    status: str
    amount: Decimal | None = None  # paid so far (paid), due (due, not yet due)
    lines: tuple[PaidLine, ...] = ()
    conditions: tuple[Condition, ...] = ()
    arrears: bool = False
    next_period: str = ""
    adjustment: Decimal | None = None  # paid: the difference a revised verification still makes (+ pay, - recover)
    in_run: str = ""  # due: the period of a run not yet approved that already holds the line
    submission: int | None = None  # the year's latest verified declaration (an objection may name it)

    @property
    def summary(self) -> str:
        """The answer in one sentence, as the page and the API give it."""
        sep = _(";")
        if self.status == PAID:
            paid = sep.join(
                (
                    _("%(period)s年度奖励批次补发%(amount)s(发放明细#%(id)s)")
                    if ln.is_arrears
                    else _("%(period)s年度奖励批次发放%(amount)s(发放明细#%(id)s)")
                )
                % {"period": ln.run_period, "amount": _yuan(ln.amount), "id": ln.id}
                for ln in self.lines
            )
            text = _("%(year)s年度研发投入奖励已发放%(amount)s:%(lines)s") % {
                "year": self.year,
                "amount": _yuan(self.amount),
                "lines": paid,
            }
            if self.adjustment:
                words = {"amount": _yuan(abs(self.adjustment)), "period": self.next_period}
                text += (
                    sep
                    + (
                        _("核定研发投入修订后应补发差额%(amount)s,将在%(period)s年度奖励批次中调整")
                        if self.adjustment > 0
                        else _("核定研发投入修订后应收回差额%(amount)s,将在%(period)s年度奖励批次中调整")
                    )
                    % words
                )
            return text
        words = {"year": self.year, "amount": _yuan(self.amount) if self.amount is not None else ""}
        if self.status == DUE:
            if self.in_run:
                return _("%(year)s年度研发投入奖励符合条件,应发%(amount)s,已列入%(run)s年度奖励批次,待审批后发放") % {
                    **words,
                    "run": self.in_run,
                }
            text = (
                _("%(year)s年度研发投入奖励符合条件,应发%(amount)s,将在%(period)s年度奖励批次中补发")
                if self.arrears
                else _("%(year)s年度研发投入奖励符合条件,应发%(amount)s,将在%(period)s年度奖励批次中发放")
            )
            return text % {**words, "period": self.next_period}
        if self.status == NOT_YET_DUE:
            text = _("%(year)s年度尚未结束,年度结束后申报研发投入(附审计报告),经银川市科技局核定后发放") % words
            failed = [c.text for c in self.conditions if c.code != C_VERIFIED]
            return text + (_(";目前:%(reasons)s") % {"reasons": sep.join(failed)} if failed else "")
        return _("%(year)s年度研发投入奖励不予发放:%(reasons)s") % {
            **words,
            "reasons": sep.join(c.text for c in self.conditions),
        }

    @property
    def if_remedied(self) -> str:
        """What would make a year not payable payable, and how it would then be paid."""
        if self.status != NOT_PAYABLE:
            return ""
        remedies = self.remedies
        if not remedies:
            return _("该年度所缺条件无法通过补正记录满足。")
        joined = _(",且").join(remedies)
        if any(not c.remedy for c in self.conditions):
            return _("如%(remedies)s,仍有其他不能补正的条件,该年度仍不予发放。") % {"remedies": joined}
        text = (
            _("如%(remedies)s,该年度可在%(period)s年度奖励批次中补发。")
            if self.arrears
            else _("如%(remedies)s,该年度可在%(period)s年度奖励批次中发放。")
        )
        return text % {"remedies": joined, "period": self.next_period}


def year_answer(
    *,
    centre_id: int,
    centre_ref: str,
    year: int,
    declaration: DeclarationFact | None,
    pending: PendingDeclaration | None,
    filings: tuple[YinchuanFiling, ...],
    paid_total: Decimal | None,
    lines: tuple[PaidLine, ...],
    params: ParamTimeline,
    current_year: int,
    next_period: int,
    in_run: str = "",
    submission: int | None = None,
) -> YearAnswer:
    """One centre-year. `paid_total`: the sum of the centre-year's active lines (any run, as the annual run reads
    it; None when never paid); `lines`: those of published runs the reader may see; `current_year`: today's
    (a year not ended is not yet due); `next_period`: the year of the next annual run (an earlier year is
    paid as arrears); `in_run`: the period of an unapproved run holding the year's line."""
    fact = declaration or DeclarationFact(0, centre_id, year, None, 0)
    result = rd_due(fact, filings, paid_total=paid_total, params=params)
    nxt = str(next_period)
    arrears = year < next_period

    def words(c: RDCondition) -> Condition:
        return Condition(
            c.code,
            condition_text(c, year=year, centre_ref=centre_ref, pending=pending),
            condition_remedy(c, pending=pending),
        )

    failed = tuple(words(c) for c in result.conditions if not c.held)
    if lines:
        total = sum((ln.amount for ln in lines), Decimal("0.00"))
        adjustment = result.amount if result.kind == "adjustment" else None
        return YearAnswer(
            year, PAID, total, lines, arrears=True, next_period=nxt, adjustment=adjustment, submission=submission
        )
    if year >= current_year:
        return YearAnswer(year, NOT_YET_DUE, conditions=failed, next_period=nxt)
    if failed:
        return YearAnswer(year, NOT_PAYABLE, conditions=failed, arrears=arrears, next_period=nxt, submission=submission)
    return YearAnswer(year, DUE, result.award, arrears=arrears, next_period=nxt, in_run=in_run, submission=submission)
