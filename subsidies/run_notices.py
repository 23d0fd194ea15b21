"""Payout notices to enterprises (notifications for a run's approval and its transfer). Each
enterprise with active lines in the run hears, in the portal and by e-mail, how many payments and how much
for its centres were 已核定 (approved) or 已拨付 (transferred); "到账" is never said here, since the portal does
not know the money has arrived. The notice points at the enterprise's own 拨付通知书."""

from django.db.models import Count, Sum
from django.urls import reverse

from accounts.wording import label_en, label_zh
from registry.models import Enterprise
from registry.services.notifications import notify_enterprise
from subsidies.models import PayoutRun, RunKind, RunState
from subsidies.money import format_yuan

EVENTS = {RunState.APPROVED: ("已核定", "approved"), RunState.PAID: ("已拨付", "transferred")}


def notify_run_enterprises(run: PayoutRun) -> int:
    """One notice per enterprise of the run, in the run's current state (approved or paid)."""
    zh, en = EVENTS[run.state]
    kind_zh, kind_en = label_zh(RunKind(run.kind).label), label_en(RunKind(run.kind).label)
    totals = (
        run.lines.filter(active=True)
        .values("enterprise")
        .order_by("enterprise")
        .annotate(n=Count("id"), total=Sum("amount"))
    )
    enterprises = Enterprise.objects.in_bulk([t["enterprise"] for t in totals])
    for t in totals:
        enterprise = enterprises[t["enterprise"]]
        link = reverse("subsidies:payout_notice_download", args=[enterprise.pk]) + f"?run={run.pk}"
        amount = format_yuan(t["total"])
        notify_enterprise(
            enterprise,
            title=f"【拨付通知】{run.period} {kind_zh}:{zh} {amount}",
            body="\n".join(
                [
                    f"依托企业:{enterprise.name}",
                    f"期间:{run.period}({kind_zh})",
                    f"笔数:{t['n']}",
                    f"金额合计:{amount}",
                    f"状态:{zh}",
                    f"拨付通知书:{link}",
                ]
            ),
            title_en=f"[Payment notice] {run.period} {kind_en}: {en} {amount}",
            body_en="\n".join(
                [
                    f"Enterprise: {enterprise.name}",
                    f"Period: {run.period} ({kind_en})",
                    f"Payments: {t['n']}",
                    f"Total: {amount}",
                    f"Status: {en}",
                    f"Payment notice: {link}",
                ]
            ),
        )
    return len(totals)


def enterprise_notice_runs(*, actor, enterprise_id: int | None = None) -> list[dict]:
    """The approved (exportable) runs with lines for the actor's enterprises, newest first, each with the
    enterprise, its payment count and total: the enterprise's 拨付通知书 downloads."""
    from registry.selectors import enterprise_list
    from subsidies.exports.data import EXPORTABLE_STATES
    from subsidies.models import PayoutLine

    enterprises = enterprise_list(actor=actor)
    if enterprise_id is not None:
        enterprises = enterprises.filter(pk=enterprise_id)
    rows = (
        PayoutLine.objects.filter(active=True, enterprise__in=enterprises, run__state__in=EXPORTABLE_STATES)
        .values("run_id", "run__period", "run__kind", "run__state", "enterprise_id", "enterprise__name")
        .annotate(n=Count("id"), total=Sum("amount"))
        .order_by("-run__period", "-run_id", "enterprise__name")
    )
    return [
        {
            "run": r["run_id"],
            "period": r["run__period"],
            "kind": RunKind(r["run__kind"]).label,
            "state": RunState(r["run__state"]).label,
            "enterprise": r["enterprise_id"],
            "enterprise_name": r["enterprise__name"],
            "count": r["n"],
            "total": r["total"],
        }
        for r in rows
    ]
