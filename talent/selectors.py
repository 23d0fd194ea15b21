"""Reads for the talent register, scoped by the actor (STYLE: tenant isolation lives in the queryset).

Enterprise users see only researchers with a contract at one of their enterprises' centres, and of
those only the contracts at their own centres; bureau staff see everything."""
import datetime as dt
from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from registry.models import Centre, Enterprise
from subsidies.models import PayoutLine
from subsidies.rules.stipend import TIER_LABEL, StipendStatus, stipend_status
from subsidies.selectors import paid_stipend_months, person_facts
from subsidies.services.parameters import parameter_timeline
from talent.identity import mask_id
from talent.models import Contract, Degree, IdentityAccess, KeyInstitution, Researcher, RosterUpload


def _sees_all(actor) -> bool:
    return bool(actor.is_bureau_staff or actor.is_portal_admin)


def centre_list(*, actor) -> QuerySet[Centre]:
    """The centres the actor may register researchers for (or, for staff, filter by)."""
    if _sees_all(actor):
        return Centre.objects.select_related("enterprise").order_by("ref")
    if actor.is_enterprise:
        return Centre.objects.filter(enterprise__in=actor.enterprises.all()).select_related("enterprise") \
            .order_by("ref")
    return Centre.objects.none()


def contract_list(*, actor) -> QuerySet[Contract]:
    if _sees_all(actor):
        return Contract.objects.all()
    if actor.is_enterprise:
        return Contract.objects.filter(centre__enterprise__in=actor.enterprises.all())
    return Contract.objects.none()


def researcher_list(*, actor, q: str = "", centre_id=None, enterprise_id=None, unverified: bool = False,
                    needs_review: bool = False) -> QuerySet[Researcher]:
    visible = contract_list(actor=actor)
    if _sees_all(actor):
        qs = Researcher.objects.all()
    elif actor.is_enterprise:
        qs = Researcher.objects.filter(Exists(visible.filter(researcher=OuterRef("pk"))))
    else:
        return Researcher.objects.none()
    if q:
        q = q.strip()
        # a full ID number finds its person; a fragment of a number would be a way round the masking
        qs = qs.filter(Q(name__icontains=q) | Q(id_number=q.upper()))
    if centre_id is not None:
        qs = qs.filter(Exists(visible.filter(researcher=OuterRef("pk"), centre_id=centre_id)))
    if enterprise_id is not None:
        qs = qs.filter(Exists(visible.filter(researcher=OuterRef("pk"), centre__enterprise_id=enterprise_id)))
    if unverified:
        qs = qs.filter(Exists(Degree.objects.filter(researcher=OuterRef("pk"), verified_at__isnull=True)))
    if needs_review:
        qs = qs.filter(Exists(visible.filter(researcher=OuterRef("pk"), needs_review=True)))
    return qs.order_by("name", "id")


def researcher_get(*, actor, pk: int) -> Researcher:
    """404 for a researcher the actor may not see: another enterprise's people do not exist for it."""
    return get_object_or_404(researcher_list(actor=actor), pk=pk)


def researcher_contracts(*, actor, researcher: Researcher) -> QuerySet[Contract]:
    return contract_list(actor=actor).filter(researcher=researcher).select_related("centre", "centre__enterprise") \
        .order_by("-start")


def contract_get(*, actor, pk: int) -> Contract:
    return get_object_or_404(contract_list(actor=actor).select_related("researcher", "centre"), pk=pk)


def degree_get(*, actor, pk: int) -> Degree:
    return get_object_or_404(
        Degree.objects.filter(researcher__in=researcher_list(actor=actor)).select_related("researcher"), pk=pk)


def enterprise_choices(*, actor) -> QuerySet[Enterprise]:
    if _sees_all(actor):
        return Enterprise.objects.order_by("name")
    return actor.enterprises.order_by("name") if actor.is_enterprise else Enterprise.objects.none()


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
        return min(100, round(100 * self.status.months_used / self.status.max_months)) if self.status.max_months \
            else 0


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
    return {rid: StipendView(stipend_status(f, as_of=as_of, paid=paid.get(rid, frozenset()), params=params))
            for rid, f in facts.items()}


def researcher_payments(*, actor, researcher: Researcher) -> QuerySet[PayoutLine]:
    """NX-STIPEND lines paid for the researcher, by service month; an enterprise sees only its own."""
    qs = PayoutLine.objects.filter(researcher=researcher, active=True).select_related("run", "centre") \
        .order_by("service_period", "id")
    if _sees_all(actor):
        return qs
    if actor.is_enterprise:
        return qs.filter(enterprise__in=actor.enterprises.all())
    return qs.none()


def verification_queue(*, actor, q: str = "", level: str = "") -> QuerySet[Degree]:
    if not (actor.is_reviewer or actor.is_portal_admin):
        return Degree.objects.none()
    qs = Degree.objects.filter(verified_at__isnull=True).select_related("researcher", "key_institution")
    if q:
        qs = qs.filter(Q(researcher__name__icontains=q.strip()) | Q(institution__icontains=q.strip()))
    if level:
        qs = qs.filter(level=level)
    return qs.order_by("created_at", "id")


def key_institution_list(*, q: str = "", active_only: bool = False) -> QuerySet[KeyInstitution]:
    qs = KeyInstitution.objects.prefetch_related("disciplines")
    if q:
        qs = qs.filter(Q(name__icontains=q.strip()) | Q(disciplines__name__icontains=q.strip())).distinct()
    if active_only:
        qs = qs.filter(is_active=True)
    return qs.order_by("name")


def roster_upload_get(*, actor, pk: int) -> RosterUpload:
    return get_object_or_404(RosterUpload.objects.filter(uploaded_by=actor).select_related("centre"), pk=pk)


def identity_access_list(*, actor, researcher: Researcher | None = None) -> QuerySet[IdentityAccess]:
    if not actor.is_portal_admin:
        return IdentityAccess.objects.none()
    qs = IdentityAccess.objects.select_related("user", "researcher")
    return qs.filter(researcher=researcher) if researcher is not None else qs


def masked(researcher: Researcher) -> str:
    return mask_id(researcher.id_number)


def degrees_of(researcher: Researcher) -> QuerySet[Degree]:
    return researcher.degrees.select_related("verified_by", "key_institution").order_by("-awarded_on")


