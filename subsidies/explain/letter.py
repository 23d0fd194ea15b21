"""A payout line (or a month the rule finds payable) read like a decision letter: its inputs, each
condition with whether it held, each parameter value with its effective date and legal basis, then the amount.
One wording, used by the month page, the 个人补助核定说明 PDF and the API."""

from dataclasses import dataclass
from decimal import Decimal

from django.template.loader import render_to_string
from django.utils import timezone, translation

from subsidies.explain.lines import DEGREE_LABELS, MONTH_RULE_LABELS, explain_line
from subsidies.explain.selectors import researcher_months, visible_lines
from subsidies.exports.pdf import _write_pdf, require_cjk_font
from subsidies.rules.rd_award import RULE as RD_AWARD
from subsidies.rules.stipend import RULE as STIPEND

PARAM_LABEL = {
    "nx_stipend.doctorate_monthly": "全日制博士月补助标准",
    "nx_stipend.master_monthly": "重点院校重点学科硕士月补助标准",
    "nx_stipend.max_months": "累计补助月数上限",
    "nx_stipend.min_contract_years": "聘用合同最短年限",
    "nx_stipend.month_rule": "计月规则",
    "yc_rd.rate": "研发投入奖励比例",
    "yc_rd.cap": "年度奖励上限(元)",
}


@dataclass(frozen=True)
class Item:
    text: str
    held: bool | None = None  # a condition: whether it held; None for an input or a figure

    @property
    def mark(self) -> str:
        return "" if self.held is None else ("符合" if self.held else "不符合")


@dataclass(frozen=True)
class Section:
    title: str
    items: tuple[Item, ...]


def _to(day) -> str:
    return day or "长期"


def _param_text(p: dict, rule: str = STIPEND) -> str:
    value = MONTH_RULE_LABELS.get(p.get("value"), p.get("value"))
    label = PARAM_LABEL.get(p.get("name"), p.get("name"))
    return f"{label}:{value}(自{p.get('effective_from')}起施行;依据:{p.get('legal_reference', '')};平台规则 {rule})"


def stipend_sections(x: dict, amount: Decimal) -> list[Section]:
    """The NX-STIPEND explanation a run stores (subsidies.rules.stipend.stipend_due) as a letter."""
    c, d, f = x.get("contract") or {}, x.get("degree") or {}, x.get("filing") or {}
    covered, days = x.get("covered_days"), x.get("days_in_month")
    month = x.get("service_month", "")
    inputs = (
        Item(
            f"聘用合同:{c.get('centre', '')},{c.get('start')}至{_to(c.get('end'))}"
            f"{',全职' if c.get('full_time') else ',非全职'}"
            + (f",已于{c['terminated_on']}解除" if c.get("terminated_on") else "")
        ),
        Item(
            f"学历:{'全日制' if d.get('full_time') else '非全日制'}{DEGREE_LABELS.get(d.get('level'), d.get('level', ''))}"
            f"{'(重点学科)' if d.get('key_discipline') else ''},{d.get('awarded_on')}授予;"
            f"核验:{(d.get('verified_at') or '')[:10]} {d.get('verified_by') or ''}".rstrip()
        ),
        Item(
            f"自治区备案:自{f.get('effective_from')}起"
            + (f"至{f['effective_to']}" if f.get("effective_to") else "有效")
        ),
    )
    conditions = (
        Item("全职聘用合同,所在研发中心为独立研发中心", bool(c.get("full_time"))),
        Item(
            f"合同期限不少于{c.get('min_contract_years')}年({c.get('start')}至{_to(c.get('end'))})",
            bool(c.get("term_qualifies")),
        ),
        Item(f"所在研发中心的自治区备案在{month}生效", True),
        Item(
            f"{month}在岗{covered}/{days}天({MONTH_RULE_LABELS.get(x.get('month_rule'), x.get('month_rule'))})",
            covered == days or x.get("month_rule") == "daily_prorata",
        ),
        Item(f"学历符合档次:{x.get('tier_label', '')},且已核验", True),
        Item(
            f"累计补助未满{x.get('max_months')}个月(发放前已领{x.get('months_used_before')}个月)",
            (x.get("months_used_before") or 0) < (x.get("max_months") or 0),
        ),
    )
    params = tuple(Item(_param_text(p)) for p in x.get("parameters") or [])
    figure = f"核定金额:{amount}元({x.get('tier_label', '')},{month})"
    if x.get("arrears"):
        figure += f";补发:所属月份早于发放批次期间{x.get('run_period', '')}"
    return [
        Section("一、认定依据的记录", inputs),
        Section("二、条件及认定", conditions),
        Section("三、适用的参数及政策依据", params),
        Section("四、核定金额", (Item(figure),)),
    ]


