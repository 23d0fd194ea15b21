"""Writes of the money loop: transfers at bank export, bank results, corrections, re-issue
batches (补拨), bank account corrections and receipts. Every change is audited (pghistory with the actor
in context) and every bank-side fact is an append-only TransferEntry."""

from __future__ import annotations

import dataclasses
import hashlib
from collections import defaultdict
from dataclasses import dataclass

from django.db import connection, transaction
from django.utils import timezone

from accounts.audit import acting
from accounts.errors import ConflictError, NotFoundError, ServiceError
from registry.models import Enterprise, FilingLevel, FilingPeriod
from registry.services.entities import _check_cnaps, is_member
from registry.services.notifications import notify_enterprise
from subsidies.exports import bank
from subsidies.exports.data import CentreGroup, EnterpriseGroup, Line, RunDocument
from subsidies.models import PayoutLine, PayoutRun, RunState
from subsidies.rules.reissue import LineFact, unpayable_lines
from subsidies.transfers.imports import ResultRow, parse_results
from subsidies.transfers.models import (
    LIVE_STATES,
    AccountChangeState,
    BankAccountChange,
    BankResultImport,
    BatchState,
    CorrectionState,
    EventKind,
    ReissueBatch,
    ResultCorrection,
    Transfer,
    TransferEntry,
    TransferLine,
    TransferState,
)

RESULT_STATES = (TransferState.SUCCEEDED, TransferState.FAILED, TransferState.REISSUED)
# a run whose bank results may be imported: its bank file has been exported
SETTLING_RUN_STATES = (RunState.EXPORTED, RunState.PARTIAL, RunState.PAID)


def is_finance(user) -> bool:
    return bool(user and user.is_authenticated and (user.is_finance or user.is_portal_admin or user.role == "system"))


def _require_finance(actor, action: str, en: str, record: str = "") -> None:
    if not is_finance(actor):
        raise ServiceError(
            f"只有财务人员可以{action}", f"only finance staff may {en}", code="forbidden", status=403, record=record
        )


def _require_second_finance(actor, first_id: int | None, zh: str, en: str, *, record: str) -> None:
    """Four eyes: the finance user who asked (`first_id`) never decides the same request."""
    if first_id == actor.pk:
        raise ServiceError(zh, en, code="four_eyes", status=403, record=record)


def _locked(qs, pk: int, zh: str, en: str):
    """Row `pk` of `qs`, locked until the transaction ends; refused as not found, named (zh "转账", en
    "transfer") with its id, when there is none."""
    row = qs.select_for_update().filter(pk=pk).first()
    if row is None:
        raise NotFoundError(f"{zh}#{pk}不存在", f"{en} not found", code="not_found")
    return row


def original_reference(run_id: int, enterprise_id: int) -> str:
    return f"ZF{run_id}-{enterprise_id}"


def reissue_reference(run_id: int, enterprise_id: int, batch_id: int) -> str:
    return f"ZF{run_id}-{enterprise_id}-B{batch_id}"


def _lines_checked_at_commit() -> None:
    """A transfer and its lines are written one after the other: the sum check waits for the commit (a
    caller's earlier SET CONSTRAINTS ALL IMMEDIATE, as the run computation issues, would fire it early)."""
    with connection.cursor() as cur:
        cur.execute("SET CONSTRAINTS ALL DEFERRED")


def _entry(transfer: Transfer, kind: str, actor, **fields) -> TransferEntry:
    return TransferEntry.objects.create(transfer=transfer, kind=kind, state_after=transfer.state, actor=actor, **fields)


# --- transfers at export ----------------------------------------------------------------------------


def _with_transfers(doc: RunDocument, transfers: dict[int, Transfer]) -> RunDocument:
    """The document as the bank file prints it: each payee's account and 联行号 as copied at the first
    export, and the transfer's reference in the memo (用途/附言)."""
    groups = []
    for e in doc.enterprises:
        t = transfers.get(e.id)
        if t is not None:
            e = dataclasses.replace(
                e,
                name=t.payee_name,
                bank_name=t.bank_name,
                bank_account=t.bank_account,
                bank_cnaps=t.bank_cnaps,
                reference=t.reference,
            )
        groups.append(e)
    return dataclasses.replace(doc, enterprises=groups)


