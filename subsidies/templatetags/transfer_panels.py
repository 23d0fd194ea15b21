"""The enterprise dashboard's money panel: each month as 已核定 / 已拨付 / 已到账 / 退回. A
panel the registry's dashboard includes, so the registry app does not import the transfers' selectors."""

from django import template

from subsidies.transfers.selectors import enterprise_months

register = template.Library()


@register.inclusion_tag("subsidies/transfers/_months.html", takes_context=True)
def enterprise_money_months(context, limit: int = 12):
    return {"months": enterprise_months(actor=context["request"].user, limit=limit), "panel": True}
