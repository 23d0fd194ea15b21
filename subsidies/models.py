import pghistory
import pgtrigger
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.audit import audited
from subsidies.money import MoneyField
from subsidies.parameters.models import ParameterValue  # noqa: F401  (the app's models: migrations, pghistory)
from subsidies.rules.rd_award import RULE as RD_AWARD
from subsidies.rules.stipend import RULE as STIPEND


class _Either(pgtrigger.Condition):
    """OR of trigger conditions."""

    def __init__(self, *conditions):
        self.conditions = conditions

    def resolve(self, model):
        return "(" + " OR ".join(f"({c.resolve(model)})" for c in self.conditions) + ")"


@audited()
class RDDeclaration(models.Model):
    """YC-RD: a centre's R&D spending for a calendar year, declared by the parent enterprise and
    verified by staff (POLICY §3 YC-RD 1-2). A change after verification raises the revision."""

    centre = models.ForeignKey("registry.Centre", on_delete=models.PROTECT, related_name="rd_declarations")
    year = models.PositiveSmallIntegerField(_("年度"))
    declared_amount = MoneyField(_("申报研发投入"), null=True, blank=True)
    verified_amount = MoneyField(_("核定研发投入"), null=True, blank=True)
    verification_note = models.TextField(_("核定说明"), blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    verified_at = models.DateTimeField(null=True, blank=True)
    revision = models.PositiveIntegerField(_("修订次数"), default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("研发投入申报")
        verbose_name_plural = _("研发投入申报")
        constraints = [
            models.UniqueConstraint(fields=["centre", "year"], name="rd_declaration_one_per_year"),
            models.CheckConstraint(condition=Q(verified_amount__gte=0), name="rd_verified_not_negative"),
        ]


class RunKind(models.TextChoices):
    MONTHLY = "monthly", _("月度补助")
    ANNUAL = "annual", _("年度奖励")
    GRANTS = "grants", _("项目资助")


class RunState(models.TextChoices):
    DRAFT = "draft", _("草稿")
    COMPUTING = "computing", _("计算中")
    COMPUTED = "computed", _("已计算")
    APPROVED = "approved", _("已审批")
    EXPORTED = "exported", _("已导出")
    PAID = "paid", _("已拨付")
    PARTIAL = "partial", _("部分到账")  # bank results in, not every live transfer succeeded
    CANCELLED = "cancelled", _("已作废")
    FAILED = "failed", _("计算失败")
    # left computing with no live computation (its process or worker died): continued, not recomputed
    INTERRUPTED = "interrupted", _("中断")


# runs whose lines are decided and may be shown to an enterprise or printed as 核定金额 (a computed run can still
# be cancelled): the one tuple every reader of 'published' lines uses
PUBLISHED_RUN_STATES = (RunState.APPROVED, RunState.EXPORTED, RunState.PAID, RunState.PARTIAL)
OPEN_RUN_STATES = (RunState.DRAFT, RunState.COMPUTING, RunState.COMPUTED, RunState.FAILED, RunState.INTERRUPTED)


@audited()
class PayoutRun(models.Model):
    kind = models.CharField(_("类型"), max_length=16, choices=RunKind.choices)
    period = models.CharField(_("期间"), max_length=7, help_text="YYYY-MM / YYYY")
    state = models.CharField(_("状态"), max_length=16, choices=RunState.choices, default=RunState.DRAFT)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    computed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    computed_at = models.DateTimeField(null=True)
    approved_at = models.DateTimeField(null=True)
    cancelled_at = models.DateTimeField(null=True)
    progress_done = models.PositiveIntegerField(default=0)
    progress_total = models.PositiveIntegerField(default=0)
    line_count = models.PositiveIntegerField(default=0)
    total_amount = MoneyField(default=0)
    error = models.TextField(blank=True)
    # who computes (or last computed) the run and since when: "run_payouts pid 123 on host" or "celery";
    # whether that computation is still alive is PostgreSQL's advisory locks' word (services/run_leases.py)
    holder = models.CharField(max_length=200, blank=True)
    holder_since = models.DateTimeField(null=True)
    heartbeat_at = models.DateTimeField(null=True)  # last chunk done (or dispatch) of a run on Celery

    class Meta:
        verbose_name = _("发放批次")
        verbose_name_plural = _("发放批次")
        ordering = ["-created_at"]
        # a run is cancelled, never deleted, and its id never changes: its lines rely on it
        triggers = [
            pgtrigger.Protect(name="payout_run_kept", operation=pgtrigger.Delete),
            pgtrigger.Protect(
                name="payout_run_id_fixed", operation=pgtrigger.Update, condition=pgtrigger.AnyChange("id")
            ),
        ]
        constraints = [
            # at most one open (not yet approved) run per kind and period; a second start is refused
            models.UniqueConstraint(
                fields=["kind", "period"], condition=Q(state__in=OPEN_RUN_STATES), name="payout_run_one_open_per_period"
            ),
        ]

    def __str__(self):
        return f"#{self.pk} {self.get_kind_display()} {self.period}"


class RunChunk(models.Model):
    """A slice of a run over researcher (or centre) ids; done chunks make progress and re-runs safe."""

    run = models.ForeignKey(PayoutRun, on_delete=models.CASCADE, related_name="chunks")
    lo = models.BigIntegerField()
    hi = models.BigIntegerField()
    done = models.BooleanField(default=False)
    lines = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["run", "lo"], name="run_chunk_unique")]