def require_bank_file_reexportable(run: PayoutRun) -> None:
    """A run's bank file may be exported again only while none of its transfers has a bank result: once
    the bank has answered, the file would re-print paid and re-issued transfers (a double payment if
    uploaded); the failed ones are paid by a re-issue batch (补拨) instead."""
    if Transfer.objects.filter(run=run).exclude(state__in=(TransferState.PENDING, TransferState.SENT)).exists():
        raise ConflictError(
            f"批次#{run.pk}({run.period})已登记银行结果,不能再次导出银行转账文件(会重复付款);"
            "退回的转账请通过补拨批次重新拨付",
            f"run #{run.pk} ({run.period}) has bank results: its bank file cannot be exported again "
            "(it would pay twice); re-issue the failed transfers in a re-issue batch",
            code="bank_results_recorded",
            record=f"批次#{run.pk}",
        )


@transaction.atomic
def transfers_for_bank_file(*, actor, doc: RunDocument) -> RunDocument:
    """Called by the bank export (exports/services.py): the first export of a run's bank file creates
    its transfers, one per payee enterprise with a positive net (the file's rows); a later export
    carries the same transfers, references and copied accounts, never new ones, and only while the bank
    has not answered (F3: require_bank_file_reexportable)."""
    run = PayoutRun.objects.select_for_update().get(pk=doc.run_id)
    require_bank_file_reexportable(run)
    existing = {t.enterprise_id: t for t in Transfer.objects.filter(run=run, batch__isnull=True)}
    if existing:
        return _with_transfers(doc, existing)
    bank.transfers(doc)  # the bank file's own refusals (no account on record, a negative net) come first
    _lines_checked_at_commit()
    with acting(actor):
        for e in doc.enterprises:
            if e.subtotal == 0:
                continue
            line_ids = [ln.id for c in e.centres for ln in c.lines]
            t = Transfer.objects.create(
                run=run,
                enterprise_id=e.id,
                reference=original_reference(run.pk, e.id),
                payee_name=e.name,
                bank_name=e.bank_name.strip(),
                bank_account=e.bank_account.strip(),
                bank_cnaps=e.bank_cnaps.strip(),
                amount=e.subtotal,
                line_count=len(line_ids),
                rules="/".join(e.rules),
            )
            TransferLine.objects.bulk_create([TransferLine(transfer=t, line_id=i) for i in line_ids], batch_size=5000)
            existing[e.id] = t
    return _with_transfers(doc, existing)


@transaction.atomic
def transfers_mark_sent(*, actor, run_id: int, batch_id: int | None = None) -> int:
    """The bank file is written: its pending transfers are sent (待拨付 → 已发送). Returns the count."""
    qs = Transfer.objects.select_for_update().filter(run_id=run_id, state=TransferState.PENDING)
    qs = qs.filter(batch_id=batch_id) if batch_id else qs.filter(batch__isnull=True)
    now, n = timezone.now(), 0
    with acting(actor):
        for t in qs:
            t.state, t.sent_at = TransferState.SENT, now
            t.save(update_fields=["state", "sent_at"])
            _entry(t, EventKind.SENT, actor)
            n += 1
    return n


# --- bank results -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ImportOutcome:
    record: BankResultImport | None  # None: nothing new (the same file again)
    rows: int
    applied: int
    unchanged: int


def _settle_run(run: PayoutRun, actor) -> None:
    """A run is 已拨付 only when every live transfer succeeded, and 部分到账 otherwise."""
    live = list(Transfer.objects.filter(run=run, state__in=LIVE_STATES).values_list("state", flat=True))
    if not live or run.state not in SETTLING_RUN_STATES:
        return
    if all(s == TransferState.SUCCEEDED for s in live):
        state = RunState.PAID
    elif (
        any(s != TransferState.SENT and s != TransferState.PENDING for s in live)
        or Transfer.objects.filter(run=run, state=TransferState.REISSUED).exists()
    ):
        state = RunState.PARTIAL
    else:
        state = RunState.EXPORTED
    if run.state != state:
        with acting(actor):
            run.state = state
            run.save(update_fields=["state"])


def _row_refusal(row: ResultRow, zh: str, en: str, code: str, **extra) -> ServiceError:
    """A bank result row that does not fit, named by its line in the file."""
    return ServiceError(zh, en, code=code, record=f"第{row.number}行", **extra)


