"""The words of a why-not answer: each reason the NX-STIPEND rule gives, with its facts, and what would
make the month payable. One wording, shared by the pages, the PDF and the API (issue 16 §1-2)."""

import datetime as dt

from subsidies.rules.calendar import month_end, month_start
from subsidies.rules.stipend import Reason


def month_words(month: int) -> str:
    """'2024年5月'"""
    return f"{month // 12}年{month % 12 + 1}月"


def _day(day: dt.date | None) -> str:
    return day.isoformat() if day else "长期"


def _md(day: dt.date) -> str:
    return f"{day.month}月{day.day}日"


def _partial_cause(reason: Reason, month: int) -> tuple[str, str]:
    """(what the gap is, its cause) for a month not covered whole: a start, an end, or the filing's dates."""
    first, last = month_start(month), month_end(month)
    for _a, _b, contract, filing in reason.fact("pieces", ()):
        if first < contract.start <= last:
            return "未整月在岗", f"{_md(contract.start)}入职"
        end = contract.last_day
        if end is not None and first <= end < last:
            return "未整月在岗", f"{_md(end)}{'离职' if contract.terminated_on == end else '合同到期'}"
        window = filing.window()
        if window and first < window[0] <= last:
            return "备案未覆盖整月", f"自治区备案自{_md(window[0])}起生效"
        if window and window[1] is not None and first <= window[1] < last:
            return "备案未覆盖整月", f"自治区备案于{_md(window[1])}终止"
    return "未整月在岗或备案未覆盖整月", "按整月计发"


def _pending_degree(reason: Reason):
    degrees = [d for d in reason.fact("degrees", ()) if d.verified_at is None]
    return max(degrees, key=lambda d: d.submitted_on or dt.date.min, default=None)


def reason_text(reason: Reason, month: int) -> str:
    """The failed condition in plain Chinese, naming its facts, e.g. 合同期限不足5年(2024-04-01至2029-03-30)."""
    code = reason.code
    contract = reason.fact("contract")
    if code == "no_contract":
        return "无聘用合同"
    if code == "part_time":
        return f"非全职合同({contract.centre_ref},{_day(contract.start)}起)"
    if code == "joint":
        return f"联合研发机构不适用({contract.centre_ref})"
    if code == "short_term":
        return f"合同期限不足{reason.fact('years')}年({_day(contract.start)}至{_day(contract.end)})"
    if code == "no_filing":
        return f"所在研发中心({contract.centre_ref})的自治区备案在{month_words(month)}未生效"
    if code == "partial":
        what, cause = _partial_cause(reason, month)
        return f"{month_words(month)}{what}({cause})"
    if code in ("unverified", "returned", "refused"):
        degree = _pending_degree(reason)
        when = f"已于{degree.submitted_on.isoformat()}提交," if degree and degree.submitted_on else ""
        if code == "unverified":
            return f"学历未核验({when}待科技厅核验)"
        if code == "returned":
            return f"学历核验被退回补正({when}待申报单位补正)"
        return f"学历不予核验({when}科技厅已作出不予核验决定)"
    if code == "no_tier":
        return "无符合条件的学历(全日制博士或重点院校重点学科硕士)"
    if code == "cap":
        return f"已领满{reason.fact('max')}个月"
    if code == "before_measure":
        return f"{month_words(month)}早于自治区办法的适用日期({reason.fact('since').isoformat()})"
    if code == "outside_contract":
        return f"{month_words(month)}不在任何聘用合同期内"
    raise ValueError(f"未知的不予发放原因“{code}” / unknown reason code")


# what would make the month payable; empty where nothing the enterprise or staff can do changes it
REMEDIES = {
    "no_contract": "登记与研发中心签订的全职聘用合同",
    "part_time": "与独立研发中心签订全职聘用合同",
    "joint": "",
    "short_term": "续签或变更聘用合同,使合同期限达到要求的年限,并在平台更正合同日期",
    "no_filing": "研发中心的自治区备案获批并生效(如生效日期登记有误,由科技厅更正)",
    "partial": "如入职、离职或备案日期登记有误,更正记录后按整月重新核定",
    "unverified": "科技厅完成学历核验",
    "returned": "申报单位按退回意见补正学历材料,再经科技厅核验",
    "refused": "如认为不予核验有误,可提出异议申诉",
    "no_tier": "登记并核验全日制博士或重点院校重点学科硕士学历",
    "cap": "",
    "before_measure": "",
    "outside_contract": "如合同起止日期登记有误,更正合同记录",
}


def reason_remedy(reason: Reason) -> str:
    return REMEDIES[reason.code]
