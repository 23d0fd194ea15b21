"""Saved projection scenarios: a projection computed now and kept as an immutable, named record, and the
link from a decided parameter value to the scenario that costed it. Writes; the projection itself is
computed by subsidies.projection.selectors (budget_projection) over the engine in services."""

from __future__ import annotations

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from accounts.errors import ServiceError
from subsidies.projection.services import latest_monthly_run
from subsidies.rules.calendar import month_label

SCENARIO_NAME_MAX = 128


def data_as_of() -> dict:
    """What a projection was computed from: the latest monthly run, payout line and parameter value."""
    from subsidies.models import PayoutLine
    from subsidies.parameters.models import ParameterValue

    latest = latest_monthly_run()
    return {
        "latest_run": month_label(latest) if latest is not None else "",
        "latest_line_id": PayoutLine.objects.aggregate(m=Max("id"))["m"],
        "latest_parameter_id": ParameterValue.objects.aggregate(m=Max("id"))["m"],
    }


@transaction.atomic
def scenario_save(*, actor, name: str, through, overrides=(), hires=None, note: str = ""):
    """Compute the projection now and keep it as an immutable, named record (inputs, who, when, the
    data as of which it was computed, totals). Never trusts figures sent by a client."""
    from accounts.audit import acting
    from subsidies.projection.models import ProjectionScenario
    from subsidies.projection.selectors import budget_projection

    name = (name or "").strip()
    if not name:
        raise ServiceError("请填写方案名称", "the scenario needs a name", code="scenario_name")
    if len(name) > SCENARIO_NAME_MAX:
        raise ServiceError(f"方案名称不超过{SCENARIO_NAME_MAX}个字符", "the name is too long", code="scenario_name")
    basis = data_as_of()
    projection = budget_projection(actor=actor, through=through, overrides=overrides, hires=hires)
    data = projection.as_dict()
    with acting(actor):
        return ProjectionScenario.objects.create(
            name=name,
            note=(note or "").strip()[:2000],
            through=month_label(projection.plan.through),
            overrides=[o.as_dict() for o in projection.plan.overrides],
            hires=projection.hires.as_dict(),
            created_by=actor,
            computed_at=timezone.now(),
            latest_run=basis["latest_run"],
            latest_line_id=basis["latest_line_id"],
            latest_parameter_id=basis["latest_parameter_id"],
            baseline_total=projection.total.baseline,
            scenario_total=projection.total.scenario,
            difference=projection.total.difference,
            over_budget_years=projection.over_budget_years,
            result=data,
        )


@transaction.atomic
def scenario_link_parameter(*, actor, scenario_id: int, parameter):
    """Link a decided parameter value to the saved scenario that costed it: the scenario must hold that
    very what-if (name, value and date)."""
    from accounts.audit import acting
    from subsidies.projection.models import ProjectionScenario, ScenarioParameterLink

    if not (actor.is_finance or actor.is_portal_admin):
        raise ServiceError(
            "只有财务人员或系统管理员可以关联测算方案",
            "only finance staff or administrators may link a scenario",
            code="forbidden",
            status=403,
        )
    scenario = ProjectionScenario.objects.filter(pk=scenario_id).first()
    record = f"测算方案#{scenario_id}"
    if scenario is None:
        raise ServiceError("测算方案不存在", "no such scenario", code="scenario", record=record, status=404)
    wanted = {"name": parameter.name, "value": parameter.value, "effective_from": parameter.effective_from.isoformat()}
    if wanted not in scenario.overrides:
        raise ServiceError(
            f"该方案未测算 {parameter.name}={parameter.value}(自{parameter.effective_from}起)",
            "the scenario did not cost this parameter value",
            code="scenario_mismatch",
            record=record,
        )
    existing = ScenarioParameterLink.objects.filter(parameter=parameter).first()
    if existing is not None:
        if existing.scenario_id == scenario.pk:
            return existing
        raise ServiceError(
            f"该参数取值已关联测算方案#{existing.scenario_id}",
            "the value is linked to another scenario",
            code="scenario_linked",
            record=record,
        )
    with acting(actor):
        return ScenarioParameterLink.objects.create(scenario=scenario, parameter=parameter, linked_by=actor)