def _check_row(row: ResultRow, t: Transfer | None, run: PayoutRun) -> bool:
    """Whether the row records something new; refuses rows that do not fit. Returns False for a row that
    repeats what is recorded (the import is idempotent)."""
    if t is None:
        raise _row_refusal(
            row,
            f"转账编号{row.reference}不存在,本平台没有导出过这笔转账",
            "unknown transfer reference",
            "unknown_reference",
        )
    if t.run_id != run.pk:
        raise _row_refusal(
            row,
            f"转账{row.reference}属于批次#{t.run_id},不是批次#{run.pk}:这是另一个批次的银行回单",
            "the file is for another run",
            "other_run",
        )
    if row.amount != t.amount:
        raise _row_refusal(
            row, f"转账{row.reference}的金额{row.amount}与导出的{t.amount}不一致", "amount differs", "amount_differs"
        )
    if row.account != t.bank_account.replace(" ", "") or row.payee != t.payee_name:
        raise _row_refusal(
            row,
            f"转账{row.reference}的收款人或账号({row.payee} {row.account})与导出的"
            f"({t.payee_name} {t.bank_account})不一致",
            "payee or account differs",
            "account_differs",
        )
    if t.state == TransferState.PENDING and t.batch_id is not None:
        raise _row_refusal(
            row, f"补拨转账{row.reference}尚未导出发送,不能登记银行结果", "re-issue not yet sent", "not_sent"
        )
    if t.state in RESULT_STATES:
        recorded = TransferState.FAILED if t.state == TransferState.REISSUED else t.state
        if recorded != row.status or t.bank_serial != row.serial:
            raise _row_refusal(
                row,
                f"转账{row.reference}已登记为“{TransferState(recorded).label}”(流水号{t.bank_serial}),本文件为"
                f"“{TransferState(row.status).label}”(流水号{row.serial}),与已登记结果矛盾;如需更正,请提交更正申请并由另一名财务人员复核",
                "contradicts the recorded result",
                "contradicts",
                status=409,
            )
        return False
    return True


@transaction.atomic
def bank_results_import(*, actor, run_id: int, file_name: str, data: bytes) -> ImportOutcome:
    """Import a bank result file for a run: all or nothing, idempotent (the same file again records
    nothing), serialised per run (of two concurrent imports of one file exactly one applies)."""
    _require_finance(actor, "导入银行回单", "import bank results", f"批次#{run_id}")
    run = _locked(PayoutRun.objects, run_id, "批次", "run")
    if run.state == RunState.CANCELLED:
        raise ConflictError(
            f"批次#{run.pk}已作废,不能导入银行回单",
            "the run is cancelled",
            code="run_cancelled",
            record=f"批次#{run.pk}",
        )
    if run.state not in SETTLING_RUN_STATES:
        raise ConflictError(
            f"批次#{run.pk}状态为“{run.get_state_display()}”,尚未导出银行转账文件,不能导入银行回单",
            "the run's bank file has not been exported",
            code="not_exported",
            record=f"批次#{run.pk}",
        )
    rows = parse_results(file_name=file_name, data=data)
    seen: dict[str, int] = {}
    for row in rows:
        if row.reference in seen:
            raise _row_refusal(
                row,
                f"转账{row.reference}在文件中出现两次(第{seen[row.reference]}行和第{row.number}行)",
                "a transfer appears twice",
                "duplicate",
            )
        seen[row.reference] = row.number
    transfers = {t.reference: t for t in Transfer.objects.select_for_update().filter(reference__in=seen)}
    new = [(row, transfers[row.reference]) for row in rows if _check_row(row, transfers.get(row.reference), run)]
    if not new:
        return ImportOutcome(None, len(rows), 0, len(rows))
    now = timezone.now()
    with acting(actor):
        record = BankResultImport.objects.create(
            run=run,
            file_name=file_name[:255],
            sha256=hashlib.sha256(data).hexdigest(),
            row_count=len(rows),
            applied_count=len(new),
            imported_by=actor,
        )
        failed_by_enterprise = defaultdict(list)
        for row, t in new:
            t.state, t.result_at, t.trade_date, t.bank_serial = row.status, now, row.trade_date, row.serial
            t.failure_reason = row.reason if row.status == TransferState.FAILED else ""
            t.sent_at = t.sent_at or now
            t.full_clean()
            t.save(update_fields=["state", "result_at", "trade_date", "bank_serial", "failure_reason", "sent_at"])
            _entry(
                t,
                EventKind.SUCCEEDED if row.status == TransferState.SUCCEEDED else EventKind.FAILED,
                actor,
                bank_serial=row.serial,
                trade_date=row.trade_date,
                reason=t.failure_reason,
                bank_import=record,
            )
            if row.status == TransferState.FAILED:
                failed_by_enterprise[t.enterprise_id].append(t)
        _settle_run(run, actor)
    for enterprise_id, failed in failed_by_enterprise.items():
        _notify_failure(Enterprise.objects.get(pk=enterprise_id), failed)
    return ImportOutcome(record, len(rows), len(new), len(rows) - len(new))


