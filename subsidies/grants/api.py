"""Grants API v1: programmes (read), grant applications with their two-step review (POLICY §2, §3 "One-time
and evaluated grants"), YC-RD declarations with the audit report (submit, verify), NX-PERF evaluations,
免申即享 benefits (the incubators: subsidies.grants.incubators_api).

Thin views: querysets come from the actor-scoped selectors (subsidies.grants.selectors, registry and talent
selectors), so another enterprise's application, declaration, incubator or centre is a 404 everywhere; every
write goes through the services of subsidies.grants and subsidies.declarations, which hold the rules and write the audit rows.
The request serializers carry only what a client may choose: status, approved amount, approver, decision
dates and awards are the services' to set, so a client sending them is ignored. Awards (approve, evaluations,
assessments, recognitions) and the YC-RD verification accept an `Idempotency-Key`."""

import django_filters
from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from accounts import downloads
from accounts.api import (
    ADMIN,
    DECIDERS,
    DOCUMENT_MEDIA_TYPES,
    ENTERPRISE,
    EVERYONE,
    FINANCE,
    IDEMPOTENCY_HEADER,
    REGIONAL,
    WRITERS,
    YINCHUAN,
    PortalViewSetMixin,
    binary_responses,
    idempotent,
)
from accounts.filters import IntegerFilter, PortalFilterSet
from accounts.parsers import DepthLimitedJSONParser
from registry import selectors as registry_selectors
from subsidies.declarations import services as declarations
from subsidies.explain import api as why
from subsidies.grants import selectors
from subsidies.grants import services as grants
from subsidies.models import (
    ApplicationDecision,
    ApplicationDocument,
    ApplicationStatus,
    DeclarationStatus,
    EvaluationResult,
    GrantApplication,
    Incubator,
    PerformanceEvaluation,
    Programme,
    RDDeclarationSubmission,
)
from subsidies.rules import grants as rules
from talent import selectors as talent_selectors

YC_STAFF = frozenset({YINCHUAN, ADMIN})
# YC-RD submissions and incubators are the Yinchuan bureau's: regional reviewers have no business there
YC_READERS = frozenset({ENTERPRISE, YINCHUAN, FINANCE, ADMIN})
EVALUATORS = frozenset({REGIONAL, ADMIN})  # NX-PERF is a regional measure


BINARY = binary_responses(DOCUMENT_MEDIA_TYPES)


def request_payload(request, serializer_class) -> dict:
    payload = serializer_class(data=request.data)
    payload.is_valid(raise_exception=True)
    return dict(payload.validated_data)


def optional_amount(help_text: str) -> serializers.DecimalField:
    """An amount in yuan a request may leave out (null or absent)."""
    return serializers.DecimalField(
        max_digits=14, decimal_places=2, required=False, allow_null=True, help_text=help_text
    )


def decisions_response(serializer_class, record) -> Response:
    """A record's 审核记录 (its `decisions`, with who decided), oldest first."""
    return Response(serializer_class(record.decisions.select_related("actor").order_by("id"), many=True).data)


class _Expected(serializers.Serializer):
    expected_status = serializers.ChoiceField(
        choices=ApplicationStatus.choices,
        required=False,
        help_text="您看到的当前状态;若他人已处理,则拒绝(409)而不是作用于您未看到的状态",
    )


class GrantCommentSerializer(_Expected):
    comment = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class GrantRequiredCommentSerializer(_Expected):
    comment = serializers.CharField(max_length=2000, help_text="退回修改的内容或不予支持的理由(必填)")


# --- programmes ----------------------------------------------------------------------------------------


class ProgrammeSerializer(serializers.ModelSerializer):
    amount_text = serializers.SerializerMethodField(help_text="金额标准(独立研发机构)")
    needs_application = serializers.SerializerMethodField(help_text="是否需要申报(评估、考核、认定类无需申报)")

    class Meta:
        model = Programme
        fields = [
            "id",
            "code",
            "measure",
            "name",
            "legal_reference",
            "applicant",
            "filing_level",
            "for_independent",
            "for_joint",
            "origin",
            "amount_type",
            "amount_min",
            "amount_max",
            "joint_amount_max",
            "frequency",
            "amount_text",
            "needs_application",
        ]
        read_only_fields = fields

    def get_amount_text(self, obj) -> str:
        return rules.bounds(grants.programme_fact(obj)).message()

    def get_needs_application(self, obj) -> bool:
        return rules.needs_application(grants.programme_fact(obj))