def rd_sections(x: dict, amount: Decimal, kind: str = "regular") -> list[Section]:
    """The YC-RD explanation a run stores (subsidies.rules.rd_award.rd_due) as a letter: the declaration and the
    Yinchuan filing, the rule's conditions (a line exists only when each held), the rate and cap in force on
    1 January of the year, then the award (or the adjustment against what was paid before)."""
    year = x.get("year", "")
    f = x.get("filing") or {}
    windows = ";".join(f"{a}至{_to(b)}" for a, b in f.get("windows") or [])
    inputs = (
        Item(
            f"研发投入申报:{year}年度,核定研发投入{x.get('verified_amount')}元(第{x.get('declaration_revision', 1)}版)"
        ),
        Item(f"银川市备案:{windows or '无'}"),
    )
    conditions = (
        Item(f"{year}年度不早于银川市办法的适用起始年度", True),
        Item(f"研发中心的银川市备案在{year}年度获批生效", bool(f)),
        Item(f"{year}年度研发投入已经银川市科技局核定", x.get("verified_amount") is not None),
    )
    params = tuple(Item(_param_text(p, RD_AWARD)) for p in x.get("parameters") or [])
    figure = f"核定奖励:{x.get('award')}元(核定研发投入×奖励比例{',已达年度上限' if x.get('capped') else ''})"
    figures = [Item(figure)]
    if kind == "adjustment":
        figures.append(Item(f"此前已发{x.get('paid_before')}元,本次调整{amount}元"))
    else:
        figures.append(Item(f"本次发放:{amount}元"))
    if x.get("arrears"):
        figures.append(Item(f"补发:所属年度早于发放批次期间{x.get('run_period', '')}"))
    return [
        Section("一、认定依据的记录", inputs),
        Section("二、条件及认定", conditions),
        Section("三、适用的参数及政策依据", params),
        Section("四、核定金额", tuple(figures)),
    ]


def month_letter(answer) -> list[Section] | None:
    """The letter for a month the rule finds payable (not yet paid): its explanation as the run would store it."""
    if not answer.explanation:
        return None
    return stipend_sections(answer.explanation, answer.amount)


def line_sections(line) -> list[Section]:
    x = {**((line.explanation_basis.body if line.explanation_basis_id else None) or {}), **(line.explanation or {})}
    if line.rule == STIPEND:
        return stipend_sections(x, line.amount)
    if line.rule == RD_AWARD:
        return rd_sections(x, line.amount, line.kind)
    return [
        Section("计算依据", tuple(Item(r) for r in explain_line(line))),
        Section("核定金额", (Item(f"核定金额:{line.amount}元"),)),
    ]


def sections_body(sections) -> list[dict]:
    """The same letter as JSON (API)."""
    return [
        {"title": s.title, "items": [{"text": i.text, "held": i.held, "mark": i.mark} for i in s.items]}
        for s in sections
    ]


def line_letter_body(line) -> dict:
    """A payout line's decision letter for the API: the very sections the month page and the
    个人补助核定说明 PDF render (line_sections)."""
    return {
        "line": line.pk,
        "rule": line.rule,
        "service_period": line.service_period,
        "amount": str(line.amount),
        "sections": sections_body(line_sections(line)),
    }


def person_letter_pdf(*, actor, researcher) -> bytes:
    """个人补助核定说明: each NX-STIPEND line paid to the person, as a decision letter, and the months not paid
    with their reasons. An official document: always in Chinese, whatever the reader's page language."""
    require_cjk_font()
    with translation.override("zh-hans"):
        lines = [(ln, line_sections(ln)) for ln in visible_lines(actor=actor, researcher=researcher)]
        unpaid = [a for a in researcher_months(actor=actor, researcher=researcher) if a.status == "not_payable"]
        html = render_to_string(
            "exports/person_letter.html",
            {
                "researcher": researcher,
                "lines": lines,
                "unpaid": unpaid,
                "printed_at": timezone.localtime(),
                "printed_by": actor.display_name,
            },
        )
    return _write_pdf(html)[0]