def _notify_failure(enterprise: Enterprise, failed: list[Transfer]) -> None:
    items = ";".join(f"{t.reference} ¥{t.amount:,.2f}({t.failure_reason})" for t in failed)
    items_en = "; ".join(f"{t.reference} CNY {t.amount:,.2f} ({t.failure_reason})" for t in failed)
    notify_enterprise(
        enterprise,
        title="补助资金转账被银行退回",
        body=f"以下转账被银行退回:{items}。请在“我的拨付”中核对并更正收款银行账户,财务核对后将予补拨。",
        title_en="A subsidy transfer was returned by the bank",
        body_en=f"The bank returned these transfers: {items_en}. Please check and correct your bank account under "
        f"'My payments'; finance will re-issue the payment once it has checked the account.",
    )


# --- corrections (four eyes) ------------------------------------------------------------------------


@transaction.atomic
def result_correction_request(
    *, actor, transfer_id: int, to_state: str, reason: str, bank_serial: str = "", failure_reason: str = ""
) -> ResultCorrection:
    _require_finance(actor, "申请更正银行结果", "request a correction", f"转账#{transfer_id}")
    t = _locked(Transfer.objects, transfer_id, "转账", "transfer")
    record = f"转账{t.reference}"
    if not reason.strip():
        raise ServiceError(
            "更正银行结果须填写理由",
            "a correction needs a reason",
            code="reason_required",
            record=record,
            field="reason",
        )
    if t.state not in (TransferState.SUCCEEDED, TransferState.FAILED):
        raise ConflictError(
            f"状态为“{t.get_state_display()}”,只有已登记为已到账或退回、且尚未补拨的结果可以更正",
            "only a recorded, not re-issued result can be corrected",
            code="not_correctable",
            record=record,
        )
    if to_state not in (TransferState.SUCCEEDED, TransferState.FAILED) or to_state == t.state:
        raise ServiceError(
            f"更正后的结果须与当前“{t.get_state_display()}”不同",
            "the correction must change the result",
            code="same_result",
            record=record,
            field="to_state",
        )
    if to_state == TransferState.FAILED and not failure_reason.strip():
        raise ServiceError(
            "更正为退回须填写银行的失败原因",
            "a failure needs the bank's reason",
            code="no_reason",
            record=record,
            field="failure_reason",
        )
    if ResultCorrection.objects.filter(transfer=t, state=CorrectionState.PENDING).exists():
        raise ConflictError(
            "已有一项待复核的更正申请", "a correction is already pending", code="pending_exists", record=record
        )
    with acting(actor, reason=reason):
        c = ResultCorrection(
            transfer=t,
            to_state=to_state,
            reason=reason.strip(),
            requested_by=actor,
            bank_serial=(bank_serial.strip() or t.bank_serial)[:64],
            failure_reason=failure_reason.strip()[:200],
        )
        c.full_clean()
        c.save()
    return c


