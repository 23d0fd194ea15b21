"""Reads for the talent register, scoped by the actor (STYLE: tenant isolation lives in the queryset).

Enterprise users see only researchers with a contract at one of their enterprises' centres, and of
those only the contracts at their own centres, the degrees they claimed themselves (plus those staff or
an import recorded) and the certificates they uploaded; bureau staff see everything. A person is one
record across employers: another employer's contracts, degree claims and documents never show."""

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.shortcuts import get_object_or_404

from accounts.models import Role
from registry import selectors as registry_selectors
from registry.models import Centre, Enterprise
from talent.identity import mask_id
from talent.models import Contract, Degree, DegreeStatus, IdentityAccess, KeyInstitution, Researcher, RosterUpload


def _sees_all(actor) -> bool:
    return bool(actor.is_bureau_staff or actor.is_portal_admin)


def centre_list(*, actor) -> QuerySet[Centre]:
    """The centres the actor may register researchers for (or, for staff, filter by)."""
    if _sees_all(actor):
        return Centre.objects.select_related("enterprise").order_by("ref")
    if actor.is_enterprise:
        return (
            Centre.objects.filter(enterprise__in=actor.enterprises.all()).select_related("enterprise").order_by("ref")
        )
    return Centre.objects.none()


def contract_list(*, actor) -> QuerySet[Contract]:
    if _sees_all(actor):
        return Contract.objects.all()
    if actor.is_enterprise:
        return Contract.objects.filter(centre__enterprise__in=actor.enterprises.all())
    return Contract.objects.none()


def staff_contracts(*, actor) -> QuerySet[Contract]:
    """The contracts a member of staff may act on (terminate early, clear a flagged termination) and, through
    them, whose people they may act on (verify a degree, see a full ID number): a reviewer only contracts at
    centres that have a filing of the bureau they review for, the same centres their registry reads show
    (registry.selectors.centre_list); an administrator (and the system actor) all. A Yinchuan reviewer
    therefore cannot terminate a contract, verify a degree (which drives the regional NX-STIPEND) or reveal
    an ID number at a centre that has only a regional filing, nor a regional reviewer at a Yinchuan-only one."""
    if actor.is_portal_admin or actor.role == Role.SYSTEM:
        return Contract.objects.all()
    if actor.is_reviewer:
        return Contract.objects.filter(centre__in=registry_selectors.centre_list(actor=actor).values("pk"))
    return Contract.objects.none()


def staff_researchers(*, actor) -> QuerySet[Researcher]:
    """The people a member of staff may act on: those with a contract in staff_contracts."""
    return Researcher.objects.filter(Exists(staff_contracts(actor=actor).filter(researcher=OuterRef("pk"))))


def staff_may_act_on(*, actor, researcher: Researcher) -> bool:
    return staff_researchers(actor=actor).filter(pk=researcher.pk).exists()


def staff_contract_get(*, actor, pk: int) -> Contract:
    return get_object_or_404(staff_contracts(actor=actor).select_related("researcher", "centre"), pk=pk)


def staff_degree_get(*, actor, pk: int) -> Degree:
    return get_object_or_404(
        Degree.objects.filter(researcher__in=staff_researchers(actor=actor)).select_related("researcher"), pk=pk
    )


def researcher_list(
    *, actor, q: str = "", centre_id=None, enterprise_id=None, unverified: bool = False, needs_review: bool = False
) -> QuerySet[Researcher]:
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
        qs = qs.filter(Exists(degree_list(actor=actor).filter(researcher=OuterRef("pk"), verified_at__isnull=True)))
    if needs_review:
        qs = qs.filter(Exists(visible.filter(researcher=OuterRef("pk"), needs_review=True)))
    return qs.order_by("name", "id")


def researcher_get(*, actor, pk: int) -> Researcher:
    """404 for a researcher the actor may not see: another enterprise's people do not exist for it."""
    return get_object_or_404(researcher_list(actor=actor), pk=pk)


