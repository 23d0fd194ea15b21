"""Performance models. Imported into subsidies.models so that they belong to the subsidies app.

A report's pre-filled figures are a snapshot taken from the records at submission; its declared figures
carry items (patent number, title, date) whose count — or, for the contract value, whose amounts — must
match the total. An indicator scheme belongs to one evaluation cycle; a round keeps the scheme it used."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.audit import audited
from subsidies.grants.models import EvaluationResult
from subsidies.money import MoneyField

__all__ = [
    "ReportStatus",
    "ReportFigure",
    "PerformanceReport",
    "ReportItem",
    "ReportEvidence",
    "ReportDecision",
    "IndicatorScheme",
    "IndicatorSource",
    "Indicator",
    "RoundStatus",
    "EvaluationRound",
    "ExpertAssignment",
    "IndicatorScore",
    "CentreScore",
]


class ReportStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    SUBMITTED = "submitted", _("已提交")
    FIRST_REVIEWED = "first_reviewed", _("初审通过")
    RETURNED = "returned", _("退回修改")
    ACCEPTED = "accepted", _("已受理")


class ReportFigure(models.TextChoices):
    """The declared figures of the annual report, each backed by items and evidence."""

    PATENTS_APPLIED = "patents_applied", _("发明专利申请数")
    PATENTS_GRANTED = "patents_granted", _("发明专利授权数")
    SOFTWARE = "software_copyrights", _("软件著作权数")
    DELIVERED = "results_delivered", _("向宁夏母公司交付技术成果数")
    APPLIED = "results_applied", _("在宁夏转化应用成果数")
    CONTRACTS = "contract_value", _("技术合同金额")
    JOINT = "joint_projects", _("与高校院所联合项目数")
    TALENT = "talent_trained", _("培养人才数")


@audited()
class PerformanceReport(models.Model):
    """年度绩效报告: one per centre and year, filed by the parent enterprise by the deadline."""

    centre = models.ForeignKey("registry.Centre", on_delete=models.PROTECT, related_name="performance_reports")
    year = models.PositiveSmallIntegerField(_("报告年度"))
    status = models.CharField(_("状态"), max_length=16, choices=ReportStatus.choices, default=ReportStatus.DRAFT)
    deadline = models.DateField(_("报送截止日期"))
    extended_to = models.DateField(_("延期至"), null=True, blank=True)
    extension_reason = models.TextField(_("延期理由"), blank=True)
    patents_applied = models.PositiveIntegerField(_("发明专利申请数"), default=0)
    patents_granted = models.PositiveIntegerField(_("发明专利授权数"), default=0)
    software_copyrights = models.PositiveIntegerField(_("软件著作权数"), default=0)
    results_delivered = models.PositiveIntegerField(_("向宁夏母公司交付技术成果数"), default=0)
    results_applied = models.PositiveIntegerField(_("在宁夏转化应用成果数"), default=0)
    contract_value = MoneyField(_("技术合同金额"), default=0)
    joint_projects = models.PositiveIntegerField(_("与高校院所联合项目数"), default=0)
    talent_trained = models.PositiveIntegerField(_("培养人才数"), default=0)
    summary = models.TextField(_("年度工作总结"), blank=True)
    prefilled = models.JSONField(_("系统预填数据"), default=dict, blank=True)
    status_reason = models.TextField(_("原因"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("年度绩效报告")
        verbose_name_plural = _("年度绩效报告")
        ordering = ["-year", "centre_id"]
        constraints = [
            models.UniqueConstraint(fields=["centre", "year"], name="performance_report_one_per_year"),
            models.CheckConstraint(condition=Q(contract_value__gte=0), name="performance_contract_not_negative"),
        ]

    def __str__(self):
        return f"{self.centre} {self.year}年度绩效报告"


@audited()
class ReportItem(models.Model):
    """One listed item behind a declared figure: a patent, a copyright, a delivered result, a contract…"""

    report = models.ForeignKey(PerformanceReport, on_delete=models.CASCADE, related_name="items")
    figure = models.CharField(_("指标"), max_length=24, choices=ReportFigure.choices)
    number = models.CharField(_("编号"), max_length=64, blank=True)
    title = models.CharField(_("名称"), max_length=200)
    date = models.DateField(_("日期"))
    product_line = models.CharField(_("应用产品/产线"), max_length=128, blank=True)
    amount = MoneyField(_("金额"), null=True, blank=True)

    class Meta:
        ordering = ["figure", "date", "id"]


@audited()
class ReportEvidence(models.Model):
    """An evidence document (registry.Document, served by its permission-checked download) for a figure."""

    report = models.ForeignKey(PerformanceReport, on_delete=models.CASCADE, related_name="evidence")
    figure = models.CharField(_("指标"), max_length=24, choices=ReportFigure.choices)
    document = models.ForeignKey("registry.Document", on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["figure", "id"]


@audited()
class ReportDecision(models.Model):
    """One step of a report's review: the steps of registry.ReviewStep (初审, then 复审 by another person)."""

    report = models.ForeignKey(PerformanceReport, on_delete=models.PROTECT, related_name="decisions")
    step = models.CharField(_("环节"), max_length=16)
    decision = models.CharField(_("结果"), max_length=16, choices=ReportStatus.choices)
    comment = models.TextField(_("意见"), blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(_("时间"), auto_now_add=True)

    class Meta:
        ordering = ["at", "id"]


@audited()
class IndicatorScheme(models.Model):
    """The indicator scheme of one evaluation cycle (评估期 YYYY-YYYY). Once a round uses it, it is frozen:
    the bureau changes the scheme of the next cycle (a copy), never the one past evaluations used."""

    period = models.CharField(_("评估期"), max_length=9, unique=True, help_text="YYYY-YYYY")
    name = models.CharField(_("指标体系名称"), max_length=128)
    note = models.TextField(_("说明"), blank=True)
    copied_from = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("绩效评估指标体系")
        verbose_name_plural = _("绩效评估指标体系")
        ordering = ["-period"]

    def __str__(self):
        return f"{self.period} {self.name}"


class IndicatorSource(models.TextChoices):
    """Where the figure an indicator is scored on comes from: a report field (summed over the cycle's accepted
    reports) or a record (NX-STIPEND months paid, researchers, verified R&D spend), or the expert's judgement."""

    PATENTS_APPLIED = "report:patents_applied", _("报告:发明专利申请数")
    PATENTS_GRANTED = "report:patents_granted", _("报告:发明专利授权数")
    SOFTWARE = "report:software_copyrights", _("报告:软件著作权数")
    DELIVERED = "report:results_delivered", _("报告:向宁夏母公司交付技术成果数")
    APPLIED = "report:results_applied", _("报告:在宁夏转化应用成果数")
    CONTRACTS = "report:contract_value", _("报告:技术合同金额")
    JOINT = "report:joint_projects", _("报告:与高校院所联合项目数")
    TALENT = "report:talent_trained", _("报告:培养人才数")
    RESEARCHERS = "record:researchers", _("记录:在聘研发人员数")
    STIPEND = "record:stipend_months", _("记录:人才补助已发放月数")
    RD_SPEND = "record:rd_verified", _("记录:核定研发投入")
    JUDGEMENT = "judgement", _("专家评议")


@audited()
class Indicator(models.Model):
    scheme = models.ForeignKey(IndicatorScheme, on_delete=models.PROTECT, related_name="indicators")
    code = models.CharField(_("指标编号"), max_length=16)
    name = models.CharField(_("指标名称"), max_length=128)
    weight = models.DecimalField(_("权重(%)"), max_digits=5, decimal_places=2)
    max_score = models.DecimalField(_("满分"), max_digits=5, decimal_places=2, default=100)
    guidance = models.TextField(_("评分说明"), blank=True)
    source = models.CharField(_("数据来源"), max_length=32, choices=IndicatorSource.choices)
    sort_order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["sort_order", "code"]
        constraints = [
            models.UniqueConstraint(fields=["scheme", "code"], name="indicator_code_per_scheme"),
            models.CheckConstraint(condition=Q(weight__gt=0, weight__lte=100), name="indicator_weight_range"),
            models.CheckConstraint(condition=Q(max_score__gt=0), name="indicator_max_score_positive"),
        ]

    def __str__(self):
        return f"{self.code} {self.name}"


class RoundStatus(models.TextChoices):
    SCORING = "scoring", _("评分中")
    COMPUTED = "computed", _("已汇总")
    FIRST_REVIEWED = "first_reviewed", _("初审通过")
    PUBLISHED = "published", _("已公布")


@audited()
class EvaluationRound(models.Model):
    """One three-yearly evaluation (综合绩效评估) of the filed centres for a period, scored under the scheme
    of that period. Compute → 初审 (records each centre's PerformanceEvaluation and proposes the NX-PERF
    awards) → 复审 by another reviewer (approves the awards; publishes the scores)."""

    period = models.CharField(_("评估期"), max_length=9, unique=True, help_text="YYYY-YYYY")
    scheme = models.ForeignKey(IndicatorScheme, on_delete=models.PROTECT, related_name="rounds")
    status = models.CharField(_("状态"), max_length=16, choices=RoundStatus.choices, default=RoundStatus.SCORING)
    rule_used = models.JSONField(_("优秀认定规则(参数取值)"), default=dict, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    computed_at = models.DateTimeField(null=True, blank=True)
    first_reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    status_reason = models.TextField(_("原因"), blank=True)
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("综合绩效评估")
        verbose_name_plural = _("综合绩效评估")
        ordering = ["-period"]

    def __str__(self):
        return f"{self.period}综合绩效评估"


@audited()
class ExpertAssignment(models.Model):
    """A scorer (bureau staff or an appointed expert) assigned to a centre in a round. The expert declares,
    on assignment, the enterprise they work for or advise (conflict of interest): they may not score it."""

    round = models.ForeignKey(EvaluationRound, on_delete=models.PROTECT, related_name="assignments")
    expert = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="expert_assignments")
    centre = models.ForeignKey("registry.Centre", on_delete=models.PROTECT, related_name="+")
    declared_interest = models.ForeignKey(
        "registry.Enterprise",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("申报的利益关联企业"),
    )
    assigned_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    assigned_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["centre_id", "expert_id"]
        constraints = [models.UniqueConstraint(fields=["round", "expert", "centre"], name="assignment_once")]


@audited()
class IndicatorScore(models.Model):
    assignment = models.ForeignKey(ExpertAssignment, on_delete=models.PROTECT, related_name="scores")
    indicator = models.ForeignKey(Indicator, on_delete=models.PROTECT, related_name="+")
    score = models.DecimalField(_("得分"), max_digits=5, decimal_places=2)
    comment = models.TextField(_("评分意见"), blank=True)
    scored_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["assignment", "indicator"], name="score_once_per_indicator"),
            models.CheckConstraint(condition=Q(score__gte=0), name="score_not_negative"),
        ]


@audited()
class CentreScore(models.Model):
    """A centre's computed result in a round: the weighted score, the rank, the result and the record
    NX-PERF pays (subsidies.PerformanceEvaluation, written through evaluation_record at the 初审)."""

    round = models.ForeignKey(EvaluationRound, on_delete=models.PROTECT, related_name="results")
    centre = models.ForeignKey("registry.Centre", on_delete=models.PROTECT, related_name="+")
    score = models.DecimalField(_("综合得分"), max_digits=5, decimal_places=2)
    rank = models.PositiveSmallIntegerField(_("排名"))
    result = models.CharField(_("评估结果"), max_length=16)  # subsidies.EvaluationResult values
    by_indicator = models.JSONField(_("分项得分"), default=list)
    evaluation = models.OneToOneField(
        "subsidies.PerformanceEvaluation", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["rank", "centre_id"]
        constraints = [
            models.UniqueConstraint(fields=["round", "centre"], name="centre_score_once"),
            models.CheckConstraint(condition=Q(score__gte=0, score__lte=100), name="centre_score_range"),
        ]

    @property
    def result_label(self) -> str:
        return EvaluationResult(self.result).label
