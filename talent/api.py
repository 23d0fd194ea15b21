"""Talent API v1: researchers (ID numbers always masked), degrees, contracts.

Querysets come from talent.selectors (an enterprise sees only people with a contract at its own
centres, and only those contracts); writes go through talent.services. The full ID number is never
in an API response: reviewers who need it use the logged reveal on the researcher page."""

import django_filters
from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts.api import ADMIN, EVERYONE, REVIEWERS, WRITERS, PortalViewSetMixin
from accounts.filters import IntegerFilter, PortalFilterSet
from talent import selectors, services
from talent.identity import mask_id
from talent.models import Contract, Degree, DegreeLevel, DegreeStatus, IdType, Researcher

VERIFIERS = REVIEWERS | {ADMIN}


class ResearcherSerializer(serializers.ModelSerializer):
    id_number_masked = serializers.SerializerMethodField(help_text="证件号码(脱敏)")

    class Meta:
        model = Researcher
        fields = ["id", "id_type", "id_number_masked", "name", "nationality", "created_at"]
        read_only_fields = fields

    def get_id_number_masked(self, obj) -> str:
        return mask_id(obj.id_number)


class EnrolSerializer(serializers.Serializer):
    """An enterprise registers a researcher with the contract that ties them to its centre."""

    centre = serializers.IntegerField(help_text="本企业的研发中心ID")
    id_type = serializers.ChoiceField(choices=IdType.choices, default=IdType.RESIDENT_ID)
    id_number = serializers.CharField(max_length=32, write_only=True)
    name = serializers.CharField(max_length=64)
    nationality = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")
    full_time = serializers.BooleanField(default=True)
    start = serializers.DateField()
    end = serializers.DateField(required=False, allow_null=True, default=None, help_text="空表示无固定期限")


class DegreeSerializer(serializers.ModelSerializer):
    verified_by = serializers.CharField(source="verified_by.display_name", read_only=True, default=None)
    status = serializers.ChoiceField(
        choices=DegreeStatus.choices,
        read_only=True,
        help_text="pending 待核验 / verified 已核验 / returned 退回补正 / refused 不予核验",
    )
    status_reason = serializers.SerializerMethodField(help_text="退回补正或不予核验的原因(仅申报单位和审核人员可见)")
    reviewed_at = serializers.SerializerMethodField()

    class Meta:
        model = Degree
        fields = [
            "id",
            "researcher",
            "level",
            "full_time",
            "institution",
            "discipline",
            "key_discipline",
            "awarded_on",
            "claimed_by",
            "status",
            "status_reason",
            "reviewed_at",
            "verified_at",
            "verified_by",
            "created_at",
        ]
        # verification is a reviewer's act (degree verify/return/refuse), never a field a client sets; the
        # claimant is the caller's enterprise (empty: staff or an import)
        read_only_fields = ["id", "claimed_by", "verified_at", "verified_by", "created_at"]

    def _sees_review(self, obj) -> bool:
        request = self.context.get("request")
        return request is not None and selectors.may_see_review(actor=request.user, degree=obj)

    def get_status_reason(self, obj) -> str | None:
        return obj.verification_reason if self._sees_review(obj) else None

    def get_reviewed_at(self, obj) -> str | None:
        return obj.reviewed_at.isoformat() if obj.reviewed_at and self._sees_review(obj) else None


class DegreeDecisionSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000, help_text="原因(通知申报单位)")


class DegreeCreateSerializer(DegreeSerializer):
    researcher = serializers.IntegerField()
    level = serializers.ChoiceField(choices=DegreeLevel.choices)

    class Meta(DegreeSerializer.Meta):
        validators: list = []
        extra_kwargs = {"full_time": {"default": True}, "key_discipline": {"default": False}}


