from django.conf import settings
from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import RangeOperators
from django.db import models
from django.db.models import F, Func, Q, Value
from django.utils.translation import gettext_lazy as _

from accounts.audit import audited
from accounts.constraints import date_order_check


class Division(models.Model):
    """Administrative division reference data (GB/T 2260): Ningxia in full, cities outside for centres."""

    code = models.CharField(_("区划代码"), max_length=6, primary_key=True)
    name = models.CharField(_("名称"), max_length=64)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children")

    class Meta:
        verbose_name = _("行政区划")
        verbose_name_plural = _("行政区划")
        ordering = ["code"]

    def __str__(self):
        return f"{self.name}({self.code})"


@audited()
class Enterprise(models.Model):
    """A Ningxia parent enterprise (依托企业), identified by its USCC."""

    uscc = models.CharField(_("统一社会信用代码"), max_length=18, unique=True)
    name = models.CharField(_("企业名称"), max_length=128)
    division_code = models.CharField(_("注册地区划代码"), max_length=6)
    legal_representative = models.CharField(_("法定代表人"), max_length=64, blank=True)
    contact_name = models.CharField(_("联系人"), max_length=64, blank=True)
    contact_phone = models.CharField(_("联系电话"), max_length=32, blank=True)
    contact_email = models.EmailField(_("联系邮箱"), blank=True)
    bank_name = models.CharField(_("开户银行"), max_length=128, blank=True)
    bank_account = models.CharField(_("银行账号"), max_length=40, blank=True)
    # the payee bank's 联行号 (CNAPS bank code, 12 digits) that bank files carry
    bank_cnaps = models.CharField(_("开户行联行号"), max_length=12, blank=True, default="", db_default="")
    created_at = models.DateTimeField(auto_now_add=True)
    members = models.ManyToManyField(settings.AUTH_USER_MODEL, through="Membership", related_name="enterprises")

    class Meta:
        verbose_name = _("依托企业")
        verbose_name_plural = _("依托企业")
        ordering = ["name"]

    def __str__(self):
        return self.name


