"""The words of a why-not answer: each reason the NX-STIPEND rule gives, with its facts, and what would
make the month payable. One wording, shared by the pages, the PDF and the API, in the reader's language
(the catalogue's English; the PDF letters are always rendered in Chinese)."""

import datetime as dt

from django.utils import dateformat
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from subsidies.rules.calendar import month_end, month_start
from subsidies.rules.stipend import Reason


def month_words(month: int) -> str:
    """'2024年5月' (English: 'May 2024')."""
    # Translators: a date format (Django's date-format letters), e.g. 'F Y'
    return dateformat.format(dt.date(month // 12, month % 12 + 1, 1), _("Y年n月"))


def _day(day: dt.date | None) -> str:
    return day.isoformat() if day else _("长期")


def _md(day: dt.date) -> str:
    # Translators: a date format (Django's date-format letters), e.g. 'F j'
    return dateformat.format(day, _("n月j日"))


def _partial_cause(reason: Reason, month: int) -> tuple[str, str]:
    """(what the gap is, its cause) for a month not covered whole: a start, an end, or the filing's dates."""
    first, last = month_start(month), month_end(month)
    for _a, _b, contract, filing in reason.fact("pieces", ()):
        if first < contract.start <= last:
            return _("未整月在岗"), _("%(day)s入职") % {"day": _md(contract.start)}
        end = contract.last_day
        if end is not None and first <= end < last:
            left = _("%(day)s离职") if contract.terminated_on == end else _("%(day)s合同到期")
            return _("未整月在岗"), left % {"day": _md(end)}
        window = filing.window()
        if window and first < window[0] <= last:
            return _("备案未覆盖整月"), _("自治区备案自%(day)s起生效") % {"day": _md(window[0])}
        if window and window[1] is not None and first <= window[1] < last:
            return _("备案未覆盖整月"), _("自治区备案于%(day)s终止") % {"day": _md(window[1])}
    return _("未整月在岗或备案未覆盖整月"), _("按整月计发")


def _pending_degree(reason: Reason):
    degrees = [d for d in reason.fact("degrees", ()) if d.verified_at is None]
    return max(degrees, key=lambda d: d.submitted_on or dt.date.min, default=None)


def _degree_text(code: str, degree) -> str:
    submitted = degree.submitted_on.isoformat() if degree and degree.submitted_on else ""
    if code == "unverified":
        text = _("学历未核验(已于%(on)s提交,待科技厅核验)") if submitted else _("学历未核验(待科技厅核验)")
    elif code == "returned":
        text = (
            _("学历核验被退回补正(已于%(on)s提交,待申报单位补正)")
            if submitted
            else _("学历核验被退回补正(待申报单位补正)")
        )
    else:
        text = (
            _("学历不予核验(已于%(on)s提交,科技厅已作出不予核验决定)")
            if submitted
            else _("学历不予核验(科技厅已作出不予核验决定)")
        )
    return text % {"on": submitted} if submitted else text


def reason_text(reason: Reason, month: int) -> str:
    """The failed condition in plain words, naming its facts, e.g. 合同期限不足5年(2024-04-01至2029-03-30)."""
    code = reason.code
    contract = reason.fact("contract")
    when = month_words(month)
    if code == "no_contract":
        return _("无聘用合同")
    if code == "part_time":
        return _("非全职合同(%(ref)s,%(start)s起)") % {"ref": contract.centre_ref, "start": _day(contract.start)}
    if code == "joint":
        return _("联合研发机构不适用(%(ref)s)") % {"ref": contract.centre_ref}
    if code == "short_term":
        return _("合同期限不足%(years)s年(%(start)s至%(end)s)") % {
            "years": reason.fact("years"),
            "start": _day(contract.start),
            "end": _day(contract.end),
        }
    if code == "no_filing":
        return _("所在研发中心(%(ref)s)的自治区备案在%(month)s未生效") % {"ref": contract.centre_ref, "month": when}
    if code == "partial":
        what, cause = _partial_cause(reason, month)
        return _("%(month)s%(what)s(%(cause)s)") % {"month": when, "what": what, "cause": cause}
    if code in ("unverified", "returned", "refused"):
        return _degree_text(code, _pending_degree(reason))
    if code == "no_tier":
        return _("无符合条件的学历(全日制博士或重点院校重点学科硕士)")
    if code == "cap":
        return _("已领满%(max)s个月") % {"max": reason.fact("max")}
    if code == "before_measure":
        return _("%(month)s早于自治区办法的适用日期(%(since)s)") % {
            "month": when,
            "since": reason.fact("since").isoformat(),
        }
    if code == "outside_contract":
        return _("%(month)s不在任何聘用合同期内") % {"month": when}
    raise ValueError(f"未知的不予发放原因“{code}” / unknown reason code")


# what would make the month payable; empty where nothing the enterprise or staff can do changes it
REMEDIES = {
    "no_contract": gettext_noop("登记与研发中心签订的全职聘用合同"),
    "part_time": gettext_noop("与独立研发中心签订全职聘用合同"),
    "joint": "",
    "short_term": gettext_noop("续签或变更聘用合同,使合同期限达到要求的年限,并在平台更正合同日期"),
    "no_filing": gettext_noop("研发中心的自治区备案获批并生效(如生效日期登记有误,由科技厅更正)"),
    "partial": gettext_noop("如入职、离职或备案日期登记有误,更正记录后按整月重新核定"),
    "unverified": gettext_noop("科技厅完成学历核验"),
    "returned": gettext_noop("申报单位按退回意见补正学历材料,再经科技厅核验"),
    "refused": gettext_noop("如认为不予核验有误,可提出异议申诉"),
    "no_tier": gettext_noop("登记并核验全日制博士或重点院校重点学科硕士学历"),
    "cap": "",
    "before_measure": "",
    "outside_contract": gettext_noop("如合同起止日期登记有误,更正合同记录"),
}


def reason_remedy(reason: Reason) -> str:
    remedy = REMEDIES[reason.code]
    return _(remedy) if remedy else ""
