import os
import uuid

import pgtrigger
from django.conf import settings
from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import RangeOperators
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Func, Q, Value
from django.utils.translation import gettext_lazy as _

from accounts.audit import audited
from accounts.constraints import date_order_check
from registry.models import PreviewState


def _document_path(folder: str):
    """Uploaded files get a server-generated name: the uploader's file name never reaches the disk."""

    def upload_to(_instance, filename: str) -> str:
        ext = os.path.splitext(filename)[1].lower()[:8]
        return f"talent/{folder}/{uuid.uuid4().hex}{ext}"

    upload_to.__name__ = f"upload_to_{folder}"
    return upload_to


def certificate_upload_to(instance, filename):
    return _document_path("certificates")(instance, filename)


def contract_upload_to(instance, filename):
    return _document_path("contracts")(instance, filename)


def photo_upload_to(instance, filename):
    return _document_path("photos")(instance, filename)


class IdType(models.TextChoices):
    RESIDENT_ID = "resident_id", _("居民身份证")
    PASSPORT = "passport", _("护照")


@audited()
class Researcher(models.Model):
    """A researcher, keyed for life by national ID or passport number (POLICY §3.5)."""

    id_type = models.CharField(_("证件类型"), max_length=16, choices=IdType.choices, default=IdType.RESIDENT_ID)
    id_number = models.CharField(_("证件号码"), max_length=32, unique=True)
    nationality = models.CharField(_("国籍"), max_length=64, blank=True)
    name = models.CharField(_("姓名"), max_length=64)
    phone = models.CharField(_("联系电话"), max_length=32, blank=True)
    email = models.EmailField(_("邮箱"), blank=True)
    photo = models.FileField(_("照片"), upload_to=photo_upload_to, blank=True)
    # The enterprise whose enrolment created the record (empty: bureau staff or a scenario import). The
    # identity is one record across employers: once another enterprise relies on it, only staff change it.
    registered_by = models.ForeignKey(
        "registry.Enterprise",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("登记单位"),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("研发人员")
        verbose_name_plural = _("研发人员")
        ordering = ["id"]

    def __str__(self):
        return self.name


class ReferenceStatus(models.TextChoices):
    """A shipped entry that could not be confirmed from its source waits for staff (never guessed silently)."""

    CONFIRMED = "confirmed", _("已确认")
    PENDING = "pending", _("待核实")


class KeyReference(models.Model):
    """What every entry of the key-institution list carries: where it comes from, since when and until when
    it is in force, and whether staff confirmed it. A degree is checked against the entries in force on its
    award date (POLICY §3.3); an open bound means no limit on that side."""

    status = models.CharField(
        _("核实状态"), max_length=16, choices=ReferenceStatus.choices, default=ReferenceStatus.CONFIRMED
    )
    source = models.CharField(_("来源文件"), max_length=256, blank=True)
    source_date = models.DateField(_("来源日期"), null=True, blank=True)
    valid_from = models.DateField(_("生效日期"), null=True, blank=True, help_text=_("空表示不限"))
    valid_to = models.DateField(_("失效日期"), null=True, blank=True, help_text=_("空表示长期有效"))

    class Meta:
        abstract = True

    def in_force_on(self, day) -> bool:
        return (
            self.is_active
            and self.status == ReferenceStatus.CONFIRMED
            and (self.valid_from is None or self.valid_from <= day)
            and (self.valid_to is None or day <= self.valid_to)
        )

    @classmethod
    def in_force_q(cls, day, prefix: str = "") -> models.Q:
        """The same test as ``in_force_on``, for querysets."""
        return (
            models.Q(**{f"{prefix}is_active": True, f"{prefix}status": ReferenceStatus.CONFIRMED})
            & (models.Q(**{f"{prefix}valid_from__isnull": True}) | models.Q(**{f"{prefix}valid_from__lte": day}))
            & (models.Q(**{f"{prefix}valid_to__isnull": True}) | models.Q(**{f"{prefix}valid_to__gte": day}))
        )

    def clean(self):
        super().clean()
        if self.valid_from and self.valid_to and self.valid_to < self.valid_from:
            raise ValidationError({"valid_to": _("失效日期不能早于生效日期")})


@audited()
class KeyInstitution(KeyReference):
    """重点院校: reference data that bureau staff maintain (POLICY §3.3), importable from CSV."""

    name = models.CharField(_("院校名称"), max_length=128, unique=True)
    code = models.CharField(_("院校代码"), max_length=16, blank=True)
    is_active = models.BooleanField(_("有效"), default=True)
    note = models.CharField(_("备注"), max_length=256, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("重点院校")
        verbose_name_plural = _("重点院校")
        ordering = ["name"]
        constraints = [
            date_order_check(
                later="valid_to",
                earlier="valid_from",
                name="key_institution_valid_window",
                unless_null=("valid_from", "valid_to"),
            )
        ]

    def __str__(self):
        return self.name


@audited()
class KeyDiscipline(KeyReference):
    """重点学科 of a key institution (POLICY §3.3)."""

    institution = models.ForeignKey(KeyInstitution, on_delete=models.CASCADE, related_name="disciplines")
    name = models.CharField(_("学科名称"), max_length=128)
    is_active = models.BooleanField(_("有效"), default=True)
    note = models.CharField(_("备注"), max_length=256, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("重点学科")
        verbose_name_plural = _("重点学科")
        ordering = ["institution__name", "name"]
        constraints = [
            models.UniqueConstraint(fields=["institution", "name"], name="key_discipline_unique"),
            date_order_check(
                later="valid_to",
                earlier="valid_from",
                name="key_discipline_valid_window",
                unless_null=("valid_from", "valid_to"),
            ),
        ]

    def __str__(self):
        return f"{self.institution.name} · {self.name}"


class DegreeLevel(models.TextChoices):
    BACHELOR = "bachelor", _("学士")
    MASTER = "master", _("硕士")
    DOCTORATE = "doctorate", _("博士")


class DegreeStatus(models.TextChoices):
    """Where a degree claim stands with the reviewers. Verified is ``verified_at`` being set (what the stipend
    reads); a returned claim goes back to pending once its enterprise corrects it; a refused one stays refused
    (the enterprise may file a new claim)."""

    PENDING = "pending", _("待核验")
    VERIFIED = "verified", _("已核验")
    RETURNED = "returned", _("退回补正")
    REFUSED = "refused", _("不予核验")


@audited()
class Degree(models.Model):
    """A degree claim: the enterprise that entered it with its certificate (`claimed_by`; empty for bureau
    staff and scenario imports). Claims of different enterprises are separate rows, so one enterprise's
    input never changes, or takes the verification from, a degree another enterprise or staff entered."""

    researcher = models.ForeignKey(Researcher, on_delete=models.CASCADE, related_name="degrees")
    level = models.CharField(_("学位"), max_length=16, choices=DegreeLevel.choices)
    full_time = models.BooleanField(_("全日制"), default=True)
    institution = models.CharField(_("授予单位"), max_length=128, blank=True)
    key_institution = models.ForeignKey(
        KeyInstitution,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="degrees",
        verbose_name=_("重点院校(名录)"),
    )
    certificate = models.FileField(_("学位证书"), upload_to=certificate_upload_to, blank=True)
    discipline = models.CharField(_("学科"), max_length=128, blank=True)
    key_discipline = models.BooleanField(_("重点院校重点学科"), default=False)
    awarded_on = models.DateField(_("授予日期"))
    verified_at = models.DateTimeField(_("核验时间"), null=True, blank=True)
    verified_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("核验人")
    )
    claimed_by = models.ForeignKey(
        "registry.Enterprise",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("申报单位"),
    )
    # the reviewer's last decision (audited by the event table): returned/refused carry the reason
    verification_status = models.CharField(
        _("核验状态"),
        max_length=16,
        choices=DegreeStatus.choices,
        default=DegreeStatus.PENDING,
        db_default=DegreeStatus.PENDING,
    )
    verification_reason = models.TextField(_("核验意见"), blank=True, default="", db_default="")
    reviewed_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("审核人")
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("学位")
        verbose_name_plural = _("学位")
        constraints = [
            # one live claim per claimant (staff and imports being one claimant, NULL) and degree; a refused
            # claim stays on record and the enterprise may file a new one
            models.UniqueConstraint(
                fields=["researcher", "level", "full_time", "awarded_on", "claimed_by"],
                name="degree_unique_per_claimant",
                nulls_distinct=False,
                condition=~Q(verification_status="refused"),
            ),
        ]

    @property
    def is_verified(self) -> bool:
        return self.verified_at is not None

    @property
    def status(self) -> str:
        """verified whenever ``verified_at`` is set (imports and older rows), else the reviewer's decision."""
        return DegreeStatus.VERIFIED if self.verified_at is not None else self.verification_status

    def get_status_display(self) -> str:
        return DegreeStatus(self.status).label

    @property
    def certificate_is_image(self) -> bool:
        """The stored name's extension is the one the upload's signature was checked against (upload_to);
        the bytes are checked again whenever the image is served."""
        return os.path.splitext(self.certificate.name or "")[1].lower() in (".png", ".jpg", ".jpeg")


class CertificatePreview(models.Model):
    """Where the server-side page images of a PDF degree certificate stand, as filing documents'
    (registry.DocumentPreviewRecord): rendered by a Celery task after the upload commits, never on a page
    view. A correction that uploads a new certificate renders that one (``certificate_name``). Derived
    data, not audited."""

    degree = models.OneToOneField(Degree, primary_key=True, on_delete=models.CASCADE, related_name="preview_record")
    certificate_name = models.CharField(max_length=255)
    state = models.CharField(_("预览状态"), max_length=16, choices=PreviewState.choices, default=PreviewState.PENDING)
    error = models.CharField(_("原因"), max_length=32, blank=True)  # a registry.services.documents.PREVIEW_ERRORS key
    page_count = models.PositiveIntegerField(_("页数"), default=0)
    pages_rendered = models.PositiveSmallIntegerField(_("已生成页数"), default=0)
    attempts = models.PositiveSmallIntegerField(_("排队次数"), default=0)
    queued_at = models.DateTimeField(_("排队时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("学位证书预览状态")
        verbose_name_plural = _("学位证书预览状态")


@audited()
class Contract(models.Model):
    """An employment contract at a centre. `end` and `terminated_on` are inclusive last days."""

    researcher = models.ForeignKey(Researcher, on_delete=models.PROTECT, related_name="contracts")
    centre = models.ForeignKey("registry.Centre", on_delete=models.PROTECT, related_name="contracts")
    full_time = models.BooleanField(_("全职"), default=True)
    start = models.DateField(_("起始日期"))
    end = models.DateField(_("终止日期"), null=True, blank=True, help_text=_("空表示无固定期限"))
    terminated_on = models.DateField(_("提前解除日期"), null=True, blank=True)
    termination_reason = models.TextField(_("解除原因"), blank=True)
    needs_review = models.BooleanField(_("待人工复核"), default=False)
    document = models.FileField(_("合同文件"), upload_to=contract_upload_to, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("聘用合同")
        verbose_name_plural = _("聘用合同")
        ordering = ["start"]
        constraints = [
            date_order_check(later="end", earlier="start", name="contract_end_after_start"),
            date_order_check(later="terminated_on", earlier="start", name="contract_termination_after_start"),
            # Two full-time contracts of one person never overlap. pgserver's PostgreSQL has no
            # btree_gist, so the person is a one-point int8range, which core GiST indexes.
            ExclusionConstraint(
                name="contract_no_fulltime_overlap",
                expressions=[
                    (
                        Func(F("researcher_id"), F("researcher_id"), Value("[]"), function="int8range"),
                        RangeOperators.OVERLAPS,
                    ),
                    (
                        Func(
                            F("start"),
                            Func(F("terminated_on"), F("end"), function="LEAST"),
                            Value("[]"),
                            function="daterange",
                        ),
                        RangeOperators.OVERLAPS,
                    ),
                ],
                condition=Q(full_time=True),
            ),
        ]

    @property
    def last_day(self):
        """The inclusive last day of employment: early termination wins over the agreed end."""
        if self.terminated_on and (self.end is None or self.terminated_on < self.end):
            return self.terminated_on
        return self.end


class IdentityAccess(models.Model):
    """Append-only log of every full view of an ID or passport number: who, when, whom.
    The database refuses updates and deletes."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    researcher = models.ForeignKey(Researcher, on_delete=models.PROTECT, related_name="identity_accesses")
    accessed_at = models.DateTimeField(auto_now_add=True)
    purpose = models.CharField(_("用途"), max_length=128, blank=True)
    path = models.CharField(max_length=256, blank=True)

    class Meta:
        verbose_name = _("证件号码查看记录")
        verbose_name_plural = _("证件号码查看记录")
        ordering = ["-accessed_at"]
        triggers = [
            pgtrigger.Protect(name="identity_access_append_only", operation=pgtrigger.Update | pgtrigger.Delete),
        ]


class RosterState(models.TextChoices):
    PREVIEW = "preview", _("待确认")
    COMMITTED = "committed", _("已导入")


class RosterUpload(models.Model):
    """An uploaded roster: parsed rows kept for the preview, committed all or nothing."""

    centre = models.ForeignKey("registry.Centre", on_delete=models.PROTECT, related_name="+")
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    filename = models.CharField(max_length=256)
    rows = models.JSONField(default=list)
    errors = models.JSONField(default=list)
    state = models.CharField(max_length=16, choices=RosterState.choices, default=RosterState.PREVIEW)
    created_at = models.DateTimeField(auto_now_add=True)
    committed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("花名册导入")
        verbose_name_plural = _("花名册导入")
        ordering = ["-created_at"]
