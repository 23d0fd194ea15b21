"""Reads for grants, scoped by the actor: an enterprise sees its own enterprises' applications, a reviewer
the programmes of the level it reviews, finance and administrators everything. Another enterprise's
application is a 404. The benefits pages answer in a constant number of queries."""

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, QuerySet, Sum
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Role
from registry.models import Centre
from registry.selectors import reviewer_levels
from subsidies.grants.services import centre_facts, programme_fact
from subsidies.models import (
    PENDING_STATUSES,
    ApplicationStatus,
    GrantApplication,
    Incubator,
    PayoutLine,
    Programme,
    RDDeclarationSubmission,
    RunState,
)
from subsidies.money import quantize
from subsidies.parameters.services import parameter_timeline
from subsidies.rules import grants as rules
from subsidies.rules.rd_award import RULE as RD_AWARD
from subsidies.rules.stipend import RULE as STIPEND

PAID_STATES = (RunState.APPROVED, RunState.EXPORTED, RunState.PAID, RunState.PARTIAL)


def _sees_all(actor) -> bool:
    return actor.is_portal_admin or actor.is_finance or actor.role == Role.SYSTEM


def application_list(*, actor, status: str = "", programme: str = "") -> QuerySet[GrantApplication]:
    qs = GrantApplication.objects.select_related("programme", "centre", "enterprise", "researcher", "incubator")
    if actor.is_enterprise:
        qs = qs.filter(enterprise__memberships__user=actor)
    elif actor.is_reviewer:
        qs = qs.filter(programme__filing_level__in=reviewer_levels(actor))
    elif not _sees_all(actor):
        return qs.none()
    if status:
        qs = qs.filter(status=status)
    if programme:
        qs = qs.filter(programme__code=programme)
    return qs.distinct().order_by("-submitted_at", "-id")


def application_get(*, actor, pk) -> GrantApplication:
    return get_object_or_404(application_list(actor=actor), pk=pk)


def review_queue(*, actor) -> QuerySet[GrantApplication]:
    return (
        application_list(actor=actor)
        .filter(status__in=(ApplicationStatus.SUBMITTED, ApplicationStatus.FIRST_REVIEWED))
        .order_by("submitted_at")
    )


def incubator_list(*, actor) -> QuerySet[Incubator]:
    qs = Incubator.objects.select_related("operator")
    if actor.is_enterprise:
        return qs.filter(operator__memberships__user=actor).distinct()
    if actor.reviews_level("yinchuan") or _sees_all(actor):
        return qs.exclude(status="draft") if not _sees_all(actor) else qs
    return qs.none()


def incubator_get(*, actor, pk) -> Incubator:
    return get_object_or_404(incubator_list(actor=actor), pk=pk)


def declaration_list(*, actor) -> QuerySet[RDDeclarationSubmission]:
    qs = RDDeclarationSubmission.objects.select_related("centre__enterprise", "audit_report", "verified_by")
    if actor.is_enterprise:
        return qs.filter(centre__enterprise__memberships__user=actor).distinct()
    if actor.reviews_level("yinchuan") or _sees_all(actor):
        return qs
    return qs.none()


def declaration_get(*, actor, pk) -> RDDeclarationSubmission:
    return get_object_or_404(declaration_list(actor=actor), pk=pk)


# --- 免申即享: benefits without asking ------------------------------------------------------------------

RECEIVING, PENDING, ELIGIBLE, AUTOMATIC, NOT_ELIGIBLE = "receiving", "pending", "eligible", "automatic", "not_eligible"
STATUS_LABEL = {
    RECEIVING: gettext_lazy("已享受"),
    PENDING: gettext_lazy("审核中"),
    ELIGIBLE: gettext_lazy("可申报"),
    AUTOMATIC: gettext_lazy("免申即享"),
    NOT_ELIGIBLE: gettext_lazy("不符合条件"),
}


@dataclass
class Benefit:
    code: str
    name: str
    legal_reference: str
    status: str
    amount_text: str
    paid: Decimal = Decimal("0.00")
    awarded: Decimal = Decimal("0.00")
    reasons: list[str] = field(default_factory=list)
    note: str = ""
    can_apply: bool = False
    pending_ids: list[int] = field(default_factory=list)

    @property
    def status_label(self) -> str:
        return str(STATUS_LABEL[self.status])


def _amount_text(p: Programme, kind: str) -> str:
    b = rules.bounds(programme_fact(p), kind)
    if b.fixed:
        return _("%(amount)s 元") % {"amount": f"{b.high:,.2f}"}
    if b.exclusive_low:
        return _("最高 %(amount)s 元") % {"amount": f"{b.high:,.2f}"}
    return _("%(low)s 至 %(high)s 元") % {"low": f"{b.low:,.2f}", "high": f"{b.high:,.2f}"}


