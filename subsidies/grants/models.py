"""One-time and evaluated grants (POLICY §2, §3 "One-time and evaluated grants"), YC-RD declarations
with their audit reports, performance evaluations (NX-PERF) and Yinchuan enclave incubators.

A programme is data (seeded by migration 0003_grants). A `GrantApplication` in status approved *is* the
award; partial unique constraints, keyed by the programme's frequency copied onto the row, make a second
award of a once-only rule impossible in the database whatever the code does."""

from django.conf import settings
from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import RangeOperators
from django.db import models
from django.db.models import F, Func, IntegerField, Q, Value
from django.db.models.functions import Cast, Substr
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _

from accounts.audit import audited
from subsidies.money import MoneyField

__all__ = [
    "Applicant",
    "AmountType",
    "Frequency",
    "Origin",
    "Programme",
    "ApplicationStatus",
    "PENDING_STATUSES",
    "EvaluationResult",
    "Incubator",
    "IncubatorDecision",
    "GrantApplication",
    "ApplicationDecision",
    "ApplicationDocument",
    "PerformanceEvaluation",
    "IncubatorAssessment",
    "DeclarationStatus",
    "RDDeclarationSubmission",
]


def _years(field: str) -> Func:
    """The evaluation period "YYYY-YYYY" as the closed int4range of its years."""
    return Func(
        Cast(Substr(field, 1, 4), IntegerField()),
        Cast(Substr(field, 6, 4), IntegerField()),
        Value("[]"),
        function="int4range",
    )


def _one_point(field: str) -> Func:
    """pgserver's PostgreSQL has no btree_gist: a foreign key is a one-point int8range, which core GiST
    indexes. Named by the field (not its column) so that Model.validate_constraints() substitutes the
    instance's value."""
    return Func(F(field), F(field), Value("[]"), function="int8range")


def no_overlapping_periods(name: str, period_field: str, **condition) -> ExclusionConstraint:
    """NX-PERF: once per centre per three-year evaluation period (POLICY §3); periods of one centre share
    no year, so 2022-2024 and 2023-2025 cannot both be recorded or paid."""
    return ExclusionConstraint(
        name=name,
        expressions=[(_one_point("centre"), RangeOperators.OVERLAPS), (_years(period_field), RangeOperators.OVERLAPS)],
        condition=Q(**condition) if condition else None,
    )


def _one_approved(frequency: str, *slot: str) -> models.UniqueConstraint:
    """An award of a programme of that frequency (subsidies.rules.grants) is approved at most once per slot: the
    database's own guard, `grant_<frequency>`, over the programme and the slot's fields."""
    return models.UniqueConstraint(
        fields=["programme", *slot], name=f"grant_{frequency}", condition=Q(status="approved", frequency=frequency)
    )


class Applicant(models.TextChoices):
    CENTRE = "centre", _("研发中心(依托企业申报)")
    RESEARCHER = "researcher", _("研发人员(经依托企业申报)")
    INCUBATOR = "incubator", _("飞地孵化器运营方")


class AmountType(models.TextChoices):
    FIXED = "fixed", _("定额")
    CAPPED = "capped", _("最高限额")
    RANGED = "ranged", _("区间")


class Frequency(models.TextChoices):
    ONCE_PER_CENTRE = "once_per_centre", _("每个中心一次")
    ONCE_PER_PERSON = "once_per_person", _("每人一次")
    ONCE_PER_EVALUATION = "once_per_evaluation", _("每个三年评估期一次")
    ONCE_PER_AWARD_YEAR = "once_per_award_year", _("每人每项奖励每年一次")
    ONCE_PER_INCUBATOR = "once_per_incubator", _("每个孵化器一次")
    ANNUAL_PER_INCUBATOR = "annual_per_incubator", _("每个孵化器每年一次")


class Origin(models.TextChoices):
    APPLICATION = "application", _("申报")
    EVALUATION = "evaluation", _("绩效评估")
    ASSESSMENT = "assessment", _("年度考核")
    RECOGNITION = "recognition", _("认定")


