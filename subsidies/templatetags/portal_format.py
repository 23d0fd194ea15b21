"""Formatting for the portal's pages: amounts as ¥1,234.56, dates as 2024年6月1日 in Chinese and
2024-06-01 in English. Bad input renders as an empty string, never a 500."""

from decimal import Decimal, InvalidOperation

from django import template
from django.utils.translation import gettext, gettext_lazy

from accounts.dates import cn_date, cn_datetime, cn_period
from subsidies.explain.lines import DEGREE_LABELS, MONTH_RULE_LABELS
from subsidies.money import format_yuan

register = template.Library()
register.filter("cn_date", cn_date)
register.filter("cn_datetime", cn_datetime)
register.filter("cn_period", cn_period)


@register.filter
def yuan(value) -> str:
    """¥1,234.56 (the one money formatter, subsidies.money.format_yuan)."""
    if value is None or value == "":
        return ""
    try:
        return format_yuan(Decimal(str(value)))
    except (InvalidOperation, TypeError, ValueError):
        return ""


@register.filter
def percent(done, total) -> int:
    """Whole percent of done/total, 0-100 (a progress bar's width)."""
    try:
        done, total = int(done or 0), int(total or 0)
    except (TypeError, ValueError):
        return 0
    if total <= 0:
        return 0
    return max(0, min(100, done * 100 // total))


@register.simple_tag(takes_context=True)
def page_url(context, param: str, number) -> str:
    """The current URL's query string with `param` set to `number` (other filters kept)."""
    query = context["request"].GET.copy()
    query[param] = str(number)
    return "?" + query.urlencode()


@register.filter
def filing_status(value) -> str:
    """A filing status code as its Chinese label (approved -> 已备案)."""
    from registry.models import FilingStatus

    try:
        return str(FilingStatus(value).label)
    except ValueError:
        return str(value or "")


@register.filter
def share(used, budget) -> str:
    """used / budget as a percentage with one decimal (12.5%)."""
    try:
        used, budget = Decimal(str(used)), Decimal(str(budget))
    except (InvalidOperation, TypeError, ValueError):
        return ""
    if budget <= 0:
        return "—"
    return f"{(used * 100 / budget).quantize(Decimal('0.1'))}%"


@register.filter
def masked_beneficiary(line) -> str:
    """A person's ID number is masked in lists; an enterprise's USCC is public."""
    from talent.identity import mask_id

    return mask_id(line.beneficiary) if line.researcher_id else line.beneficiary


@register.filter
def param_label(name) -> str:
    """A policy parameter by the name a person knows (全日制博士月补助(元)), never its key."""
    from subsidies.parameters.forms import PARAMETER_LABELS

    return str(PARAMETER_LABELS.get(name, name))


# the stipend tiers by the names people know, in the page's language (the explanation records the Chinese)
TIER_LABELS = {"doctorate": gettext_lazy("全日制博士"), "master": gettext_lazy("重点院校重点学科硕士")}


@register.filter
def tier_label(tier, recorded: str = "") -> str:
    """A stipend tier (doctorate / master) as its label; an unknown tier falls back to the recorded label."""
    label = TIER_LABELS.get(tier)
    return str(label) if label is not None else (recorded or str(tier or ""))


@register.filter
def degree_label(level) -> str:
    """A degree level as the explanation's shared word for it (subsidies.explain.lines), in the page's language."""
    label = DEGREE_LABELS.get(level)
    return gettext(label) if label is not None else str(level or "")


@register.filter
def month_rule_label(rule) -> str:
    """How a month is counted (whole_month / daily_prorata) in the shared words, in the page's language."""
    label = MONTH_RULE_LABELS.get(rule)
    return gettext(label) if label is not None else str(rule or "")
