"""Reads of the money loop, scoped by the actor: finance and administrators see every transfer, an
enterprise only its own, everyone else nothing (tenant isolation lives in the queryset)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from subsidies.models import PayoutLine, PayoutRun, RunState
from subsidies.parameters.services import parameter_timeline
from subsidies.transfers.models import (
    AccountChangeState,
    BankAccountChange,
    ReissueBatch,
    ResultCorrection,
    Transfer,
    TransferLine,
    TransferState,
)

ZERO = Decimal("0.00")
PUBLISHED = (RunState.APPROVED, RunState.EXPORTED, RunState.PAID, RunState.PARTIAL)
AGEING_BUCKETS = ((0, 7, _("0–7天")), (8, 30, _("8–30天")), (31, None, _("30天以上")))


def sees_all(actor) -> bool:
    return bool(actor.is_finance or actor.is_portal_admin)


def _scoped(qs: QuerySet, actor) -> QuerySet:
    """Rows of an enterprise's money: finance and administrators see all, an enterprise user those of its
    own enterprises, anyone else none."""
    if sees_all(actor):
        return qs
    if actor.is_enterprise:
        return qs.filter(enterprise__memberships__user=actor)
    return qs.none()


def transfer_list(*, actor) -> QuerySet[Transfer]:
    return _scoped(Transfer.objects.select_related("run", "batch", "enterprise", "supersedes", "confirmed_by"), actor)


def account_change_list(*, actor) -> QuerySet[BankAccountChange]:
    return _scoped(BankAccountChange.objects.select_related("enterprise", "requested_by", "checked_by"), actor)


def pending_account_changes(*, actor) -> QuerySet[BankAccountChange]:
    return account_change_list(actor=actor).filter(state=AccountChangeState.PENDING)


def pending_corrections(*, actor, run_id: int | None = None) -> QuerySet[ResultCorrection]:
    if not sees_all(actor):
        return ResultCorrection.objects.none()
    qs = ResultCorrection.objects.filter(state="pending").select_related("transfer", "requested_by")
    return qs.filter(transfer__run_id=run_id) if run_id else qs


def batches_of_run(run: PayoutRun) -> QuerySet[ReissueBatch]:
    return ReissueBatch.objects.filter(run=run).select_related("created_by", "approved_by")


@dataclass
class Ageing:
    label: str
    in_transit: Decimal = ZERO
    failed: Decimal = ZERO


@dataclass
class Settlement:
    """A run's money as the bank reports it. approved = succeeded + in_transit + failed − reissued: a failed
    transfer stays counted as failed after its re-issue, whose own outcome is counted again."""

    approved: Decimal = ZERO
    succeeded: Decimal = ZERO
    in_transit: Decimal = ZERO
    failed: Decimal = ZERO
    reissued: Decimal = ZERO
    counts: dict = field(default_factory=dict)
    ageing: list[Ageing] = field(default_factory=list)

    @property
    def ties_out(self) -> bool:
        return self.approved == self.succeeded + self.in_transit + self.failed - self.reissued

    @property
    def outstanding_failed(self) -> Decimal:
        return self.failed - self.reissued


def run_settlement(run: PayoutRun, *, today: dt.date | None = None) -> Settlement:
    today = today or timezone.localdate()
    s = Settlement(ageing=[Ageing(label) for _lo, _hi, label in AGEING_BUCKETS])
    for t in Transfer.objects.filter(run=run).only("amount", "state", "batch_id", "sent_at", "result_at", "created_at"):
        s.counts[t.state] = s.counts.get(t.state, 0) + 1
        if t.batch_id is None:
            s.approved += t.amount
        if t.state == TransferState.SUCCEEDED:
            s.succeeded += t.amount
        elif t.state in (TransferState.PENDING, TransferState.SENT):
            s.in_transit += t.amount
            _age(s, today, t.sent_at or t.created_at, "in_transit", t.amount)
        else:  # failed, or failed and since re-issued
            s.failed += t.amount
            if t.state == TransferState.REISSUED:
                s.reissued += t.amount
            else:
                _age(s, today, t.result_at or t.created_at, "failed", t.amount)
    return s


def _age(s: Settlement, today: dt.date, since, attr: str, amount: Decimal) -> None:
    days = (today - timezone.localtime(since).date()).days
    for bucket, (lo, hi, _label) in zip(s.ageing, AGEING_BUCKETS, strict=True):
        if days >= lo and (hi is None or days <= hi):
            setattr(bucket, attr, getattr(bucket, attr) + amount)
            return


def receipt_days(day: dt.date) -> int:
    return parameter_timeline().integer("transfers.receipt_confirm_days", day)


def unconfirmed_receipts(*, actor, today: dt.date | None = None) -> QuerySet[Transfer]:
    """Transfers the bank paid that the enterprise has not confirmed after N days (the parameter
    `transfers.receipt_confirm_days`, default 15)."""
    if not sees_all(actor):
        return Transfer.objects.none()
    today = today or timezone.localdate()
    cutoff = today - dt.timedelta(days=receipt_days(today))
    return (
        transfer_list(actor=actor)
        .filter(state=TransferState.SUCCEEDED, confirmed_at__isnull=True, trade_date__lte=cutoff)
        .order_by("trade_date", "id")
    )


@dataclass
class MonthMoney:
    period: str
    decided: Decimal = ZERO  # 已核定: approved lines
    sent: Decimal = ZERO  # 已拨付: in a transfer sent to the bank
    received: Decimal = ZERO  # 已到账
    returned: Decimal = ZERO  # 退回, not yet re-issued


def enterprise_months(*, actor, limit: int = 24) -> list[MonthMoney]:
    """Each service period's money of the actor's enterprises, as 已核定 / 已拨付 / 已到账 / 退回."""
    if not actor.is_enterprise:
        return []
    lines = PayoutLine.objects.filter(enterprise__memberships__user=actor, active=True, run__state__in=PUBLISHED)
    out: dict[str, MonthMoney] = {}
    for row in lines.order_by().values("service_period").annotate(total=Sum("amount")):
        out[row["service_period"]] = MonthMoney(row["service_period"], decided=row["total"])
    live = (
        TransferLine.objects.filter(live=True, line__in=lines)
        .order_by()
        .values("line__service_period", "transfer__state")
        .annotate(total=Sum("line__amount"))
    )
    for row in live:
        m = out.setdefault(row["line__service_period"], MonthMoney(row["line__service_period"]))
        state = row["transfer__state"]
        if state in (TransferState.SENT, TransferState.SUCCEEDED):
            m.sent += row["total"]
        if state == TransferState.SUCCEEDED:
            m.received += row["total"]
        if state == TransferState.FAILED:
            m.returned += row["total"]
    return [out[k] for k in sorted(out, reverse=True)[:limit]]


def run_transfer_rows(run: PayoutRun) -> QuerySet[Transfer]:
    return (
        Transfer.objects.filter(run=run)
        .select_related("enterprise", "batch", "supersedes")
        .annotate(entry_count=Count("entries"))
        .order_by("enterprise__name", "id")
    )


def failed_awaiting_reissue(run: PayoutRun) -> QuerySet[Transfer]:
    return Transfer.objects.filter(Q(run=run), state=TransferState.FAILED, reissue__isnull=True)
