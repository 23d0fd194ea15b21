"""HTML forms for the finance pages. Forms check shape only (a well-formed period, a date);
the services decide (period ended, one open run, four eyes, parameter values) and their
refusals are shown on the form."""

import re

from django import forms
from django.utils.translation import gettext_lazy as _

from subsidies.models import RunKind, RunState
from subsidies.rules.rd_award import RULE as RD_AWARD
from subsidies.rules.stipend import RULE as STIPEND

MONTH_RE = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
YEAR_RE = re.compile(r"^\d{4}$")
STARTABLE_KINDS = [(RunKind.MONTHLY.value, RunKind.MONTHLY.label), (RunKind.ANNUAL.value, RunKind.ANNUAL.label)]


class RunStartForm(forms.Form):
    kind = forms.ChoiceField(label=_("批次类型"), choices=STARTABLE_KINDS, initial=RunKind.MONTHLY)
    period = forms.CharField(
        label=_("期间"),
        max_length=7,
        help_text=_("月度补助填写月份,如 2024-06;年度奖励填写年份,如 2024"),
        widget=forms.TextInput(attrs={"placeholder": "2024-06", "autocomplete": "off"}),
    )

    def clean(self):
        data = super().clean()
        kind, period = data.get("kind"), (data.get("period") or "").strip()
        if kind == RunKind.MONTHLY and period and not MONTH_RE.match(period):
            self.add_error("period", _("月度补助的期间应为“年-月”,如 2024-06"))
        elif kind == RunKind.ANNUAL and period and not YEAR_RE.match(period):
            self.add_error("period", _("年度奖励的期间应为四位年份,如 2024"))
        data["period"] = period
        return data


class RunFilterForm(forms.Form):
    kind = forms.ChoiceField(label=_("类型"), required=False, choices=[("", _("全部"))] + list(RunKind.choices))
    state = forms.ChoiceField(label=_("状态"), required=False, choices=[("", _("全部"))] + list(RunState.choices))
    period = forms.CharField(
        label=_("期间"), required=False, max_length=7, widget=forms.TextInput(attrs={"placeholder": "2024 / 2024-06"})
    )


class LineFilterForm(forms.Form):
    rule = forms.ChoiceField(label=_("规则"), required=False)
    centre = forms.CharField(label=_("研发中心编号"), required=False, max_length=32)
    arrears = forms.ChoiceField(
        label=_("补发"), required=False, choices=[("", _("全部")), ("1", _("仅补发")), ("0", _("仅当期"))]
    )
    q = forms.CharField(
        label=_("受益人"),
        required=False,
        max_length=64,
        widget=forms.TextInput(attrs={"placeholder": _("姓名或证件号")}),
    )

    def __init__(self, *args, rules=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["rule"].choices = [("", _("全部"))] + [(r, r) for r in sorted({STIPEND, RD_AWARD, *rules})]


class BudgetForm(forms.Form):
    """The budget page's form. The amount is text on purpose: the service parses it and says, in
    Chinese, what is wrong with it (not a number, not positive, more than two decimals)."""

    rule = forms.ChoiceField(label=_("规则/项目"))
    year = forms.IntegerField(label=_("预算年度"), widget=forms.NumberInput(attrs={"inputmode": "numeric"}))
    amount = forms.CharField(
        label=_("预算金额(元)"),
        max_length=32,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "placeholder": "3000000.00", "autocomplete": "off"}),
    )
    reference = forms.CharField(
        label=_("批复文号"), max_length=128, widget=forms.TextInput(attrs={"placeholder": "宁科发〔2024〕12号"})
    )
    note = forms.CharField(label=_("说明"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, rules=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["rule"].choices = list(rules)
