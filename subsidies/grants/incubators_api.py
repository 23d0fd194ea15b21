"""API of the Yinchuan enclave incubators (POLICY §3, YC-INC / YC-MS): the operator files and submits, Yinchuan
staff review in two steps and revoke, and record the yearly assessments and the recognitions whose awards
another reviewer approves (subsidies.grants.incubators). Another enterprise's incubator is a 404.

    incubators/                      list (scoped), create (the operator)
    incubators/{id}/                 one
    incubators/{id}/submit/          提交备案
    incubators/{id}/first-review/ approve/ return/ reject/ revoke/
    incubators/{id}/decisions/       the review record
    incubators/{id}/assessments/     YC-INC-OPS assessments (list, record)
    incubators/{id}/recognitions/    a recognition (YC-INC-*, YC-MS-*)"""

import django_filters
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts.api import (
    IDEMPOTENCY_HEADER,
    WRITERS,
    PortalViewSetMixin,
    idempotent,
)
from accounts.filters import PortalFilterSet
from registry import selectors as registry_selectors
from registry.models import FilingStatus
from subsidies.grants import incubators, selectors
from subsidies.grants.api import (
    AWARD_FIELDS,
    YC_READERS,
    YC_STAFF,
    ApplicationSerializer,
    AwardFields,
    decisions_response,
    optional_amount,
    request_payload,
)
from subsidies.models import (
    Incubator,
    IncubatorAssessment,
    IncubatorDecision,
)

# --- incubators ----------------------------------------------------------------------------------------


class IncubatorSerializer(serializers.ModelSerializer):
    operator_name = serializers.CharField(source="operator.name", read_only=True)
    status_display = serializers.SerializerMethodField()

    class Meta:
        model = Incubator
        fields = [
            "id",
            "ref",
            "operator",
            "operator_name",
            "name",
            "city",
            "address",
            "status",
            "status_display",
            "effective_from",
            "effective_to",
            "status_reason",
            "submitted_at",
            "decided_at",
            "created_at",
        ]
        read_only_fields = fields

    def get_status_display(self, obj) -> str:
        return str(FilingStatus(obj.status).label)


class IncubatorCreateSerializer(serializers.Serializer):
    """A draft filing; its status and dates move only through the lifecycle actions."""

    operator = serializers.IntegerField(help_text="运营方(本企业,注册在银川市)ID")
    ref = serializers.CharField(max_length=32)
    name = serializers.CharField(max_length=128)
    city = serializers.CharField(max_length=32)
    address = serializers.CharField(max_length=256, required=False, allow_blank=True, default="")


class IncubatorCommentSerializer(serializers.Serializer):
    comment = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class IncubatorRequiredCommentSerializer(serializers.Serializer):
    comment = serializers.CharField(max_length=2000, help_text="意见(必填)")


class IncubatorApproveSerializer(IncubatorCommentSerializer):
    on = serializers.DateField(required=False, allow_null=True, help_text="生效日期,默认为审批当日")


class IncubatorRevokeSerializer(IncubatorRequiredCommentSerializer):
    on = serializers.DateField(required=False, allow_null=True, help_text="自该日起撤销,默认为当日")


class IncubatorDecisionSerializer(serializers.ModelSerializer):
    actor = serializers.CharField(source="actor.display_name", read_only=True)

    class Meta:
        model = IncubatorDecision
        fields = ["id", "step", "decision", "comment", "actor", "at"]
        read_only_fields = fields


class AssessmentSerializer(AwardFields, serializers.ModelSerializer):
    class Meta:
        model = IncubatorAssessment
        fields = [
            "id",
            "incubator",
            "year",
            "score",
            "passed",
            "note",
            *AWARD_FIELDS,
        ]
        read_only_fields = fields


class AssessmentCreateSerializer(serializers.Serializer):
    year = serializers.IntegerField(min_value=2000, max_value=2100)
    score = serializers.DecimalField(max_digits=5, decimal_places=2, help_text="考核得分(0–100)")
    passed = serializers.BooleanField(help_text="考核合格")
    amount = optional_amount("运营补贴(元,合格时填写,不超过500,000)")
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class RecognitionSerializer(serializers.Serializer):
    """The amount is the programme's fixed one: not a field."""

    programme_code = serializers.ChoiceField(choices=[(c, c) for c in incubators.RECOGNITIONS])
    note = serializers.CharField(
        max_length=2000, required=False, allow_blank=True, default="", help_text="认定文号/说明"
    )


class IncubatorFilter(PortalFilterSet):
    status = django_filters.ChoiceFilter(choices=FilingStatus.choices)

    class Meta:
        model = Incubator
        fields = ["operator", "status", "city"]


