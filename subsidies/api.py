"""Subsidies API v1: R&D declarations (YC-RD, read-only; written through declaration-submissions), payout runs and their lines (finance), exports of approved
runs (finance: request, list, download through a permission-checked endpoint), parameters (read).

Money-moving POSTs (start a run - monthly, annual or grants -, approve, cancel, export) accept an `Idempotency-Key` (accounts.api.idempotent).
Every amount, state and approver is the services' to set: the request serializers carry only what a
client may choose (kind and period; a reason), so anything else a client sends is ignored."""

from decimal import Decimal

import django_filters
from django.db import transaction
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts.api import (
    ADMIN,
    ENTERPRISE,
    FINANCE,
    IDEMPOTENCY_HEADER,
    YINCHUAN,
    ErrorSerializer,
    PortalViewSetMixin,
    binary_responses,
    idempotent,
    role_of,
)
from accounts.errors import ConflictError
from accounts.filters import IntegerFilter, PortalFilterSet
from subsidies import selectors
from subsidies.explain import api as why
from subsidies.exports.services import SPECS, export_request
from subsidies.exports.views import export_attachment
from subsidies.models import (
    PUBLISHED_RUN_STATES,
    Budget,
    ExportFormat,
    ExportRecord,
    ExportState,
    PayoutLine,
    PayoutRun,
    RDDeclaration,
    RunKind,
)
from subsidies.parameters.api import ParameterViewSet
from subsidies.reporting.dashboard import budget_list, paid_by_rule
from subsidies.runs.services import payout_run_approve, payout_run_cancel, payout_run_compute, payout_run_start
from talent.identity import mask_id

FINANCE_ROLES = frozenset({FINANCE, ADMIN})
DECLARATION_READERS = frozenset({ENTERPRISE, YINCHUAN, FINANCE, ADMIN})
# grant runs have their own route (POST payout-runs/grants/: the period is a month, there is no kind to choose)
START_KINDS = [(RunKind.MONTHLY.value, RunKind.MONTHLY.label), (RunKind.ANNUAL.value, RunKind.ANNUAL.label)]


# --- declarations --------------------------------------------------------------------------------------


