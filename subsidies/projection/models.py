"""Saved projection scenarios and projection jobs.

A ProjectionScenario is an immutable record of what was costed: its inputs (horizon, dated what-if
values, stated hiring rate), who saved it and when, the data as of which it was computed (the latest
monthly run, the latest payout line and parameter value) and its totals; database triggers refuse any
update or delete. A parameter value decided later links to the scenario that costed it
(ScenarioParameterLink). A ProjectionJob is a long projection computed by a Celery worker, with its
progress."""

import pgtrigger
from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.audit import audited
from subsidies.money import MoneyField


class ProjectionScenario(models.Model):
    name = models.CharField(_("方案名称"), max_length=128)
    note = models.TextField(_("说明"), blank=True)
    through = models.CharField(_("测算截至月份"), max_length=7)
    overrides = models.JSONField(_("参数假设"), default=list)  # [{"name", "value", "effective_from"}]
    hires = models.JSONField(_("新增人员假设"), default=dict)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    # the data as of which it was computed
    computed_at = models.DateTimeField(_("数据截至"))
    latest_run = models.CharField(_("最近月度批次"), max_length=7, blank=True)
    latest_line_id = models.BigIntegerField(null=True)
    latest_parameter_id = models.BigIntegerField(null=True)
    # totals
    baseline_total = MoneyField(_("基线合计"))
    scenario_total = MoneyField(_("方案合计"), null=True)
    difference = MoneyField(_("差额"), null=True)
    over_budget_years = models.JSONField(default=list)
    result = models.JSONField()  # the projection as the API returns it

    class Meta:
        verbose_name = _("测算方案")
        verbose_name_plural = _("测算方案")
        ordering = ["-created_at", "-id"]
        triggers = [
            pgtrigger.Protect(name="projection_scenario_immutable", operation=pgtrigger.Update | pgtrigger.Delete)
        ]

    def __str__(self):
        return f"#{self.pk} {self.name}"


@audited()
class ScenarioParameterLink(models.Model):
    """A recorded parameter value decided on the strength of a saved scenario that costed it."""

    scenario = models.ForeignKey(ProjectionScenario, on_delete=models.PROTECT, related_name="decisions")
    parameter = models.OneToOneField("subsidies.ParameterValue", on_delete=models.PROTECT, related_name="costed_by")
    linked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    linked_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("参数决定所依据的测算方案")
        verbose_name_plural = _("参数决定所依据的测算方案")


class ProjectionJob(models.Model):
    """A long projection queued on Celery; its result is the page's (not a saved scenario)."""

    class State(models.TextChoices):
        QUEUED = "queued", _("排队中")
        RUNNING = "running", _("计算中")
        DONE = "done", _("已完成")
        FAILED = "failed", _("失败")

    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    through = models.CharField(max_length=7)
    overrides = models.JSONField(default=list)  # ["NAME=VALUE@DATE", ...]
    hires = models.JSONField(default=dict)
    state = models.CharField(max_length=16, choices=State.choices, default=State.QUEUED)
    progress_done = models.PositiveIntegerField(default=0)
    progress_total = models.PositiveIntegerField(default=0)
    result = models.JSONField(null=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True)

    class Meta:
        verbose_name = _("测算任务")
        verbose_name_plural = _("测算任务")
        ordering = ["-created_at"]
