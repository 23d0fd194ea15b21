from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from accounts.audit import acting
from accounts.errors import ConflictError, ServiceError, save_or_refuse
from accounts.wording import label_en, label_zh
from registry.services import acceptance
from registry.services.entities import require_member
from subsidies.grants import notices
from subsidies.grants.guide import DECLARATION_PREFIX
from subsidies.models import DeclarationStatus, PayoutLine, RDDeclaration, RDDeclarationSubmission
from subsidies.money import parse_money
from subsidies.parameters.services import measure_from
from subsidies.rules.rd_award import RULE as RD_AWARD


def _money(value, *, record: str, field: str) -> Decimal | None:
    try:
        amount = parse_money(value)
    except ValueError:
        raise ServiceError(
            f"{field}“{value}”不是有效金额", "not a valid amount", code="amount", record=record
        ) from None
    if amount is None:
        return None
    if amount < 0:
        raise ServiceError(f"{field}不能为负数", "amount must not be negative", code="amount", record=record)
    return amount


@transaction.atomic
def rd_declaration_record(
    *, actor, centre, year: int, verified_amount=None, declared_amount=None, verification_note: str = ""
) -> RDDeclaration:
    """Record (or revise) a centre's R&D spending for a year (YC-RD). A change after the award was
    paid raises the revision, which the next annual run settles with an adjustment line."""
    record = f"研发中心 {centre.ref} {year}年度研发投入"
    first = measure_from("yinchuan").year  # YC-RD earns nothing before the Yinchuan measure applies
    if not (first <= int(year) <= timezone.localdate().year):
        raise ServiceError(
            f"年度{year}无效:应在{first}年(银川市办法适用起始年度)至今年之间",
            "year out of range",
            code="year",
            record=record,
        )
    verified = _money(verified_amount, record=record, field="核定金额")
    declared = _money(declared_amount, record=record, field="申报金额")
    with acting(actor):
        decl = RDDeclaration.objects.select_for_update().filter(centre=centre, year=year).first()
        ceiling = declared if declared is not None else (decl.declared_amount if decl is not None else None)
        if verified is not None and ceiling is not None and verified > ceiling:
            # YC-RD 1: staff may verify the declared amount or less, never more, whoever calls this
            raise ServiceError(
                f"核定金额{verified:,.2f}不能高于申报金额{ceiling:,.2f}",
                "verified amount exceeds the declared one",
                code="verified_above_declared",
                record=record,
            )
        if decl is None:
            decl = RDDeclaration(centre=centre, year=year)
        elif decl.verified_amount == verified and (declared is None or decl.declared_amount == declared):
            return decl
        elif PayoutLine.objects.filter(rule=RD_AWARD, centre=centre, service_period=str(year), active=True).exists():
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


# --- the enterprise declares, staff verify (YC-RD 1) -------------------------------------------------------


def _yinchuan_filing_problems(centre, year: int) -> list[str]:
    """The filing's every window of approval, as the annual run reads them (a reinstatement keeps the
    windows before it)."""
    from subsidies.selectors import yinchuan_filings_by_centre

    windows = yinchuan_filings_by_centre([centre.pk]).get(centre.pk, ())
    if not any(w.effective_in(year) for w in windows):
        return [f"{centre.name}的银川市备案在{year}年度未生效,该年度的研发投入不能获得YC-RD奖励"]
    return []


@transaction.atomic
def rd_declaration_submit(
    *, actor, centre, year: int, declared_amount, audit_report, commitment: bool
) -> RDDeclarationSubmission:
    """The parent enterprise declares a centre's R&D spending for a finished year, with the audit report
    (YC-RD 1). Decision (YC-RD 2): the declared amount is the spend incurred while the Yinchuan filing was
    effective. A declaration after the award was paid is a revision: it changes nothing until staff verify
    it, and then the next annual run pays or recovers the difference (an adjustment line, never a second
    award). The enterprise accepts the 信用承诺书 (`commitment`); the declaration gets its 受理编号, and the
    Yinchuan reviewers and the enterprise hear of it."""
    from registry.services.documents import document_upload

    record = f"研发中心 {centre.ref} {year}年度研发投入申报"
    require_member(actor, centre.enterprise, action="申报研发投入")
    try:
        year = int(year)
    except (TypeError, ValueError):
        raise ServiceError(f"年度“{year}”无效", "invalid year", code="year", record=record) from None
    problems = []
    first = measure_from("yinchuan").year
    if year < first:
        problems.append(f"{year}年度早于银川市办法的适用起始年度{first},不能申报")
    elif not (year < timezone.localdate().year):
        problems.append(f"只能申报已结束年度的研发投入,{year}年度尚未结束或无效")
    else:
        problems += _yinchuan_filing_problems(centre, year)
    amount = _money(declared_amount, record=record, field="申报金额")
    if amount is None:
        problems.append("请填写研发投入金额")
    if audit_report is None:
        problems.append("请上传该年度研发费用专项审计报告")
    pending = RDDeclarationSubmission.objects.filter(centre=centre, year=year, status=DeclarationStatus.PENDING).first()
    if pending is not None:
        problems.append(f"{year}年度已有待核定的申报(#{pending.pk}),请等待核定后再修订")
    if problems:
        raise ServiceError(";".join(problems), "the declaration is refused", code="ineligible", record=record)
    acceptance.require_commitment(record, commitment)
    doc = document_upload(actor=actor, enterprise=centre.enterprise, kind="other", upload=audit_report)
    with acting(actor):
        submission = RDDeclarationSubmission(
            centre=centre,
            year=year,
            declared_amount=amount,
            audit_report=doc,
            submitted_by=actor,
            declaration=RDDeclaration.objects.filter(centre=centre, year=year).first(),
        )
        acceptance.accept(submission, prefix=DECLARATION_PREFIX)
        submission.full_clean(validate_constraints=False)
        save_or_refuse(
            submission.save,
            ConflictError(f"{year}年度已有待核定的申报", "a declaration is pending", code="duplicate", record=record),
        )
        notices.declaration_to_reviewers(submission, at=submission.submitted_at, withdrawn=False)
        notices.declaration_to_enterprise(submission, at=submission.submitted_at)
    return submission


