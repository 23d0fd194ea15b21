"""Registry API v1: enterprises, centres, filings (lifecycle transitions as actions) and documents.

Thin views: querysets come from registry.selectors (scoped by the requesting user, so another
enterprise's object is a 404 everywhere: detail, nested routes, actions, downloads) and every write
goes through registry.services, which hold the rules and write the audit rows."""

import django_filters
from django.conf import settings
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from accounts import downloads
from accounts.api import (
    DECIDERS,
    DOCUMENT_MEDIA_TYPES,
    EVERYONE,
    WRITERS,
    PortalViewSetMixin,
    binary_responses,
)
from accounts.filters import IntegerFilter, PortalFilterSet
from accounts.parsers import DepthLimitedJSONParser
from registry import selectors, services
from registry.models import Centre, CentreKind, Document, DocumentKind, Enterprise, Filing, FilingLevel, FilingStatus

# --- serializers ---------------------------------------------------------------------------------------


class EnterpriseSerializer(serializers.ModelSerializer):
    # blank when unknown: a plain string, not format "email" (schemathesis found the empty value breaking it)
    contact_email = serializers.CharField(read_only=True)

    class Meta:
        model = Enterprise
        fields = [
            "id",
            "uscc",
            "name",
            "division_code",
            "legal_representative",
            "contact_name",
            "contact_phone",
            "contact_email",
            "created_at",
        ]
        read_only_fields = fields


class CentreSerializer(serializers.ModelSerializer):
    enterprise_name = serializers.CharField(source="enterprise.name", read_only=True)

    class Meta:
        model = Centre
        fields = [
            "id",
            "ref",
            "enterprise",
            "enterprise_name",
            "name",
            "kind",
            "partner_institution",
            "city",
            "division_code",
            "address",
            "established_on",
            "rd_fields",
            "headcount",
            "created_at",
        ]
        read_only_fields = ["id", "ref", "enterprise", "enterprise_name", "created_at"]


class CentreCreateSerializer(CentreSerializer):
    enterprise = serializers.IntegerField(help_text="依托企业ID(须为本人所在企业)")

    class Meta(CentreSerializer.Meta):
        # uniqueness is the service's to judge, after scoping: a validator here would reveal other tenants' rows
        validators: list = []
        read_only_fields = ["id", "ref", "enterprise_name", "created_at"]
        extra_kwargs = {"kind": {"default": CentreKind.INDEPENDENT}}


class CentreUpdateSerializer(CentreSerializer):
    class Meta(CentreSerializer.Meta):
        extra_kwargs = {f: {"required": False} for f in ("name", "city", "division_code", "kind")}


class FilingSerializer(serializers.ModelSerializer):
    centre_ref = serializers.CharField(source="centre.ref", read_only=True)
    centre_name = serializers.CharField(source="centre.name", read_only=True)
    enterprise = serializers.IntegerField(source="centre.enterprise_id", read_only=True)
    enterprise_name = serializers.CharField(source="centre.enterprise.name", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = Filing
        fields = [
            "id",
            "centre",
            "centre_ref",
            "centre_name",
            "enterprise",
            "enterprise_name",
            "level",
            "status",
            "status_display",
            "effective_from",
            "effective_to",
            "status_reason",
            "submitted_at",
            "decided_at",
            "acceptance_no",
            "commitment_at",
            "created_at",
            "updated_at",
        ]
        # status, dates and reasons move only through the lifecycle actions: a client cannot set them
        read_only_fields = [f for f in fields if f not in ("centre", "level")]


class FilingSubmitSerializer(serializers.Serializer):
    commitment = serializers.BooleanField(
        required=False, default=False, help_text="已阅读并接受信用承诺书(须为true,否则不予提交)"
    )


class FilingCreateSerializer(FilingSerializer):
    centre = serializers.IntegerField(help_text="研发中心ID(须为本企业的中心)")

    class Meta(FilingSerializer.Meta):
        validators: list = []


class _Decision(serializers.Serializer):
    expected_status = serializers.ChoiceField(
        choices=FilingStatus.choices,
        required=False,
        help_text="您看到的当前状态;若他人已处理,则拒绝(409)而不是作用于您未看到的状态",
    )


class CommentSerializer(_Decision):
    comment = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")


class RequiredCommentSerializer(_Decision):
    comment = serializers.CharField(max_length=2000, help_text="退回或不予备案的理由(必填)")


class ApproveSerializer(CommentSerializer):
    effective_from = serializers.DateField(required=False, allow_null=True, help_text="生效日期,默认为审批当日")
    backdate_reason = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=2000,
        default="",
        help_text="追溯理由:生效日期早于企业提交日期(超过参数 review.backdate_days 天)时必填,记入审核记录",
    )


