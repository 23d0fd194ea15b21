"""Writes and the timeline of the policy parameters: a value from a date (audited), and the dated values as
the pure rules read them (subsidies.rules.params.ParamTimeline)."""

import datetime as dt

from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.audit import acting
from accounts.errors import ServiceError
from subsidies.parameters.models import ParameterValue
from subsidies.rules.params import DEFAULTS, MEASURE_PARAM, ParamTimeline, ParamValue, validate_value


@transaction.atomic
def parameter_set(
    *, actor, name: str, value: str, effective_from: dt.date, legal_reference: str = "", note: str = ""
) -> ParameterValue:
    """A parameter's value from a date. The same value on the same date again changes nothing; a
    different value on a date that already has one replaces nothing and is refused unless no run
    has used it (past runs keep the values they used)."""
    record = f"参数 {name}"
    try:
        value = validate_value(name, value)
    except ValueError as exc:
        raise ServiceError(str(exc), code="parameter", record=record) from None
    legal_reference = legal_reference or DEFAULTS[name][1]
    if name in MEASURE_PARAM.values() and effective_from > timezone.localdate():
        # a measure's date is in force from when it is recorded, for every period: a correction cannot wait
        raise ServiceError(
            f"办法适用起始日期的更正自记录之日起适用,生效日期不能晚于今天({timezone.localdate()})",
            "a correction of a measure's date cannot be dated in the future",
            code="parameter",
            record=record,
        )
    with acting(actor):
        existing = ParameterValue.objects.select_for_update().filter(name=name, effective_from=effective_from).first()
        if existing is not None:
            if existing.value == value:
                return existing
            from subsidies.models import ExplanationBasis, PayoutLine

            used = [{"id": existing.pk}]
            if (
                ExplanationBasis.objects.filter(body__parameters__contains=used).exists()
                or PayoutLine.objects.filter(explanation__parameters__contains=used).exists()
            ):
                raise ServiceError(
                    f"{effective_from}起的取值{existing.value}已被发放批次使用,不能改写;请从新的日期设置新值",
                    "a value used by a run cannot be rewritten; set a new value from a later date",
                    code="parameter_in_use",
                    record=record,
                )
            existing.value, existing.legal_reference, existing.note = value, legal_reference, note
            existing.created_by = actor
            existing.save()
            return existing
        try:
            with transaction.atomic():
                return ParameterValue.objects.create(
                    name=name,
                    value=value,
                    effective_from=effective_from,
                    legal_reference=legal_reference,
                    note=note,
                    created_by=actor,
                )
        except IntegrityError as exc:
            raise ServiceError(
                "同一日期已有取值", "a value already exists for that date", code="parameter_conflict", record=record
            ) from exc


def parameter_timeline() -> ParamTimeline:
    return ParamTimeline(
        tuple(
            ParamValue(p.name, p.value, p.effective_from, p.legal_reference, p.pk) for p in ParameterValue.objects.all()
        )
    )


def measure_from(level: str) -> dt.date:
    """The date from which the measure of a filing level applies (the `*.measure_from` parameters)."""
    return parameter_timeline().measure_from(level)


def backdate_days(day: dt.date) -> int:
    """How many days before its submission a filing may take effect without a stated reason, on `day`."""
    return parameter_timeline().integer("review.backdate_days", day)