# the shipped programme names (migration 0003), for the English catalogue: pages show display_name
PROGRAMME_NAMES = frozenset(
    (
        gettext_noop("首次备案奖励"),
        gettext_noop("绩效评估优秀奖补"),
        gettext_noop("自治区人才小高地"),
        gettext_noop("自治区博士后工作站"),
        gettext_noop("博士后创新实践基地"),
        gettext_noop("进站博士科研经费"),
        gettext_noop("自治区科技创新团队"),
        gettext_noop("人才奖励"),
        gettext_noop("飞地孵化器运营补贴"),
        gettext_noop("国家级科技企业孵化器认定奖励"),
        gettext_noop("自治区级科技企业孵化器认定奖励"),
        gettext_noop("国家级众创空间认定奖励"),
        gettext_noop("自治区级众创空间认定奖励"),
    )
)


@audited()
class Programme(models.Model):
    """A grant rule of the two measures, as data: who may apply, the amount and how often it pays."""

    code = models.CharField(_("规则编号"), max_length=16, unique=True)
    measure = models.CharField(
        _("政策"), max_length=16, choices=[("regional", _("自治区办法")), ("yinchuan", _("银川市办法"))]
    )
    name = models.CharField(_("项目名称"), max_length=64)
    legal_reference = models.TextField(_("政策依据(原文)"))
    applicant = models.CharField(_("申报主体"), max_length=16, choices=Applicant.choices)
    filing_level = models.CharField(_("所需备案"), max_length=16, blank=True)
    for_independent = models.BooleanField(_("适用独立研发机构"), default=True)
    for_joint = models.BooleanField(_("适用联合研发机构"), default=True)
    origin = models.CharField(_("产生方式"), max_length=16, choices=Origin.choices, default=Origin.APPLICATION)
    amount_type = models.CharField(_("金额类型"), max_length=8, choices=AmountType.choices)
    amount_min = MoneyField(_("最低金额"), default=0)
    amount_max = MoneyField(_("金额/最高金额"))
    joint_amount_max = MoneyField(_("联合研发机构金额/最高金额"), null=True, blank=True)
    frequency = models.CharField(_("频次"), max_length=24, choices=Frequency.choices)
    sort_order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("资助项目")
        verbose_name_plural = _("资助项目")
        ordering = ["sort_order", "code"]

    def __str__(self):
        return f"{self.code} {self.name}"

    @property
    def display_name(self) -> str:
        """The name in the page's language: the shipped names are in the catalogue (PROGRAMME_NAMES)."""
        return gettext(self.name) if self.name in PROGRAMME_NAMES else self.name


class ApplicationStatus(models.TextChoices):
    SUBMITTED = "submitted", _("已提交")
    FIRST_REVIEWED = "first_reviewed", _("初审通过")
    RETURNED = "returned", _("退回修改")
    APPROVED = "approved", _("已核准")
    REJECTED = "rejected", _("不予支持")
    WITHDRAWN = "withdrawn", _("已撤回")  # by the enterprise before the first review


PENDING_STATUSES = (ApplicationStatus.SUBMITTED, ApplicationStatus.FIRST_REVIEWED, ApplicationStatus.RETURNED)


class EvaluationResult(models.TextChoices):
    EXCELLENT = "excellent", _("优秀")
    PASS = "pass", _("合格")
    FAIL = "fail", _("不合格")


