"""API of the performance feature: the annual reports and the published evaluation scores, read
through the same actor-scoped selectors as the pages (an enterprise its own; bureau staff all)."""

import django_filters
from rest_framework import mixins, serializers, viewsets

from accounts.api import EVERYONE, PortalViewSetMixin
from accounts.filters import IntegerFilter, PortalFilterSet
from subsidies.models import CentreScore, PerformanceReport, ReportItem, ReportStatus
from subsidies.performance import selectors
from subsidies.performance.checks import FIGURES


class ReportItemSerializer(serializers.ModelSerializer):
    class Meta:
        model = ReportItem
        fields = ["figure", "number", "title", "date", "product_line", "amount"]
        read_only_fields = fields


class ReportSerializer(serializers.ModelSerializer):
    centre_ref = serializers.CharField(source="centre.ref", read_only=True)
    enterprise = serializers.IntegerField(source="centre.enterprise_id", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    items = ReportItemSerializer(many=True, read_only=True)

    class Meta:
        model = PerformanceReport
        fields = [
            "id",
            "centre",
            "centre_ref",
            "enterprise",
            "year",
            "status",
            "status_display",
            "deadline",
            "extended_to",
            *FIGURES,
            "summary",
            "prefilled",
            "items",
            "submitted_at",
            "decided_at",
        ]
        read_only_fields = fields


class ReportFilter(PortalFilterSet):
    enterprise = IntegerFilter(field_name="centre__enterprise")
    status = django_filters.ChoiceFilter(choices=ReportStatus.choices)

    class Meta:
        model = PerformanceReport
        fields = ["centre", "enterprise", "year", "status"]


class PerformanceReportViewSet(
    PortalViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """年度绩效报告 (read-only here; filed and reviewed on the portal's pages through the same services)."""

    queryset = PerformanceReport.objects.none()
    serializer_class = ReportSerializer
    filterset_class = ReportFilter
    action_roles = {"list": EVERYONE, "retrieve": EVERYONE}

    def get_queryset(self):
        return selectors.report_list(actor=self.request.user).prefetch_related("items")


class ScoreSerializer(serializers.ModelSerializer):
    period = serializers.CharField(source="round.period", read_only=True)
    centre_ref = serializers.CharField(source="centre.ref", read_only=True)
    enterprise = serializers.IntegerField(source="centre.enterprise_id", read_only=True)

    class Meta:
        model = CentreScore
        fields = ["id", "period", "centre", "centre_ref", "enterprise", "score", "rank", "result", "by_indicator"]
        read_only_fields = fields


class EvaluationScoreViewSet(PortalViewSetMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    """综合绩效评估得分, by indicator, after publication only."""

    queryset = CentreScore.objects.none()
    serializer_class = ScoreSerializer
    filterset_fields = ["centre"]
    action_roles = {"list": EVERYONE}

    def get_queryset(self):
        return selectors.published_scores(actor=self.request.user).order_by("-round__period", "rank", "id")


def register(router) -> None:
    router.register("performance-reports", PerformanceReportViewSet, basename="performance-report")
    router.register("evaluation-scores", EvaluationScoreViewSet, basename="evaluation-score")