class ProgrammeViewSet(PortalViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """资助项目 (read): the programmes of both measures, as data, with their amounts and frequency."""

    queryset = Programme.objects.none()
    serializer_class = ProgrammeSerializer
    filterset_fields = ["measure", "applicant", "origin", "code"]
    action_roles = {"list": EVERYONE, "retrieve": EVERYONE}

    def get_queryset(self):
        return Programme.objects.order_by("sort_order", "code")


# --- grant applications --------------------------------------------------------------------------------


class ApplicationSerializer(serializers.ModelSerializer):
    programme_code = serializers.CharField(source="programme.code", read_only=True)
    programme_name = serializers.CharField(source="programme.name", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    centre_ref = serializers.CharField(source="centre.ref", read_only=True, default=None, allow_null=True)
    researcher_name = serializers.CharField(source="researcher.name", read_only=True, default=None, allow_null=True)

    class Meta:
        model = GrantApplication
        fields = [
            "id",
            "programme",
            "programme_code",
            "programme_name",
            "origin",
            "enterprise",
            "centre",
            "centre_ref",
            "incubator",
            "researcher",
            "researcher_name",
            "award_programme",
            "year",
            "evaluation_period",
            "description",
            "requested_amount",
            "approved_amount",
            "status",
            "status_display",
            "status_reason",
            "submitted_at",
            "decided_at",
            "acceptance_no",
            "commitment_at",
        ]
        read_only_fields = fields


COMMITMENT_HELP = "已阅读并接受信用承诺书(须为true,否则不予提交)"


class WithdrawSerializer(serializers.Serializer):
    comment = serializers.CharField(
        max_length=200, required=False, allow_blank=True, default="", help_text="撤回原因(选填)"
    )


class ApplySerializer(serializers.Serializer):
    """What the enterprise chooses. Status, approved amount, approver and decision dates are not fields:
    sent anyway, they are ignored (the review sets them)."""

    programme = serializers.CharField(max_length=16, help_text="资助项目编号,如 NX-FIRST")
    centre = serializers.IntegerField(required=False, allow_null=True, help_text="本企业的研发中心ID")
    researcher = serializers.IntegerField(required=False, allow_null=True, help_text="研发人员ID(人才类项目)")
    incubator = serializers.IntegerField(required=False, allow_null=True, help_text="飞地孵化器ID(孵化器类项目)")
    award_programme = serializers.CharField(
        max_length=64, required=False, allow_blank=True, default="", help_text="获批的人才奖励/项目名称(NX-AWARD)"
    )
    year = serializers.IntegerField(required=False, allow_null=True, min_value=2000, max_value=2100)
    description = serializers.CharField(max_length=4000, required=False, allow_blank=True, default="")
    requested_amount = serializers.DecimalField(
        max_digits=14, decimal_places=2, required=False, allow_null=True, help_text="申请金额(元);定额项目可不填"
    )
    document = serializers.FileField(help_text="申报材料(PDF、JPG或PNG),至少一份")
    document_label = serializers.CharField(max_length=64, required=False, allow_blank=True, default="获批文件")
    document2 = serializers.FileField(required=False, allow_null=True, help_text="其他材料(可选)")
    document2_label = serializers.CharField(max_length=64, required=False, allow_blank=True, default="其他材料")
    commitment = serializers.BooleanField(required=False, default=False, help_text=COMMITMENT_HELP)


class ResubmitSerializer(serializers.Serializer):
    description = serializers.CharField(max_length=4000, required=False, allow_null=True)
    document = serializers.FileField(required=False, allow_null=True, help_text="补充材料(可选)")
    document_label = serializers.CharField(max_length=64, required=False, allow_blank=True, default="补充材料")
    commitment = serializers.BooleanField(required=False, default=False, help_text=COMMITMENT_HELP)


class GrantApproveSerializer(GrantCommentSerializer):
    amount = optional_amount("核定金额(元):定额项目可不填;其他项目须在项目规定的范围内,超出范围返回400并说明范围")


class ApplicationDecisionSerializer(serializers.ModelSerializer):
    decision_display = serializers.CharField(source="get_decision_display", read_only=True)
    actor = serializers.CharField(source="actor.display_name", read_only=True)

    class Meta:
        model = ApplicationDecision
        fields = ["id", "step", "decision", "decision_display", "amount", "comment", "actor", "at"]
        read_only_fields = fields


class AttachmentSerializer(serializers.ModelSerializer):
    original_name = serializers.CharField(source="document.original_name", read_only=True)
    content_type = serializers.CharField(source="document.content_type", read_only=True)
    size = serializers.IntegerField(source="document.size", read_only=True)
    sha256 = serializers.CharField(source="document.sha256", read_only=True)
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = ApplicationDocument
        fields = ["id", "application", "label", "original_name", "content_type", "size", "sha256", "download_url"]
        read_only_fields = fields

    def get_download_url(self, obj) -> str:
        return f"/api/v1/grant-attachments/{obj.pk}/download/"


class ApplicationFilter(PortalFilterSet):
    programme = django_filters.CharFilter(field_name="programme__code", label="资助项目编号")
    status = django_filters.ChoiceFilter(choices=ApplicationStatus.choices)

    class Meta:
        model = GrantApplication
        fields = ["programme", "status", "origin", "enterprise", "centre", "incubator", "researcher"]


class GrantApplicationViewSet(
    PortalViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """资助申报. The enterprise applies (multipart, with at least one document); reviewers of the programme's
    level move it through 初审 and 复审 (by another reviewer, who fixes the amount within the programme's
    bounds). Awards from evaluations, assessments and recognitions appear here too (origin)."""

    queryset = GrantApplication.objects.none()
    serializer_class = ApplicationSerializer
    filterset_class = ApplicationFilter
    parser_classes = [DepthLimitedJSONParser, MultiPartParser, FormParser]
    action_roles = {
        "list": EVERYONE,
        "retrieve": EVERYONE,
        "create": WRITERS,
        "resubmit": WRITERS,
        "withdraw": WRITERS,
        "first_review": DECIDERS,
        "approve": DECIDERS,
        "return_for_correction": DECIDERS,
        "reject": DECIDERS,
        "decisions": EVERYONE,
        "attachments": EVERYONE,
        "eligibility": EVERYONE,
    }

    def get_queryset(self):
        return selectors.application_list(actor=self.request.user)

    @extend_schema(responses={200: why.EligibilitySerializer})
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def eligibility(self, request, pk=None):
        """资格条件: each condition of the programme for the applicant, held or not, as the page says."""
        return Response(why.application_eligibility_response(self.get_object()))

    def _done(self, app):
        return Response(ApplicationSerializer(selectors.application_list(actor=self.request.user).get(pk=app.pk)).data)

    @extend_schema(request={"multipart/form-data": ApplySerializer}, responses={201: ApplicationSerializer})
    def create(self, request):
        data = request_payload(request, ApplySerializer)
        user = request.user
        programme = grants.programme_get(data["programme"])
        # every object named in the body comes from the actor's scope: another enterprise's is a 404
        centre = registry_selectors.centre_get(actor=user, pk=data["centre"]) if data.get("centre") else None
        researcher = (
            talent_selectors.researcher_get(actor=user, pk=data["researcher"]) if data.get("researcher") else None
        )
        incubator = selectors.incubator_get(actor=user, pk=data["incubator"]) if data.get("incubator") else None
        documents = [(data["document_label"], data["document"]), (data["document2_label"], data.get("document2"))]
        app = grants.grant_apply(
            actor=user,
            programme=programme,
            centre=centre,
            researcher=researcher,
            incubator=incubator,
            award_programme=data["award_programme"],
            year=data.get("year"),
            description=data["description"],
            requested_amount=data.get("requested_amount"),
            documents=documents,
            commitment=data["commitment"] is True,
        )
        return Response(ApplicationSerializer(app).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request={"multipart/form-data": ResubmitSerializer, "application/json": ResubmitSerializer},
        responses={200: ApplicationSerializer},
    )
    @action(detail=True, methods=["post"])
    def resubmit(self, request, pk=None):
        """退回修改后重新提交, optionally with a corrected description and another document."""
        app = self.get_object()
        data = request_payload(request, ResubmitSerializer)
        docs = [(data["document_label"], data["document"])] if data.get("document") else []
        return self._done(
            grants.grant_resubmit(
                actor=request.user,
                application=app,
                description=data.get("description"),
                documents=docs,
                commitment=data["commitment"] is True,
            )
        )

    @extend_schema(request=WithdrawSerializer, responses={200: ApplicationSerializer})
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        """撤回:已提交、尚未初审的申报由企业撤回,申报办结为“已撤回”。"""
        app, data = self.get_object(), request_payload(request, WithdrawSerializer)
        return self._done(grants.grant_withdraw(actor=request.user, application=app, reason=data["comment"]))

    @extend_schema(request=GrantCommentSerializer, responses={200: ApplicationSerializer})
    @action(detail=True, methods=["post"], url_path="first-review", url_name="first-review")
    def first_review(self, request, pk=None):
        """初审通过."""
        app, data = self.get_object(), request_payload(request, GrantCommentSerializer)
        return self._done(grants.grant_first_review(actor=request.user, application=app, **data))

    @extend_schema(
        request=GrantApproveSerializer, responses={200: ApplicationSerializer}, parameters=[IDEMPOTENCY_HEADER]
    )
    @action(detail=True, methods=["post"])
    @idempotent
    def approve(self, request, pk=None):
        """复审通过(核准资助), by a reviewer other than the first; the amount within the programme's bounds."""
        app, data = self.get_object(), request_payload(request, GrantApproveSerializer)
        return self._done(grants.grant_approve(actor=request.user, application=app, **data))

    @extend_schema(request=GrantRequiredCommentSerializer, responses={200: ApplicationSerializer})
    @action(detail=True, methods=["post"], url_path="return", url_name="return")
    def return_for_correction(self, request, pk=None):
        """退回修改 with what to correct."""
        app, data = self.get_object(), request_payload(request, GrantRequiredCommentSerializer)
        return self._done(grants.grant_return(actor=request.user, application=app, **data))

    @extend_schema(request=GrantRequiredCommentSerializer, responses={200: ApplicationSerializer})
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        """不予支持 with the reason."""
        app, data = self.get_object(), request_payload(request, GrantRequiredCommentSerializer)
        return self._done(grants.grant_reject(actor=request.user, application=app, **data))

    @extend_schema(responses={200: ApplicationDecisionSerializer(many=True)})
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def decisions(self, request, pk=None):
        """审核记录, oldest first."""
        return decisions_response(ApplicationDecisionSerializer, self.get_object())

    @extend_schema(responses={200: AttachmentSerializer(many=True)})
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def attachments(self, request, pk=None):
        """申报材料 (download each through /grant-attachments/{id}/download/)."""
        app = self.get_object()
        return Response(AttachmentSerializer(app.attachments.select_related("document").order_by("id"), many=True).data)


class AttachmentViewSet(PortalViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """申报材料 (read, download): for whoever may see the application (the same scope)."""

    queryset = ApplicationDocument.objects.none()
    serializer_class = AttachmentSerializer
    filterset_fields = ["application"]
    action_roles = {"list": EVERYONE, "retrieve": EVERYONE, "download": EVERYONE}

    def get_queryset(self):
        return (
            ApplicationDocument.objects.filter(
                application__in=selectors.application_list(actor=self.request.user).values("pk")
            )
            .select_related("document")
            .order_by("id")
        )

    @extend_schema(responses=BINARY)
    @action(detail=True, methods=["get"])
    def download(self, request, pk=None):
        return downloads.document_attachment(self.get_object().document)


# --- YC-RD declarations (the enterprise submits with the audit report; Yinchuan staff verify) --------------


class SubmissionSerializer(serializers.ModelSerializer):
    centre_ref = serializers.CharField(source="centre.ref", read_only=True)
    enterprise = serializers.IntegerField(source="centre.enterprise_id", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    verified_by = serializers.CharField(
        source="verified_by.display_name", read_only=True, default=None, allow_null=True
    )
    report_url = serializers.SerializerMethodField()

    class Meta:
        model = RDDeclarationSubmission
        fields = [
            "id",
            "centre",
            "centre_ref",
            "enterprise",
            "year",
            "declared_amount",
            "status",
            "status_display",
            "verified_amount",
            "verification_note",
            "declaration",
            "submitted_at",
            "verified_by",
            "verified_at",
            "acceptance_no",
            "commitment_at",
            "withdrawn_at",
            "withdrawal_reason",
            "report_url",
        ]
        read_only_fields = fields

    def get_report_url(self, obj) -> str:
        return f"/api/v1/declaration-submissions/{obj.pk}/report/"


class SubmitSerializer(serializers.Serializer):
    """The verified amount, verifier and status are the bureau's (POLICY YC-RD 1): not fields here."""

    centre = serializers.IntegerField(help_text="本企业的研发中心ID")
    year = serializers.IntegerField(min_value=2000, max_value=2100, help_text="已结束的年度")
    declared_amount = serializers.DecimalField(
        max_digits=14, decimal_places=2, min_value=0, help_text="银川市备案有效期内的研发费用总投入(元)"
    )
    audit_report = serializers.FileField(help_text="研发费用专项审计报告(PDF)")
    commitment = serializers.BooleanField(required=False, default=False, help_text=COMMITMENT_HELP)


class VerifySerializer(serializers.Serializer):
    verified_amount = serializers.DecimalField(
        max_digits=14,
        decimal_places=2,
        min_value=0,
        required=False,
        allow_null=True,
        help_text="核定金额;不填为按申报金额核定",
    )
    reason = serializers.CharField(
        max_length=2000, required=False, allow_blank=True, default="", help_text="核减理由(核定金额低于申报金额时必填)"
    )


class SubmissionFilter(PortalFilterSet):
    enterprise = IntegerFilter(field_name="centre__enterprise")
    status = django_filters.ChoiceFilter(choices=DeclarationStatus.choices)

    class Meta:
        model = RDDeclarationSubmission
        fields = ["centre", "enterprise", "year", "status"]


class DeclarationSubmissionViewSet(
    PortalViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """研发投入申报(附审计报告, YC-RD 1). Verification writes the verified amount onto the year's
    declaration; after payment it raises the revision and the next annual run settles the difference."""

    queryset = RDDeclarationSubmission.objects.none()
    serializer_class = SubmissionSerializer
    filterset_class = SubmissionFilter
    parser_classes = [MultiPartParser, FormParser, DepthLimitedJSONParser]
    action_roles = {
        "list": YC_READERS,
        "retrieve": YC_READERS,
        "create": WRITERS,
        "verify": YC_STAFF,
        "withdraw": WRITERS,
        "report": YC_READERS,
    }

    def get_queryset(self):
        return selectors.declaration_list(actor=self.request.user).order_by("-submitted_at", "-id")

    @extend_schema(request={"multipart/form-data": SubmitSerializer}, responses={201: SubmissionSerializer})
    def create(self, request):
        data = request_payload(request, SubmitSerializer)
        centre = registry_selectors.centre_get(actor=request.user, pk=data["centre"])
        sub = declarations.rd_declaration_submit(
            actor=request.user,
            centre=centre,
            year=data["year"],
            declared_amount=data["declared_amount"],
            audit_report=data["audit_report"],
            commitment=data["commitment"] is True,
        )
        return Response(SubmissionSerializer(sub).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=WithdrawSerializer, responses={200: SubmissionSerializer})
    @action(detail=True, methods=["post"], parser_classes=[DepthLimitedJSONParser, FormParser])
    def withdraw(self, request, pk=None):
        """撤回:尚未核定的申报由企业撤回。"""
        sub, data = self.get_object(), request_payload(request, WithdrawSerializer)
        sub = declarations.rd_declaration_withdraw(actor=request.user, submission=sub, reason=data["comment"])
        return Response(SubmissionSerializer(self.get_queryset().get(pk=sub.pk)).data)

    @extend_schema(request=VerifySerializer, responses={200: SubmissionSerializer}, parameters=[IDEMPOTENCY_HEADER])
    @action(detail=True, methods=["post"], parser_classes=[DepthLimitedJSONParser, FormParser])
    @idempotent
    def verify(self, request, pk=None):
        """核定: the declared amount, or lower with a reason (never higher)."""
        sub, data = self.get_object(), request_payload(request, VerifySerializer)
        sub = declarations.rd_declaration_verify(actor=request.user, submission=sub, **data)
        return Response(SubmissionSerializer(self.get_queryset().get(pk=sub.pk)).data)

    @extend_schema(responses=BINARY)
    @action(detail=True, methods=["get"])
    def report(self, request, pk=None):
        """The audit report, as an attachment."""
        return downloads.document_attachment(self.get_object().audit_report)


# --- NX-PERF evaluations -------------------------------------------------------------------------------


# the fields of an evaluation's or an assessment's award (AwardFields' and the model's own award, recorded_at)
AWARD_FIELDS = ["award", "award_amount", "award_status", "award_proposed_amount", "recorded_by", "recorded_at"]


class AwardFields(serializers.Serializer):
    """The award an evaluation or an assessment proposes (two-step review), and who recorded it."""

    award_amount = serializers.DecimalField(
        source="award.approved_amount",
        max_digits=14,
        decimal_places=2,
        read_only=True,
        default=None,
        allow_null=True,
        help_text="核定金额:复审通过后才有",
    )
    award_status = serializers.CharField(
        source="award.status",
        read_only=True,
        default=None,
        allow_null=True,
        help_text="first_reviewed(录入即初审,待另一名审核员复审)、approved、rejected",
    )
    award_proposed_amount = serializers.DecimalField(
        source="award.requested_amount",
        max_digits=14,
        decimal_places=2,
        read_only=True,
        default=None,
        allow_null=True,
        help_text="初审拟定金额",
    )
    recorded_by = serializers.CharField(source="recorded_by.display_name", read_only=True)


class EvaluationSerializer(AwardFields, serializers.ModelSerializer):
    centre_ref = serializers.CharField(source="centre.ref", read_only=True)
    enterprise = serializers.IntegerField(source="centre.enterprise_id", read_only=True)
    result_display = serializers.CharField(source="get_result_display", read_only=True)

    class Meta:
        model = PerformanceEvaluation
        fields = [
            "id",
            "centre",
            "centre_ref",
            "enterprise",
            "period",
            "result",
            "result_display",
            "note",
            *AWARD_FIELDS,
        ]
        read_only_fields = fields


class EvaluationCreateSerializer(serializers.Serializer):
    """The award (and its amount) follows from the result; a client cannot name one."""

    centre = serializers.IntegerField()
    period = serializers.CharField(max_length=9, help_text="连续三个年度,如 2022-2024")
    result = serializers.ChoiceField(choices=EvaluationResult.choices)
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


def evaluation_list(*, actor):
    """Evaluations of the centres the actor may see (registry scope): an enterprise its own."""
    return PerformanceEvaluation.objects.filter(
        centre__in=registry_selectors.centre_list(actor=actor).values("pk")
    ).select_related("centre", "award", "recorded_by")


class EvaluationViewSet(PortalViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """综合绩效评估 (NX-PERF): recorded by regional reviewers; 优秀 proposes the award (500,000 / 250,000):
    the recording is its 初审, and another reviewer approves it (grant-applications/{award}/approve/)."""

    queryset = PerformanceEvaluation.objects.none()
    serializer_class = EvaluationSerializer
    filterset_fields = ["centre", "period", "result"]
    action_roles = {"list": EVERYONE, "retrieve": EVERYONE, "create": EVALUATORS}

    def get_queryset(self):
        return evaluation_list(actor=self.request.user).order_by("-period", "-id")

    @extend_schema(
        request=EvaluationCreateSerializer, responses={201: EvaluationSerializer}, parameters=[IDEMPOTENCY_HEADER]
    )
    @idempotent
    def create(self, request):
        data = request_payload(request, EvaluationCreateSerializer)
        centre = registry_selectors.centre_get(actor=request.user, pk=data.pop("centre"))
        evaluation = grants.evaluation_record(actor=request.user, centre=centre, **data)
        return Response(
            EvaluationSerializer(self.get_queryset().get(pk=evaluation.pk)).data, status=status.HTTP_201_CREATED
        )


# --- 免申即享: benefits of a centre ---------------------------------------------------------------------


class BenefitSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    legal_reference = serializers.CharField()
    status = serializers.ChoiceField(choices=list(selectors.STATUS_LABEL.items()))
    status_label = serializers.CharField()
    amount_text = serializers.CharField()
    paid = serializers.DecimalField(max_digits=14, decimal_places=2, help_text="已拨付")
    awarded = serializers.DecimalField(max_digits=14, decimal_places=2, help_text="已核准")
    reasons = serializers.ListField(child=serializers.CharField(), help_text="不符合条件的原因")
    note = serializers.CharField(allow_blank=True)
    can_apply = serializers.BooleanField()
    pending_ids = serializers.ListField(child=serializers.IntegerField(), help_text="在审的申报ID")


class CentreBenefitsSerializer(serializers.Serializer):
    centre = serializers.IntegerField()
    centre_ref = serializers.CharField()
    centre_name = serializers.CharField()
    benefits = BenefitSerializer(many=True)


class BenefitViewSet(PortalViewSetMixin, viewsets.GenericViewSet):
    """免申即享 (read): for one centre (the id is the centre's), every programme with its status — receiving,
    in review, eligible now, automatic, or not eligible with the reasons."""

    queryset = Incubator.objects.none()
    serializer_class = CentreBenefitsSerializer
    action_roles = {"retrieve": EVERYONE, "yc_rd_years": EVERYONE, "eligibility": EVERYONE}

    def _centre(self, pk):
        if not str(pk).isdigit():
            raise Http404
        return registry_selectors.centre_get(actor=self.request.user, pk=int(pk))

    @extend_schema(parameters=[why.YEAR_PARAMETER], responses={200: why.RDYearsSerializer})
    @action(detail=True, methods=["get"], url_path="yc-rd-years", url_name="yc-rd-years", filter_backends=[])
    def yc_rd_years(self, request, pk=None):
        """YC-RD year by year: paid with the lines, due, not yet due, or not payable with the reasons."""
        return Response(why.rd_years_response(self._centre(pk), request.query_params))

    @extend_schema(
        parameters=[OpenApiParameter("programme", OpenApiTypes.STR, description="项目代码(不填为全部项目)")],
        responses={200: why.CentreEligibilitySerializer},
    )
    @action(detail=True, methods=["get"], filter_backends=[])
    def eligibility(self, request, pk=None):
        """资格条件: for each programme, each condition for the centre, held or not."""
        return Response(why.centre_eligibility_response(self._centre(pk), request.query_params))

    @extend_schema(responses={200: CentreBenefitsSerializer})
    def retrieve(self, request, pk=None):
        if not str(pk).isdigit():
            raise Http404
        centre = registry_selectors.centre_get(actor=request.user, pk=int(pk))
        return Response(
            CentreBenefitsSerializer(
                {
                    "centre": centre.pk,
                    "centre_ref": centre.ref,
                    "centre_name": centre.name,
                    "benefits": selectors.centre_benefits(centre),
                }
            ).data
        )


def register(router) -> None:
    router.register("programmes", ProgrammeViewSet, basename="programme")
    router.register("grant-applications", GrantApplicationViewSet, basename="grant-application")
    router.register("grant-attachments", AttachmentViewSet, basename="grant-attachment")
    router.register("declaration-submissions", DeclarationSubmissionViewSet, basename="declaration-submission")
    router.register("evaluations", EvaluationViewSet, basename="evaluation")
    router.register("benefits", BenefitViewSet, basename="benefit")
