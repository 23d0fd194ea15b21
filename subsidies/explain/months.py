"""The month-by-month answer for one person (pure): paid, payable (due, perhaps as arrears), not yet due, or
not payable with every failed condition in plain words, what would make it payable and whether it would
then be paid as arrears (补发). The verdict is the runs' own: subsidies.rules.stipend.stipend_month_verdict."""

from collections.abc import Collection
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from subsidies.explain.wording import month_words, reason_remedy, reason_text
from subsidies.rules.calendar import month_label
from subsidies.rules.params import ParamTimeline
from subsidies.rules.stipend import PersonFacts, stipend_month_verdict

PAID, PAID_ELSEWHERE, DUE, NOT_YET_DUE, NOT_PAYABLE = "paid", "paid_elsewhere", "due", "not_yet_due", "not_payable"
# for an enterprise: a month payable only under another employer's contract (its details are not disclosed)
OTHER_EMPLOYER = "other_employer"
STATUS_LABEL = {
    PAID: gettext_noop("已发放"),
    PAID_ELSEWHERE: gettext_noop("已发放"),
    DUE: gettext_noop("应发待发"),
    NOT_YET_DUE: gettext_noop("未到发放期"),
    NOT_PAYABLE: gettext_noop("不予发放"),
    OTHER_EMPLOYER: gettext_noop("其他单位"),
}


@dataclass(frozen=True)
class PaidLine:
    """A payout line the reader may see: id, amount, the run's period and state, whether it was arrears."""

    id: int
    amount: Decimal
    run_period: str
    run_state: str
    is_arrears: bool


@dataclass(frozen=True)
class Condition:
    code: str
    text: str
    remedy: str


class AnswerWords:
    """What a month's and a YC-RD year's answers share: the status in words, and each remedy once."""

    status: str
    conditions: tuple[Condition, ...]

    @property
    def status_label(self) -> str:
        return _(STATUS_LABEL[self.status])

    @property
    def remedies(self) -> list[str]:
        out = []
        for c in self.conditions:
            if c.remedy and c.remedy not in out:
                out.append(c.remedy)
        return out


@dataclass(frozen=True)
class MonthAnswer(AnswerWords):
    month: int
    status: str
    amount: Decimal | None = None
    line: PaidLine | None = None
    conditions: tuple[Condition, ...] = ()
    arrears: bool = False  # paid (or, once remedied, to be paid) as arrears in a later month's run
    next_period: str = ""
    explanation: dict | None = field(default=None, compare=False)
    in_run: str = ""  # due: the period of a run not yet approved that already holds the month's line

    @property
    def label(self) -> str:
        return month_label(self.month)

    @property
    def words(self) -> str:
        return month_words(self.month)

    @property
    def summary(self) -> str:
        """The answer in one sentence, as pages, PDF and API give it."""
        words = {"month": self.words}
        if self.status == PAID:
            text = (
                _("%(month)s已于%(period)s期补发%(amount)s元")
                if self.line.is_arrears
                else _("%(month)s已于%(period)s期发放%(amount)s元")
            )
            return text % {**words, "period": self.line.run_period, "amount": self.line.amount}
        if self.status == PAID_ELSEWHERE:
            return _("%(month)s已由其他研发中心发放") % words
        if self.status == OTHER_EMPLOYER:
            return _("%(month)s由其他单位按其聘用合同办理") % words
        if self.status == DUE and self.in_run:
            return _("%(month)s符合条件,应发%(amount)s元,已列入%(run)s期发放批次,待审批后发放") % {
                **words,
                "amount": self.amount,
                "run": self.in_run,
            }
        if self.status == DUE:
            text = (
                _("%(month)s符合条件,应发%(amount)s元,将在%(period)s期发放批次中补发")
                if self.arrears
                else _("%(month)s符合条件,应发%(amount)s元,将在%(period)s期发放批次中发放")
            )
            return text % {**words, "amount": self.amount, "period": self.next_period}
        if self.status == NOT_YET_DUE:
            return _("%(month)s尚未到发放时间;按现有记录,届时可发%(amount)s元") % {**words, "amount": self.amount}
        return _("%(month)s不予发放:%(reasons)s") % {**words, "reasons": _(";").join(c.text for c in self.conditions)}

    @property
    def if_remedied(self) -> str:
        """What would make a month not payable payable, and how it would then be paid."""
        if self.status != NOT_PAYABLE:
            return ""
        remedies = self.remedies
        if not remedies:
            return _("该月所缺条件无法通过补正记录满足。")
        joined = _(",且").join(remedies)
        if len(remedies) < len({c.code for c in self.conditions}):
            return _("如%(remedies)s,仍有其他不能补正的条件,该月仍不予发放。") % {"remedies": joined}
        if self.arrears:
            return _("如%(remedies)s,该月可在%(period)s期发放批次中补发。") % {
                "remedies": joined,
                "period": self.next_period,
            }
        return _("如%(remedies)s,该月可按月发放。") % {"remedies": joined}


def month_answers(
    person: PersonFacts,
    *,
    months: Collection[int],
    paid: Collection[int],
    lines: dict[int, PaidLine],
    params: ParamTimeline,
    current_month: int,
    next_period: int,
    in_runs: dict[int, PaidLine | None] | None = None,
) -> list[MonthAnswer]:
    """Each of `months` for one person. `paid`: every month paid to the person (any centre), or held by an
    active line of a run not yet approved; `lines`: the lines of approved runs the reader may see, by month;
    `in_runs`: the months held by a run not yet approved (its line where the reader may see it, else None);
    `current_month`: today's month (it and later months are not yet due); `next_period`: the period of the
    next monthly run (a month before it is paid as arrears)."""
    out = []
    paid_set = paid if isinstance(paid, (set, frozenset, range)) else set(paid)
    nxt = month_label(next_period)
    in_runs = in_runs or {}
    for m in sorted(months):
        if m in in_runs and m not in lines:
            # computed but not approved: neither paid nor decided (POLICY's four eyes); another employer's
            # run is not disclosed
            held = in_runs[m]
            out.append(
                MonthAnswer(m, DUE, held.amount, arrears=held.is_arrears, next_period=nxt, in_run=held.run_period)
                if held
                else MonthAnswer(m, OTHER_EMPLOYER, next_period=nxt)
            )
            continue
        if m in paid_set:
            line = lines.get(m)
            out.append(
                MonthAnswer(
                    m,
                    PAID if line else PAID_ELSEWHERE,
                    line.amount if line else None,
                    line,
                    arrears=bool(line and line.is_arrears),
                    next_period=nxt,
                )
            )
            continue
        verdict = stipend_month_verdict(person, month=m, paid=paid_set, params=params)
        arrears = m < next_period
        if verdict.payable:
            status = NOT_YET_DUE if m >= current_month else DUE
            out.append(
                MonthAnswer(
                    m,
                    status,
                    verdict.amount,
                    arrears=arrears and status == DUE,
                    next_period=nxt,
                    explanation=verdict.explanation,
                )
            )
            continue
        conditions = tuple(Condition(r.code, reason_text(r, m), reason_remedy(r)) for r in verdict.reasons)
        out.append(MonthAnswer(m, NOT_PAYABLE, conditions=conditions, arrears=arrears, next_period=nxt))
    return out
