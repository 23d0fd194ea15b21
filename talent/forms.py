"""HTML forms: input parsing only. Every write goes through talent.services; refusals come back as
ServiceError and are shown on the form in Chinese."""

from django import forms
from django.utils.translation import gettext_lazy as _

from talent.models import DegreeLevel, IdType, KeyInstitution, ReferenceStatus

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ResearcherForm(forms.Form):
    id_type = forms.ChoiceField(label=_("证件类型"), choices=IdType.choices)
    id_number = forms.CharField(
        label=_("证件号码"), max_length=32, help_text=_("居民身份证18位(末位X大小写均可);外籍人员填护照号码")
    )
    name = forms.CharField(label=_("姓名"), max_length=64)
    nationality = forms.CharField(label=_("国籍"), max_length=64, required=False, help_text=_("护照持有人必填"))
    phone = forms.CharField(label=_("联系电话"), max_length=32, required=False)
    email = forms.EmailField(label=_("邮箱"), required=False)
    photo = forms.FileField(label=_("照片(可选)"), required=False)

    def details(self) -> dict:
        d = {k: self.cleaned_data[k] for k in ("nationality", "phone", "email")}
        if self.cleaned_data.get("photo"):
            d["photo"] = self.cleaned_data["photo"]
        return d


class ResearcherEditForm(ResearcherForm):
    """The ID number is the person's key for life (POLICY §3.5): shown, not edited."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("id_type", "id_number"):
            self.fields[name].disabled = True
            self.fields[name].required = False


class ContractFields(forms.Form):
    centre = forms.ModelChoiceField(label=_("研发中心"), queryset=None, empty_label=None)
    full_time = forms.BooleanField(label=_("全职聘用"), required=False, initial=True)
    start = forms.DateField(label=_("合同起始日期"), widget=DATE)
    end = forms.DateField(
        label=_("合同终止日期(含当日)"), widget=DATE, required=False, help_text=_("无固定期限合同请留空")
    )
    document = forms.FileField(label=_("合同文件(PDF/JPG/PNG)"), required=False)

    def __init__(self, *args, centres=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["centre"].queryset = centres


class EnrolForm(ResearcherForm, ContractFields):
    """A new researcher with the contract that ties them to the enterprise's centre."""


class DegreeForm(forms.Form):
    level = forms.ChoiceField(label=_("学位"), choices=DegreeLevel.choices)
    full_time = forms.BooleanField(label=_("全日制"), required=False, initial=True)
    key_institution = forms.ModelChoiceField(
        label=_("授予单位(重点院校名录)"),
        queryset=KeyInstitution.objects.filter(is_active=True, status=ReferenceStatus.CONFIRMED),
        required=False,
        help_text=_("在名录中的院校请从此处选择"),
    )
    institution = forms.CharField(label=_("授予单位(名录外)"), max_length=128, required=False)
    discipline = forms.CharField(label=_("学科"), max_length=128, required=False)
    key_discipline = forms.BooleanField(label=_("重点院校重点学科"), required=False)
    awarded_on = forms.DateField(label=_("授予日期"), widget=DATE)
    certificate = forms.FileField(label=_("学位证书(PDF/JPG/PNG)"), required=False)

    def clean(self):
        data = super().clean()
        if not data.get("key_institution") and not data.get("institution"):
            self.add_error("institution", _("请选择名录中的院校或填写授予单位"))
        return data


class TerminateForm(forms.Form):
    terminated_on = forms.DateField(label=_("解除日期(最后在岗日)"), widget=DATE)
    reason = forms.CharField(label=_("解除原因"), widget=forms.Textarea(attrs={"rows": 3}), max_length=500)


class RosterUploadForm(forms.Form):
    centre = forms.ModelChoiceField(label=_("研发中心"), queryset=None, empty_label=None)
    file = forms.FileField(label=_("花名册文件(.xlsx 或 .csv)"))

    def __init__(self, *args, centres=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["centre"].queryset = centres


class CsvUploadForm(forms.Form):
    file = forms.FileField(label=_("CSV文件"))


class ResearcherFilterForm(forms.Form):
    q = forms.CharField(label=_("姓名或完整证件号码"), required=False)
    centre = forms.ModelChoiceField(label=_("研发中心"), queryset=None, required=False, empty_label=_("全部"))
    enterprise = forms.ModelChoiceField(label=_("依托企业"), queryset=None, required=False, empty_label=_("全部"))
    unverified = forms.BooleanField(label=_("有待核验学历"), required=False)
    needs_review = forms.BooleanField(label=_("合同待复核"), required=False)

    def __init__(self, *args, centres=None, enterprises=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["centre"].queryset = centres
        self.fields["enterprise"].queryset = enterprises


class KeyReferenceFields(forms.Form):
    """What staff record for an entry of the key-institution list: its source, validity and status."""

    status = forms.ChoiceField(label=_("核实状态"), choices=ReferenceStatus.choices)
    source = forms.CharField(label=_("来源文件"), max_length=256, required=False)
    source_date = forms.DateField(label=_("来源日期"), widget=DATE, required=False)
    valid_from = forms.DateField(label=_("生效日期"), widget=DATE, required=False, help_text=_("空表示不限"))
    valid_to = forms.DateField(label=_("失效日期"), widget=DATE, required=False, help_text=_("空表示长期有效"))
    note = forms.CharField(label=_("备注"), max_length=256, required=False)

    def clean(self):
        data = super().clean()
        if data.get("valid_from") and data.get("valid_to") and data["valid_to"] < data["valid_from"]:
            self.add_error("valid_to", _("失效日期不能早于生效日期"))
        return data


class KeyInstitutionForm(KeyReferenceFields):
    name = forms.CharField(label=_("院校名称"), max_length=128)
    code = forms.CharField(label=_("院校代码"), max_length=16, required=False)
    field_order = ["name", "code"]


class KeyDisciplineForm(KeyReferenceFields):
    name = forms.CharField(label=_("学科名称"), max_length=128)
    field_order = ["name"]


class RetireForm(forms.Form):
    valid_to = forms.DateField(label=_("停用日期(最后有效日)"), widget=DATE)
    reason = forms.CharField(label=_("停用原因"), max_length=200)
