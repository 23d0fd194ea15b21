"""Transfers API v1: transfers (enterprises their own; finance all), bank result imports,
result corrections (four eyes), bank account corrections, re-issue batches and reconciliation reports.
Every write goes through subsidies/transfers/services.py; the serializers carry only what a client may
choose."""

from django.http import HttpResponse
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from accounts import downloads
from accounts.api import (
    ADMIN,
    ENTERPRISE,
    FINANCE,
    WRITERS,
    ErrorSerializer,
    PortalViewSetMixin,
    binary_responses,
    idempotent,
)
from accounts.errors import NotFoundError
from accounts.filters import IntegerFilter, PortalFilterSet
from subsidies.models import PayoutRun
from subsidies.transfers import reports, selectors, services
from subsidies.transfers.models import BankAccountChange, BankResultImport, ReissueBatch, ResultCorrection, Transfer

MONEY = frozenset({FINANCE, ADMIN})
READERS = frozenset({ENTERPRISE, FINANCE, ADMIN})
XLSX = downloads.XLSX


def _download(data: bytes, name: str, content_type: str) -> HttpResponse:
    return downloads.bytes_attachment(data, filename=name, content_type=content_type)


class TransferSerializer(serializers.ModelSerializer):
    state_display = serializers.CharField(source="get_state_display", read_only=True)
    supersedes = serializers.CharField(source="supersedes.reference", read_only=True, default=None, allow_null=True)

    class Meta:
        model = Transfer
        fields = [
            "id",
            "run",
            "batch",
            "enterprise",
            "reference",
            "payee_name",
            "bank_name",
            "bank_account",
            "bank_cnaps",
            "amount",
            "line_count",
            "rules",
            "state",
            "state_display",
            "supersedes",
            "sent_at",
            "result_at",
            "trade_date",
            "bank_serial",
            "failure_reason",
            "confirmed_at",
        ]
        read_only_fields = fields


class TransferFilter(PortalFilterSet):
    enterprise = IntegerFilter(field_name="enterprise")
    run = IntegerFilter(field_name="run")

    class Meta:
        model = Transfer
        fields = ["enterprise", "run", "state"]


class CorrectionRequestSerializer(serializers.Serializer):
    to_state = serializers.ChoiceField(choices=[("succeeded", "已到账"), ("failed", "退回")])
    reason = serializers.CharField(max_length=2000)
    bank_serial = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")
    failure_reason = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class CorrectionSerializer(serializers.ModelSerializer):
    reference = serializers.CharField(source="transfer.reference", read_only=True)

    class Meta:
        model = ResultCorrection
        fields = [
            "id",
            "transfer",
            "reference",
            "to_state",
            "bank_serial",
            "failure_reason",
            "reason",
            "state",
            "requested_at",
            "decided_at",
        ]
        read_only_fields = fields


