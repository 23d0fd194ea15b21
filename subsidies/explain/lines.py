"""A payout line's stored explanation in words: the reasons the 计算依据附表 (appendix PDF) prints for each
line, and the words for the codes an explanation records (degree level, month rule) that the run page's
explanation (templates/subsidies/_explanation.html, through portal_format's filters), the decision letter
(letter.py) and the appendix share. One wording for each rule: NX-STIPEND, YC-RD and the one-time or evaluated
grants (POLICY §2). Pure: it reads the explanation dict the rule stored, never the database."""

from decimal import Decimal

from django.utils.translation import gettext_noop

from subsidies.money import format_yuan
from subsidies.rules.rd_award import RULE as RD_AWARD
from subsidies.rules.stipend import RULE as STIPEND

# the words for the codes an explanation records; gettext_noop: the documents print them in Chinese, the pages
# translate them (subsidies/templatetags/portal_format.py)
DEGREE_LABELS = {"doctorate": gettext_noop("博士"), "master": gettext_noop("硕士"), "bachelor": gettext_noop("学士")}
MONTH_RULE_LABELS = {"whole_month": gettext_noop("按整月计发"), "daily_prorata": gettext_noop("按日折算")}
ORIGIN_LABELS = {
    "application": "企业申报,经初审、复审核定",
    "evaluation": "三年一次综合绩效评估结果",
    "assessment": "年度考核结果",
    "recognition": "认定结果",
}
STEP_LABELS = {"submit": "提交申报", "first_review": "初审", "approval": "复审核定", "return": "退回修改"}
DECISION_LABELS = {
    "submitted": "已提交",
    "first_reviewed": "初审通过",
    "returned": "退回修改",
    "approved": "已核准",
    "rejected": "不予支持",
}
KIND_LABELS = {"independent": "独立研发机构", "joint": "联合研发机构"}


def grant_bounds(info, centre_kind: str | None) -> str:
    """The programme's amount type and bounds as the document prints them (POLICY §2)."""
    if info is None or info.amount_max is None:
        return ""
    high = info.joint_amount_max if centre_kind == "joint" and info.joint_amount_max is not None else info.amount_max
    if info.amount_type == "fixed":
        return f"定额 {format_yuan(high)}"
    if info.amount_type == "capped":
        return f"最高限额:不超过 {format_yuan(high)}"
    return f"区间:{format_yuan(info.amount_min)} 至 {format_yuan(high)}"


def _grant_reasons(line, x: dict, info) -> list[str]:
    """A one-time or evaluated grant: the programme and its legal reference, how the award arose, for whom
    and for which period, each review step (who, when, amount) and the amount's type and bounds."""
    out = []
    name = x.get("programme") or (info.name if info else "")
    measure = info.measure if info else ""
    out.append(f"项目:{line.rule} {name}{',依据' + measure if measure else ''}")
    legal = x.get("legal_reference") or (info.legal_reference if info else "")
    if legal:
        out.append(f"政策原文:{legal}")
    who = []
    c = x.get("centre") or {}
    if c:
        who.append(
            f"研发中心 {c.get('ref', '')} {c.get('name', '')}"
            f"{'(' + KIND_LABELS[c['kind']] + ')' if c.get('kind') in KIND_LABELS else ''}"
        )
    i = x.get("incubator") or {}
    if i:
        who.append(f"飞地孵化器 {i.get('ref', '')} {i.get('name', '')}")
    r = x.get("researcher") or {}
    if r:
        who.append(f"研发人员 {r.get('name', '')}")
    origin = ORIGIN_LABELS.get(x.get("origin"), x.get("origin") or "")
    out.append(f"产生方式:{origin}" + (f";受益对象:{'、'.join(who)}" if who else ""))
    when = []
    if x.get("evaluation_period"):
        when.append(f"评估期 {x['evaluation_period']}")
    if x.get("year"):
        when.append(f"年度 {x['year']}")
    if x.get("award_programme"):
        when.append(f"获批奖励/项目 {x['award_programme']}")
    if x.get("decided_on"):
        when.append(f"核定日期 {x['decided_on']}")
    if when:
        out.append(";".join(when))
    for step in x.get("approvals") or []:
        at = (step.get("at") or "")[:16].replace("T", " ")
        amount = f",核定金额 {format_yuan(Decimal(step['amount']))}" if step.get("amount") else ""
        comment = f",意见:{step['comment']}" if step.get("comment") else ""
        out.append(
            f"{STEP_LABELS.get(step.get('step'), step.get('step', ''))}:"
            f"{DECISION_LABELS.get(step.get('decision'), step.get('decision', ''))},{step.get('by', '')},"
            f"{at}{amount}{comment}"
        )
    bounds = grant_bounds(info, c.get("kind") if c else None)
    amount = x.get("amount")
    out.append(
        f"核定金额 {format_yuan(Decimal(amount)) if amount else format_yuan(line.amount)}"
        + (f"({bounds})" if bounds else "")
    )
    return out


