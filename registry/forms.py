"""HTML forms: input parsing only. The rules live in the services."""

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.errors import error_text
from registry.models import Centre, CentreKind, Division, DocumentKind, DocumentMarkValue, FilingLevel, FilingStatus
from registry.services.entities import centre_fact_problems


def _grouped_division_choices(divisions):
    """Select choices of districts and counties (not cities: codes ending in 00), grouped by their city."""
    groups: dict[str, list] = {}
    for d in divisions.select_related("parent").order_by("code"):
        if d.code.endswith("00"):
            continue
        groups.setdefault(d.parent.name if d.parent else "", []).append((d.code, f"{d.name}({d.code})"))
    return [("", _("—— 请选择 ——"))] + [(city, items) for city, items in groups.items()]


def centre_division_choices():
    """Districts outside Ningxia, grouped by their city (enclave centres are set up outside the region)."""
    return _grouped_division_choices(Division.objects.exclude(code__startswith="64"))


class CentreForm(forms.ModelForm):
    division_code = forms.ChoiceField(label=_("所在地区划"), choices=())

    class Meta:
        model = Centre
        fields = [
            "name",
            "kind",
            "partner_institution",
            "city",
            "division_code",
            "address",
            "established_on",
            "rd_fields",
            "headcount",
        ]
        widgets = {"established_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["division_code"].choices = centre_division_choices()
        self.fields["kind"].choices = CentreKind.choices

    def clean(self):
        data = super().clean()
        if data.get("kind") == CentreKind.JOINT and not (data.get("partner_institution") or "").strip():
            self.add_error("partner_institution", _("联合研发机构须填写合作高校或科研院所"))
        for exc in centre_fact_problems(
            city=data.get("city", ""),
            division_code=data.get("division_code", ""),
            established_on=data.get("established_on"),
        ):
            if exc.field not in self.errors:
                self.add_error(exc.field or None, error_text(exc))
        return data

    def _post_clean(self):
        # model validation runs in the service (full_clean before save); the form only parses input
        pass


class FilingStartForm(forms.Form):
    centre = forms.ModelChoiceField(label=_("研发中心"), queryset=Centre.objects.none())
    level = forms.ChoiceField(label=_("备案层级"), choices=FilingLevel.choices)

    def __init__(self, *args, centres=None, **kwargs):
        super().__init__(*args, **kwargs)
        if centres is not None:
            self.fields["centre"].queryset = centres


class DocumentUploadForm(forms.Form):
    kind = forms.ChoiceField(label=_("材料类型"), choices=DocumentKind.choices)
    file = forms.FileField(label=_("文件(PDF/JPG/PNG,不超过20MB)"))


class InviteForm(forms.Form):
    username = forms.CharField(label=_("登录名"), max_length=150)
    full_name = forms.CharField(label=_("姓名"), max_length=64)
    email = forms.EmailField(label=_("邮箱"))
    phone = forms.CharField(label=_("联系电话"), max_length=32, required=False)
    password = forms.CharField(label=_("初始密码"), widget=forms.PasswordInput)


class DecisionForm(forms.Form):
    ACTIONS = [
        ("first_review", _("初审通过")),
        ("approve", _("复审通过(予以备案)")),
        ("return", _("退回修改")),
        ("reject", _("不予备案")),
        ("suspend", _("暂停备案")),
        ("revoke", _("撤销备案")),
        ("reinstate", _("恢复备案")),
    ]
    action = forms.ChoiceField(label=_("审核决定"), choices=ACTIONS)
    comment = forms.CharField(label=_("审核意见"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
    on = forms.DateField(
        label=_("日期(生效/暂停/撤销/恢复)"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    backdate_reason = forms.CharField(
        label=_("追溯理由"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("复审确定的生效日期早于企业提交日期时必填,记入审核记录"),
    )
    # the status the reviewer saw: a decision on a filing someone else has moved since is refused
    seen_status = forms.ChoiceField(choices=FilingStatus.choices, widget=forms.HiddenInput)

    # the decisions the filing's status allows: only these are offered on the page
    LEGAL = {
        FilingStatus.SUBMITTED: ("first_review", "return", "reject"),
        FilingStatus.FIRST_REVIEWED: ("approve", "return", "reject"),
        FilingStatus.APPROVED: ("suspend", "revoke"),
        FilingStatus.SUSPENDED: ("reinstate", "revoke"),
    }

    def __init__(self, *args, status: str = "", is_first_reviewer: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        legal = self.LEGAL.get(status, ())
        if is_first_reviewer and status == FilingStatus.FIRST_REVIEWED:
            legal = tuple(a for a in legal if a not in ("approve", "reject"))  # 复审 is for a second person
        self.legal_actions = [(k, v) for k, v in self.ACTIONS if k in legal]
        # every action still parses, so a decision posted from a page that has gone stale reaches the
        # service and is answered with what happened (who moved the filing), not with a form error
        self.fields["action"].widget.choices = self.legal_actions


class DocumentMarkForm(forms.Form):
    """材料逐项审核: one document's mark on the review page."""

    mark = forms.ChoiceField(label=_("审核结果"), choices=DocumentMarkValue.choices, widget=forms.RadioSelect)
    reason = forms.CharField(
        label=_("补正原因"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("标记为需补正时必填,企业可见"),
    )


class QueueFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("状态"),
        required=False,
        choices=[("", _("待处理"))] + [c for c in FilingStatus.choices if c[0] != "draft"],
    )
    level = forms.ChoiceField(label=_("层级"), required=False, choices=[("", _("全部"))] + FilingLevel.choices)
    city = forms.ChoiceField(label=_("城市"), required=False, choices=())

    def __init__(self, *args, cities=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["city"].choices = [("", _("全部"))] + [(c, c) for c in cities]


def ningxia_division_choices():
    """Ningxia districts and counties grouped by city, for a parent enterprise's registered address."""
    return _grouped_division_choices(Division.objects.filter(code__startswith="64"))


class EnterpriseRegistrationForm(forms.Form):
    """Input parsing for enterprise self-registration; the checks live in services.enterprise_register.
    The USCC check character is also checked here so the person sees it next to the field at once."""

    uscc = forms.CharField(
        label=_("统一社会信用代码"),
        max_length=18,
        min_length=18,
        help_text=_("18位,含校验位(GB 32100-2015)"),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false", "class": "upper"}),
    )
    name = forms.CharField(label=_("企业名称"), max_length=128, help_text=_("与营业执照一致"))
    division_code = forms.ChoiceField(label=_("注册地(宁夏区县)"), choices=())
    full_name = forms.CharField(
        label=_("联系人姓名"), max_length=64, widget=forms.TextInput(attrs={"autocomplete": "name"})
    )
    phone = forms.CharField(label=_("联系电话"), max_length=32, widget=forms.TextInput(attrs={"autocomplete": "tel"}))
    email = forms.EmailField(label=_("联系邮箱"), widget=forms.EmailInput(attrs={"autocomplete": "email"}))
    username = forms.CharField(
        label=_("登录用户名"), max_length=150, widget=forms.TextInput(attrs={"autocomplete": "username"})
    )
    password = forms.CharField(
        label=_("登录密码"),
        strip=False,
        help_text=_("至少10位,不能全为数字,不能是常见密码,不能与用户名过于相似"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password2 = forms.CharField(
        label=_("确认密码"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )

    # ServiceError codes of enterprise_register -> the field the message belongs to
    FIELD_BY_CODE = {
        "uscc": "uscc",
        "enterprise_exists": "uscc",
        "name": "name",
        "division_code": "division_code",
        "username": "username",
        "username_taken": "username",
        "full_name": "full_name",
        "password": "password",
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["division_code"].choices = ningxia_division_choices()

    def clean_uscc(self):
        from registry.identifiers import validate_uscc

        return validate_uscc(self.cleaned_data["uscc"])

    def clean_username(self):
        from django.contrib.auth.validators import UnicodeUsernameValidator

        username = self.cleaned_data["username"].strip()
        UnicodeUsernameValidator()(username)
        return username

    def clean(self):
        """The password is checked here, before the service looks the username up: a weak password is
        refused whether or not the username exists, so the answer says nothing about the username."""
        from django.contrib.auth import get_user_model
        from django.contrib.auth.password_validation import validate_password
        from django.core.exceptions import ValidationError

        data = super().clean()
        if data.get("password") and data.get("password2") and data["password"] != data["password2"]:
            self.add_error("password2", _("两次输入的密码不一致"))
        if data.get("password"):
            candidate = get_user_model()(
                username=data.get("username", ""), full_name=data.get("full_name", ""), email=data.get("email", "")
            )
            try:
                validate_password(data["password"], candidate)
            except ValidationError as exc:
                self.add_error("password", exc)
        return data


class BankDetailsForm(forms.Form):
    """收款账户: the payee bank, the account and the bank's 联行号 that bank files carry."""

    bank_name = forms.CharField(label=_("开户银行"), max_length=128)
    bank_account = forms.CharField(label=_("银行账号"), max_length=40)
    bank_cnaps = forms.CharField(
        label=_("开户行联行号"),
        max_length=20,
        help_text=_("12位数字,可向开户银行查询"),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "pattern": "[0-9]{12}", "autocomplete": "off"}),
    )
