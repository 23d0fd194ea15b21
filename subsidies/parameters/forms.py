"""The parameters page's form, and each parameter by the name a person knows (never its key)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from subsidies.rules.params import DEFAULTS

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