@transaction.atomic
def result_correction_decide(*, actor, correction_id: int, accept: bool) -> ResultCorrection:
    """A second finance user applies (or rejects) a requested correction."""
    _require_finance(actor, "复核银行结果更正", "decide a correction", f"更正#{correction_id}")
    c = _locked(ResultCorrection.objects.select_related("transfer"), correction_id, "更正", "correction")
    record = f"转账{c.transfer.reference}"
    if c.state != CorrectionState.PENDING:
        raise ConflictError("该更正申请已处理", "the correction has been decided", code="decided", record=record)
    _require_second_finance(
        actor,
        c.requested_by_id,
        "更正须由另一名财务人员复核,申请人不能复核自己的申请",
        "a second finance user must decide",
        record=record,
    )
    t = Transfer.objects.select_for_update().get(pk=c.transfer_id)
    if accept and t.state not in (TransferState.SUCCEEDED, TransferState.FAILED):
        raise ConflictError(
            f"转账已变为“{t.get_state_display()}”(如已补拨),不能再更正其结果",
            "the transfer changed since (re-issued)",
            code="not_correctable",
            record=record,
        )
    with acting(actor, reason=c.reason):
        c.state = CorrectionState.APPLIED if accept else CorrectionState.REJECTED
        c.decided_by, c.decided_at = actor, timezone.now()
        c.save()
        if accept:
            t.state, t.result_at, t.bank_serial = c.to_state, timezone.now(), c.bank_serial
            t.failure_reason = c.failure_reason if c.to_state == TransferState.FAILED else ""
            t.save(update_fields=["state", "result_at", "bank_serial", "failure_reason"])
            _entry(t, EventKind.CORRECTED, actor, bank_serial=c.bank_serial, reason=c.reason, correction=c)
            _settle_run(PayoutRun.objects.select_for_update().get(pk=t.run_id), actor)
    if accept and c.to_state == TransferState.FAILED:
        _notify_failure(t.enterprise, [t])
    return c


# --- re-issue batches (补拨) -------------------------------------------------------------------------


def _windows(level: str, centre_ids) -> dict[int, tuple]:
    out: dict[int, list] = defaultdict(list)
    for centre_id, start, end in FilingPeriod.objects.filter(
        filing__level=level, filing__centre_id__in=centre_ids
    ).values_list("filing__centre_id", "start", "end"):
        out[centre_id].append((start, end))
    return {k: tuple(v) for k, v in out.items()}


def reissue_candidates(run: PayoutRun) -> tuple[list[Transfer], list[dict]]:
    """The run's failed transfers not yet re-issued: those to re-issue, and those left out with the reason
    (subsidies/rules/reissue.py: a line no longer inside an approved filing window; an account correction
    not yet checked by finance)."""
    failed = list(
        Transfer.objects.filter(run=run, state=TransferState.FAILED, reissue__isnull=True)
        .select_related("enterprise")
        .order_by("id")
    )
    lines = defaultdict(list)
    for tid, lid, rule, period, centre, basis in TransferLine.objects.filter(
        transfer__in=failed, live=True
    ).values_list("transfer_id", "line_id", "line__rule", "line__service_period", "line__centre_id", "line__basis"):
        lines[tid].append(LineFact(lid, rule, period, centre, basis))
    centre_ids = {f.centre_id for fs in lines.values() for f in fs if f.centre_id}
    regional, yinchuan = _windows(FilingLevel.REGIONAL, centre_ids), _windows(FilingLevel.YINCHUAN, centre_ids)
    pending = set(
        BankAccountChange.objects.filter(
            state=AccountChangeState.PENDING, enterprise__in=[t.enterprise_id for t in failed]
        ).values_list("enterprise_id", flat=True)
    )
    take, left = [], []
    for t in failed:
        bad = unpayable_lines(lines[t.pk], regional=regional, yinchuan=yinchuan)
        if bad:
            left.append(
                {
                    "transfer": t.pk,
                    "reference": t.reference,
                    "reason": f"{len(bad)}笔明细的所属期间已不在备案有效期内(POLICY §1),留待人工复核",
                }
            )
        elif t.enterprise_id in pending:
            left.append({"transfer": t.pk, "reference": t.reference, "reason": "企业的银行账户更正尚待财务核对"})
        else:
            take.append(t)
    return take, left


@transaction.atomic
def reissue_batch_create(*, actor, run_id: int, note: str = "") -> ReissueBatch:
    _require_finance(actor, "发起补拨", "create a re-issue batch", f"批次#{run_id}")
    run = _locked(PayoutRun.objects, run_id, "批次", "run")
    record = f"批次#{run.pk}"
    open_batch = ReissueBatch.objects.filter(run=run).exclude(state=BatchState.EXPORTED).first()
    if open_batch is not None:
        raise ConflictError(
            f"补拨批次#{open_batch.pk}尚未导出,请先完成该批次",
            "an open re-issue batch exists",
            code="batch_open",
            record=record,
        )
    take, left = reissue_candidates(run)
    if not take:
        raise ConflictError(
            "没有可补拨的退回转账" + (f"({len(left)}笔未纳入:{left[0]['reason']})" if left else ""),
            "no failed transfer to re-issue",
            code="nothing_to_reissue",
            record=record,
        )
    with acting(actor):
        batch = ReissueBatch.objects.create(
            run=run, note=note, excluded=left, chosen=[t.pk for t in take], created_by=actor
        )
    return batch