class IncubatorViewSet(PortalViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """飞地孵化器. The operator files it (draft, submit); the Yinchuan bureau reviews it in two steps
    (初审, then 复审 by another reviewer), may revoke it, records the annual assessment (YC-INC-OPS) and
    recognitions (YC-INC-NAT/REG, YC-MS-NAT/REG), which produce awards."""

    queryset = Incubator.objects.none()
    serializer_class = IncubatorSerializer
    filterset_class = IncubatorFilter
    action_roles = {
        "list": YC_READERS,
        "retrieve": YC_READERS,
        "create": WRITERS,
        "submit": WRITERS,
        "first_review": YC_STAFF,
        "approve": YC_STAFF,
        "return_for_correction": YC_STAFF,
        "reject": YC_STAFF,
        "revoke": YC_STAFF,
        "decisions": YC_READERS,
        "assessments": YC_READERS,
        "assessments:post": YC_STAFF,
        "recognitions": YC_STAFF,
    }

    def get_queryset(self):
        return selectors.incubator_list(actor=self.request.user).order_by("ref", "id")

    def _done(self, inc):
        return Response(IncubatorSerializer(self.get_queryset().get(pk=inc.pk)).data)

    def _decide(self, request, serializer_class, step):
        inc, data = self.get_object(), request_payload(request, serializer_class)
        return self._done(incubators.incubator_decide(actor=request.user, incubator=inc, action=step, **data))

    @extend_schema(request=IncubatorCreateSerializer, responses={201: IncubatorSerializer})
    def create(self, request):
        data = request_payload(request, IncubatorCreateSerializer)
        operator = registry_selectors.enterprise_get(actor=request.user, pk=data.pop("operator"))
        inc = incubators.incubator_create(actor=request.user, operator=operator, **data)
        return Response(IncubatorSerializer(inc).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={200: IncubatorSerializer})
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        """提交备案(或退回修改后重新提交)."""
        return self._done(incubators.incubator_submit(actor=request.user, incubator=self.get_object()))

    @extend_schema(request=IncubatorCommentSerializer, responses={200: IncubatorSerializer})
    @action(detail=True, methods=["post"], url_path="first-review", url_name="first-review")
    def first_review(self, request, pk=None):
        """初审通过."""
        return self._decide(request, IncubatorCommentSerializer, "first_review")

    @extend_schema(request=IncubatorApproveSerializer, responses={200: IncubatorSerializer})
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        """复审通过(予以备案), by a reviewer other than the first."""
        return self._decide(request, IncubatorApproveSerializer, "approve")

    @extend_schema(request=IncubatorRequiredCommentSerializer, responses={200: IncubatorSerializer})
    @action(detail=True, methods=["post"], url_path="return", url_name="return")
    def return_for_correction(self, request, pk=None):
        """退回修改."""
        return self._decide(request, IncubatorRequiredCommentSerializer, "return")

    @extend_schema(request=IncubatorRequiredCommentSerializer, responses={200: IncubatorSerializer})
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        """不予备案."""
        return self._decide(request, IncubatorRequiredCommentSerializer, "reject")

    @extend_schema(request=IncubatorRevokeSerializer, responses={200: IncubatorSerializer})
    @action(detail=True, methods=["post"])
    def revoke(self, request, pk=None):
        """撤销备案 from a date (the day before is the last effective day)."""
        return self._decide(request, IncubatorRevokeSerializer, "revoke")

    @extend_schema(responses={200: IncubatorDecisionSerializer(many=True)})
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def decisions(self, request, pk=None):
        return decisions_response(IncubatorDecisionSerializer, self.get_object())

    @extend_schema(methods=["GET"], request=None, responses={200: AssessmentSerializer(many=True)})
    @extend_schema(
        methods=["POST"],
        request=AssessmentCreateSerializer,
        responses={201: AssessmentSerializer},
        parameters=[IDEMPOTENCY_HEADER],
    )
    @action(detail=True, methods=["get", "post"], pagination_class=None, filter_backends=[])
    def assessments(self, request, pk=None):
        """年度考核 (YC-INC-OPS): the list (GET), or record one (POST); a pass grants the operating subsidy."""
        inc = self.get_object()
        if request.method == "GET":
            return Response(
                AssessmentSerializer(
                    inc.assessments.select_related("award", "recorded_by").order_by("-year"), many=True
                ).data
            )
        return self._assess(request, inc)

    @idempotent
    def _assess(self, request, inc):
        data = request_payload(request, AssessmentCreateSerializer)
        assessment = incubators.incubator_assessment_record(actor=request.user, incubator=inc, **data)
        return Response(AssessmentSerializer(assessment).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=RecognitionSerializer, responses={201: ApplicationSerializer}, parameters=[IDEMPOTENCY_HEADER]
    )
    @action(detail=True, methods=["post"])
    @idempotent
    def recognitions(self, request, pk=None):
        """认定 (national or regional incubator or maker space): proposes its one-time award (初审); another
        reviewer approves it (grant-applications/{id}/approve/)."""
        inc, data = self.get_object(), request_payload(request, RecognitionSerializer)
        award = incubators.incubator_recognition_record(actor=request.user, incubator=inc, **data)
        return Response(ApplicationSerializer(award).data, status=status.HTTP_201_CREATED)


def register(router) -> None:
    router.register("incubators", IncubatorViewSet, basename="incubator")