class LineKind(models.TextChoices):
    REGULAR = "regular", _("正常")
    ADJUSTMENT = "adjustment", _("调整")


class ExplanationBasis(models.Model):
    """The inputs a payment used that do not change month to month — the contract, the degree and its
    verification, the filing window, the parameter values with their dates and legal references —
    stored once, immutable and content-addressed (SHA-1 of the canonical JSON). A line's explanation is
    its own per-month values plus its basis (`PayoutLine.full_explanation`)."""

    digest = models.CharField(max_length=40, primary_key=True)
    body = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("计算依据(共用部分)")
        verbose_name_plural = _("计算依据(共用部分)")
        triggers = [
            pgtrigger.Protect(name="explanation_basis_immutable", operation=pgtrigger.Update | pgtrigger.Delete)
        ]


@pghistory.track(pghistory.UpdateEvent("voided"), fields=["active"], model_name="PayoutLineVoid")
class PayoutLine(models.Model):
    """One payment. Append-only (a correction is a new line); the partial unique constraints make
    paying a person-month (NX-STIPEND) or a centre-year's award (YC-RD) twice impossible."""

    # indexes are few on purpose: a first run writes millions of lines. `line_run_grouping` serves the
    # run's lookups (run first), the partial unique constraints the paid-month and award lookups.
    # run and explanation_basis: their rows are never deleted or rekeyed (triggers) and a line's are never
    # changed (append-only), so the database checks them once per statement (`payout_line_parents_exist`)
    # instead of once per line: a first run copies millions of lines
    run = models.ForeignKey(
        PayoutRun, on_delete=models.PROTECT, related_name="lines", db_index=False, db_constraint=False
    )
    rule = models.CharField(_("规则"), max_length=16)
    kind = models.CharField(_("类型"), max_length=16, choices=LineKind.choices, default=LineKind.REGULAR)
    researcher = models.ForeignKey("talent.Researcher", null=True, on_delete=models.PROTECT, related_name="+")
    # null only for grants to an incubator operator (YC-INC-*, YC-MS-*), which no centre earns
    centre = models.ForeignKey("registry.Centre", null=True, on_delete=models.PROTECT, related_name="+")
    enterprise = models.ForeignKey("registry.Enterprise", on_delete=models.PROTECT, related_name="+")
    beneficiary = models.CharField(_("受益人证件号/信用代码"), max_length=32)
    beneficiary_name = models.CharField(_("受益人"), max_length=128)
    service_period = models.CharField(_("所属期间"), max_length=7)
    service_month = models.DateField(null=True)
    is_arrears = models.BooleanField(_("补发"), default=False)
    basis = models.CharField(max_length=64, blank=True, help_text="what makes an adjustment unique")
    amount = MoneyField(_("金额"))
    explanation = models.JSONField(_("计算依据"))
    explanation_basis = models.ForeignKey(
        ExplanationBasis,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    active = models.BooleanField(default=True, help_text="false only when its run was cancelled before approval")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("发放明细")
        verbose_name_plural = _("发放明细")
        ordering = ["id"]
        indexes = [models.Index(fields=["run", "enterprise", "centre"], name="line_run_grouping")]
        constraints = [
            models.UniqueConstraint(
                fields=["researcher", "service_month"],
                condition=Q(rule=STIPEND, active=True),
                name="line_person_month_paid_once",
            ),
            # YC-RD: one award per centre and year (revisions are adjustment lines)
            models.UniqueConstraint(
                fields=["centre", "service_period"],
                condition=Q(rule=RD_AWARD, kind="regular", active=True),
                name="line_centre_year_award_once",
            ),
            models.UniqueConstraint(
                fields=["rule", "centre", "service_period", "basis"],
                condition=Q(kind="adjustment", active=True),
                name="line_adjustment_once",
            ),
            # a grant award (basis "award:<id>") is paid once
            models.UniqueConstraint(
                fields=["rule", "basis"],
                condition=Q(basis__startswith="award:", active=True),
                name="line_award_paid_once",
            ),
            models.CheckConstraint(condition=Q(kind="adjustment") | Q(amount__gte=0), name="line_regular_not_negative"),
        ]
        triggers = [
            pgtrigger.Trigger(
                name="payout_line_parents_exist",
                level=pgtrigger.Statement,
                when=pgtrigger.After,
                operation=pgtrigger.Insert,
                referencing=pgtrigger.Referencing(new="new_lines"),
                func="""
                IF EXISTS (SELECT 1 FROM new_lines n WHERE NOT EXISTS (
                        SELECT 1 FROM subsidies_payoutrun r WHERE r.id = n.run_id)) THEN
                    RAISE EXCEPTION 'payout line refers to a payout run that does not exist'
                        USING ERRCODE = 'foreign_key_violation';
                END IF;
                IF EXISTS (SELECT 1 FROM new_lines n WHERE n.explanation_basis_id IS NOT NULL AND NOT EXISTS (
                        SELECT 1 FROM subsidies_explanationbasis b WHERE b.digest = n.explanation_basis_id)) THEN
                    RAISE EXCEPTION 'payout line refers to an explanation basis that does not exist'
                        USING ERRCODE = 'foreign_key_violation';
                END IF;
                RETURN NULL;
                """,
            ),
            # ... and only a cancelled run's lines can be voided: an approved payment stays paid
            pgtrigger.Trigger(
                name="payout_line_void_only_cancelled",
                level=pgtrigger.Statement,
                when=pgtrigger.After,
                operation=pgtrigger.Update,
                referencing=pgtrigger.Referencing(new="changed"),
                func="""
                IF EXISTS (SELECT 1 FROM changed n JOIN subsidies_payoutrun r ON r.id = n.run_id
                           WHERE NOT n.active AND r.state <> 'cancelled') THEN
                    RAISE EXCEPTION 'only the lines of a cancelled payout run can be voided'
                        USING ERRCODE = 'integrity_constraint_violation';
                END IF;
                RETURN NULL;
                """,
            ),
            pgtrigger.Protect(name="payout_line_no_delete", operation=pgtrigger.Delete),
            # append-only: the only change ever allowed is voiding the lines of a cancelled run
            pgtrigger.Protect(
                name="payout_line_append_only",
                operation=pgtrigger.Update,
                condition=_Either(pgtrigger.AnyChange(exclude=["active"]), pgtrigger.Q(old__active=False)),
            ),
        ]

    @property
    def full_explanation(self) -> dict:
        """Everything the line was computed from (select_related("explanation_basis") when listing)."""
        if self.explanation_basis_id is None:
            return self.explanation
        return {**self.explanation_basis.body, **self.explanation}


class ExportFormat(models.TextChoices):
    REGISTER_PDF = "register_pdf", _("发放明细表(PDF)")
    NOTICE_PDF = "notice_pdf", _("拨付通知书(PDF)")
    APPENDIX_PDF = "appendix_pdf", _("计算依据附表(PDF)")
    BANK_XLSX = "bank_xlsx", _("银行转账文件(XLSX)")
    BANK_CSV = "bank_csv", _("银行转账文件(CSV)")


class ExportState(models.TextChoices):
    QUEUED = "queued", _("排队中")
    RENDERING = "rendering", _("生成中")
    DONE = "done", _("已完成")
    FAILED = "failed", _("失败")


@audited()
class ExportRecord(models.Model):
    """One export of a run's documents: who asked, when, and the SHA-256 of the file produced."""

    run = models.ForeignKey(PayoutRun, on_delete=models.PROTECT, related_name="exports")
    format = models.CharField(_("格式"), max_length=16, choices=ExportFormat.choices)
    state = models.CharField(_("状态"), max_length=16, choices=ExportState.choices, default=ExportState.QUEUED)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(_("申请时间"), auto_now_add=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    progress_done = models.PositiveIntegerField(default=0)
    progress_total = models.PositiveIntegerField(default=0)
    file_path = models.CharField(_("文件"), max_length=512, blank=True)
    size = models.PositiveBigIntegerField(_("大小(字节)"), null=True, blank=True)
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True)
    line_count = models.PositiveIntegerField(default=0)
    total_amount = MoneyField(_("合计金额"), null=True, blank=True)
    error = models.TextField(blank=True)
    # a bank file's payees written without the payee bank's 联行号 ("name(USCC)" joined by 、), shown on the
    # export page so finance completes them before uploading
    payees_without_cnaps = models.TextField(_("未登记联行号的收款企业"), blank=True, db_default="")

    class Meta:
        verbose_name = _("导出记录")
        verbose_name_plural = _("导出记录")
        ordering = ["-requested_at"]

    def __str__(self):
        return f"导出#{self.pk} 批次#{self.run_id} {self.get_format_display()}"


@audited()
class Budget(models.Model):
    """The approved yearly budget (预算批复) of one measure's rule or grant programme: NX-STIPEND, YC-RD
    or a Programme code. One row per rule and year; a change is an update whose old and
    new values the audit trigger keeps (who, when) — the budget page shows that history."""

    rule = models.CharField(_("规则/项目编号"), max_length=16)
    year = models.PositiveSmallIntegerField(_("预算年度"))
    amount = MoneyField(_("预算金额"))
    reference = models.CharField(_("批复文号"), max_length=128)
    note = models.TextField(_("说明"), blank=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("年度预算")
        verbose_name_plural = _("年度预算")
        ordering = ["-year", "rule"]
        constraints = [
            models.UniqueConstraint(fields=["rule", "year"], name="budget_one_per_rule_year"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="budget_amount_positive"),
            models.CheckConstraint(condition=~Q(reference=""), name="budget_reference_required"),
        ]

    def __str__(self):
        return f"{self.rule} {self.year}年预算"


from subsidies.grants.models import *  # noqa: E402,F401,F403  (grants, declarations, incubators)
from subsidies.objections.models import *  # noqa: E402,F401,F403  (objections, holiday reference data)
from subsidies.performance.models import *  # noqa: E402,F401,F403  (performance reports, evaluations; NX-PERF)
from subsidies.projection.models import *  # noqa: E402,F401,F403  (saved projection scenarios, jobs)
from subsidies.transfers.models import *  # noqa: E402,F401,F403  (bank transfers and results)