@transaction.atomic
def reissue_batch_approve(*, actor, batch_id: int) -> ReissueBatch:
    _require_finance(actor, "审批补拨", "approve a re-issue batch", f"补拨#{batch_id}")
    batch = _locked(ReissueBatch.objects, batch_id, "补拨批次", "batch")
    record = f"补拨批次#{batch.pk}"
    if batch.state != BatchState.DRAFT:
        raise ConflictError(
            f"状态为“{batch.get_state_display()}”,只有待审批的补拨批次可以审批",
            "not awaiting approval",
            code="illegal_transition",
            record=record,
        )
    _require_second_finance(
        actor,
        batch.created_by_id,
        "补拨须由发起人以外的另一名财务人员审批",
        "a different finance user must approve",
        record=record,
    )
    chosen = set(batch.chosen)
    batch.payees = {
        str(t.pk): [t.enterprise.bank_name.strip(), t.enterprise.bank_account.strip(), t.enterprise.bank_cnaps.strip()]
        for t in reissue_candidates(batch.run)[0]
        if t.pk in chosen
    }
    with acting(actor):
        batch.state, batch.approved_by, batch.approved_at = BatchState.APPROVED, actor, timezone.now()
        batch.full_clean()
        batch.save()
    return batch


def payee_snapshot(batch: ReissueBatch, transfer_id: int) -> tuple[str, str, str]:
    """(bank name, account, 联行号) the approver approved for a failed transfer; a snapshot approved
    before the 联行号 was recorded holds two elements and has no 联行号 ("")."""
    name, account, *rest = batch.payees[str(transfer_id)]
    return name, account, (rest[0] if rest else "")


def _batch_document(batch: ReissueBatch, transfers: list[Transfer]) -> RunDocument:
    run = batch.run
    groups = []
    for t in transfers:
        lines = [
            Line(pk, rule, kind, "", "", period, arrears, amount)
            for pk, rule, kind, period, arrears, amount in PayoutLine.objects.filter(
                pk__in=TransferLine.objects.filter(transfer=t).values("line_id")
            )
            .order_by("id")
            .values_list("id", "rule", "kind", "service_period", "is_arrears", "amount")
        ]
        groups.append(
            EnterpriseGroup(
                t.enterprise_id,
                t.enterprise.uscc,
                t.payee_name,
                t.bank_name,
                t.bank_account,
                [CentreGroup("", "", lines)],
                reference=t.reference,
                bank_cnaps=t.bank_cnaps,
            )
        )
    return RunDocument(
        run_id=run.pk,
        kind=run.kind,
        kind_label=f"补拨{batch.pk}",
        period=run.period,
        state_label="",
        created_by="",
        computed_by="",
        approved_by="",
        approved_at="",
        printed_at="",
        enterprises=groups,
    )


