from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import RangeOperators
from django.db import models
from django.db.models import F, Func, Q, Value
from django.utils.translation import gettext_lazy as _

from accounts.audit import audited


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
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("研发人员")
        verbose_name_plural = _("研发人员")
        ordering = ["id"]

    def __str__(self):
        return self.name


class DegreeLevel(models.TextChoices):
    BACHELOR = "bachelor", _("学士")
    MASTER = "master", _("硕士")
    DOCTORATE = "doctorate", _("博士")


@audited()
class Degree(models.Model):
    researcher = models.ForeignKey(Researcher, on_delete=models.CASCADE, related_name="degrees")
    level = models.CharField(_("学位"), max_length=16, choices=DegreeLevel.choices)
    full_time = models.BooleanField(_("全日制"), default=True)
    institution = models.CharField(_("授予单位"), max_length=128, blank=True)
    discipline = models.CharField(_("学科"), max_length=128, blank=True)
    key_discipline = models.BooleanField(_("重点院校重点学科"), default=False)
    awarded_on = models.DateField(_("授予日期"))
    verified_at = models.DateTimeField(_("核验时间"), null=True, blank=True)
    verified_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("核验人")
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("学位")
        verbose_name_plural = _("学位")
        constraints = [
            models.UniqueConstraint(fields=["researcher", "level", "full_time", "awarded_on"], name="degree_unique"),
        ]

    @property
    def is_verified(self) -> bool:
        return self.verified_at is not None


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
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("聘用合同")
        verbose_name_plural = _("聘用合同")
        ordering = ["start"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end__isnull=True) | Q(end__gte=F("start")), name="contract_end_after_start"
            ),
            models.CheckConstraint(
                condition=Q(terminated_on__isnull=True) | Q(terminated_on__gte=F("start")),
                name="contract_termination_after_start",
            ),
            # Two full-time contracts of one person never overlap. pgserver's PostgreSQL has no
            # btree_gist, so the person is a one-point int8range, which core GiST indexes.
            ExclusionConstraint(
                name="contract_no_fulltime_overlap",
                expressions=[
                    (Func(F("researcher_id"), F("researcher_id"), Value("[]"), function="int8range"),
                     RangeOperators.OVERLAPS),
                    (Func(F("start"), Func(F("terminated_on"), F("end"), function="LEAST"), Value("[]"),
                          function="daterange"), RangeOperators.OVERLAPS),
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
