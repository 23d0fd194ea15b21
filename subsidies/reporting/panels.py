"""The stipend panels that registry's and talent's pages show (NX-STIPEND): a researcher's status and
payments, and an enterprise's stipends of the last twelve months on its dashboard.

The lower apps do not import subsidies: their views ask accounts.panels for the page's context, and
`register()` (called from SubsidiesConfig.ready) provides it from here."""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import panels
from subsidies import charts
from subsidies.models import PayoutLine
from subsidies.parameters.services import parameter_timeline
from subsidies.rules.stipend import TIER_LABEL, StipendStatus, stipend_status
from subsidies.run_notices import enterprise_notice_runs
from subsidies.selectors import enterprise_stipends_by_month, paid_stipend_months, person_facts
from subsidies.templatetags.portal_format import cn_period, yuan
from talent.models import Researcher
from talent.selectors import _sees_all


@dataclass(frozen=True)
class StipendView:
    """A researcher's NX-STIPEND status in the words the pages show."""

    status: StipendStatus

    @property
    def tier_label(self) -> str:
        return TIER_LABEL.get(self.status.tier, "") if self.status.tier else ""

    @property
    def months_used(self) -> int:
        return self.status.months_used

    @property
    def max_months(self) -> int:
        return self.status.max_months

    @property
    def next_payable(self) -> str | None:
        return self.status.next_payable

    @property
    def reasons(self) -> tuple[str, ...]:
        return self.status.reasons

    @property
    def eligible(self) -> bool:
        return self.status.eligible

    @property
    def percent_used(self) -> int:
        return min(100, round(100 * self.status.months_used / self.status.max_months)) if self.status.max_months else 0


def stipend_statuses(researcher_ids, *, as_of: dt.date | None = None) -> dict[int, StipendView]:
    """NX-STIPEND status for many researchers from facts loaded in bulk: a fixed number of queries
    whatever the number of researchers (no query per row). The rule itself is subsidies.rules.stipend."""
    ids = list(researcher_ids)
    if not ids:
        return {}
    as_of = as_of or timezone.localdate()
    flt = Q(id__in=ids)
    facts = person_facts(flt)
    paid = paid_stipend_months(flt)
    params = parameter_timeline()
    return {
        rid: StipendView(stipend_status(f, as_of=as_of, paid=paid.get(rid, frozenset()), params=params))
        for rid, f in facts.items()
    }


def researcher_payments(*, actor, researcher: Researcher) -> QuerySet[PayoutLine]:
    """NX-STIPEND lines paid for the researcher, by service month; an enterprise sees only its own."""
    qs = (
        PayoutLine.objects.filter(researcher=researcher, active=True)
        .select_related("run", "centre")
        .order_by("service_period", "id")
    )
    if _sees_all(actor):
        return qs
    if actor.is_enterprise:
        return qs.filter(enterprise__in=actor.enterprises.all())
    return qs.none()


def enterprise_stipends(*, actor) -> dict:
    """The enterprise dashboard's stipend panel: the last twelve months' approved stipends, their total
    and the chart of them."""
    stipends = enterprise_stipends_by_month(actor=actor)
    stipend_total = sum((amount for _p, amount, _n in stipends), start=Decimal("0.00"))
    stipend_chart = charts.vertical_bars(
        title=_("近12个月已核定的人才补助"),
        desc=_("已审批发放的人才补助,按所属月份统计"),
        categories=[cn_period(p) for p, _a, _n in stipends] if stipend_total else [],
        series=[charts.Series(_("人才补助"), [a for _p, a, _n in stipends])],
        fmt=yuan,
        axis_fmt=lambda v: f"{v / 10000:g}万" if v >= 10000 else f"{v:g}",
        empty=_("近12个月尚无已审批发放的人才补助"),
    )
    return {
        "stipends": [s for s in stipends if s[2]][::-1],
        "stipend_total": stipend_total,
        "stipend_chart": stipend_chart,
        "payout_notices": enterprise_notice_runs(actor=actor)[:12],  # its own 拨付通知书, newest first
    }


def researcher_rows(*, researcher_ids) -> dict:
    """The researcher list: each row's NX-STIPEND status, by researcher id."""
    return {"stipends": stipend_statuses(researcher_ids)}


def researcher_detail(*, actor, researcher: Researcher) -> dict:
    """A researcher's page: the NX-STIPEND status and the stipend lines paid."""
    return {
        "stipend": stipend_statuses([researcher.pk]).get(researcher.pk),
        "payments": researcher_payments(actor=actor, researcher=researcher),
    }


def register() -> None:
    panels.provide("registry.dashboard", enterprise_stipends)
    panels.provide("talent.researcher_list", researcher_rows)
    panels.provide("talent.researcher_detail", researcher_detail)