@transaction.atomic
def reissue_batch_export(*, actor, batch_id: int, fmt: str) -> tuple[bytes, ReissueBatch]:
    """The batch's bank file. Its first export creates the re-issues: each supersedes one failed transfer
    (one-to-one in the database), takes over the same payout lines (no new line: the entitlement is
    unchanged) and pays the payee's account as recorded when the batch was approved (after any checked
    correction), never one changed since."""
    _require_finance(actor, "导出补拨文件", "export a re-issue batch", f"补拨#{batch_id}")
    if fmt not in ("csv", "xlsx"):
        raise ServiceError(f"未知格式“{fmt}”,可选 csv / xlsx", "unknown format", code="format")
    batch = _locked(ReissueBatch.objects.select_related("run"), batch_id, "补拨批次", "batch")
    record = f"补拨批次#{batch.pk}"
    if batch.state == BatchState.DRAFT:
        raise ConflictError(
            "补拨批次尚未审批,审批后才能导出", "the batch is not approved", code="not_approved", record=record
        )
    with acting(actor):
        if batch.state == BatchState.APPROVED:
            # what the approver saw, as far as it is still failed and not re-issued (a correction may intervene)
            take = [t for t in reissue_candidates(batch.run)[0] if t.pk in set(batch.chosen)]
            if not take:
                raise ConflictError(
                    "批次中的退回转账已全部处理,没有可补拨的转账",
                    "nothing left to re-issue",
                    code="nothing_to_reissue",
                    record=record,
                )
            unapproved = [t.payee_name for t in take if str(t.pk) not in batch.payees]
            if unapproved:
                raise ConflictError(
                    f"{record}审批时未记录以下企业的收款账户:{'、'.join(unapproved)},不能导出",
                    f"{record}: no payee account was recorded at approval for {', '.join(unapproved)}",
                    code="payee_not_approved",
                    record=record,
                )
            missing = [t.payee_name for t in take if not payee_snapshot(batch, t.pk)[1]]
            if missing:
                raise ConflictError(
                    f"以下企业未登记银行账号:{'、'.join(missing)}",
                    "no bank account on record",
                    code="no_bank_account",
                    record=record,
                )
            _lines_checked_at_commit()
            for old in take:
                old_lines = list(TransferLine.objects.filter(transfer=old, live=True).values_list("line_id", flat=True))
                old.state = TransferState.REISSUED
                old.save(update_fields=["state"])
                TransferLine.objects.filter(transfer=old, live=True).update(live=False)
                _entry(old, EventKind.REISSUED, actor, reason=f"补拨批次#{batch.pk}")
                e = old.enterprise
                bank_name, bank_account, bank_cnaps = payee_snapshot(batch, old.pk)
                new = Transfer.objects.create(
                    run=batch.run,
                    batch=batch,
                    enterprise=e,
                    supersedes=old,
                    reference=reissue_reference(batch.run_id, e.pk, batch.pk),
                    payee_name=e.name,
                    # the account and 联行号 the approver approved (F1), not ones edited since
                    bank_name=bank_name,
                    bank_account=bank_account,
                    bank_cnaps=bank_cnaps,
                    amount=old.amount,
                    line_count=len(old_lines),
                    rules=old.rules,
                )
                TransferLine.objects.bulk_create([TransferLine(transfer=new, line_id=i) for i in old_lines])
            batch.state, batch.exported_at = BatchState.EXPORTED, timezone.now()
            batch.save()
        transfers = list(batch.transfers.select_related("enterprise").order_by("id"))
    transfers_mark_sent(actor=actor, run_id=batch.run_id, batch_id=batch.pk)
    doc = _batch_document(batch, transfers)
    data = bank.bank_csv(doc) if fmt == "csv" else bank.bank_xlsx(doc)
    _settle_run(PayoutRun.objects.select_for_update().get(pk=batch.run_id), actor)
    return data, batch


# --- bank account corrections -----------------------------------------------------------------------


def _member(actor, enterprise: Enterprise) -> bool:
    return bool(actor.is_enterprise and enterprise.memberships.filter(user=actor).exists())


@transaction.atomic
def bank_account_change_request(
    *, actor, enterprise_id: int, bank_name: str, bank_account: str, bank_cnaps: str, reason: str
) -> BankAccountChange:
    """The owner's correction of its payee account and the bank's 联行号 (CNAPS, required: the bank file
    carries it), checked by the registry's own rule; in force once finance has checked it."""
    enterprise = Enterprise.objects.select_for_update().filter(pk=enterprise_id).first()
    if enterprise is None or not (_member(actor, enterprise) or actor.is_portal_admin):
        raise NotFoundError(f"企业#{enterprise_id}不存在", "enterprise not found", code="not_found")
    record = enterprise.name
    if not (actor.is_portal_admin or is_member(actor, enterprise, owner=True)):
        raise ServiceError(
            f"只有企业“{record}”的管理员可以提交银行账户更正",
            f"only the owner of {record} may file a bank account correction",
            code="forbidden",
            status=403,
            record=record,
        )
    bank_name, bank_account = bank_name.strip(), bank_account.replace(" ", "").strip()
    if not bank_name or not bank_account.isdigit() or not 8 <= len(bank_account) <= 32:
        raise ServiceError(
            "请填写开户银行,银行账号应为8至32位数字",
            "bank name required; account 8-32 digits",
            code="bad_account",
            record=record,
            field="bank_account",
        )
    bank_cnaps = (bank_cnaps or "").strip()
    if not bank_cnaps:
        raise ServiceError(
            f"企业“{record}”的银行账户更正须填写开户行联行号(12位数字)",
            f"the bank account correction of {record} needs the CNAPS bank code (12 digits)",
            code="bank_cnaps",
            record=record,
            field="bank_cnaps",
        )
    _check_cnaps(bank_cnaps, record=record)  # the rule enterprise bank details follow (registry)
    if not reason.strip():
        raise ServiceError(
            "请说明更正原因", "a reason is required", code="reason_required", record=record, field="reason"
        )
    if (bank_name, bank_account, bank_cnaps) == (enterprise.bank_name, enterprise.bank_account, enterprise.bank_cnaps):
        raise ServiceError(
            "新账户与现登记账户相同", "same as the account on record", code="same_account", record=record
        )
    if BankAccountChange.objects.filter(enterprise=enterprise, state=AccountChangeState.PENDING).exists():
        raise ConflictError(
            "已有一项待财务核对的账户更正", "a correction is already pending", code="pending_exists", record=record
        )
    with acting(actor, reason=reason):
        change = BankAccountChange(
            enterprise=enterprise,
            old_bank_name=enterprise.bank_name,
            old_bank_account=enterprise.bank_account,
            old_bank_cnaps=enterprise.bank_cnaps,
            bank_name=bank_name,
            bank_account=bank_account,
            bank_cnaps=bank_cnaps,
            reason=reason.strip(),
            requested_by=actor,
        )
        change.full_clean()
        change.save()
    return change


