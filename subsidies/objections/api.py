"""Objections API v1 and the why-not answer per researcher (§1).

objections/                      list (scoped: an enterprise its own, staff their bureau's), POST to raise
objections/{id}/                 one, with its timeline and attachments
objections/{id}/answer/          the bureau's answer: explained / corrected (with the record) / rejected
objections/{id}/reply/           the enterprise's one reply to the answer
objections/{id}/close/           closed, by the bureau or by the enterprise accepting the answer
objections/figures/              received, answered on time, outcome by category (staff)
stipend-calendar/{researcher}/   every month paid / due / not yet due / not payable, with the reasons"""

from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from accounts.api import ADMIN, ENTERPRISE, EVERYONE, FINANCE, REGIONAL, STAFF, WRITERS, YINCHUAN, PortalViewSetMixin
from accounts.errors import ServiceError
from accounts.filters import PortalFilterSet
from accounts.parsers import DepthLimitedJSONParser
from subsidies.explain import selectors as explain
from subsidies.explain.api import answer_body
from subsidies.objections import selectors, services
from subsidies.objections.models import (
    Objection,
    ObjectionCategory,
    ObjectionOutcome,
    ObjectionStep,
    ObjectionSubject,
)
from subsidies.rules.calendar import parse_month

ANSWERERS = frozenset({REGIONAL, YINCHUAN, FINANCE, ADMIN})
CLOSERS = frozenset({ENTERPRISE, REGIONAL, YINCHUAN, FINANCE, ADMIN})


def _payload(request, serializer_class) -> dict:
    payload = serializer_class(data=request.data)
    payload.is_valid(raise_exception=True)
    return dict(payload.validated_data)


class StepSerializer(serializers.ModelSerializer):
    actor = serializers.CharField(source="actor.display_name", read_only=True)

    class Meta:
        model = ObjectionStep
        fields = ["action", "note", "actor", "at"]
        read_only_fields = fields


class ObjectionSerializer(serializers.ModelSerializer):
    subject_display = serializers.CharField(source="get_subject_display", read_only=True)
    category_display = serializers.CharField(source="get_category_display", read_only=True)
    bureau_display = serializers.CharField(source="get_bureau_display", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    outcome_display = serializers.CharField(source="get_outcome_display", read_only=True)
    # empty while the objection awaits its answer (the model's choices have no blank entry)
    outcome = serializers.ChoiceField(choices=[("", "待答复"), *ObjectionOutcome.choices], read_only=True)
    steps = StepSerializer(many=True, read_only=True)
    attachments = serializers.SerializerMethodField()

    class Meta:
        model = Objection
        fields = [
            "id",
            "enterprise",
            "subject",
            "subject_display",
            "payout_line",
            "researcher",
            "service_month",
            "filing",
            "grant_application",
            "rd_submission",
            "rule",
            "bureau",
            "bureau_display",
            "category",
            "category_display",
            "text",
            "status",
            "status_display",
            "raised_at",
            "due_on",
            "escalated_at",
            "outcome",
            "outcome_display",
            "answer",
            "answered_at",
            "corrected_degree",
            "corrected_contract",
            "correction_note",
            "expected_arrears",
            "arrears_months",
            "reply",
            "replied_at",
            "closed_at",
            "steps",
            "attachments",
        ]
        read_only_fields = fields

    def get_attachments(self, obj) -> list[str]:
        return [reverse("objections:attachment_download", args=[a.pk]) for a in obj.attachments.all()]


class RaiseSerializer(serializers.Serializer):
    subject = serializers.ChoiceField(choices=ObjectionSubject.choices)
    subject_id = serializers.IntegerField(
        min_value=1, max_value=2**31 - 1, help_text="发放明细、研发人员(未发放月份)、备案、资助申报或研发投入申报的ID"
    )
    service_month = serializers.RegexField(
        r"^[0-9]{4}-(0[1-9]|1[0-2])$", required=False, allow_blank=True, default="", help_text="未发放月份 YYYY-MM"
    )
    category = serializers.ChoiceField(choices=ObjectionCategory.choices)
    text = serializers.CharField(max_length=services.MAX_TEXT)
    attachments = serializers.ListField(
        child=serializers.FileField(),
        required=False,
        default=list,
        max_length=services.MAX_ATTACHMENTS,
        help_text="PDF/JPG/PNG",
    )


class AnswerSerializer(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=ObjectionOutcome.choices)
    answer = serializers.CharField(max_length=services.MAX_TEXT)
    corrected_degree = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=2**31 - 1)
    corrected_contract = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=2**31 - 1)
    correction_note = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)


class TextSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=services.MAX_TEXT, required=False, allow_blank=True, default="")


