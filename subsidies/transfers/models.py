"""Bank transfers of approved runs and what the bank says about them.

A Transfer is one credit in a bank file: one per payee enterprise per run (the bank file's row), or
one per failed transfer in a re-issue batch (补拨). It copies the payee's account and its bank's 联行号
(CNAPS) as they were at export and names the payout lines it pays. What the database holds true:
- a transfer's amount is the sum of its lines (`transfer_amount_is_lines_sum`, checked at commit);
- a line is in at most one live transfer (`transfer_line_live_once`: a failed transfer's lines leave
  it only when it is re-issued, in the same transaction that puts them into the re-issue);
- a failed transfer is superseded by at most one re-issue (`supersedes` is one-to-one);
- the account, 联行号, amount and reference of a transfer never change once written;
- bank results are append-only events (TransferEntry), with who and when.
"""

import pgtrigger
from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from accounts.audit import audited
from subsidies.money import MoneyField


class TransferState(models.TextChoices):
    PENDING = "pending", _("待拨付")
    SENT = "sent", _("已发送")
    SUCCEEDED = "succeeded", _("已到账")
    FAILED = "failed", _("退回")
    REISSUED = "reissued", _("已补拨")


# a re-issued transfer is no longer live: its money now rides on the re-issue
LIVE_STATES = (TransferState.PENDING, TransferState.SENT, TransferState.SUCCEEDED, TransferState.FAILED)


class BatchState(models.TextChoices):
    DRAFT = "draft", _("待审批")
    APPROVED = "approved", _("已审批")
    EXPORTED = "exported", _("已导出")


@audited()
class ReissueBatch(models.Model):
    """A follow-up batch (补拨) of a run's failed transfers: created by one finance user, approved by
    another (four eyes), exported as its own bank file. It creates no payout lines."""

    run = models.ForeignKey("subsidies.PayoutRun", on_delete=models.PROTECT, related_name="reissue_batches")
    state = models.CharField(_("状态"), max_length=16, choices=BatchState.choices, default=BatchState.DRAFT)
    note = models.TextField(_("说明"), blank=True)
    chosen = models.JSONField(_("纳入的退回转账"), default=list, blank=True)  # transfer ids, as approved
    excluded = models.JSONField(_("未纳入的退回款"), default=list, blank=True)  # [{"transfer", "reference", "reason"}]
    # {transfer id: [bank name, bank account, CNAPS]} as the approver approved them: the export pays these
    # only (snapshots approved before the 联行号 was recorded have no third element: read with payee_snapshot)
    payees = models.JSONField(_("审批时的收款账户"), default=dict, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    exported_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("补拨批次")
        verbose_name_plural = _("补拨批次")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(approved_by__isnull=True) | ~Q(approved_by=F("created_by")), name="reissue_batch_four_eyes"
            ),
        ]
        triggers = [pgtrigger.Protect(name="reissue_batch_kept", operation=pgtrigger.Delete)]