def researcher_contracts(*, actor, researcher: Researcher) -> QuerySet[Contract]:
    return (
        contract_list(actor=actor)
        .filter(researcher=researcher)
        .select_related("centre", "centre__enterprise")
        .order_by("-start")
    )


def contract_get(*, actor, pk: int) -> Contract:
    return get_object_or_404(contract_list(actor=actor).select_related("researcher", "centre"), pk=pk)


def degree_list(*, actor) -> QuerySet[Degree]:
    """Staff see every degree; an enterprise sees, of the people it employs, its own claims and the degrees
    staff or a scenario import recorded (claimed_by empty), never another employer's claims."""
    if _sees_all(actor):
        return Degree.objects.all()
    if actor.is_enterprise:
        visible = Researcher.objects.filter(Exists(contract_list(actor=actor).filter(researcher=OuterRef("pk"))))
        return Degree.objects.filter(
            Q(claimed_by__in=actor.enterprises.all()) | Q(claimed_by__isnull=True), researcher__in=visible
        )
    return Degree.objects.none()


def degree_get(*, actor, pk: int) -> Degree:
    return get_object_or_404(degree_list(actor=actor).select_related("researcher"), pk=pk)


def may_see_certificate(*, actor, degree: Degree) -> bool:
    """A certificate is the uploader's document: the enterprise that claimed the degree and staff see it."""
    if _sees_all(actor):
        return True
    return bool(
        actor.is_enterprise
        and degree.claimed_by_id is not None
        and actor.enterprises.filter(pk=degree.claimed_by_id).exists()
    )


def may_see_review(*, actor, degree: Degree) -> bool:
    """A returned or refused claim's reason is between the reviewers and the claimant, like its certificate."""
    return may_see_certificate(actor=actor, degree=degree)


def shows_contact_details(*, actor, researcher: Researcher) -> bool:
    """Phone and e-mail are what the registering employer entered: another employer of the same person
    sees the identity it entered itself (name, ID type, masked number), not the other's contact data."""
    if _sees_all(actor):
        return True
    if not actor.is_enterprise:
        return False
    if researcher.registered_by_id is None:
        return True
    return actor.enterprises.filter(pk=researcher.registered_by_id).exists()


def enterprise_choices(*, actor) -> QuerySet[Enterprise]:
    if _sees_all(actor):
        return Enterprise.objects.order_by("name")
    return actor.enterprises.order_by("name") if actor.is_enterprise else Enterprise.objects.none()


def verification_queue(*, actor, q: str = "", level: str = "") -> QuerySet[Degree]:
    if not (actor.is_reviewer or actor.is_portal_admin):
        return Degree.objects.none()
    # a reviewer's queue holds the degrees they may verify (staff_researchers)
    qs = Degree.objects.filter(
        verified_at__isnull=True,
        verification_status=DegreeStatus.PENDING,
        researcher__in=staff_researchers(actor=actor),
    ).select_related("researcher", "key_institution", "claimed_by")
    if q:
        qs = qs.filter(Q(researcher__name__icontains=q.strip()) | Q(institution__icontains=q.strip()))
    if level:
        qs = qs.filter(level=level)
    return qs.order_by("created_at", "id")


def key_institution_get(*, pk: int) -> KeyInstitution:
    """The list is public reference data: every signed-in user may read an entry."""
    return get_object_or_404(KeyInstitution, pk=pk)


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


def degrees_of(*, actor, researcher: Researcher) -> QuerySet[Degree]:
    return (
        degree_list(actor=actor)
        .filter(researcher=researcher)
        .select_related("verified_by", "key_institution", "claimed_by")
        .order_by("-awarded_on", "id")
    )


def researcher_count_panel(*, actor) -> dict:
    """The enterprise dashboard's count of the researchers the actor sees (registry's page, accounts.panels)."""
    return {"researcher_count": researcher_list(actor=actor).count()}