class ObjectionFilter(PortalFilterSet):
    class Meta:
        model = Objection
        fields = ["status", "bureau", "category", "subject"]


class ObjectionViewSet(PortalViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """异议申诉: raised by the enterprise, answered by the bureau responsible within the working-day deadline."""

    queryset = Objection.objects.none()
    serializer_class = ObjectionSerializer
    filterset_class = ObjectionFilter
    parser_classes = [MultiPartParser, FormParser, DepthLimitedJSONParser]
    action_roles = {
        "list": EVERYONE,
        "retrieve": EVERYONE,
        "create": WRITERS,
        "answer": ANSWERERS,
        "reply": WRITERS,
        "close": CLOSERS,
        "figures": STAFF,
    }

    def get_queryset(self):
        return (
            selectors.objection_list(actor=self.request.user)
            .prefetch_related("steps__actor", "attachments")
            .order_by("-raised_at", "-id")
        )

    def _fresh(self, objection) -> dict:
        """The objection as it now stands (its new step and attachments), as the list shows it."""
        return ObjectionSerializer(self.get_queryset().get(pk=objection.pk)).data

    def _text_step(self, request, service, field: str) -> Response:
        """A step whose body is one text (reply, close): `service` gets it as `field`."""
        objection, data = self.get_object(), _payload(request, TextSerializer)
        service(actor=request.user, objection_id=objection.pk, **{field: data["text"]})
        return Response(self._fresh(objection))

    @extend_schema(
        request={"multipart/form-data": RaiseSerializer, "application/json": RaiseSerializer},
        responses={201: ObjectionSerializer},
    )
    def create(self, request):
        data = _payload(request, RaiseSerializer)
        objection = services.objection_raise(actor=request.user, **data)
        return Response(self._fresh(objection), status=status.HTTP_201_CREATED)

    @extend_schema(request=AnswerSerializer, responses={200: ObjectionSerializer})
    @action(detail=True, methods=["post"], parser_classes=[DepthLimitedJSONParser, FormParser])
    def answer(self, request, pk=None):
        objection, data = self.get_object(), _payload(request, AnswerSerializer)
        services.objection_answer_from(actor=request.user, objection_id=objection.pk, data=data)
        return Response(self._fresh(objection))

    @extend_schema(request=TextSerializer, responses={200: ObjectionSerializer})
    @action(detail=True, methods=["post"], parser_classes=[DepthLimitedJSONParser, FormParser])
    def reply(self, request, pk=None):
        return self._text_step(request, services.objection_reply, "text")

    @extend_schema(request=TextSerializer, responses={200: ObjectionSerializer})
    @action(detail=True, methods=["post"], parser_classes=[DepthLimitedJSONParser, FormParser])
    def close(self, request, pk=None):
        return self._text_step(request, services.objection_close, "note")

    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    @action(detail=False, methods=["get"])
    def figures(self, request):
        f = selectors.objection_figures(actor=request.user)
        return Response(
            {
                "received": f.received,
                "answered": f.answered,
                "answered_on_time": f.answered_on_time,
                "open": f.open,
                "overdue": f.overdue,
                "by_category": [{"category": c, "outcomes": cells, "total": n} for c, cells, n in f.by_category],
            }
        )


def month_body(a) -> dict:
    return {"month": a.label, **answer_body(a, line=a.line.id if a.line else None)}


class StipendCalendarViewSet(PortalViewSetMixin, viewsets.GenericViewSet):
    """NX-STIPEND month by month for one researcher, from the runs' own rule."""

    queryset = Objection.objects.none()
    action_roles = {"retrieve": EVERYONE}

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "month",
                OpenApiTypes.STR,
                description="YYYY-MM(不填为全部月份)",
                pattern=r"^([0-9]{4}-(0[1-9]|1[0-2]))?$",
            )
        ],
        responses={200: OpenApiTypes.OBJECT},
    )
    def retrieve(self, request, pk=None):
        researcher = explain.explainable_researcher_get(actor=request.user, pk=pk)
        month = (request.query_params.get("month") or "").strip()
        months = None
        if month:
            try:
                months = [parse_month(month)]
            except ValueError as exc:
                raise ServiceError(
                    str(exc).split(" / ")[0], "month must be YYYY-MM", code="invalid", field="month"
                ) from None
        answers = explain.researcher_months(actor=request.user, researcher=researcher, months=months)
        return Response({"researcher": researcher.pk, "months": [month_body(a) for a in answers]})


def register(router) -> None:
    router.register("objections", ObjectionViewSet, basename="objection")
    router.register("stipend-calendar", StipendCalendarViewSet, basename="stipend-calendar")