class ContractSerializer(serializers.ModelSerializer):
    researcher_name = serializers.CharField(source="researcher.name", read_only=True)
    centre_ref = serializers.CharField(source="centre.ref", read_only=True)
    last_day = serializers.DateField(read_only=True, allow_null=True)

    class Meta:
        model = Contract
        fields = [
            "id",
            "researcher",
            "researcher_name",
            "centre",
            "centre_ref",
            "full_time",
            "start",
            "end",
            "terminated_on",
            "termination_reason",
            "needs_review",
            "last_day",
            "created_at",
        ]
        # termination goes through the terminate action; the review flag is the service's
        read_only_fields = [
            "id",
            "researcher_name",
            "centre_ref",
            "terminated_on",
            "termination_reason",
            "needs_review",
            "last_day",
            "created_at",
        ]


class ContractCreateSerializer(ContractSerializer):
    researcher = serializers.IntegerField()
    centre = serializers.IntegerField()

    class Meta(ContractSerializer.Meta):
        validators: list = []
        extra_kwargs = {"full_time": {"default": True}, "end": {"default": None}}


class TerminateSerializer(serializers.Serializer):
    terminated_on = serializers.DateField(help_text="最后在职日(含)")
    reason = serializers.CharField(max_length=2000)


class ResearcherFilter(PortalFilterSet):
    q = django_filters.CharFilter(method="noop", label="姓名或完整证件号码")
    centre = IntegerFilter(method="noop")
    enterprise = IntegerFilter(method="noop")

    class Meta:
        model = Researcher
        fields = ["id_type"]

    def noop(self, qs, name, value):
        return qs  # applied by the selector (it knows which contracts the actor may see)


class DegreeFilter(PortalFilterSet):
    verified = django_filters.BooleanFilter(field_name="verified_at", lookup_expr="isnull", exclude=True)

    class Meta:
        model = Degree
        fields = ["researcher", "level", "full_time", "key_discipline", "verified", "verification_status"]


class ContractFilter(PortalFilterSet):
    enterprise = IntegerFilter(field_name="centre__enterprise")

    class Meta:
        model = Contract
        fields = ["researcher", "centre", "enterprise", "full_time", "needs_review"]


