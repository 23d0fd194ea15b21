"""The grants pages' forms: shape only (what a person may choose and in which field); the services decide."""

from django import forms
from django.utils.translation import gettext_lazy as _

from registry.selectors import centre_list, enterprise_list
from subsidies.models import (
    ApplicationStatus,
    EvaluationResult,
    Programme,
)
from subsidies.rules import grants as rules
from talent.models import Researcher


class ApplyForm(forms.Form):
    centre = forms.ModelChoiceField(label=_("研发中心"), queryset=None)
    researcher = forms.ModelChoiceField(label=_("研发人员"), queryset=None, required=False)
    award_programme = forms.CharField(
        label=_("获批的人才奖励/项目名称"), max_length=64, required=False, help_text=_("如 塞上英才、科技领军人才")
    )
    year = forms.IntegerField(label=_("获批年度"), required=False, min_value=2000, max_value=2100)
    requested_amount = forms.DecimalField(label=_("申请金额(元)"), required=False, max_digits=14, decimal_places=2)
    description = forms.CharField(label=_("申报说明"), widget=forms.Textarea(attrs={"rows": 4}), required=False)
    doc_label = forms.CharField(label=_("材料名称"), max_length=64, initial=_("获批文件"))
    document = forms.FileField(label=_("申报材料(PDF/JPG/PNG)"))
    doc2_label = forms.CharField(label=_("其他材料名称"), max_length=64, required=False)
    document2 = forms.FileField(label=_("其他材料"), required=False)

    def __init__(self, *args, user, programme: Programme, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["centre"].queryset = centre_list(actor=user).order_by("ref")
        self.fields["researcher"].queryset = (
            Researcher.objects.filter(contracts__centre__enterprise__memberships__user=user).distinct().order_by("name")
        )
        if programme.applicant != rules.RESEARCHER:
            del self.fields["researcher"]
        if programme.frequency != rules.ONCE_PER_AWARD_YEAR:
            del self.fields["award_programme"], self.fields["year"]
        if programme.amount_type == rules.FIXED:
            del self.fields["requested_amount"]


class ResubmitForm(forms.Form):
    description = forms.CharField(label=_("申报说明"), widget=forms.Textarea(attrs={"rows": 4}), required=False)
    doc_label = forms.CharField(label=_("补充材料名称"), max_length=64, required=False)
    document = forms.FileField(label=_("补充材料(PDF/JPG/PNG)"), required=False)


class ReviewForm(forms.Form):
    ACTIONS = [
        ("first_review", _("初审通过")),
        ("approve", _("复审通过(核准资助)")),
        ("return", _("退回修改")),
        ("reject", _("不予支持")),
    ]
    action = forms.ChoiceField(label=_("审核决定"), choices=ACTIONS)
    amount = forms.CharField(label=_("核定金额(元)"), required=False, max_length=20)
    comment = forms.CharField(label=_("审核意见"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
    seen_status = forms.ChoiceField(choices=ApplicationStatus.choices, widget=forms.HiddenInput)


class DeclarationForm(forms.Form):
    centre = forms.ModelChoiceField(label=_("研发中心"), queryset=None)
    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100)
    declared_amount = forms.DecimalField(label=_("研发费用总投入(元,备案有效期内)"), max_digits=14, decimal_places=2)
    audit_report = forms.FileField(label=_("研发费用专项审计报告"))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["centre"].queryset = centre_list(actor=user).order_by("ref")


class VerifyForm(forms.Form):
    verified_amount = forms.CharField(label=_("核定金额(元,留空为按申报金额核定)"), required=False, max_length=20)
    reason = forms.CharField(label=_("核减理由"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def clean_verified_amount(self):
        """Blank: the declared amount. Anything else must be an amount, else the form is refused (never
        read as blank, which would verify the full declared amount)."""
        raw = (self.cleaned_data.get("verified_amount") or "").strip()
        if not raw:
            return ""
        amount = rules.parse_amount(raw)  # 2,000,000 as well as 2000000
        if amount is None or amount < 0:
            raise forms.ValidationError(_("“%(value)s”不是有效金额"), params={"value": raw}, code="amount")
        return str(amount)


class EvaluationForm(forms.Form):
    centre = forms.ModelChoiceField(label=_("研发中心"), queryset=None)
    period = forms.CharField(label=_("评估期"), max_length=9, help_text=_("连续三个年度,如 2022-2024"))
    result = forms.ChoiceField(label=_("评估结果"), choices=EvaluationResult.choices)
    note = forms.CharField(label=_("说明"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["centre"].queryset = centre_list(actor=user).order_by("ref")


class IncubatorForm(forms.Form):
    operator = forms.ModelChoiceField(label=_("运营方"), queryset=None)
    ref = forms.CharField(label=_("孵化器编号"), max_length=32)
    name = forms.CharField(label=_("孵化器名称"), max_length=128)
    city = forms.CharField(label=_("所在城市"), max_length=32)
    address = forms.CharField(label=_("详细地址"), max_length=256, required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["operator"].queryset = enterprise_list(actor=user)


class IncubatorDecisionForm(forms.Form):
    ACTIONS = [
        ("first_review", _("初审通过")),
        ("approve", _("复审通过(予以备案)")),
        ("return", _("退回修改")),
        ("reject", _("不予备案")),
        ("revoke", _("撤销备案")),
    ]
    action = forms.ChoiceField(label=_("审核决定"), choices=ACTIONS)
    comment = forms.CharField(label=_("意见"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    on = forms.DateField(label=_("日期"), required=False, widget=forms.DateInput(attrs={"type": "date"}))


class AssessmentForm(forms.Form):
    year = forms.IntegerField(label=_("考核年度"), min_value=2000, max_value=2100)
    score = forms.CharField(label=_("考核得分(0–100)"), max_length=8)
    passed = forms.BooleanField(label=_("考核合格"), required=False)
    amount = forms.CharField(label=_("运营补贴(元,不超过500,000)"), required=False, max_length=20)
    note = forms.CharField(label=_("说明"), required=False)


class RecognitionForm(forms.Form):
    programme_code = forms.ChoiceField(
        label=_("认定"),
        choices=[
            ("YC-INC-NAT", _("国家级科技企业孵化器")),
            ("YC-INC-REG", _("自治区级科技企业孵化器")),
            ("YC-MS-NAT", _("国家级众创空间")),
            ("YC-MS-REG", _("自治区级众创空间")),
        ],
    )
    note = forms.CharField(label=_("认定文号/说明"), required=False)