@audited()
class Transfer(models.Model):
    run = models.ForeignKey("subsidies.PayoutRun", on_delete=models.PROTECT, related_name="transfers")
    batch = models.ForeignKey(ReissueBatch, null=True, blank=True, on_delete=models.PROTECT, related_name="transfers")
    enterprise = models.ForeignKey("registry.Enterprise", on_delete=models.PROTECT, related_name="transfers")
    reference = models.CharField(_("转账编号"), max_length=40, unique=True)
    payee_name = models.CharField(_("收款人名称"), max_length=128)
    bank_name = models.CharField(_("开户银行"), max_length=128)
    bank_account = models.CharField(_("收款账号"), max_length=40)
    # the payee bank's 联行号 (CNAPS) as copied at export with the account; "" when none was on record
    bank_cnaps = models.CharField(_("开户行联行号"), max_length=12, blank=True, db_default="")
    amount = MoneyField(_("金额"))
    line_count = models.PositiveIntegerField(_("明细笔数"))
    rules = models.CharField(_("规则"), max_length=200)
    state = models.CharField(_("状态"), max_length=16, choices=TransferState.choices, default=TransferState.PENDING)
    supersedes = models.OneToOneField("self", null=True, blank=True, on_delete=models.PROTECT, related_name="reissue")
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)
    result_at = models.DateTimeField(_("结果登记时间"), null=True, blank=True)
    trade_date = models.DateField(_("交易日期"), null=True, blank=True)
    bank_serial = models.CharField(_("银行流水号"), max_length=64, blank=True)
    failure_reason = models.CharField(_("失败原因"), max_length=200, blank=True)
    confirmed_at = models.DateTimeField(_("企业确认到账时间"), null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("银行转账")
        verbose_name_plural = _("银行转账")
        ordering = ["run_id", "id"]
        constraints = [
            # one transfer per payee enterprise per run (the run's own bank file); re-issues are in batches
            models.UniqueConstraint(
                fields=["run", "enterprise"],
                condition=Q(batch__isnull=True),
                name="transfer_one_per_enterprise_per_run",
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="transfer_amount_positive"),
            # a re-issue belongs to a batch and supersedes a transfer; an original does neither
            models.CheckConstraint(
                condition=Q(batch__isnull=True, supersedes__isnull=True)
                | Q(batch__isnull=False, supersedes__isnull=False),
                name="transfer_reissue_in_batch",
            ),
            models.CheckConstraint(
                condition=~Q(state="failed") | ~Q(failure_reason=""), name="transfer_failure_has_reason"
            ),
        ]
        triggers = [
            pgtrigger.Protect(name="transfer_kept", operation=pgtrigger.Delete),
            pgtrigger.Protect(
                name="transfer_terms_fixed",
                operation=pgtrigger.Update,
                condition=pgtrigger.AnyChange(
                    "run",
                    "batch",
                    "enterprise",
                    "reference",
                    "payee_name",
                    "bank_name",
                    "bank_account",
                    "bank_cnaps",
                    "amount",
                    "line_count",
                    "supersedes",
                ),
            ),
            pgtrigger.Trigger(
                name="transfer_amount_is_lines_sum",
                level=pgtrigger.Row,
                when=pgtrigger.After,
                operation=pgtrigger.Insert,
                timing=pgtrigger.Deferred,
                func="""
                IF NEW.amount IS DISTINCT FROM (
                        SELECT COALESCE(SUM(l.amount), 0) FROM subsidies_transferline tl
                        JOIN subsidies_payoutline l ON l.id = tl.line_id WHERE tl.transfer_id = NEW.id)
                   OR NEW.line_count <> (SELECT COUNT(*) FROM subsidies_transferline tl WHERE tl.transfer_id = NEW.id)
                THEN
                    RAISE EXCEPTION 'transfer % of % is not the sum of its lines', NEW.reference, NEW.amount
                        USING ERRCODE = 'check_violation';
                END IF;
                RETURN NULL;
                """,
            ),
        ]

    def __str__(self):
        return f"{self.reference} {self.payee_name} ¥{self.amount}"

    @property
    def is_live(self) -> bool:
        return self.state in LIVE_STATES


class TransferLine(models.Model):
    """A payout line paid by a transfer. `live` is false only once its transfer has been re-issued."""

    transfer = models.ForeignKey(Transfer, on_delete=models.PROTECT, related_name="transfer_lines")
    line = models.ForeignKey("subsidies.PayoutLine", on_delete=models.PROTECT, related_name="+")
    live = models.BooleanField(default=True)

    class Meta:
        verbose_name = _("转账明细")
        verbose_name_plural = _("转账明细")
        constraints = [
            models.UniqueConstraint(fields=["line"], condition=Q(live=True), name="transfer_line_live_once"),
            models.UniqueConstraint(fields=["transfer", "line"], name="transfer_line_unique"),
        ]
        triggers = [
            pgtrigger.Protect(name="transfer_line_kept", operation=pgtrigger.Delete),
            # the only change: a line leaves a transfer that has been re-issued (live true -> false)
            pgtrigger.Protect(
                name="transfer_line_append_only",
                operation=pgtrigger.Update,
                condition=pgtrigger.Condition(
                    "OLD.transfer_id IS DISTINCT FROM NEW.transfer_id OR OLD.line_id IS DISTINCT FROM"
                    " NEW.line_id OR NOT OLD.live OR NEW.live"
                ),
            ),
            pgtrigger.Trigger(
                name="transfer_line_fits_transfer",
                level=pgtrigger.Row,
                when=pgtrigger.After,
                operation=pgtrigger.Insert | pgtrigger.Update,
                timing=pgtrigger.Deferred,
                func="""
                -- deferred: the row as it is at commit (since the insert it may have left a re-issued transfer)
                SELECT * INTO NEW FROM subsidies_transferline WHERE id = NEW.id;
                IF EXISTS (SELECT 1 FROM subsidies_transfer t JOIN subsidies_payoutline l ON l.id = NEW.line_id
                           WHERE t.id = NEW.transfer_id AND (l.run_id <> t.run_id OR NOT l.active
                                 OR l.enterprise_id <> t.enterprise_id)) THEN
                    RAISE EXCEPTION 'payout line % does not belong to the run and payee of transfer %',
                        NEW.line_id, NEW.transfer_id USING ERRCODE = 'check_violation';
                END IF;
                IF NEW.live AND EXISTS (SELECT 1 FROM subsidies_transfer t WHERE t.id = NEW.transfer_id
                                        AND t.state = 'reissued') THEN
                    RAISE EXCEPTION 'a re-issued transfer % holds no live line', NEW.transfer_id
                        USING ERRCODE = 'check_violation';
                END IF;
                IF NOT NEW.live AND EXISTS (SELECT 1 FROM subsidies_transfer t WHERE t.id = NEW.transfer_id
                                            AND t.state <> 'reissued') THEN
                    RAISE EXCEPTION 'only the lines of a re-issued transfer % leave it', NEW.transfer_id
                        USING ERRCODE = 'check_violation';
                END IF;
                IF (SELECT t.amount FROM subsidies_transfer t WHERE t.id = NEW.transfer_id) IS DISTINCT FROM (
                        SELECT COALESCE(SUM(l.amount), 0) FROM subsidies_transferline tl
                        JOIN subsidies_payoutline l ON l.id = tl.line_id WHERE tl.transfer_id = NEW.transfer_id) THEN
                    RAISE EXCEPTION 'transfer % is not the sum of its lines', NEW.transfer_id
                        USING ERRCODE = 'check_violation';
                END IF;
                RETURN NULL;
                """,
            ),
        ]


class EventKind(models.TextChoices):
    SENT = "sent", _("已发送银行")
    SUCCEEDED = "succeeded", _("银行回单:成功")
    FAILED = "failed", _("银行回单:失败")
    CORRECTED = "corrected", _("更正银行结果")
    REISSUED = "reissued", _("已补拨")
    CONFIRMED = "confirmed", _("企业确认到账")


class TransferEntry(models.Model):
    """What happened to a transfer, append-only: who, when, and what the bank said."""

    transfer = models.ForeignKey(Transfer, on_delete=models.PROTECT, related_name="entries")
    kind = models.CharField(_("事件"), max_length=16, choices=EventKind.choices)
    state_after = models.CharField(_("事件后状态"), max_length=16, choices=TransferState.choices)
    bank_serial = models.CharField(_("银行流水号"), max_length=64, blank=True)
    trade_date = models.DateField(_("交易日期"), null=True, blank=True)
    reason = models.CharField(_("原因"), max_length=500, blank=True)
    bank_import = models.ForeignKey(
        "subsidies.BankResultImport", null=True, blank=True, on_delete=models.PROTECT, related_name="entries"
    )
    correction = models.ForeignKey(
        "subsidies.ResultCorrection", null=True, blank=True, on_delete=models.PROTECT, related_name="entries"
    )
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(_("时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("转账事件")
        verbose_name_plural = _("转账事件")
        ordering = ["transfer_id", "at", "id"]
        triggers = [pgtrigger.Protect(name="transfer_event_append_only", operation=pgtrigger.Update | pgtrigger.Delete)]


@audited()
class BankResultImport(models.Model):
    """One applied bank result file (银行回单): who imported it, when, its fingerprint and counts."""

    run = models.ForeignKey("subsidies.PayoutRun", on_delete=models.PROTECT, related_name="bank_imports")
    file_name = models.CharField(_("文件名"), max_length=255)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    row_count = models.PositiveIntegerField(_("行数"))
    applied_count = models.PositiveIntegerField(_("新登记结果数"))
    imported_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    imported_at = models.DateTimeField(_("导入时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("银行回单导入")
        verbose_name_plural = _("银行回单导入")
        ordering = ["-imported_at"]
        triggers = [pgtrigger.Protect(name="bank_import_append_only", operation=pgtrigger.Update | pgtrigger.Delete)]


class CorrectionState(models.TextChoices):
    PENDING = "pending", _("待复核")
    APPLIED = "applied", _("已更正")
    REJECTED = "rejected", _("已驳回")


@audited()
class ResultCorrection(models.Model):
    """A correction of a recorded bank result: asked by one finance user with a reason, applied only when
    a second finance user confirms it."""

    transfer = models.ForeignKey(Transfer, on_delete=models.PROTECT, related_name="corrections")
    to_state = models.CharField(
        _("更正为"),
        max_length=16,
        choices=[
            (TransferState.SUCCEEDED.value, TransferState.SUCCEEDED.label),
            (TransferState.FAILED.value, TransferState.FAILED.label),
        ],
    )
    bank_serial = models.CharField(_("银行流水号"), max_length=64, blank=True)
    failure_reason = models.CharField(_("失败原因"), max_length=200, blank=True)
    reason = models.TextField(_("更正理由"))
    state = models.CharField(_("状态"), max_length=16, choices=CorrectionState.choices, default=CorrectionState.PENDING)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("银行结果更正")
        verbose_name_plural = _("银行结果更正")
        constraints = [
            models.CheckConstraint(condition=~Q(reason=""), name="result_correction_reason_required"),
            models.CheckConstraint(
                condition=Q(decided_by__isnull=True) | ~Q(decided_by=F("requested_by")),
                name="result_correction_four_eyes",
            ),
            models.UniqueConstraint(
                fields=["transfer"], condition=Q(state="pending"), name="result_correction_one_pending"
            ),
        ]


class AccountChangeState(models.TextChoices):
    PENDING = "pending", _("待财务核对")
    ACCEPTED = "accepted", _("已核对生效")
    REJECTED = "rejected", _("已驳回")


@audited()
class BankAccountChange(models.Model):
    """An enterprise's correction of its bank account, in force once finance has checked it."""

    enterprise = models.ForeignKey("registry.Enterprise", on_delete=models.PROTECT, related_name="account_changes")
    old_bank_name = models.CharField(_("原开户银行"), max_length=128, blank=True)
    old_bank_account = models.CharField(_("原银行账号"), max_length=40, blank=True)
    bank_name = models.CharField(_("开户银行"), max_length=128)
    bank_account = models.CharField(_("银行账号"), max_length=40)
    old_bank_cnaps = models.CharField(_("原开户行联行号"), max_length=12, blank=True, db_default="")
    bank_cnaps = models.CharField(_("开户行联行号"), max_length=12, blank=True, db_default="")
    reason = models.TextField(_("更正原因"))
    state = models.CharField(
        _("状态"), max_length=16, choices=AccountChangeState.choices, default=AccountChangeState.PENDING
    )
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(auto_now_add=True)
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    checked_at = models.DateTimeField(null=True, blank=True)
    check_note = models.TextField(_("核对意见"), blank=True)

    class Meta:
        verbose_name = _("银行账户更正")
        verbose_name_plural = _("银行账户更正")
        ordering = ["-requested_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["enterprise"], condition=Q(state="pending"), name="account_change_one_pending"
            ),
            models.CheckConstraint(condition=~Q(reason=""), name="account_change_reason_required"),
            models.CheckConstraint(
                condition=Q(checked_by__isnull=True) | ~Q(checked_by=F("requested_by")),
                name="account_change_four_eyes",
            ),
        ]


__all__ = [
    "AccountChangeState",
    "BankAccountChange",
    "BankResultImport",
    "BatchState",
    "CorrectionState",
    "EventKind",
    "LIVE_STATES",
    "ReissueBatch",
    "ResultCorrection",
    "Transfer",
    "TransferEntry",
    "TransferLine",
    "TransferState",
]