@audited()
class Incubator(models.Model):
    """A Yinchuan enclave incubator (飞地孵化器), filed by its operator (运营方) with the Yinchuan bureau.
    The filing lives on the row: one Yinchuan filing per incubator, same lifecycle as a centre's."""

    ref = models.CharField(_("孵化器编号"), max_length=32, unique=True)
    operator = models.ForeignKey(
        "registry.Enterprise", on_delete=models.PROTECT, related_name="incubators", verbose_name=_("运营方")
    )
    name = models.CharField(_("孵化器名称"), max_length=128)
    city = models.CharField(_("所在城市"), max_length=32)
    address = models.CharField(_("详细地址"), max_length=256, blank=True)
    status = models.CharField(_("备案状态"), max_length=16, default="draft")  # registry.FilingStatus values
    effective_from = models.DateField(_("生效日期"), null=True, blank=True)
    effective_to = models.DateField(_("终止日期"), null=True, blank=True)
    ever_approved = models.BooleanField(default=False, editable=False)
    submitted_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    status_reason = models.TextField(_("原因"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("飞地孵化器")
        verbose_name_plural = _("飞地孵化器")
        ordering = ["ref"]

    def __str__(self):
        return self.name


@audited()
class IncubatorDecision(models.Model):
    """One step of an incubator filing's review (same steps as registry.ReviewDecision)."""

    incubator = models.ForeignKey(Incubator, on_delete=models.PROTECT, related_name="decisions")
    step = models.CharField(_("环节"), max_length=16)
    decision = models.CharField(_("结果"), max_length=16)
    comment = models.TextField(_("审核意见"), blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(_("时间"), auto_now_add=True)

    class Meta:
        ordering = ["at", "id"]


@audited()
class GrantApplication(models.Model):
    """An application for a programme, or an award produced by an evaluation, an assessment or a
    recognition. Status approved = awarded; `frequency` is the programme's, copied so that the partial
    unique constraints can hold the once-only rules."""

    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="applications")
    frequency = models.CharField(max_length=24, choices=Frequency.choices, editable=False)
    origin = models.CharField(_("产生方式"), max_length=16, choices=Origin.choices, default=Origin.APPLICATION)
    enterprise = models.ForeignKey("registry.Enterprise", on_delete=models.PROTECT, related_name="grant_applications")
    centre = models.ForeignKey(
        "registry.Centre", null=True, blank=True, on_delete=models.PROTECT, related_name="grant_applications"
    )
    incubator = models.ForeignKey(
        Incubator, null=True, blank=True, on_delete=models.PROTECT, related_name="grant_applications"
    )
    researcher = models.ForeignKey(
        "talent.Researcher", null=True, blank=True, on_delete=models.PROTECT, related_name="grant_applications"
    )
    award_programme = models.CharField(_("奖励/人才项目名称"), max_length=64, blank=True)
    year = models.PositiveSmallIntegerField(_("年度"), null=True, blank=True)
    evaluation_period = models.CharField(_("评估期"), max_length=9, blank=True, help_text="YYYY-YYYY")
    description = models.TextField(_("申报说明"), blank=True)
    requested_amount = MoneyField(_("申请金额"), null=True, blank=True)
    approved_amount = MoneyField(_("核定金额"), null=True, blank=True)
    status = models.CharField(
        _("状态"), max_length=16, choices=ApplicationStatus.choices, default=ApplicationStatus.SUBMITTED
    )
    status_reason = models.TextField(_("原因"), blank=True)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    submitted_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    # the 受理编号 of an application (awards from a recorded result have none) and when the
    # enterprise accepted the 信用承诺书
    acceptance_no = models.CharField(_("受理编号"), max_length=20, null=True, blank=True, unique=True, editable=False)
    commitment_at = models.DateTimeField(_("信用承诺时间"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("资助申报")
        verbose_name_plural = _("资助申报")
        ordering = ["-submitted_at", "-id"]
        constraints = [
            _one_approved("once_per_centre", "centre"),
            _one_approved("once_per_person", "researcher"),
            _one_approved("once_per_evaluation", "centre", "evaluation_period"),
            no_overlapping_periods(
                "grant_evaluation_periods_disjoint",
                "evaluation_period",
                status="approved",
                frequency="once_per_evaluation",
            ),
            _one_approved("once_per_award_year", "researcher", "award_programme", "year"),
            _one_approved("once_per_incubator", "incubator"),
            _one_approved("annual_per_incubator", "incubator", "year"),
            models.CheckConstraint(
                condition=Q(approved_amount__isnull=True) | Q(approved_amount__gt=0),
                name="grant_approved_amount_positive",
            ),
            models.CheckConstraint(
                condition=~Q(status="approved") | Q(approved_amount__isnull=False), name="grant_approved_has_amount"
            ),
        ]

    def __str__(self):
        who = self.researcher.name if self.researcher_id else (self.centre or self.incubator or self.enterprise)
        return f"{self.programme.code} · {who}"


@audited()
class ApplicationDecision(models.Model):
    """One review step of an application (same two steps as filings: 初审, then 复审 by another person)."""

    application = models.ForeignKey(GrantApplication, on_delete=models.PROTECT, related_name="decisions")
    step = models.CharField(_("环节"), max_length=16)
    decision = models.CharField(_("结果"), max_length=16, choices=ApplicationStatus.choices)
    amount = MoneyField(_("核定金额"), null=True, blank=True)
    comment = models.TextField(_("审核意见"), blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(_("时间"), auto_now_add=True)

    class Meta:
        ordering = ["at", "id"]


class ApplicationDocument(models.Model):
    """A registry.Document (uploaded through registry.services.documents) attached to an application."""

    application = models.ForeignKey(GrantApplication, on_delete=models.PROTECT, related_name="attachments")
    document = models.OneToOneField("registry.Document", on_delete=models.PROTECT, related_name="+")
    label = models.CharField(_("材料名称"), max_length=64)


@audited()
class PerformanceEvaluation(models.Model):
    """NX-PERF: the three-yearly comprehensive evaluation of a centre; 优秀 produces the award."""

    centre = models.ForeignKey("registry.Centre", on_delete=models.PROTECT, related_name="evaluations")
    period = models.CharField(_("评估期"), max_length=9, help_text="YYYY-YYYY")
    result = models.CharField(_("评估结果"), max_length=16, choices=EvaluationResult.choices)
    note = models.TextField(_("说明"), blank=True)
    award = models.OneToOneField(GrantApplication, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-period"]
        constraints = [
            models.UniqueConstraint(fields=["centre", "period"], name="evaluation_one_per_period"),
            no_overlapping_periods("evaluation_periods_disjoint", "period"),
        ]


@audited()
class IncubatorAssessment(models.Model):
    """YC-INC-OPS: the annual assessment of a filed incubator; a pass grants the operating subsidy."""

    incubator = models.ForeignKey(Incubator, on_delete=models.PROTECT, related_name="assessments")
    year = models.PositiveSmallIntegerField(_("年度"))
    score = models.DecimalField(_("考核得分"), max_digits=5, decimal_places=2)
    passed = models.BooleanField(_("考核合格"))
    note = models.TextField(_("说明"), blank=True)
    award = models.OneToOneField(GrantApplication, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-year"]
        constraints = [
            models.UniqueConstraint(fields=["incubator", "year"], name="assessment_one_per_year"),
            models.CheckConstraint(condition=Q(score__gte=0, score__lte=100), name="assessment_score_range"),
        ]


class DeclarationStatus(models.TextChoices):
    PENDING = "pending", _("待核定")
    VERIFIED = "verified", _("已核定")
    WITHDRAWN = "withdrawn", _("已撤回")  # by the enterprise before verification


@audited()
class RDDeclarationSubmission(models.Model):
    """YC-RD 1: what the parent enterprise declared, with the audit report. Staff verification writes the
    verified amount onto the RDDeclaration (through rd_declaration_record), which raises the revision when
    the year was already paid, so the next annual run settles the difference with an adjustment line."""

    declaration = models.ForeignKey(
        "subsidies.RDDeclaration", null=True, blank=True, on_delete=models.PROTECT, related_name="submissions"
    )
    centre = models.ForeignKey("registry.Centre", on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField(_("年度"))
    declared_amount = MoneyField(_("申报研发投入"))
    audit_report = models.ForeignKey("registry.Document", on_delete=models.PROTECT, related_name="+")
    status = models.CharField(
        _("状态"), max_length=16, choices=DeclarationStatus.choices, default=DeclarationStatus.PENDING
    )
    verified_amount = MoneyField(_("核定研发投入"), null=True, blank=True)
    verification_note = models.TextField(_("核定说明"), blank=True)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    submitted_at = models.DateTimeField(auto_now_add=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    verified_at = models.DateTimeField(null=True, blank=True)
    # the 受理编号, the 信用承诺书's acceptance, and a withdrawal before verification
    acceptance_no = models.CharField(_("受理编号"), max_length=20, null=True, blank=True, unique=True, editable=False)
    commitment_at = models.DateTimeField(_("信用承诺时间"), null=True, blank=True, editable=False)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    withdrawn_at = models.DateTimeField(_("撤回时间"), null=True, blank=True)
    withdrawal_reason = models.TextField(_("撤回原因"), blank=True)

    class Meta:
        ordering = ["-submitted_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["centre", "year"], condition=Q(status="pending"), name="rd_submission_one_pending"
            ),
            models.CheckConstraint(condition=Q(declared_amount__gte=0), name="rd_submission_not_negative"),
            # YC-RD 1: staff may verify less than declared, never more; a verified submission has its amount
            models.CheckConstraint(
                condition=Q(verified_amount__isnull=True) | Q(verified_amount__lte=F("declared_amount")),
                name="rd_submission_verified_within_declared",
            ),
            models.CheckConstraint(
                condition=~Q(status="verified") | Q(verified_amount__isnull=False),
                name="rd_submission_verified_has_amount",
            ),
        ]
