"""HTML forms for the finance pages. Forms check shape only (a well-formed period, a date);
the services decide (period ended, one open run, four eyes, parameter values) and their
refusals are shown on the form."""

import re

from django import forms
from django.utils.translation import gettext_lazy as _

from subsidies.models import RunKind, RunState
from subsidies.rules.params import DEFAULTS
from subsidies.rules.rd_award import RULE as RD_AWARD
from subsidies.rules.stipend import RULE as STIPEND

MONTH_RE = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
YEAR_RE = re.compile(r"^\d{4}$")
STARTABLE_KINDS = [(RunKind.MONTHLY.value, RunKind.MONTHLY.label), (RunKind.ANNUAL.value, RunKind.ANNUAL.label)]
PARAMETER_LABELS = {
    "nx_stipend.doctorate_monthly": _("全日制博士月补助(元)"),
    "nx_stipend.master_monthly": _("重点院校重点学科硕士月补助(元)"),
    "nx_stipend.max_months": _("每人累计最多补助月数"),
    "nx_stipend.min_contract_years": _("聘用合同最短年限"),
    "nx_stipend.month_rule": _("计月规则(整月计发或按日折算)"),
    "yc_rd.rate": _("研发投入奖励比例"),
    "yc_rd.cap": _("研发投入奖励上限(元)"),
    "nx.measure_from": _("自治区办法适用起始日期(此前不计发、备案不得早于此日生效)"),
    "yc.measure_from": _("银川市办法适用起始日期(此前不计发、备案不得早于此日生效)"),
    "review.backdate_days": _("备案生效日期可早于提交日期的天数(超过须填写追溯理由)"),
    "transfers.receipt_confirm_days": _("到账后企业确认回执的期限(天)"),
    "nx_perf.report_deadline": _("年度绩效报告报送截止日(次年,月-日)"),
    "nx_perf.excellent_score": _("综合绩效评估优秀分数线"),
    "nx_perf.excellent_share": _("综合绩效评估优秀比例上限"),
    "nx_perf.pass_score": _("综合绩效评估合格分数线"),
    "objection.answer_working_days": _("异议申诉答复期限(工作日)"),
}


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


class ParameterForm(forms.Form):
    name = forms.ChoiceField(label=_("参数"), choices=[(n, PARAMETER_LABELS.get(n, n)) for n in DEFAULTS])
    value = forms.CharField(label=_("新取值"), max_length=64)
    effective_from = forms.DateField(
        label=_("生效日期"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": _("请输入有效日期,格式为 YYYY-MM-DD")},
    )
    legal_reference = forms.CharField(
        label=_("政策依据"), max_length=256, required=False, help_text=_("文件名称及条款;留空则沿用该参数的原政策依据")
    )
    note = forms.CharField(label=_("说明"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


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
