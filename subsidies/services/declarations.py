from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils import timezone

from accounts.audit import acting
from accounts.errors import ServiceError
from subsidies.models import PayoutLine, RDDeclaration
from subsidies.money import quantize


def _money(value, *, record: str, field: str) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        amount = quantize(Decimal(str(value)))
    except (InvalidOperation, TypeError, ValueError):
        raise ServiceError(f"{field}“{value}”不是有效金额", "not a valid amount", code="amount", record=record) from None
    if amount < 0:
        raise ServiceError(f"{field}不能为负数", "amount must not be negative", code="amount", record=record)
    return amount


@transaction.atomic
def rd_declaration_record(*, actor, centre, year: int, verified_amount=None, declared_amount=None,
                          verification_note: str = "") -> RDDeclaration:
    """Record (or revise) a centre's R&D spending for a year (YC-RD). A change after the award was
    paid raises the revision, which the next annual run settles with an adjustment line."""
    record = f"研发中心 {centre.ref} {year}年度研发投入"
    if not (2000 <= int(year) <= timezone.localdate().year):
        raise ServiceError(f"年度{year}无效", "year out of range", code="year", record=record)
    verified = _money(verified_amount, record=record, field="核定金额")
    declared = _money(declared_amount, record=record, field="申报金额")
    if declared is not None and verified is not None and verified > declared:
        raise ServiceError(f"核定金额{verified}不能高于申报金额{declared}", "verified amount exceeds the declared one",
                           code="verified_above_declared", record=record)
    with acting(actor):
        decl = RDDeclaration.objects.select_for_update().filter(centre=centre, year=year).first()
        if decl is None:
            decl = RDDeclaration(centre=centre, year=year)
        elif decl.verified_amount == verified and (declared is None or decl.declared_amount == declared):
            return decl
        elif PayoutLine.objects.filter(rule="YC-RD", centre=centre, service_period=str(year), active=True).exists():
            decl.revision += 1
        decl.verified_amount = verified
        if declared is not None:
            decl.declared_amount = declared
        elif decl.declared_amount is None:
            decl.declared_amount = verified
        if verified is not None:
            decl.verified_by, decl.verified_at = actor, timezone.now()
            decl.verification_note = verification_note
        decl.full_clean()
        decl.save()
    return decl