@transaction.atomic
def bank_account_change_check(*, actor, change_id: int, accept: bool, note: str = "") -> BankAccountChange:
    """Finance checks a correction (against the enterprise's bank letter) before it is used for payment."""
    _require_finance(actor, "核对银行账户更正", "check an account correction", f"账户更正#{change_id}")
    change = _locked(
        BankAccountChange.objects.select_related("enterprise"), change_id, "账户更正", "account correction"
    )
    record = change.enterprise.name
    if change.state != AccountChangeState.PENDING:
        raise ConflictError("该账户更正已处理", "already decided", code="decided", record=record)
    _require_second_finance(
        actor,
        change.requested_by_id,
        f"{record}的银行账户更正#{change.pk}须由申请人以外的另一名财务人员核对",
        f"account correction #{change.pk} of {record} must be checked by someone other than its requester",
        record=record,
    )
    if not accept and not note.strip():
        raise ServiceError(
            "驳回须填写核对意见", "a rejection needs a note", code="note_required", record=record, field="note"
        )
    with acting(actor, reason=note):
        change.state = AccountChangeState.ACCEPTED if accept else AccountChangeState.REJECTED
        change.checked_by, change.checked_at, change.check_note = actor, timezone.now(), note.strip()
        change.save()
        if accept:
            e = Enterprise.objects.select_for_update().get(pk=change.enterprise_id)
            e.bank_name, e.bank_account, e.bank_cnaps = change.bank_name, change.bank_account, change.bank_cnaps
            e.save(update_fields=["bank_name", "bank_account", "bank_cnaps"])
    verdict, verdict_en = (
        ("已核对生效", "has been checked and is in force") if accept else ("未通过核对", "was not accepted")
    )
    notify_enterprise(
        change.enterprise,
        title=f"银行账户更正{verdict}",
        body=f"贵单位银行账户更正({change.bank_name} {change.bank_account},开户行联行号{change.bank_cnaps}){verdict}。{note}",
        title_en=f"Bank account correction {verdict_en}",
        body_en=f"Your bank account correction ({change.bank_account}, CNAPS bank code {change.bank_cnaps}) "
        f"{verdict_en}. {note}",
    )
    return change


# --- receipts ---------------------------------------------------------------------------------------


@transaction.atomic
def transfer_confirm_receipt(*, actor, transfer_id: int) -> Transfer:
    """The enterprise confirms it received a transfer the bank reported as paid (回执)."""
    t = Transfer.objects.select_for_update().select_related("enterprise").filter(pk=transfer_id).first()
    if t is None or not _member(actor, t.enterprise):
        raise NotFoundError(f"转账#{transfer_id}不存在", "transfer not found", code="not_found")
    record = f"转账{t.reference}"
    if t.state != TransferState.SUCCEEDED:
        raise ConflictError(
            f"状态为“{t.get_state_display()}”,只有银行回单显示已到账的转账可以确认回执",
            "only a succeeded transfer can be confirmed",
            code="not_succeeded",
            record=record,
        )
    if t.confirmed_at is not None:
        return t
    with acting(actor):
        t.confirmed_at, t.confirmed_by = timezone.now(), actor
        t.save(update_fields=["confirmed_at", "confirmed_by"])
        _entry(t, EventKind.CONFIRMED, actor)
    return t