class DatedReasonSerializer(_Decision):
    on = serializers.DateField(help_text="自该日起暂停或撤销(前一日为最后有效日)")
    reason = serializers.CharField(max_length=2000)


class ReinstateSerializer(CommentSerializer):
    on = serializers.DateField(required=False, allow_null=True, help_text="恢复日期,默认为当日")


class EmptySerializer(serializers.Serializer):
    """No fields: anything a client sends (status, dates) is ignored."""


class DocumentSerializer(serializers.ModelSerializer):
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = Document
        fields = [
            "id",
            "enterprise",
            "filing",
            "kind",
            "kind_display",
            "original_name",
            "content_type",
            "size",
            "sha256",
            "version",
            "is_current",
            "previous",
            "uploaded_at",
            "download_url",
        ]
        read_only_fields = fields

    def get_download_url(self, obj) -> str:
        return f"/api/v1/documents/{obj.pk}/download/"


class DecisionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    step = serializers.CharField()
    step_display = serializers.CharField(source="get_step_display")
    decision = serializers.CharField()
    comment = serializers.CharField()
    actor = serializers.CharField(source="actor.display_name")
    at = serializers.DateTimeField()


class DocumentUploadSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=DocumentKind.choices)
    file = serializers.FileField(help_text=f"PDF、JPG或PNG,不超过{settings.DOCUMENT_MAX_BYTES // 1048576} MB")


# --- filters -------------------------------------------------------------------------------------------


class CentreFilter(PortalFilterSet):
    q = django_filters.CharFilter(method="search", label="名称、编号或企业")

    class Meta:
        model = Centre
        fields = ["enterprise", "city", "kind"]

    def search(self, qs, name, value):
        from django.db.models import Q

        return qs.filter(Q(name__icontains=value) | Q(ref__icontains=value) | Q(enterprise__name__icontains=value))


class FilingFilter(PortalFilterSet):
    enterprise = IntegerFilter(field_name="centre__enterprise")
    city = django_filters.CharFilter(field_name="centre__city")
    status = django_filters.ChoiceFilter(choices=FilingStatus.choices)
    level = django_filters.ChoiceFilter(choices=FilingLevel.choices)

    class Meta:
        model = Filing
        fields = ["centre", "enterprise", "status", "level", "city"]


class DocumentFilter(PortalFilterSet):
    class Meta:
        model = Document
        fields = ["enterprise", "filing", "kind", "is_current"]


# --- views ---------------------------------------------------------------------------------------------


