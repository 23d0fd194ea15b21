"""Run anomaly flags for finance, before approval. Each flag names the person or centre, the
figures and why it deserves a second look; a flag does not block the approval (the approver decides):
- ARREARS: one person is paid more than 12 months of arrears (补发) in the run;
- CENTRE_SWING: a centre's total moved by more than 30% against the previous month's approved run;
- BACKDATED_FIRST: a person is paid for the first time, for months before the centre's filing was decided
  (a filing recorded late reaching back, POLICY §3.7), so the months were never seen by anyone before.
Only monthly (NX-STIPEND) runs have months to compare."""

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Exists, Min, OuterRef, Sum
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from registry.models import Filing, FilingLevel
from subsidies.models import PUBLISHED_RUN_STATES, PayoutLine, PayoutRun, RunKind
from subsidies.money import format_yuan, quantize
from subsidies.rules.calendar import month_start, parse_month

ARREARS_MONTHS = 12  # Decision: more than a year of arrears for one person
SWING = Decimal("0.30")  # a centre's total changed by more than 30% against last month
DONE = PUBLISHED_RUN_STATES


@dataclass(frozen=True)
class Flag:
    kind: str
    label: object
    subject: str
    detail: str


def run_anomalies(run: PayoutRun) -> list[Flag]:
    if run.kind != RunKind.MONTHLY:
        return []
    lines = PayoutLine.objects.filter(run=run, active=True)
    return [*_arrears(lines), *_centre_swings(run, lines), *_backdated_first(run, lines)]


def _arrears(lines) -> list[Flag]:
    rows = (
        lines.filter(is_arrears=True, researcher__isnull=False)
        .values("researcher_id", "beneficiary_name", "centre__name")
        .annotate(n=Count("id"), total=Sum("amount"), first=Min("service_period"))
        .filter(n__gt=ARREARS_MONTHS)
        .order_by("-n", "beneficiary_name")
    )
    return [
        Flag(
            "arrears",
            _("补发超过12个月"),
            f"{r['beneficiary_name']}({r['centre__name']})",
            gettext("补发%(n)s个月,自%(first)s起,合计%(total)s")
            % {"n": r["n"], "first": r["first"], "total": format_yuan(r["total"])},
        )
        for r in rows
    ]


def _centre_swings(run: PayoutRun, lines) -> list[Flag]:
    previous_period = month_start(parse_month(run.period) - 1).strftime("%Y-%m")
    previous = PayoutRun.objects.filter(kind=run.kind, period=previous_period, state__in=DONE).order_by("-pk").first()
    if previous is None:
        return []
    before = {
        r["centre_id"]: r["total"]
        for r in PayoutLine.objects.filter(run=previous, active=True).values("centre_id").annotate(total=Sum("amount"))
    }
    flags = []
    for r in (
        lines.values("centre_id", "centre__ref", "centre__name").annotate(total=Sum("amount")).order_by("centre__ref")
    ):
        old = before.get(r["centre_id"])
        if not old:
            continue
        change = (r["total"] - old) / old
        if abs(change) > SWING:
            flags.append(
                Flag(
                    "centre_swing",
                    _("中心金额较上月变动超过30%"),
                    f"{r['centre__name']}({r['centre__ref']})",
                    gettext("本月%(now)s,上月%(before)s,变动%(change)s%%")
                    % {"now": format_yuan(r["total"]), "before": format_yuan(old), "change": quantize(change * 100)},
                )
            )
    return flags


def _backdated_first(run: PayoutRun, lines) -> list[Flag]:
    paid_before = PayoutLine.objects.filter(
        researcher_id=OuterRef("researcher_id"), active=True, run__state__in=DONE
    ).exclude(run=run)
    rows = (
        lines.filter(researcher__isnull=False)
        .exclude(Exists(paid_before))
        .values("researcher_id", "beneficiary_name", "centre_id", "centre__name")
        .annotate(first=Min("service_month"), n=Count("id"))
        .order_by("beneficiary_name")
    )
    decided = {
        f.centre_id: f
        for f in Filing.objects.filter(
            level=FilingLevel.REGIONAL, centre_id__in={r["centre_id"] for r in rows}, decided_at__isnull=False
        )
    }
    flags = []
    for r in rows:
        filing = decided.get(r["centre_id"])
        if filing is None or r["first"] is None:
            continue
        on = timezone.localtime(filing.decided_at).date()
        if r["first"] < on.replace(day=1):
            flags.append(
                Flag(
                    "backdated_first",
                    _("首次发放且备案追溯生效"),
                    f"{r['beneficiary_name']}({r['centre__name']})",
                    gettext("首次发放%(n)s个月,最早为%(first)s;备案于%(on)s作出决定,生效日期%(start)s")
                    % {"n": r["n"], "first": f"{r['first']:%Y-%m}", "on": on, "start": filing.effective_from},
                )
            )
    return flags