class DeclarationSerializer(serializers.ModelSerializer):
    centre_ref = serializers.CharField(source="centre.ref", read_only=True)
    verified_by = serializers.CharField(
        source="verified_by.display_name", read_only=True, default=None, allow_null=True
    )

    class Meta:
        model = RDDeclaration
        fields = [
            "id",
            "centre",
            "centre_ref",
            "year",
            "declared_amount",
            "verified_amount",
            "verification_note",
            "verified_by",
            "verified_at",
            "revision",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class DeclarationFilter(PortalFilterSet):
    enterprise = IntegerFilter(field_name="centre__enterprise")
    verified = django_filters.BooleanFilter(field_name="verified_at", lookup_expr="isnull", exclude=True)

    class Meta:
        model = RDDeclaration
        fields = ["centre", "enterprise", "year", "verified"]


def declaration_list(*, actor):
    """YC-RD declarations: an enterprise sees its own centres'; Yinchuan reviewers, finance and admins all."""
    qs = RDDeclaration.objects.select_related("centre", "verified_by")
    if role_of(actor) in (YINCHUAN, FINANCE, ADMIN):
        return qs
    if actor.is_enterprise:
        return qs.filter(centre__enterprise__memberships__user=actor).distinct()
    return qs.none()


class DeclarationViewSet(PortalViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """研发投入 (YC-RD), read-only: the year's declared and verified amounts. Declaring and verifying go
    through declaration-submissions/ (rd_declaration_submit with the audit report for a finished year in
    which the Yinchuan filing was effective; rd_declaration_verify, never above the declared amount, lower
    only with a reason), so no route writes an RDDeclaration around those checks (POLICY YC-RD 1-2)."""

    queryset = RDDeclaration.objects.none()
    serializer_class = DeclarationSerializer
    filterset_class = DeclarationFilter
    action_roles = {"list": DECLARATION_READERS, "retrieve": DECLARATION_READERS}

    def get_queryset(self):
        return declaration_list(actor=self.request.user).order_by("-year", "centre_id", "id")


# --- payout runs and lines -----------------------------------------------------------------------------


class PayoutRunSerializer(serializers.ModelSerializer):
    state_display = serializers.CharField(source="get_state_display", read_only=True)
    created_by = serializers.CharField(source="created_by.display_name", read_only=True)
    computed_by = serializers.CharField(
        source="computed_by.display_name", read_only=True, default=None, allow_null=True
    )
    approved_by = serializers.CharField(
        source="approved_by.display_name", read_only=True, default=None, allow_null=True
    )

    class Meta:
        model = PayoutRun
        fields = [
            "id",
            "kind",
            "period",
            "state",
            "state_display",
            "created_by",
            "computed_by",
            "approved_by",
            "created_at",
            "computed_at",
            "approved_at",
            "cancelled_at",
            "progress_done",
            "progress_total",
            "line_count",
            "total_amount",
            "error",
        ]
        read_only_fields = fields


class RunStartSerializer(serializers.Serializer):
    """Only what finance chooses: state, totals and approver are the run's, never the client's."""

    kind = serializers.ChoiceField(choices=START_KINDS)
    # the schema states the shape (a pattern); which periods may run (kind, finished, not yet run) is the service's
    period = serializers.RegexField(
        r"^(19|20)[0-9]{2}(-(0[1-9]|1[0-2]))?$", max_length=7, help_text="月度:YYYY-MM;年度:YYYY"
    )


class GrantRunStartSerializer(serializers.Serializer):
    """A grants run pays the awards approved by the end of the month and not yet paid (POLICY §2 one-time and
    evaluated grants): the month is all finance chooses."""

    period = serializers.RegexField(
        r"^(19|20)[0-9]{2}-(0[1-9]|1[0-2])$",
        max_length=7,
        help_text="月份 YYYY-MM:发放截至该月末已核准、尚未拨付的项目资助",
    )


class RunCancelSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class PayoutLineSerializer(serializers.ModelSerializer):
    beneficiary = serializers.SerializerMethodField(help_text="受益人证件号(脱敏)或统一社会信用代码")
    centre_ref = serializers.CharField(source="centre.ref", read_only=True)
    explanation = serializers.JSONField(
        source="full_explanation", read_only=True, help_text="计算依据:本月数值及共用依据(合同、学位、备案、参数)"
    )

    class Meta:
        model = PayoutLine
        fields = [
            "id",
            "run",
            "rule",
            "kind",
            "researcher",
            "centre",
            "centre_ref",
            "enterprise",
            "beneficiary",
            "beneficiary_name",
            "service_period",
            "is_arrears",
            "amount",
            "explanation",
            "active",
            "created_at",
        ]
        read_only_fields = fields

    def get_beneficiary(self, obj) -> str:
        # a person's ID number is masked as everywhere else in the API; an enterprise's USCC is public
        return mask_id(obj.beneficiary) if obj.researcher_id else obj.beneficiary


class PayoutRunFilter(PortalFilterSet):
    class Meta:
        model = PayoutRun
        fields = ["kind", "period", "state"]


class PayoutLineFilter(PortalFilterSet):
    class Meta:
        model = PayoutLine
        fields = ["run", "rule", "kind", "enterprise", "centre", "service_period", "is_arrears", "active"]


class ExportSerializer(serializers.ModelSerializer):
    format_display = serializers.CharField(source="get_format_display", read_only=True)
    state_display = serializers.CharField(source="get_state_display", read_only=True)
    requested_by = serializers.CharField(source="requested_by.display_name", read_only=True)
    download_url = serializers.SerializerMethodField(help_text="生成完成后的下载地址")

    class Meta:
        model = ExportRecord
        # the file's location on the server is not the client's business: only the download endpoint
        fields = [
            "id",
            "run",
            "format",
            "format_display",
            "state",
            "state_display",
            "requested_by",
            "requested_at",
            "finished_at",
            "progress_done",
            "progress_total",
            "size",
            "sha256",
            "line_count",
            "total_amount",
            "error",
            "payees_without_cnaps",
            "download_url",
        ]
        read_only_fields = fields

    def get_download_url(self, obj) -> str | None:
        return f"/api/v1/exports/{obj.pk}/download/" if obj.state == ExportState.DONE else None


class ExportRequestSerializer(serializers.Serializer):
    format = serializers.ChoiceField(choices=ExportFormat.choices, help_text="导出格式")


class ExportFilter(PortalFilterSet):
    class Meta:
        model = ExportRecord
        fields = ["run", "format", "state"]


def export_list(*, actor):
    """Exports carry every beneficiary's bank details: finance and administrators only."""
    qs = ExportRecord.objects.select_related("run", "requested_by")
    return qs if role_of(actor) in FINANCE_ROLES else qs.none()


def line_list(*, actor):
    """Finance and admins see every line; an enterprise only its own, of decided runs."""
    qs = PayoutLine.objects.select_related("centre", "explanation_basis")
    if role_of(actor) in FINANCE_ROLES:
        return qs
    if actor.is_enterprise:
        return qs.filter(
            enterprise__memberships__user=actor, run__state__in=PUBLISHED_RUN_STATES, active=True
        ).distinct()
    return qs.none()


class PayoutRunViewSet(PortalViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """发放批次 (finance). POST starts and computes a monthly or annual run, POST grants/ a grants run; approve
    is four-eyes (another finance user)."""

    queryset = PayoutRun.objects.none()
    serializer_class = PayoutRunSerializer
    filterset_class = PayoutRunFilter
    action_roles = {
        "list": FINANCE_ROLES,
        "retrieve": FINANCE_ROLES,
        "create": FINANCE_ROLES,
        "grants": FINANCE_ROLES,
        "approve": FINANCE_ROLES,
        "cancel": FINANCE_ROLES,
        "lines": FINANCE_ROLES,
        "exports": FINANCE_ROLES,
    }

    def get_queryset(self):
        return selectors.run_list(actor=self.request.user).order_by("-created_at", "-id")

    @extend_schema(request=RunStartSerializer, responses={201: PayoutRunSerializer}, parameters=[IDEMPOTENCY_HEADER])
    @idempotent
    def create(self, request):
        """Start a run for a period and compute it (on the workers in production: poll the run for progress).
        A second start of an open period is a 409."""
        payload = RunStartSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        with transaction.atomic():
            run = payout_run_start(actor=request.user, **payload.validated_data)
            run = payout_run_compute(actor=request.user, run=run)
        return Response(PayoutRunSerializer(self._fresh(run)).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=GrantRunStartSerializer, responses={201: PayoutRunSerializer}, parameters=[IDEMPOTENCY_HEADER]
    )
    @action(detail=False, methods=["post"])
    @idempotent
    def grants(self, request):
        """Start a grants (项目资助) run for a month and compute it: one line per award approved by the month's
        end and not yet paid. The same services as monthly and annual runs: a second start while the month's
        run is open is a 409; approval is four-eyes, then export as any run."""
        payload = GrantRunStartSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        with transaction.atomic():
            run = payout_run_start(actor=request.user, kind=RunKind.GRANTS, period=payload.validated_data["period"])
            run = payout_run_compute(actor=request.user, run=run)
        return Response(PayoutRunSerializer(self._fresh(run)).data, status=status.HTTP_201_CREATED)

    def _fresh(self, run):
        return PayoutRun.objects.select_related("created_by", "computed_by", "approved_by").get(pk=run.pk)

    @extend_schema(request=None, responses={200: PayoutRunSerializer}, parameters=[IDEMPOTENCY_HEADER])
    @action(detail=True, methods=["post"])
    @idempotent
    def approve(self, request, pk=None):
        """审批: by a finance user other than the one who started or computed the run."""
        run = payout_run_approve(actor=request.user, run_id=self.get_object().pk)
        return Response(PayoutRunSerializer(self._fresh(run)).data)

    @extend_schema(request=RunCancelSerializer, responses={200: PayoutRunSerializer}, parameters=[IDEMPOTENCY_HEADER])
    @action(detail=True, methods=["post"])
    @idempotent
    def cancel(self, request, pk=None):
        """作废 before approval: the run's lines are voided so their months can be paid by another run."""
        run = self.get_object()
        payload = RunCancelSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        run = payout_run_cancel(actor=request.user, run_id=run.pk, reason=payload.validated_data["reason"])
        return Response(PayoutRunSerializer(self._fresh(run)).data)

    @extend_schema(
        responses={200: PayoutLineSerializer(many=True)},
        parameters=[
            OpenApiParameter(name, int if name in ("enterprise", "centre") else str, required=False)
            for name in ("rule", "enterprise", "centre", "service_period")
        ],
    )
    @action(detail=True, methods=["get"], filter_backends=[])
    def lines(self, request, pk=None):
        """The run's lines (paginated, filterable by rule, enterprise, centre, service period)."""
        run = self.get_object()
        lines = line_list(actor=request.user).filter(run=run).order_by("id")
        filterset = PayoutLineFilter(request.query_params, queryset=lines, request=request)
        if not filterset.is_valid():
            raise serializers.ValidationError(filterset.errors)
        qs = filterset.qs
        page = self.paginate_queryset(qs)
        return self.get_paginated_response(PayoutLineSerializer(page, many=True).data)

    @extend_schema(methods=["GET"], request=None, responses={200: ExportSerializer(many=True)})
    @extend_schema(
        methods=["POST"],
        request=ExportRequestSerializer,
        responses={201: ExportSerializer},
        parameters=[IDEMPOTENCY_HEADER],
    )
    @action(detail=True, methods=["get", "post"], pagination_class=None, filter_backends=[])
    def exports(self, request, pk=None):
        """导出: the run's exports (GET), or export it (POST {"format": "register_pdf" | "notice_pdf" |
        "appendix_pdf" | "bank_xlsx" | "bank_csv"}). Only approved, exported or paid runs export (else 409);
        exporting an approved run marks it exported. Rendered on the workers in production: poll
        /exports/{id}/ until state is done, then download."""
        run = self.get_object()
        if request.method == "GET":
            records = export_list(actor=request.user).filter(run=run).order_by("-requested_at", "-id")
            return Response(ExportSerializer(records, many=True).data)
        return self._export(request, run)

    @idempotent
    def _export(self, request, run):
        payload = ExportRequestSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        record = export_request(actor=request.user, run_id=run.pk, fmt=payload.validated_data["format"])
        record = export_list(actor=request.user).get(pk=record.pk)
        return Response(ExportSerializer(record).data, status=status.HTTP_201_CREATED)


class ExportViewSet(PortalViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """导出记录 (finance): who exported which run when, with the file's SHA-256; the file itself only through
    /exports/{id}/download/ (the same permission check as the list)."""

    queryset = ExportRecord.objects.none()
    serializer_class = ExportSerializer
    filterset_class = ExportFilter
    action_roles = {"list": FINANCE_ROLES, "retrieve": FINANCE_ROLES, "download": FINANCE_ROLES}

    def get_queryset(self):
        return export_list(actor=self.request.user).order_by("-requested_at", "-id")

    @extend_schema(
        responses={
            **binary_responses(dict.fromkeys(spec.content_type for spec in SPECS.values())),
            409: ErrorSerializer,
        }
    )
    @action(detail=True, methods=["get"])
    def download(self, request, pk=None):
        """The exported file as an attachment, with its SHA-256 in X-Content-SHA256. 409 until it is done."""
        record = self.get_object()
        if record.state != ExportState.DONE:
            raise ConflictError(
                f"导出#{record.pk}尚未完成(当前状态:{record.get_state_display()}),请稍后再下载",
                "the export is not finished",
                code="export_not_ready",
                record=f"导出#{record.pk}",
            )
        return export_attachment(actor=request.user, record=record)


class PayoutLineViewSet(PortalViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """发放明细 (read). Enterprises see their own lines of approved runs; finance sees all."""

    queryset = PayoutLine.objects.none()
    serializer_class = PayoutLineSerializer
    filterset_class = PayoutLineFilter
    action_roles = {
        "list": frozenset({ENTERPRISE, FINANCE, ADMIN}),
        "retrieve": frozenset({ENTERPRISE, FINANCE, ADMIN}),
        "letter": frozenset({ENTERPRISE, FINANCE, ADMIN}),
    }

    def get_queryset(self):
        return line_list(actor=self.request.user).order_by("id")

    @extend_schema(responses={200: why.LineLetterSerializer})
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def letter(self, request, pk=None):
        """核定说明: the line's decision letter, in the words of the page and the PDF."""
        return Response(why.line_letter_response(self.get_object()))


class BudgetSerializer(serializers.ModelSerializer):
    updated_by = serializers.CharField(source="updated_by.display_name", read_only=True, default=None, allow_null=True)
    used = serializers.SerializerMethodField(help_text="该年度已审批发放金额(按批次审批日期所在年度)")

    class Meta:
        model = Budget
        fields = ["id", "rule", "year", "amount", "reference", "note", "used", "updated_by", "created_at", "updated_at"]
        read_only_fields = fields

    @extend_schema_field(serializers.DecimalField(max_digits=14, decimal_places=2))
    def get_used(self, obj) -> str:
        by_year = self.context["used"]
        if obj.year not in by_year:  # one GROUP BY per year on the page, not one query per row
            by_year[obj.year] = paid_by_rule(year=obj.year)
        return f"{by_year[obj.year].get(obj.rule, Decimal('0.00')):.2f}"


class BudgetViewSet(PortalViewSetMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    """年度预算 (read, finance and administrators): the approved budget per rule and year with the amount
    paid against it. Budgets are set on the budget page (subsidies:budgets)."""

    queryset = Budget.objects.none()
    serializer_class = BudgetSerializer
    filterset_fields = ["rule", "year"]
    action_roles = {"list": FINANCE_ROLES}

    def get_queryset(self):
        return budget_list(actor=self.request.user).order_by("-year", "rule", "id")

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "used": {}}  # year -> paid by rule (get_used)


def register(router) -> None:
    router.register("declarations", DeclarationViewSet, basename="declaration")
    router.register("payout-runs", PayoutRunViewSet, basename="payout-run")
    router.register("payout-lines", PayoutLineViewSet, basename="payout-line")
    router.register("exports", ExportViewSet, basename="export")
    router.register("parameters", ParameterViewSet, basename="parameter")
    router.register("budgets", BudgetViewSet, basename="budget")