class ResearcherViewSet(PortalViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """研发人员. IDs are masked for every role (talent.identity.mask_id)."""

    queryset = Researcher.objects.none()
    serializer_class = ResearcherSerializer
    filterset_class = ResearcherFilter
    action_roles = {"list": EVERYONE, "retrieve": EVERYONE, "create": WRITERS}

    def get_queryset(self):
        params = self.request.query_params
        # any integer filters (0 or another enterprise's id: nothing); a non-integer is refused by the FilterSet
        number = lambda key: int(params[key]) if params.get(key, "").lstrip("-").isdigit() else None  # noqa: E731
        return selectors.researcher_list(
            actor=self.request.user,
            q=params.get("q", "")[:64],
            centre_id=number("centre"),
            enterprise_id=number("enterprise"),
        )

    @extend_schema(request=EnrolSerializer, responses={201: ResearcherSerializer})
    def create(self, request):
        data = self.validated_payload(EnrolSerializer)
        centre = selectors.centre_list(actor=request.user).filter(pk=data.pop("centre")).first()
        if centre is None:
            raise Http404
        nationality = data.pop("nationality", "")
        details = {"nationality": nationality} if nationality else {}
        contract = services.researcher_enrol(actor=request.user, centre=centre, details=details, **data)
        return Response(ResearcherSerializer(contract.researcher).data, status=status.HTTP_201_CREATED)


class DegreeViewSet(PortalViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """学位. Enterprises record their own degree claims, which never change another employer's or staff's
    degree; reviewers verify them against the certificate (POLICY §3.3). An enterprise lists its own claims
    and the degrees staff or an import recorded, never another employer's claims."""

    queryset = Degree.objects.none()
    serializer_class = DegreeSerializer
    filterset_class = DegreeFilter
    action_roles = {
        "list": EVERYONE,
        "retrieve": EVERYONE,
        "create": WRITERS,
        "verify": VERIFIERS,
        "return_for_correction": VERIFIERS,
        "refuse": VERIFIERS,
    }

    def get_queryset(self):
        return (
            selectors.degree_list(actor=self.request.user)
            .select_related("verified_by")
            .order_by("researcher_id", "-awarded_on", "id")
        )

    @extend_schema(request=DegreeCreateSerializer, responses={201: DegreeSerializer})
    def create(self, request):
        data = self.validated_payload(DegreeCreateSerializer)
        researcher = selectors.researcher_get(actor=request.user, pk=data.pop("researcher"))
        degree = services.degree_upsert(actor=request.user, researcher=researcher, **data)
        return Response(
            DegreeSerializer(degree, context=self.get_serializer_context()).data, status=status.HTTP_201_CREATED
        )

    @extend_schema(request=None, responses={200: DegreeSerializer})
    @action(detail=True, methods=["post"])
    def verify(self, request, pk=None):
        """核验学历: the degree counts for NX-STIPEND from now on."""
        # staff act only on their bureau's centres' people (selectors.staff_researchers): others are a 404
        degree = services.degree_verify(
            actor=request.user, degree=selectors.staff_degree_get(actor=request.user, pk=pk)
        )
        return Response(DegreeSerializer(degree, context=self.get_serializer_context()).data)

    def _decide(self, request, pk, service):
        reason = self.validated_payload(DegreeDecisionSerializer)["reason"]
        degree = service(
            actor=request.user, degree=selectors.staff_degree_get(actor=request.user, pk=pk), reason=reason
        )
        return Response(DegreeSerializer(degree, context=self.get_serializer_context()).data)

    @extend_schema(request=DegreeDecisionSerializer, responses={200: DegreeSerializer})
    @action(detail=True, methods=["post"], url_path="return")
    def return_for_correction(self, request, pk=None):
        """退回补正: the claimant enterprise is told the reason and corrects the claim (back to pending)."""
        return self._decide(request, pk, services.degree_return)

    @extend_schema(request=DegreeDecisionSerializer, responses={200: DegreeSerializer})
    @action(detail=True, methods=["post"])
    def refuse(self, request, pk=None):
        """不予核验: the claim never counts; the claimant enterprise is told the reason."""
        return self._decide(request, pk, services.degree_refuse)


class ContractViewSet(PortalViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """聘用合同. Two full-time contracts of one person never overlap (refused with the clash named)."""

    queryset = Contract.objects.none()
    serializer_class = ContractSerializer
    filterset_class = ContractFilter
    action_roles = {"list": EVERYONE, "retrieve": EVERYONE, "create": WRITERS, "terminate": WRITERS | REVIEWERS}

    def get_queryset(self):
        return (
            selectors.contract_list(actor=self.request.user)
            .select_related("researcher", "centre")
            .order_by("-start", "id")
        )

    @extend_schema(request=ContractCreateSerializer, responses={201: ContractSerializer})
    def create(self, request):
        data = self.validated_payload(ContractCreateSerializer)
        researcher = selectors.researcher_get(actor=request.user, pk=data.pop("researcher"))
        centre = selectors.centre_list(actor=request.user).filter(pk=data.pop("centre")).first()
        if centre is None:
            raise Http404
        contract = services.contract_upsert(actor=request.user, researcher=researcher, centre=centre, **data)
        return Response(ContractSerializer(contract).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=TerminateSerializer, responses={200: ContractSerializer})
    @action(detail=True, methods=["post"])
    def terminate(self, request, pk=None):
        """提前解除: payment stops after the last whole month; early ones are flagged for review."""
        contract = (
            selectors.staff_contract_get(actor=request.user, pk=pk) if request.user.is_reviewer else self.get_object()
        )
        data = self.validated_payload(TerminateSerializer)
        contract = services.contract_terminate(actor=request.user, contract=contract, **data)
        return Response(ContractSerializer(contract).data)


def register(router) -> None:
    router.register("researchers", ResearcherViewSet, basename="researcher")
    router.register("degrees", DegreeViewSet, basename="degree")
    router.register("contracts", ContractViewSet, basename="contract")