def centre_benefits(centre: Centre) -> list[Benefit]:
    """Every programme for the centre with its status: receiving (paid so far), in review, eligible now,
    automatic (stipends, evaluations), or not eligible with the reasons. Constant query count."""
    programmes = [p for p in Programme.objects.all() if p.applicant != rules.INCUBATOR]
    fact = centre_facts([centre.pk])[centre.pk]
    apps = defaultdict(lambda: {"approved": Decimal("0.00"), "n_approved": 0, "pending": []})
    for code, status, amount, pk in GrantApplication.objects.filter(centre=centre).values_list(
        "programme__code", "status", "approved_amount", "pk"
    ):
        if status == ApplicationStatus.APPROVED:
            apps[code]["approved"] += amount
            apps[code]["n_approved"] += 1
        elif status in PENDING_STATUSES:
            apps[code]["pending"].append(pk)
    paid = {
        r["rule"]: r
        for r in PayoutLine.objects.filter(centre=centre, active=True, run__state__in=PAID_STATES)
        .values("rule")
        .annotate(total=Sum("amount"), people=Count("researcher", distinct=True))
    }
    out = []
    # the amounts in force today (parameters with effective dates), not the measures' original figures
    params, today = parameter_timeline(), timezone.localdate()
    cent = {
        n: f"{quantize(params.decimal(n, today)):,.2f}"
        for n in ("nx_stipend.doctorate_monthly", "nx_stipend.master_monthly", "yc_rd.cap")
    }
    # NX-STIPEND: monthly, automatic, no application (免申即享)
    st = paid.get(STIPEND)
    stipend = Benefit(
        STIPEND,
        _("研发人员生活补助"),
        "全职聘用的研发人员,若签订5年以上聘用合同,全日制博士每月5000元,重点院校重点学科硕士每月3000元,补助可持续5年",
        AUTOMATIC,
        _("每人每月 %(doctorate)s / %(master)s 元")
        % {"doctorate": cent["nx_stipend.doctorate_monthly"], "master": cent["nx_stipend.master_monthly"]},
        paid=st["total"] if st else Decimal("0.00"),
    )
    if fact.kind == "joint":
        stipend.status, stipend.reasons = NOT_ELIGIBLE, [rules.R_JOINT]
    elif fact.regional_status != "approved" and not st:
        stipend.status, stipend.reasons = NOT_ELIGIBLE, [rules.R_NO_REGIONAL]
    else:
        people = st["people"] if st else 0
        stipend.status = RECEIVING if st else AUTOMATIC
        stipend.note = _("无需申请,按月自动计发;已有 %(n)s 名研发人员领取") % {"n": people}
    out.append(stipend)
    for p in programmes:
        pf = programme_fact(p)
        a = apps[p.code]
        line = paid.get(p.code)
        b = Benefit(
            p.code,
            p.display_name,
            p.legal_reference,
            NOT_ELIGIBLE,
            _amount_text(p, fact.kind),
            paid=line["total"] if line else Decimal("0.00"),
            awarded=a["approved"],
            pending_ids=a["pending"],
        )
        awarded_once = a["n_approved"] > 0 and p.frequency == rules.ONCE_PER_CENTRE
        problems = rules.centre_problems(pf, fact, awarded=awarded_once)
        if awarded_once:
            b.status = RECEIVING
            b.note = _("已核准") if b.paid else _("已核准,待拨付")
        elif a["pending"]:
            b.status = PENDING
        elif not rules.needs_application(pf):
            b.status = RECEIVING if a["n_approved"] else (AUTOMATIC if not problems else NOT_ELIGIBLE)
            b.reasons = problems
            b.note = rules.ORIGIN_REASON[p.origin]
        elif problems:
            b.reasons = problems
        else:
            b.status, b.can_apply = ELIGIBLE, True
            if a["n_approved"]:
                b.note = _("已核准 %(n)s 项;可为其他人员继续申报") % {"n": a["n_approved"]}
        out.append(b)
    # YC-RD: the annual award, on the enterprise's declaration of the year's R&D spend
    rd = paid.get(RD_AWARD)
    rd_b = Benefit(
        RD_AWARD,
        _("银川市研发投入奖励"),
        "每年按飞地研发中心当年研发费用总投入的15%,最高不超过100万元的标准,对依托企业(申报主体)进行奖励",
        RECEIVING if rd else ELIGIBLE,
        _("研发投入的%(rate)s%%,每年最高 %(cap)s 元")
        % {"rate": f"{(params.decimal('yc_rd.rate', today) * 100).normalize():f}", "cap": cent["yc_rd.cap"]},
        paid=rd["total"] if rd else Decimal("0.00"),
        note=_("按年度申报研发投入(附审计报告),核定后自动计发"),
    )
    if fact.yinchuan_status != "approved" and not rd:
        rd_b.status, rd_b.reasons = NOT_ELIGIBLE, [rules.R_NO_YINCHUAN]
    out.append(rd_b)
    return out


def unclaimed_by_programme() -> list[dict]:
    """For each programme taken by application: how many centres are eligible now but have never applied
    (the bureau's 免申即享 follow-up list). Four queries whatever the number of centres."""
    programmes = [p for p in Programme.objects.all() if p.applicant != rules.INCUBATOR and p.origin == "application"]
    centre_ids = list(Centre.objects.values_list("pk", flat=True))
    facts = centre_facts(centre_ids)
    applied = set(GrantApplication.objects.values_list("programme__code", "centre_id").distinct())
    rows = []
    for p in programmes:
        pf = programme_fact(p)
        eligible = [c for c in facts.values() if not rules.centre_problems(pf, c)]
        rows.append(
            {
                "programme": p,
                "eligible": len(eligible),
                "unclaimed": sum(1 for c in eligible if (p.code, c.id) not in applied),
            }
        )
    return rows
