"""Writes for enterprises, centres and filings. Every service takes an explicit actor, runs in one
transaction and leaves audit rows (pghistory triggers) with that actor as context."""
import datetime as dt

from django.db import transaction
from django.utils import timezone

from accounts.audit import acting
from accounts.errors import ConflictError, ServiceError
from registry.identifiers import is_ningxia, is_yinchuan, validate_uscc
from registry.models import Centre, CentreKind, Enterprise, Filing, FilingLevel, FilingStatus


def _division(code: str, *, record: str) -> str:
    code = (code or "").strip()
    if len(code) != 6 or not code.isdigit():
        raise ServiceError(f"行政区划代码“{code}”应为6位数字", "division code must be 6 digits",
                           code="division_code", record=record)
    return code


@transaction.atomic
def enterprise_upsert(*, actor, uscc: str, name: str, division_code: str, **details) -> Enterprise:
    """Create or update an enterprise by its USCC (natural key)."""
    record = f"企业 {uscc}"
    try:
        from django.core.exceptions import ValidationError

        uscc = validate_uscc(uscc)
    except ValidationError as exc:
        raise ServiceError(" ".join(exc.messages), code="uscc", record=record) from None
    if not (name or "").strip():
        raise ServiceError("企业名称不能为空", "enterprise name is required", code="required", record=record)
    division_code = _division(division_code, record=record)
    with acting(actor):
        enterprise, created = Enterprise.objects.select_for_update().get_or_create(
            uscc=uscc, defaults={"name": name, "division_code": division_code, **details}
        )
        changed = {k: v for k, v in {"name": name, "division_code": division_code, **details}.items()
                   if getattr(enterprise, k) != v}
        if not created and changed:
            for k, v in changed.items():
                setattr(enterprise, k, v)
            enterprise.full_clean()
            enterprise.save()
    return enterprise


@transaction.atomic
def centre_upsert(*, actor, ref: str, enterprise: Enterprise, name: str, city: str, division_code: str,
                  kind: str = CentreKind.INDEPENDENT, **details) -> Centre:
    record = f"研发中心 {ref}"
    if kind not in CentreKind.values:
        raise ServiceError(f"机构类型“{kind}”无效,应为 independent 或 joint", "kind must be independent or joint",
                           code="kind", record=record)
    division_code = _division(division_code, record=record)
    values = {"enterprise": enterprise, "name": name, "city": city, "division_code": division_code, "kind": kind,
              **details}
    with acting(actor):
        centre = Centre.objects.select_for_update().filter(ref=ref).first()
        if centre is None:
            centre = Centre(ref=ref, **values)
        elif centre.enterprise_id != enterprise.pk:
            raise ServiceError("研发中心已属于其他企业,不能变更依托企业", "a centre cannot move to another enterprise",
                               code="enterprise_change", record=record)
        else:
            for k, v in values.items():
                setattr(centre, k, v)
        centre.full_clean()
        centre.save()
    return centre


def filing_eligibility_problems(filing: Filing) -> list[str]:
    """The submission checks of POLICY §1, each message naming its rule."""
    centre, enterprise = filing.centre, filing.centre.enterprise
    problems = []
    if filing.level == FilingLevel.REGIONAL:
        if not is_ningxia(enterprise.division_code):
            problems.append(f"自治区备案要求依托企业注册在宁夏(区划代码64开头),{enterprise.name}为{enterprise.division_code}"
                            " / a regional filing needs a Ningxia (64xxxx) enterprise")
        if is_ningxia(centre.division_code):
            problems.append(f"自治区备案要求研发中心位于宁夏区外,{centre.name}所在地区划为{centre.division_code}"
                            " / a regional filing needs a centre outside Ningxia")
    elif filing.level == FilingLevel.YINCHUAN:
        if not is_yinchuan(enterprise.division_code):
            problems.append(f"银川市备案要求依托企业注册在银川市(区划代码6401开头),{enterprise.name}为{enterprise.division_code}"
                            " / a Yinchuan filing needs an enterprise registered in Yinchuan (6401xx)")
        if is_ningxia(centre.division_code):
            problems.append(f"银川市备案要求研发中心位于宁夏区外,{centre.name}所在地区划为{centre.division_code}"
                            " / a Yinchuan filing needs a centre outside the region")
    return problems


@transaction.atomic
def filing_import_decided(*, actor, centre: Centre, level: str, status: str, effective_from: dt.date | None,
                          effective_to: dt.date | None = None, reason: str = "") -> Filing:
    """Record a filing already decided elsewhere (scenario import, migration from spreadsheets).

    The same eligibility checks as a submission apply; the system actor is recorded."""
    record = f"研发中心 {centre.ref} 的{dict(FilingLevel.choices).get(level, level)}备案"
    if level not in FilingLevel.values:
        raise ServiceError(f"备案层级“{level}”无效", "level must be regional or yinchuan", code="level", record=record)
    if status not in FilingStatus.values:
        raise ServiceError(f"备案状态“{status}”无效", "unknown filing status", code="status", record=record)
    with acting(actor):
        filing = Filing.objects.select_for_update().filter(centre=centre, level=level).first() or Filing(
            centre=centre, level=level)
        problems = filing_eligibility_problems(filing)
        if problems and status not in (FilingStatus.DRAFT, FilingStatus.REJECTED):
            raise ServiceError(";".join(problems), code="ineligible", record=record)
        earning = status in (FilingStatus.APPROVED, FilingStatus.SUSPENDED, FilingStatus.REVOKED)
        if earning and effective_from is None:
            raise ServiceError("已备案的备案须有生效日期", "an approved filing needs effective_from",
                               code="effective_from", record=record)
        if effective_from and effective_to and effective_to < effective_from:
            raise ServiceError(f"终止日期{effective_to}早于生效日期{effective_from}",
                               "effective_to is before effective_from", code="effective_order", record=record)
        if status in (FilingStatus.SUSPENDED, FilingStatus.REVOKED) and effective_to is None:
            raise ServiceError("暂停或撤销的备案须写明终止日期(effective_to)",
                               "a suspended or revoked filing needs effective_to", code="effective_to", record=record)
        filing.status = status
        filing.effective_from = effective_from
        filing.effective_to = effective_to
        filing.status_reason = reason
        filing.ever_approved = filing.ever_approved or earning
        filing.decided_at = filing.decided_at or timezone.now()
        filing.full_clean()
        filing.save()
    return filing


def filing_assert_status(filing: Filing, *allowed: str, action: str) -> None:
    if filing.status not in allowed:
        raise ConflictError(
            f"当前状态为“{filing.get_status_display()}”,不能{action}",
            f"cannot {action} a filing in state {filing.status}", code="illegal_transition", record=str(filing),
        )