class TransferViewSet(PortalViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """银行转账: an enterprise sees its own transfers and confirms receipt (回执) of those the bank paid;
    finance sees all and asks for a correction of a recorded result (applied by a second finance user)."""

    queryset = Transfer.objects.none()
    serializer_class = TransferSerializer
    filterset_class = TransferFilter
    action_roles = {"list": READERS, "retrieve": READERS, "confirm": frozenset({ENTERPRISE}), "correct": MONEY}

    def get_queryset(self):
        return selectors.transfer_list(actor=self.request.user).order_by("-id")

    @extend_schema(request=None, responses={200: TransferSerializer, 409: ErrorSerializer})
    @action(detail=True, methods=["post"])
    def confirm(self, request, pk=None):
        """确认到账 (回执): only a transfer the bank reported as paid; confirming twice changes nothing."""
        t = services.transfer_confirm_receipt(actor=request.user, transfer_id=self.get_object().pk)
        return Response(TransferSerializer(self.get_queryset().get(pk=t.pk)).data)

    @extend_schema(request=CorrectionRequestSerializer, responses={201: CorrectionSerializer, 409: ErrorSerializer})
    @action(detail=True, methods=["post"])
    def correct(self, request, pk=None):
        """更正银行结果 (asked with a reason; another finance user applies it: result-corrections/{id}/decide/)."""
        payload = CorrectionRequestSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        c = services.result_correction_request(
            actor=request.user, transfer_id=self.get_object().pk, **payload.validated_data
        )
        return Response(CorrectionSerializer(c).data, status=status.HTTP_201_CREATED)


class BankResultSerializer(serializers.ModelSerializer):
    class Meta:
        model = BankResultImport
        fields = ["id", "run", "file_name", "sha256", "row_count", "applied_count", "imported_at"]
        read_only_fields = fields


class BankResultUploadSerializer(serializers.Serializer):
    run = serializers.IntegerField(min_value=1)
    file = serializers.FileField(
        help_text="银行回单:CSV 或 XLSX(导出的转账文件加 交易状态、失败原因、银行流水号、交易日期)"
    )


class BankResultOutcomeSerializer(serializers.Serializer):
    record = BankResultSerializer(allow_null=True)
    rows = serializers.IntegerField()
    applied = serializers.IntegerField()
    unchanged = serializers.IntegerField()


class BankResultViewSet(PortalViewSetMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    """银行回单导入 (finance): all or nothing; the same file again records nothing (applied = 0)."""

    queryset = BankResultImport.objects.none()
    serializer_class = BankResultSerializer
    filterset_fields = ["run"]
    parser_classes = [MultiPartParser, FormParser]
    action_roles = {"list": MONEY, "create": MONEY}

    def get_queryset(self):
        if not selectors.sees_all(self.request.user):
            return BankResultImport.objects.none()
        return BankResultImport.objects.order_by("-imported_at", "-id")

    @extend_schema(
        request={"multipart/form-data": BankResultUploadSerializer},
        responses={
            201: BankResultOutcomeSerializer,
            200: BankResultOutcomeSerializer,
            400: ErrorSerializer,
            409: ErrorSerializer,
        },
    )
    @idempotent
    def create(self, request):
        payload = BankResultUploadSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        upload = payload.validated_data["file"]
        out = services.bank_results_import(
            actor=request.user, run_id=payload.validated_data["run"], file_name=upload.name, data=upload.read()
        )
        body = {
            "record": BankResultSerializer(out.record).data if out.record else None,
            "rows": out.rows,
            "applied": out.applied,
            "unchanged": out.unchanged,
        }
        return Response(body, status=status.HTTP_201_CREATED if out.record else status.HTTP_200_OK)


class DecideSerializer(serializers.Serializer):
    accept = serializers.BooleanField()
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class ResultCorrectionViewSet(PortalViewSetMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    """银行结果更正 (finance): the corrections asked; a second finance user decides each."""

    queryset = ResultCorrection.objects.none()
    serializer_class = CorrectionSerializer
    action_roles = {"list": MONEY, "decide": MONEY}

    def get_queryset(self):
        if not selectors.sees_all(self.request.user):
            return ResultCorrection.objects.none()
        return ResultCorrection.objects.select_related("transfer").order_by("-requested_at", "-id")

    @extend_schema(request=DecideSerializer, responses={200: CorrectionSerializer, 403: ErrorSerializer})
    @action(detail=True, methods=["post"])
    def decide(self, request, pk=None):
        payload = DecideSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        c = services.result_correction_decide(
            actor=request.user, correction_id=self.get_object().pk, accept=payload.validated_data["accept"]
        )
        return Response(CorrectionSerializer(c).data)


class AccountChangeSerializer(serializers.ModelSerializer):
    # a plain id, not a related field: an enterprise that is not the caller's and one that does not exist
    # both get the service's 404 (a 400 "does not exist" would tell them apart)
    enterprise = serializers.IntegerField(source="enterprise_id", min_value=1, max_value=2**63 - 1)

    class Meta:
        model = BankAccountChange
        fields = [
            "id",
            "enterprise",
            "old_bank_name",
            "old_bank_account",
            "old_bank_cnaps",
            "bank_name",
            "bank_account",
            "bank_cnaps",
            "reason",
            "state",
            "requested_at",
            "checked_at",
            "check_note",
        ]
        read_only_fields = [
            "id",
            "old_bank_name",
            "old_bank_account",
            "old_bank_cnaps",
            "state",
            "requested_at",
            "checked_at",
            "check_note",
        ]


class AccountChangeFilter(PortalFilterSet):
    enterprise = IntegerFilter(field_name="enterprise")

    class Meta:
        model = BankAccountChange
        fields = ["enterprise", "state"]


class AccountChangeViewSet(PortalViewSetMixin, mixins.ListModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet):
    """银行账户更正: the enterprise corrects its account (after a returned transfer); finance checks it before
    it is used for a re-issue. Each step is audited and the enterprise is notified of the check."""

    queryset = BankAccountChange.objects.none()
    serializer_class = AccountChangeSerializer
    filterset_class = AccountChangeFilter
    action_roles = {"list": READERS, "create": WRITERS, "check": MONEY}

    def get_queryset(self):
        return selectors.account_change_list(actor=self.request.user).order_by("-requested_at", "-id")

    def create(self, request):
        payload = AccountChangeSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        d = payload.validated_data
        change = services.bank_account_change_request(
            actor=request.user,
            enterprise_id=d["enterprise_id"],
            bank_name=d["bank_name"],
            bank_account=d["bank_account"],
            bank_cnaps=d.get("bank_cnaps", ""),
            reason=d["reason"],
        )
        return Response(AccountChangeSerializer(change).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=DecideSerializer, responses={200: AccountChangeSerializer, 409: ErrorSerializer})
    @action(detail=True, methods=["post"])
    def check(self, request, pk=None):
        payload = DecideSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        change = services.bank_account_change_check(
            actor=request.user,
            change_id=self.get_object().pk,
            accept=payload.validated_data["accept"],
            note=payload.validated_data["note"],
        )
        return Response(AccountChangeSerializer(change).data)


class BatchSerializer(serializers.ModelSerializer):
    state_display = serializers.CharField(source="get_state_display", read_only=True)

    class Meta:
        model = ReissueBatch
        fields = [
            "id",
            "run",
            "state",
            "state_display",
            "note",
            "chosen",
            "excluded",
            "created_at",
            "approved_at",
            "exported_at",
        ]
        read_only_fields = [
            "id",
            "state",
            "state_display",
            "chosen",
            "excluded",
            "created_at",
            "approved_at",
            "exported_at",
        ]


class BatchExportSerializer(serializers.Serializer):
    format = serializers.ChoiceField(choices=[("csv", "CSV"), ("xlsx", "XLSX")])


class ReissueBatchViewSet(
    PortalViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """补拨批次 (finance): a run's failed transfers not yet re-issued, approved by a second finance user and
    exported as a new bank file. No new payout lines: the re-issues take over the failed transfers' lines."""

    queryset = ReissueBatch.objects.none()
    serializer_class = BatchSerializer
    filterset_fields = ["run", "state"]
    action_roles = {"list": MONEY, "retrieve": MONEY, "create": MONEY, "approve": MONEY, "export": MONEY}

    def get_queryset(self):
        if not selectors.sees_all(self.request.user):
            return ReissueBatch.objects.none()
        return ReissueBatch.objects.order_by("-created_at", "-id")

    @idempotent
    def create(self, request):
        payload = BatchSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        batch = services.reissue_batch_create(
            actor=request.user, run_id=payload.validated_data["run"].pk, note=payload.validated_data.get("note", "")
        )
        return Response(BatchSerializer(batch).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={200: BatchSerializer, 403: ErrorSerializer})
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        batch = services.reissue_batch_approve(actor=request.user, batch_id=self.get_object().pk)
        return Response(BatchSerializer(batch).data)

    @extend_schema(
        request=BatchExportSerializer, responses={**binary_responses(["text/csv", XLSX]), 409: ErrorSerializer}
    )
    @action(detail=True, methods=["post"])
    def export(self, request, pk=None):
        """The batch's bank file; its first export creates the re-issue transfers, later ones repeat them."""
        payload = BatchExportSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        fmt = payload.validated_data["format"]
        data, batch = services.reissue_batch_export(actor=request.user, batch_id=self.get_object().pk, fmt=fmt)
        return _download(
            data,
            f"补拨转账文件-批次{batch.run_id}-补拨{batch.pk}.{fmt}",
            "text/csv; charset=utf-8" if fmt == "csv" else XLSX,
        )


class SettlementSerializer(serializers.Serializer):
    run = serializers.IntegerField()
    state = serializers.CharField()
    approved = serializers.DecimalField(max_digits=14, decimal_places=2)
    succeeded = serializers.DecimalField(max_digits=14, decimal_places=2)
    in_transit = serializers.DecimalField(max_digits=14, decimal_places=2)
    failed = serializers.DecimalField(max_digits=14, decimal_places=2)
    reissued = serializers.DecimalField(max_digits=14, decimal_places=2)
    ties_out = serializers.BooleanField()


class ReconciliationViewSet(PortalViewSetMixin, viewsets.GenericViewSet):
    """对账 (finance): a run's totals (approved = succeeded + in_transit + failed − reissued) and its
    reconciliation report as PDF or XLSX. {id} is the run's id."""

    queryset = PayoutRun.objects.none()
    serializer_class = SettlementSerializer
    action_roles = {"retrieve": MONEY, "pdf": MONEY, "xlsx": MONEY}

    def get_queryset(self):
        if not selectors.sees_all(self.request.user):
            return PayoutRun.objects.none()
        return PayoutRun.objects.all()

    lookup_value_regex = r"[0-9]{1,18}"  # a run id is a number: anything else is no route (404), never a 500

    def _run(self):
        run = self.get_queryset().filter(pk=self.kwargs["pk"]).first()
        if run is None:
            raise NotFoundError("批次不存在", "run not found", code="not_found")
        return run

    def retrieve(self, request, pk=None):
        run = self._run()
        s = selectors.run_settlement(run)
        return Response(
            SettlementSerializer(
                {
                    "run": run.pk,
                    "state": run.state,
                    "approved": s.approved,
                    "succeeded": s.succeeded,
                    "in_transit": s.in_transit,
                    "failed": s.failed,
                    "reissued": s.reissued,
                    "ties_out": s.ties_out,
                }
            ).data
        )

    @extend_schema(responses=binary_responses(["application/pdf"]))
    @action(detail=True, methods=["get"])
    def pdf(self, request, pk=None):
        run = self._run()
        return _download(reports.reconciliation_pdf(run), f"对账报告-批次{run.pk}.pdf", "application/pdf")

    @extend_schema(responses=binary_responses([XLSX]))
    @action(detail=True, methods=["get"])
    def xlsx(self, request, pk=None):
        run = self._run()
        return _download(reports.reconciliation_xlsx(run), f"对账报告-批次{run.pk}.xlsx", XLSX)


def register(router) -> None:
    router.register("transfers", TransferViewSet, basename="transfer")
    router.register("bank-results", BankResultViewSet, basename="bank-result")
    router.register("result-corrections", ResultCorrectionViewSet, basename="result-correction")
    router.register("account-changes", AccountChangeViewSet, basename="account-change")
    router.register("reissue-batches", ReissueBatchViewSet, basename="reissue-batch")
    router.register("reconciliations", ReconciliationViewSet, basename="reconciliation")
