"""Writes for researchers, degrees and contracts (POLICY §3)."""
import datetime as dt

from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.audit import acting
from accounts.errors import ServiceError
from talent.identity import normalise_resident_id
from talent.models import Contract, Degree, DegreeLevel, IdType, Researcher


def normalise_identity(id_type: str, id_number: str) -> str:
    if id_type == IdType.RESIDENT_ID:
        return normalise_resident_id(id_number)
    if id_type == IdType.PASSPORT:
        number = (id_number or "").strip().upper()
        if not (5 <= len(number) <= 20 and number.isalnum()):
            raise ServiceError(f"护照号码“{number}”格式错误", "passport number must be 5-20 letters or digits",
                               code="passport_format")
        return number
    raise ServiceError(f"证件类型“{id_type}”无效,应为 resident_id 或 passport", "unknown id_type", code="id_type")


@transaction.atomic
def researcher_upsert(*, actor, id_type: str, id_number: str, name: str, **details) -> Researcher:
    try:
        number = normalise_identity(id_type, id_number)
    except ServiceError as exc:
        raise ServiceError(exc.zh, exc.en, code=exc.code, record=f"研发人员 {name or id_number}") from None
    if not (name or "").strip():
        raise ServiceError("姓名不能为空", "name is required", code="required", record=f"研发人员 {number}")
    with acting(actor):
        researcher = Researcher.objects.select_for_update().filter(id_number=number).first()
        if researcher is None:
            researcher = Researcher(id_type=id_type, id_number=number, name=name, **details)
        else:
            for k, v in {"id_type": id_type, "name": name, **details}.items():
                setattr(researcher, k, v)
        researcher.full_clean()
        researcher.save()
    return researcher


@transaction.atomic
def degree_upsert(*, actor, researcher: Researcher, level: str, full_time: bool, awarded_on: dt.date,
                  key_discipline: bool = False, verified: bool = False, **details) -> Degree:
    """A degree counts for NX-STIPEND only once verified (who, when); scenario imports arrive verified."""
    record = f"研发人员 {researcher.name}({researcher.id_number})的学位"
    if level not in DegreeLevel.values:
        raise ServiceError(f"学位层次“{level}”无效,应为 bachelor/master/doctorate", "unknown degree level",
                           code="degree_level", record=record)
    if awarded_on > timezone.localdate():
        raise ServiceError(f"学位授予日期{awarded_on}晚于今天", "award date is in the future", code="awarded_on",
                           record=record)
    with acting(actor):
        degree, _created = Degree.objects.select_for_update().get_or_create(
            researcher=researcher, level=level, full_time=full_time, awarded_on=awarded_on,
            defaults={"key_discipline": key_discipline, **details},
        )
        degree.key_discipline = key_discipline
        for k, v in details.items():
            setattr(degree, k, v)
        if verified and degree.verified_at is None:
            degree.verified_at, degree.verified_by = timezone.now(), actor
        degree.full_clean()
        degree.save()
    return degree


def _contract_label(c: Contract) -> str:
    end = c.last_day.isoformat() if c.last_day else "无固定期限"
    return f"{c.centre.name if c.centre_id else ''}合同({c.start.isoformat()}至{end})"


def _overlapping_full_time(contract: Contract):
    qs = Contract.objects.filter(researcher=contract.researcher, full_time=True).exclude(pk=contract.pk)
    last = contract.last_day
    for other in qs.select_related("centre"):
        other_last = other.last_day
        if (last is None or other.start <= last) and (other_last is None or contract.start <= other_last):
            return other
    return None


@transaction.atomic
def contract_upsert(*, actor, researcher: Researcher, centre, full_time: bool, start: dt.date, end: dt.date | None,
                    terminated_on: dt.date | None = None, termination_reason: str = "") -> Contract:
    """Create or update a contract (natural key: researcher, centre, start)."""
    record = f"研发人员 {researcher.name}({researcher.id_number})在{centre.ref}的合同"
    if end is not None and end < start:
        raise ServiceError(f"合同终止日期{end}早于起始日期{start}", "contract end is before its start",
                           code="contract_dates", record=record)
    if terminated_on is not None and terminated_on < start:
        raise ServiceError(f"解除日期{terminated_on}早于起始日期{start}", "termination is before the start",
                           code="contract_dates", record=record)
    with acting(actor):
        contract = Contract.objects.select_for_update().filter(researcher=researcher, centre=centre, start=start).first()
        contract = contract or Contract(researcher=researcher, centre=centre, start=start)
        contract.full_time, contract.end = full_time, end
        contract.terminated_on, contract.termination_reason = terminated_on, termination_reason
        contract.needs_review = contract.needs_review or _early_termination(contract)
        if full_time:
            other = _overlapping_full_time(contract)
            if other is not None:
                raise ServiceError(
                    f"与已有全职{_contract_label(other)}重叠:同一人同一天只能有一份全职合同",
                    "overlaps another full-time contract of the same person", code="contract_overlap", record=record,
                )
        contract.full_clean(validate_constraints=False)
        try:
            with transaction.atomic():
                contract.save()
        except IntegrityError as exc:  # the exclusion constraint, if a concurrent write slipped past the check
            raise ServiceError("与同一人的另一份全职合同重叠", "overlaps another full-time contract",
                               code="contract_overlap", record=record) from exc
    return contract


def _early_termination(contract: Contract) -> bool:
    """POLICY §3.6: a termination within the first five years is flagged for staff review."""
    if contract.terminated_on is None:
        return False
    from subsidies.rules.calendar import add_years

    return contract.terminated_on < add_years(contract.start, 5) - dt.timedelta(days=1)