@audited()
class Membership(models.Model):
    """An enterprise user's membership; the owner may invite others."""

    enterprise = models.ForeignKey(Enterprise, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    is_owner = models.BooleanField(_("管理员(所有者)"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["enterprise", "user"], name="membership_unique")]


class CentreKind(models.TextChoices):
    INDEPENDENT = "independent", _("独立研发机构")
    JOINT = "joint", _("联合研发机构")


@audited()
class Centre(models.Model):
    """An enclave R&D centre outside Ningxia (飞地研发中心)."""

    ref = models.CharField(_("中心编号"), max_length=32, unique=True)
    enterprise = models.ForeignKey(Enterprise, on_delete=models.PROTECT, related_name="centres")
    name = models.CharField(_("中心名称"), max_length=128)
    kind = models.CharField(_("机构类型"), max_length=16, choices=CentreKind.choices, default=CentreKind.INDEPENDENT)
    partner_institution = models.CharField(_("合作高校/院所"), max_length=128, blank=True)
    city = models.CharField(_("所在城市"), max_length=32)
    division_code = models.CharField(_("所在地区划代码"), max_length=6)
    address = models.CharField(_("详细地址"), max_length=256, blank=True)
    established_on = models.DateField(_("成立日期"), null=True, blank=True)
    rd_fields = models.CharField(_("研发领域"), max_length=256, blank=True)
    headcount = models.PositiveIntegerField(_("研发人员数"), default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("飞地研发中心")
        verbose_name_plural = _("飞地研发中心")
        ordering = ["ref"]

    def __str__(self):
        return self.name

    @property
    def is_independent(self) -> bool:
        return self.kind == CentreKind.INDEPENDENT


class FilingLevel(models.TextChoices):
    REGIONAL = "regional", _("自治区级")
    YINCHUAN = "yinchuan", _("银川市级")


class FilingStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    SUBMITTED = "submitted", _("已提交")
    FIRST_REVIEWED = "first_reviewed", _("初审通过")
    RETURNED = "returned", _("退回修改")
    APPROVED = "approved", _("已备案")
    REJECTED = "rejected", _("不予备案")
    SUSPENDED = "suspended", _("暂停")
    REVOKED = "revoked", _("已撤销")


@audited()
class Filing(models.Model):
    """One filing (备案) per level per centre. Earns only while approved and effective (POLICY §1)."""

    centre = models.ForeignKey(Centre, on_delete=models.PROTECT, related_name="filings")
    level = models.CharField(_("备案层级"), max_length=16, choices=FilingLevel.choices)
    status = models.CharField(_("状态"), max_length=16, choices=FilingStatus.choices, default=FilingStatus.DRAFT)
    effective_from = models.DateField(_("生效日期"), null=True, blank=True)
    effective_to = models.DateField(_("终止日期"), null=True, blank=True, help_text=_("含当日;空表示长期有效"))
    ever_approved = models.BooleanField(default=False, editable=False)
    # the filing was revoked at some point (by a reviewer or in an imported history): a re-filing after a
    # revocation never earns NX-FIRST (POLICY §3), whatever its current status
    ever_revoked = models.BooleanField(default=False, db_default=False, editable=False)
    submitted_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    status_reason = models.TextField(_("原因"), blank=True)
    # 受理编号, given at the first submission of a matter (kept through 退回补正 and resubmission; a new
    # matter after a rejection, revocation or withdrawal gets a new one) and 信用承诺书 accepted at submission
    acceptance_no = models.CharField(_("受理编号"), max_length=20, null=True, blank=True, unique=True, editable=False)
    commitment_at = models.DateTimeField(_("信用承诺时间"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("备案")
        verbose_name_plural = _("备案")
        constraints = [
            models.UniqueConstraint(fields=["centre", "level"], name="filing_one_per_level"),
            date_order_check(
                later="effective_to",
                earlier="effective_from",
                name="filing_effective_order",
                unless_null=("effective_to", "effective_from"),
            ),
        ]

    def __str__(self):
        return f"{self.centre} · {self.get_level_display()}"


@audited()
class FilingPeriod(models.Model):
    """One window in which a filing was approved and effective (inclusive dates; open end = still in
    force). Approval opens a window, suspension and revocation close it, reinstatement and re-filing
    open a new one; earlier windows stay, so months in them can still be paid in arrears (POLICY §3.7)."""

    filing = models.ForeignKey(Filing, on_delete=models.CASCADE, related_name="periods")
    start = models.DateField(_("起始日期"))
    end = models.DateField(_("终止日期"), null=True, blank=True)
    # how the window ended (blank: open, or ended on its recorded date) and why, for the filing's timeline
    closed_as = models.CharField(
        _("终止方式"),
        max_length=16,
        blank=True,
        default="",
        db_default="",
        choices=[(FilingStatus.SUSPENDED, _("暂停备案")), (FilingStatus.REVOKED, _("撤销备案"))],
    )
    reason = models.TextField(_("原因"), blank=True, default="", db_default="")

    class Meta:
        verbose_name = _("备案有效期间")
        verbose_name_plural = _("备案有效期间")
        ordering = ["filing", "start"]
        constraints = [
            models.UniqueConstraint(fields=["filing", "start"], name="filing_period_unique_start"),
            date_order_check(later="end", earlier="start", name="filing_period_order"),
            # one filing's windows never overlap, so no day is counted twice (GiST on ranges: pgserver's
            # PostgreSQL has no btree_gist, so the filing is a one-point int8range)
            ExclusionConstraint(
                name="filing_periods_disjoint",
                expressions=[
                    (Func(F("filing"), F("filing"), Value("[]"), function="int8range"), RangeOperators.OVERLAPS),
                    (Func(F("start"), F("end"), Value("[]"), function="daterange"), RangeOperators.OVERLAPS),
                ],
            ),
        ]

    def __str__(self):
        return f"{self.start}–{self.end or ''}"


class AcceptanceSequence(models.Model):
    """The last 受理编号 given per prefix (measure) and year; locked while a number is taken, so numbers are
    consecutive and never given twice (the unique constraint on Filing.acceptance_no makes it true)."""

    prefix = models.CharField(max_length=8)
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["prefix", "year"], name="acceptance_sequence_unique")]


class ReviewStep(models.TextChoices):
    SUBMIT = "submit", _("提交备案")
    FIRST_REVIEW = "first_review", _("初审")
    APPROVAL = "approval", _("复审")
    RETURN = "return", _("退回修改")
    SUSPEND = "suspend", _("暂停备案")
    REVOKE = "revoke", _("撤销备案")
    REINSTATE = "reinstate", _("恢复备案")
    WITHDRAW = "withdraw", _("企业撤回")


@audited()
class ReviewDecision(models.Model):
    """One step of a filing's review, with the reviewer's comment (visible to the enterprise)."""

    filing = models.ForeignKey(Filing, on_delete=models.PROTECT, related_name="decisions")
    step = models.CharField(_("环节"), max_length=16, choices=ReviewStep.choices)
    decision = models.CharField(
        _("结果"), max_length=16, choices=FilingStatus.choices, help_text=_("该环节之后的备案状态")
    )
    comment = models.TextField(_("审核意见"), blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="review_decisions")
    at = models.DateTimeField(_("时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("审核记录")
        verbose_name_plural = _("审核记录")
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.filing} · {self.get_step_display()} · {self.get_decision_display()}"


class DocumentKind(models.TextChoices):
    BUSINESS_LICENCE = "business_licence", _("营业执照")
    ESTABLISHMENT_PROOF = "establishment_proof", _("研发中心设立证明(或设立协议)")
    COOPERATION_AGREEMENT = "cooperation_agreement", _("联合共建协议")
    SITE_PROOF = "site_proof", _("场地证明(租赁合同或产权证明)")
    OTHER = "other", _("其他材料")


@audited()
class Document(models.Model):
    """An uploaded file. Stored under a server-generated name in MEDIA_ROOT; served only through the
    permission-checked download view. A replacement is a new row pointing at the one it replaces."""

    enterprise = models.ForeignKey(Enterprise, on_delete=models.PROTECT, related_name="documents")
    filing = models.ForeignKey(Filing, null=True, blank=True, on_delete=models.PROTECT, related_name="documents")
    kind = models.CharField(_("材料类型"), max_length=32, choices=DocumentKind.choices)
    original_name = models.CharField(_("原文件名"), max_length=255)
    file = models.FileField(_("文件"), max_length=255)
    content_type = models.CharField(max_length=64)
    size = models.PositiveBigIntegerField(_("大小(字节)"))
    sha256 = models.CharField(max_length=64)
    previous = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="replaced_by", verbose_name=_("上一版本")
    )
    version = models.PositiveIntegerField(_("版本"), default=1)
    is_current = models.BooleanField(_("当前版本"), default=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(_("上传时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("材料")
        verbose_name_plural = _("材料")
        ordering = ["kind", "-version"]
        constraints = [
            # a filing has one current version of each kind; a replacement retires the old one first
            models.UniqueConstraint(
                fields=["filing", "kind"],
                condition=Q(is_current=True, filing__isnull=False),
                name="document_one_current_per_kind",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} v{self.version}({self.original_name})"


class DocumentMarkValue(models.TextChoices):
    PASS = "pass", _("合格")
    NEEDS_CORRECTION = "needs_correction", _("需补正")


@audited()
class DocumentMark(models.Model):
    """材料逐项审核: a reviewer's mark on one document version (合格 / 需补正 with the reason), shown to the
    enterprise next to the document. A new mark on the same document is a new row; the latest one counts."""

    document = models.ForeignKey(Document, on_delete=models.PROTECT, related_name="marks")
    mark = models.CharField(_("审核结果"), max_length=16, choices=DocumentMarkValue.choices)
    reason = models.TextField(_("补正原因"), blank=True)
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(_("时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("材料审核意见")
        verbose_name_plural = _("材料审核意见")
        ordering = ["document", "-at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(mark="needs_correction") | ~Q(reason=""), name="document_mark_correction_has_reason"
            ),
        ]

    def __str__(self):
        return f"{self.document} · {self.get_mark_display()}"


class Notification(models.Model):
    """An in-portal message to one user (the email copy goes out after commit)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    filing = models.ForeignKey(Filing, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"), blank=True)
    # the same message in English, shown instead when the reader chose English
    title_en = models.CharField(_("标题(英文)"), max_length=200, blank=True)
    body_en = models.TextField(_("内容(英文)"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("站内消息")
        verbose_name_plural = _("站内消息")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "read_at"])]

    def __str__(self):
        return self.title

    @property
    def in_language(self) -> tuple[str, str]:
        """(title, body) in the page's language: English when chosen and recorded, else Chinese."""
        from django.utils import translation

        if (translation.get_language() or "").lower().startswith("en") and self.title_en:
            return self.title_en, self.body_en
        return self.title, self.body


class PreviewState(models.TextChoices):
    PENDING = "pending", _("预览生成中")
    READY = "ready", _("预览已生成")
    FAILED = "failed", _("无法生成预览")
    TIMED_OUT = "timed_out", _("生成预览超时")


class DocumentPreviewRecord(models.Model):
    """Where the server-side preview of one document stands: rendered by a Celery task after
    the upload commits, never on a page view. A failure or a timeout is kept here and not tried again on
    each view. A derived record (the pages are a rendering of the document's unchanging bytes), so it is
    not part of the audit trail."""

    document = models.OneToOneField(Document, primary_key=True, on_delete=models.CASCADE, related_name="preview_record")
    state = models.CharField(_("预览状态"), max_length=16, choices=PreviewState.choices, default=PreviewState.PENDING)
    error = models.CharField(_("原因"), max_length=32, blank=True)  # a registry.services.documents.PREVIEW_ERRORS key
    page_count = models.PositiveIntegerField(_("页数"), default=0)
    pages_rendered = models.PositiveSmallIntegerField(_("已生成页数"), default=0)
    attempts = models.PositiveSmallIntegerField(_("排队次数"), default=0)
    queued_at = models.DateTimeField(_("排队时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("材料预览状态")
        verbose_name_plural = _("材料预览状态")
        constraints = [
            models.CheckConstraint(
                condition=Q(state__in=["failed", "timed_out"]) | Q(error=""),
                name="document_preview_error_only_when_failed",
            ),
            models.CheckConstraint(
                condition=~Q(state__in=["failed", "timed_out"]) | ~Q(error=""),
                name="document_preview_failure_has_reason",
            ),
        ]
        indexes = [models.Index(fields=["state", "queued_at"], name="document_preview_pending_idx")]

    def __str__(self):
        return f"{self.document_id}: {self.state}"
