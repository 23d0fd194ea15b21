"""Why / why not for a YC-RD centre-year (issue 16 §1, "the same for YC-RD years"; POLICY §3 YC-RD): paid (with
the lines), due, not yet due, or not payable with every failed condition in plain Chinese, what would make it
payable and whether it would then be paid as arrears (补发). The verdict is the annual run's own rule,
subsidies.rules.rd_award.rd_due, with its conditions (rd_conditions). Pure: facts in, an answer out."""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from subsidies.explain.months import DUE, NOT_PAYABLE, NOT_YET_DUE, PAID, STATUS_LABEL, Condition, PaidLine
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
    return f"{amount:,.2f}元"


def condition_text(c: RDCondition, *, year: int, centre_ref: str, pending: PendingDeclaration | None) -> str:
    """The failed condition in plain Chinese, naming its facts."""
    if c.code == C_MEASURE:
        return f"{year}年度早于银川市办法的适用起始日期({c.fact('since').isoformat()})"
    if c.code == C_FILING:
        return f"研发中心({centre_ref})的银川市备案在{year}年度未获批生效"
    if c.code == C_VERIFIED:
        if pending is not None:
            return (
                f"{year}年度研发投入尚未核定(已于{pending.submitted_on.isoformat()}申报"
                f"{_yuan(pending.declared_amount)},待银川市科技局核定)"
            )
        return f"尚未申报{year}年度研发投入(须附研发费用专项审计报告)"
    if c.code == C_SPEND:
        return f"{year}年度核定研发投入为{_yuan(c.fact('verified'))},奖励为0"
    raise ValueError(f"未知的不予发放原因“{c.code}” / unknown reason code")


def condition_remedy(c: RDCondition, *, pending: PendingDeclaration | None) -> str:
    """What would make the year payable; empty where nothing the enterprise or staff can do changes it."""
    if c.code == C_FILING:
        return "研发中心的银川市备案获批并在该年度生效(如生效日期登记有误,由银川市科技局更正)"
    if c.code == C_VERIFIED:
        return "银川市科技局完成核定" if pending is not None else "申报该年度研发投入并上传研发费用专项审计报告"
    if c.code == C_SPEND:
        return "对研发投入核定提出异议申诉并经更正核定金额"
    return ""


@dataclass(frozen=True)
class YearAnswer:
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
    def status_label(self) -> str:
        return STATUS_LABEL[self.status]

    @property
    def remedies(self) -> list[str]:
        out = []
        for c in self.conditions:
            if c.remedy and c.remedy not in out:
                out.append(c.remedy)
        return out

    @property
    def summary(self) -> str:
        """The answer in one sentence, as the page and the API give it."""
        y = f"{self.year}年度研发投入奖励"
        if self.status == PAID:
            paid = ";".join(
                f"{ln.run_period}年度奖励批次{'补发' if ln.is_arrears else '发放'}{_yuan(ln.amount)}(发放明细#{ln.id})"
                for ln in self.lines
            )
            text = f"{y}已发放{_yuan(self.amount)}:{paid}"
            if self.adjustment:
                how = "补发" if self.adjustment > 0 else "收回"
                text += f";核定研发投入修订后应{how}差额{_yuan(abs(self.adjustment))},将在{self.next_period}年度奖励批次中调整"
            return text
        if self.status == DUE:
            if self.in_run:
                return f"{y}符合条件,应发{_yuan(self.amount)},已列入{self.in_run}年度奖励批次,待审批后发放"
            how = "补发" if self.arrears else "发放"
            return f"{y}符合条件,应发{_yuan(self.amount)},将在{self.next_period}年度奖励批次中{how}"
        if self.status == NOT_YET_DUE:
            text = f"{self.year}年度尚未结束,年度结束后申报研发投入(附审计报告),经银川市科技局核定后发放"
            failed = [c.text for c in self.conditions if c.code != C_VERIFIED]
            return text + (";目前:" + ";".join(failed) if failed else "")
        return f"{y}不予发放:" + ";".join(c.text for c in self.conditions)

    @property
    def if_remedied(self) -> str:
        """What would make a year not payable payable, and how it would then be paid."""
        if self.status != NOT_PAYABLE:
            return ""
        remedies = self.remedies
        if not remedies:
            return "该年度所缺条件无法通过补正记录满足。"
        if any(not c.remedy for c in self.conditions):
            return "如" + ",且".join(remedies) + ",仍有其他不能补正的条件,该年度仍不予发放。"
        how = "补发" if self.arrears else "发放"
        return "如" + ",且".join(remedies) + f",该年度可在{self.next_period}年度奖励批次中{how}。"


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