class EnterpriseViewSet(PortalViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """依托企业: an enterprise user sees its own enterprises; reviewers those with filings they review."""

    queryset = Enterprise.objects.none()
    serializer_class = EnterpriseSerializer
    action_roles = {"list": EVERYONE, "retrieve": EVERYONE}
    filterset_fields = ["division_code"]

    def get_queryset(self):
        return selectors.enterprise_list(actor=self.request.user).order_by("name", "id")


class CentreViewSet(PortalViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """飞地研发中心. Enterprise members register and edit their own centres (the reference is generated)."""

    queryset = Centre.objects.none()
    serializer_class = CentreSerializer
    filterset_class = CentreFilter
    action_roles = {"list": EVERYONE, "retrieve": EVERYONE, "create": WRITERS, "partial_update": WRITERS}

    def get_queryset(self):
        return selectors.centre_list(actor=self.request.user).order_by("ref", "id")

    @extend_schema(request=CentreCreateSerializer, responses={201: CentreSerializer})
    def create(self, request):
        data = self.validated_payload(CentreCreateSerializer)
        enterprise = selectors.enterprise_get(actor=request.user, pk=data.pop("enterprise"))
        centre = services.centre_create(actor=request.user, enterprise=enterprise, **data)
        return Response(CentreSerializer(centre).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=CentreUpdateSerializer, responses={200: CentreSerializer})
    def partial_update(self, request, pk=None):
        centre = self.get_object()
        payload = CentreUpdateSerializer(centre, data=request.data, partial=True)
        payload.is_valid(raise_exception=True)
        centre = services.centre_update(actor=request.user, centre=centre, **payload.validated_data)
        return Response(CentreSerializer(centre).data)


class FilingViewSet(PortalViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """备案. Create a draft, submit it; reviewers move it through 初审 and 复审; approved filings can be
    suspended, revoked and reinstated (POLICY §1). Each transition is one service call; an illegal
    transition or a decision someone else made first is a 409."""

    queryset = Filing.objects.none()
    serializer_class = FilingSerializer
    filterset_class = FilingFilter
    action_roles = {
        "list": EVERYONE,
        "retrieve": EVERYONE,
        "create": WRITERS,
        "submit": WRITERS,
        "withdraw": WRITERS,
        "return_for_correction": DECIDERS,
        "first_review": DECIDERS,
        "approve": DECIDERS,
        "reject": DECIDERS,
        "suspend": DECIDERS,
        "revoke": DECIDERS,
        "reinstate": DECIDERS,
        "documents": EVERYONE,
        "documents:post": WRITERS,
        "decisions": EVERYONE,
    }

    def get_queryset(self):
        return selectors.filing_list(actor=self.request.user)

    def _done(self, filing):
        filing.refresh_from_db()
        return Response(FilingSerializer(filing).data)

    @extend_schema(request=FilingCreateSerializer, responses={201: FilingSerializer})
    def create(self, request):
        data = self.validated_payload(FilingCreateSerializer)  # status, dates: not fields of the request, ignored
        centre = selectors.centre_get(actor=request.user, pk=data["centre"])
        filing = services.filing_create(actor=request.user, centre=centre, level=data["level"])
        return Response(FilingSerializer(filing).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=FilingSubmitSerializer, responses={200: FilingSerializer})
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        """提交(或退回修改后重新提交)。Effective dates are set by the approval, never by the enterprise."""
        filing = self.get_object()
        return self._done(
            services.filing_submit(
                actor=request.user,
                filing=filing,
                commitment=self.validated_payload(FilingSubmitSerializer)["commitment"] is True,
            )
        )

    @extend_schema(request=CommentSerializer, responses={200: FilingSerializer})
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        """撤回:已提交、尚未初审的备案由企业撤回,回到草稿。"""
        filing = self.get_object()
        return self._done(
            services.filing_withdraw(
                actor=request.user, filing=filing, reason=self.validated_payload(CommentSerializer).get("comment", "")
            )
        )

    @extend_schema(request=RequiredCommentSerializer, responses={200: FilingSerializer})
    @action(detail=True, methods=["post"], url_path="return", url_name="return")
    def return_for_correction(self, request, pk=None):
        """退回修改 with what to correct."""
        filing, data = self.get_object(), self.validated_payload(RequiredCommentSerializer)
        return self._done(services.filing_return(actor=request.user, filing=filing, **data))

    @extend_schema(request=CommentSerializer, responses={200: FilingSerializer})
    @action(detail=True, methods=["post"], url_path="first-review", url_name="first-review")
    def first_review(self, request, pk=None):
        """初审通过."""
        filing, data = self.get_object(), self.validated_payload(CommentSerializer)
        return self._done(services.filing_first_review(actor=request.user, filing=filing, **data))

    @extend_schema(request=ApproveSerializer, responses={200: FilingSerializer})
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        """复审通过(备案), by a reviewer other than the first reviewer."""
        filing, data = self.get_object(), self.validated_payload(ApproveSerializer)
        return self._done(services.filing_approve(actor=request.user, filing=filing, **data))

    @extend_schema(request=RequiredCommentSerializer, responses={200: FilingSerializer})
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        """不予备案."""
        filing, data = self.get_object(), self.validated_payload(RequiredCommentSerializer)
        return self._done(services.filing_reject(actor=request.user, filing=filing, **data))

    @extend_schema(request=DatedReasonSerializer, responses={200: FilingSerializer})
    @action(detail=True, methods=["post"])
    def suspend(self, request, pk=None):
        """暂停备案 from a date."""
        filing, data = self.get_object(), self.validated_payload(DatedReasonSerializer)
        return self._done(services.filing_suspend(actor=request.user, filing=filing, **data))

    @extend_schema(request=DatedReasonSerializer, responses={200: FilingSerializer})
    @action(detail=True, methods=["post"])
    def revoke(self, request, pk=None):
        """撤销备案 from a date."""
        filing, data = self.get_object(), self.validated_payload(DatedReasonSerializer)
        return self._done(services.filing_revoke(actor=request.user, filing=filing, **data))

    @extend_schema(request=ReinstateSerializer, responses={200: FilingSerializer})
    @action(detail=True, methods=["post"])
    def reinstate(self, request, pk=None):
        """恢复备案 after a suspension."""
        filing, data = self.get_object(), self.validated_payload(ReinstateSerializer)
        return self._done(services.filing_reinstate(actor=request.user, filing=filing, **data))

    @extend_schema(methods=["GET"], request=None, responses={200: DocumentSerializer(many=True)})
    @extend_schema(
        methods=["POST"], request={"multipart/form-data": DocumentUploadSerializer}, responses={201: DocumentSerializer}
    )
    @action(
        detail=True,
        methods=["get", "post"],
        parser_classes=[MultiPartParser, FormParser, DepthLimitedJSONParser],
        pagination_class=None,
        filter_backends=[],
    )
    def documents(self, request, pk=None):
        """The filing's documents (GET), or upload one (POST multipart: kind, file). An upload of a kind
        the filing already has replaces it as a new version; only drafts and returned filings change."""
        filing = self.get_object()
        if request.method == "GET":
            docs = selectors.document_list(actor=request.user, filing=filing)
            return Response(DocumentSerializer(docs, many=True).data)
        data = self.validated_payload(DocumentUploadSerializer)
        doc = services.document_upload(
            actor=request.user,
            enterprise=filing.centre.enterprise,
            filing=filing,
            kind=data["kind"],
            upload=data["file"],
        )
        return Response(DocumentSerializer(doc).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses={200: DecisionSerializer(many=True)})
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def decisions(self, request, pk=None):
        """审核记录: each review step with its comment, oldest first."""
        filing = self.get_object()
        return Response(DecisionSerializer(selectors.decision_list(filing=filing), many=True).data)


class DocumentViewSet(PortalViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """材料 (read). Uploads go to /filings/{id}/documents/; downloads only through /documents/{id}/download/."""

    queryset = Document.objects.none()
    serializer_class = DocumentSerializer
    filterset_class = DocumentFilter
    action_roles = {"list": EVERYONE, "retrieve": EVERYONE, "download": EVERYONE}

    def get_queryset(self):
        return selectors.document_list(actor=self.request.user)

    @extend_schema(responses=binary_responses(DOCUMENT_MEDIA_TYPES))
    @action(detail=True, methods=["get"])
    def download(self, request, pk=None):
        """The file, as an attachment, for whoever may see the document (the same scope as the list)."""
        return downloads.document_attachment(self.get_object())


def register(router) -> None:
    router.register("enterprises", EnterpriseViewSet, basename="enterprise")
    router.register("centres", CentreViewSet, basename="centre")
    router.register("filings", FilingViewSet, basename="filing")
    router.register("documents", DocumentViewSet, basename="document")
