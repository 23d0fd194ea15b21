"""Objections, their steps and attachments, and the public-holiday reference data."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.audit import audited
from subsidies.money import MoneyField


class ObjectionSubject(models.TextChoices):
    PAYOUT_LINE = "payout_line", _("发放明细")
    UNPAID_MONTH = "unpaid_month", _("未发放月份")
    FILING = "filing", _("备案决定")
    GRANT = "grant", _("资助申报决定")
    RD_VERIFICATION = "rd_verification", _("研发投入核定")


class ObjectionCategory(models.TextChoices):
    AMOUNT = "amount", _("金额有误")
    ELIGIBILITY = "eligibility", _("资格认定有误")
    RECORDS = "records", _("记录有误")
    TRANSFER = "transfer", _("拨付到账问题")
    OTHER = "other", _("其他")


class Bureau(models.TextChoices):
    REGIONAL = "regional", _("自治区科技厅")
    YINCHUAN = "yinchuan", _("银川市科技局")
    FINANCE = "finance", _("财务部门")


class ObjectionStatus(models.TextChoices):
    OPEN = "open", _("待答复")
    ANSWERED = "answered", _("已答复")
    CLOSED = "closed", _("已办结")


class ObjectionOutcome(models.TextChoices):
    EXPLAINED = "explained", _("已解释(不作变更)")
    CORRECTED = "corrected", _("已更正")
    REJECTED = "rejected", _("不予支持")


@audited()
class Objection(models.Model):
    """One objection. What it is about is one of the subject links (payout line, researcher + month, filing,
    grant application, YC-RD submission); `rule` and `bureau` are fixed when it is raised."""

    enterprise = models.ForeignKey("registry.Enterprise", on_delete=models.PROTECT, related_name="objections")
    raised_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    subject = models.CharField(_("异议事项"), max_length=16, choices=ObjectionSubject.choices)
    payout_line = models.ForeignKey(
        "subsidies.PayoutLine", null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_constraint=False
    )
    researcher = models.ForeignKey(
        "talent.Researcher", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    service_month = models.CharField(_("所属月份"), max_length=7, blank=True)
    filing = models.ForeignKey("registry.Filing", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    grant_application = models.ForeignKey(
        "subsidies.GrantApplication", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    rd_submission = models.ForeignKey(
        "subsidies.RDDeclarationSubmission", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    rule = models.CharField(_("规则"), max_length=16)
    bureau = models.CharField(_("承办部门"), max_length=16, choices=Bureau.choices)
    category = models.CharField(_("异议类别"), max_length=16, choices=ObjectionCategory.choices)
    text = models.TextField(_("异议内容"))
    status = models.CharField(_("状态"), max_length=16, choices=ObjectionStatus.choices, default=ObjectionStatus.OPEN)
    raised_at = models.DateTimeField(_("提出时间"))
    due_on = models.DateField(_("答复期限"))
    reminded_at = models.DateTimeField(null=True, blank=True)
    escalated_at = models.DateTimeField(_("升级时间"), null=True, blank=True)
    escalated_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("复核人"),
    )
    outcome = models.CharField(_("处理结果"), max_length=16, choices=ObjectionOutcome.choices, blank=True)
    answer = models.TextField(_("答复意见"), blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    answered_at = models.DateTimeField(_("答复时间"), null=True, blank=True)
    # corrected: the record correction it rests on, and the arrears the rule then expects
    corrected_degree = models.ForeignKey(
        "talent.Degree", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    corrected_contract = models.ForeignKey(
        "talent.Contract", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    correction_note = models.TextField(_("更正说明"), blank=True)
    expected_arrears = MoneyField(_("预计补发金额"), null=True, blank=True)
    arrears_months = models.JSONField(default=list, blank=True)
    reply = models.TextField(_("企业回复"), blank=True)
    replied_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("异议申诉")
        verbose_name_plural = _("异议申诉")
        ordering = ["due_on", "id"]
        indexes = [models.Index(fields=["bureau", "status", "due_on"], name="objection_queue")]
        constraints = [
            models.CheckConstraint(condition=~Q(status="open") | Q(outcome=""), name="objection_open_no_outcome"),
            models.CheckConstraint(condition=Q(status="open") | ~Q(outcome=""), name="objection_answered_outcome"),
            # a correction names the record corrected: a degree, a contract, or (filings, grants, YC-RD) in words
            models.CheckConstraint(
                condition=~Q(outcome="corrected")
                | Q(corrected_degree__isnull=False)
                | Q(corrected_contract__isnull=False)
                | ~Q(correction_note=""),
                name="objection_corrected_names_record",
            ),
        ]

    def __str__(self):
        return f"异议#{self.pk}"


@audited()
class ObjectionStep(models.Model):
    """The objection's timeline, in the words both sides read: raised, reminded, escalated, answered, replied,
    closed. Append-only like the audit rows it mirrors."""

    objection = models.ForeignKey(Objection, on_delete=models.PROTECT, related_name="steps")
    action = models.CharField(_("环节"), max_length=16)
    note = models.TextField(_("说明"), blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(_("时间"), auto_now_add=True)

    class Meta:
        ordering = ["at", "id"]


class ObjectionAttachment(models.Model):
    """A registry.Document (uploaded through registry.services.documents, with its checks) attached to an
    objection."""

    objection = models.ForeignKey(Objection, on_delete=models.PROTECT, related_name="attachments")
    document = models.OneToOneField("registry.Document", on_delete=models.PROTECT, related_name="+")


class HolidayKind(models.TextChoices):
    HOLIDAY = "holiday", _("放假")
    WORKDAY = "workday", _("调休上班")


@audited()
class HolidayDay(models.Model):
    """A day that differs from the Monday-to-Friday week: a public holiday (放假) or a weekend worked in its
    place (调休上班), as the State Council's notice for the year sets them. Shipped for 2024-2026 by the data
    migration; staff add later years from the next notice."""

    day = models.DateField(_("日期"), unique=True)
    kind = models.CharField(_("类型"), max_length=8, choices=HolidayKind.choices)
    name = models.CharField(_("节日"), max_length=32)
    source = models.CharField(_("依据"), max_length=200)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("节假日")
        verbose_name_plural = _("节假日")
        ordering = ["day"]

    def __str__(self):
        return f"{self.day} {self.name}"