def _filing_words(authority: str, f: dict) -> str:
    """The filing a line rests on, as the documents print it: 自治区备案 for NX-STIPEND, 银川市备案 for YC-RD."""
    until = "至 " + f["effective_to"] if f.get("effective_to") else "有效"
    return f"{authority}备案:自 {f.get('effective_from', '')} 起{until}"


def explain_line(line, info=None) -> list[str]:
    """A line's reasons in Chinese, from the explanation its rule stored: NX-STIPEND, YC-RD, or a one-time
    or evaluated grant (`info`: the document's RuleInfo for the line's rule, for the bounds)."""
    x = line.explanation or {}
    out = []
    if line.rule == STIPEND:
        out.append(
            f"档次:{x.get('tier_label') or x.get('tier', '')};服务月份 {x.get('service_month', line.service_period)}"
            f",在岗 {x.get('covered_days', '?')}/{x.get('days_in_month', '?')} 天(口径 {x.get('month_rule', '')})"
        )
        out.append(
            f"已享受月数:发放前 {x.get('months_used_before', '?')} 个月,发放后 {x.get('months_used_after', '?')} 个月"
            f"(上限 {x.get('max_months', '?')} 个月)"
        )
        c = x.get("contract") or {}
        if c:
            out.append(
                f"合同:{c.get('centre', '')} {c.get('start', '')} 至 {c.get('end') or '无固定期限'}"
                f"{',全职' if c.get('full_time') else ''}{',已于' + c['terminated_on'] + '解除' if c.get('terminated_on') else ''}"
                f"(须不少于 {c.get('min_contract_years', '?')} 年)"
            )
        d = x.get("degree") or {}
        if d:
            out.append(
                f"学位:{DEGREE_LABELS.get(d.get('level'), d.get('level', ''))}"
                f"{'(全日制)' if d.get('full_time') else ''}{',重点学科' if d.get('key_discipline') else ''}"
                f",授予 {d.get('awarded_on', '')}"
            )
        if x.get("filing"):
            out.append(_filing_words("自治区", x["filing"]))
    elif line.rule == RD_AWARD:
        out.append(
            f"年度 {x.get('year', line.service_period)}:核定研发投入 ¥{x.get('verified_amount')},"
            f"奖励 ¥{x.get('award')}{'(已达上限)' if x.get('capped') else ''}"
            f"{',此前已发 ¥' + x['paid_before'] if x.get('paid_before') else ''}"
            f"(申报第 {x.get('declaration_revision', 1)} 版)"
        )
        if x.get("filing"):
            out.append(_filing_words("银川市", x["filing"]))
    elif x.get("approvals") is not None or x.get("programme"):
        out += _grant_reasons(line, x, info)
    if x.get("arrears"):
        out.append(f"补发:所属期间早于批次期间 {x.get('run_period', '')}")
    for p in x.get("parameters") or []:
        out.append(
            f"参数 {p.get('name')} = {p.get('value')}(自 {p.get('effective_from')} 起施行;依据:{p.get('legal_reference', '')})"
        )
    return out