@transaction.atomic
def rd_declaration_withdraw(*, actor, submission: RDDeclarationSubmission, reason: str = "") -> RDDeclarationSubmission:
    """撤回: the enterprise takes back a declaration the Yinchuan bureau has not verified yet. It
    is closed as withdrawn, with who, when and why (audited); a corrected declaration is a new one with a
    new 受理编号. The Yinchuan reviewers hear that it left their queue, the enterprise's members that it was
    withdrawn."""
    sub = (
        RDDeclarationSubmission.objects.select_for_update(of=("self",))
        .select_related("centre__enterprise")
        .get(pk=submission.pk)
    )
    record = f"研发中心 {sub.centre.ref} {sub.year}年度研发投入申报" + (
        f"(受理编号{sub.acceptance_no})" if sub.acceptance_no else ""
    )
    require_member(actor, sub.centre.enterprise, action="撤回研发投入申报")
    if sub.status != DeclarationStatus.PENDING:
        why = "已由银川市科学技术局核定" if sub.status == DeclarationStatus.VERIFIED else "已撤回"
        raise ConflictError(
            f"该申报当前状态为“{label_zh(DeclarationStatus(sub.status).label)}”,{why},不能撤回;"
            "只有待核定的申报可以撤回",
            f"the declaration is {label_en(DeclarationStatus(sub.status).label)}; only a declaration not yet "
            "verified can be withdrawn",
            code="illegal_transition",
            record=record,
        )
    with acting(actor):
        sub.status, sub.withdrawn_by, sub.withdrawn_at = DeclarationStatus.WITHDRAWN, actor, timezone.now()
        sub.withdrawal_reason = (reason or "").strip()
        sub.full_clean(validate_constraints=False)
        sub.save()
        notices.declaration_to_reviewers(sub, at=sub.withdrawn_at, withdrawn=True)
        notices.declaration_to_enterprise(sub, at=sub.withdrawn_at, comment=sub.withdrawal_reason)
    return sub


@transaction.atomic
def rd_declaration_verify(
    *, actor, submission: RDDeclarationSubmission, verified_amount=None, reason: str = ""
) -> RDDeclarationSubmission:
    """Staff verify a declaration: the verified amount is the declared one, or lower with a reason
    (YC-RD 1). Written through rd_declaration_record, which raises the revision after payment."""
    submission = RDDeclarationSubmission.objects.select_for_update().select_related("centre").get(pk=submission.pk)
    record = f"研发中心 {submission.centre.ref} {submission.year}年度研发投入申报"
    if not actor.reviews_level("yinchuan"):
        raise ServiceError(
            "只有银川市科技局审核员可以核定研发投入",
            "only Yinchuan reviewers verify",
            code="forbidden",
            record=record,
            status=403,
        )
    if submission.status == DeclarationStatus.WITHDRAWN:
        raise ConflictError(
            "该申报已由企业撤回,无需核定,请刷新页面", "the declaration was withdrawn", code="withdrawn", record=record
        )
    if submission.status != DeclarationStatus.PENDING:
        raise ConflictError("该申报已核定,请刷新页面", "already verified", code="already_decided", record=record)
    verified = _money(verified_amount, record=record, field="核定金额")
    if verified is None:
        verified = submission.declared_amount
    reason = (reason or "").strip()
    if verified > submission.declared_amount:
        raise ServiceError(
            f"核定金额{verified:,.2f}不能高于申报金额{submission.declared_amount:,.2f}",
            "verified amount exceeds the declared one",
            code="verified_above_declared",
            record=record,
        )
    if verified < submission.declared_amount and not reason:
        raise ServiceError(
            "核定金额低于申报金额时须填写核减理由",
            "a reason is required for a lower amount",
            code="reason_required",
            record=record,
        )
    declaration = rd_declaration_record(
        actor=actor,
        centre=submission.centre,
        year=submission.year,
        verified_amount=verified,
        declared_amount=submission.declared_amount,
        verification_note=reason,
    )
    with acting(actor):
        submission.declaration = declaration
        submission.status, submission.verified_amount = DeclarationStatus.VERIFIED, verified
        submission.verification_note, submission.verified_by, submission.verified_at = reason, actor, timezone.now()
        submission.save()
        notices.declaration_to_enterprise(submission, at=submission.verified_at, comment=reason)
    return submission
