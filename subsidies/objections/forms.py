"""Forms of the objection pages; the services check everything again (the form's message is for the person)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from subsidies.objections.models import HolidayKind, ObjectionCategory, ObjectionOutcome


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png"}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data if d]
        return [single(data, initial)] if data else []


class RaiseForm(forms.Form):
    category = forms.ChoiceField(label=_("异议类别"), choices=ObjectionCategory.choices)
    text = forms.CharField(
        label=_("异议内容"),
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=4000,
        help_text=_("请写明您认为哪里有误及理由"),
    )
    attachments = MultipleFileField(label=_("附件(PDF/JPG/PNG,最多5个)"), required=False)


class AnswerForm(forms.Form):
    outcome = forms.ChoiceField(label=_("处理结果"), choices=ObjectionOutcome.choices)
    answer = forms.CharField(label=_("答复意见"), widget=forms.Textarea(attrs={"rows": 4}), max_length=4000)
    corrected_degree = forms.TypedChoiceField(label=_("已更正的学历"), required=False, coerce=int, empty_value=None)
    corrected_contract = forms.TypedChoiceField(label=_("已更正的合同"), required=False, coerce=int, empty_value=None)
    correction_note = forms.CharField(
        label=_("更正说明"),
        required=False,
        max_length=2000,
        help_text=_("备案、资助或研发投入核定的更正,请写明更正的记录与内容"),
    )


class ReplyForm(forms.Form):
    text = forms.CharField(label=_("回复内容"), widget=forms.Textarea(attrs={"rows": 3}), max_length=4000)


class HolidayForm(forms.Form):
    day = forms.DateField(label=_("日期"), widget=forms.DateInput(attrs={"type": "date"}))
    kind = forms.ChoiceField(label=_("类型"), choices=HolidayKind.choices)
    name = forms.CharField(label=_("节日"), max_length=32)
    source = forms.CharField(label=_("依据"), max_length=200, help_text=_("国务院办公厅节假日安排通知的名称及发布日期"))
