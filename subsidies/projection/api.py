"""Projection API v1: the same projection as the 预算测算 page.

GET projection/?through=YYYY-MM&set=NAME=VALUE@YYYY-MM-DD&... (&new_doctorates=&new_masters=&new_from=)
answers at once for a short projection; a long one is queued on Celery (202 with the job) and read
back from projection/jobs/<id>/ with its progress. Saved scenarios: projection/scenarios/ (list, POST to
save), projection/scenarios/<id>/ and projection/scenarios/compare/?a=&b=."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.api import ADMIN, FINANCE, STAFF, PortalViewSetMixin
from accounts.errors import ServiceError
from subsidies.projection import exports, jobs, scenarios
from subsidies.projection.models import ProjectionJob, ProjectionScenario
from subsidies.projection.selectors import parse_hires

PARAMS = [
    OpenApiParameter(
        "through", OpenApiTypes.STR, required=True, description="YYYY-MM", pattern=r"^[0-9]{4}-(0[1-9]|1[0-2])$"
    ),
    OpenApiParameter("set", OpenApiTypes.STR, many=True, description="NAME=VALUE@YYYY-MM-DD (测算假设, repeatable)"),
    OpenApiParameter("new_doctorates", OpenApiTypes.INT, description="估算:每月新增全日制博士人数"),
    OpenApiParameter("new_masters", OpenApiTypes.INT, description="估算:每月新增重点学科硕士人数"),
    OpenApiParameter(
        "new_from", OpenApiTypes.STR, description="估算:新增人员自 YYYY-MM 起", pattern=r"^([0-9]{4}-(0[1-9]|1[0-2]))?$"
    ),
]


def inputs_of(query) -> dict:
    through = (query.get("through") or "").strip()
    if not through:
        raise ServiceError("请指定测算截至月份 through=YYYY-MM", "through=YYYY-MM is required", code="through")
    return {
        "through": through,
        "overrides": [v for v in query.getlist("set") if v.strip()],
        "hires": parse_hires(query.get("new_doctorates"), query.get("new_masters"), query.get("new_from")),
    }


def job_body(job: ProjectionJob) -> dict:
    return {
        "id": job.pk,
        "state": job.state,
        "progress_done": job.progress_done,
        "progress_total": job.progress_total,
        "error": job.error,
        "result": job.result if job.state == ProjectionJob.State.DONE else None,
    }


class _Base(PortalViewSetMixin, APIView):
    action_roles = {"get": STAFF, "post": frozenset({FINANCE, ADMIN})}


class ProjectionView(_Base):
    """预算测算: committed NX-STIPEND (baseline, scenario, difference), estimates apart, budgets."""

    action_roles = {"get": STAFF}

    @extend_schema(parameters=PARAMS, responses={200: OpenApiTypes.OBJECT, 202: OpenApiTypes.OBJECT})
    def get(self, request):
        inputs = inputs_of(request.query_params)
        job, data = jobs.projection_request(actor=request.user, **inputs)
        if job is not None:
            return Response({"queued": True, "job": job_body(job)}, status=status.HTTP_202_ACCEPTED)
        return Response(data)


class ProjectionJobView(_Base):
    action_roles = {"get": STAFF}

    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    def get(self, request, pk: int):
        job = jobs.job_for(actor=request.user, pk=pk)
        return Response(job_body(job))


def scenario_body(s: ProjectionScenario, *, full: bool = False) -> dict:
    body = exports._head(s)
    body["links"] = [
        {
            "parameter_id": ln.parameter_id,
            "name": ln.parameter.name,
            "value": ln.parameter.value,
            "effective_from": ln.parameter.effective_from.isoformat(),
        }
        for ln in s.decisions.select_related("parameter")
    ]
    if full:
        body["result"] = s.result
    return body


class ScenarioCreateSerializer(serializers.Serializer):
    """What a client chooses when saving a scenario; the figures are always computed here."""

    name = serializers.CharField(max_length=scenarios.SCENARIO_NAME_MAX)
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")
    through = serializers.CharField(max_length=7, help_text="YYYY-MM")
    set = serializers.ListField(
        child=serializers.CharField(max_length=200),
        required=False,
        default=list,
        max_length=20,
        help_text="NAME=VALUE@YYYY-MM-DD",
    )
    new_doctorates = serializers.IntegerField(required=False, allow_null=True, min_value=0, max_value=10_000)
    new_masters = serializers.IntegerField(required=False, allow_null=True, min_value=0, max_value=10_000)
    new_from = serializers.CharField(required=False, allow_blank=True, max_length=7, default="")


class ScenarioListView(_Base):
    @extend_schema(operation_id="projection_scenarios_list", responses={200: OpenApiTypes.OBJECT})
    def get(self, request):
        from subsidies.projection.selectors import scenario_list

        return Response({"results": [scenario_body(s) for s in scenario_list(actor=request.user)[:200]]})

    @extend_schema(request=ScenarioCreateSerializer, responses={201: OpenApiTypes.OBJECT})
    def post(self, request):
        form = ScenarioCreateSerializer(data=request.data)  # a body that is not an object is a 400, not a 500
        form.is_valid(raise_exception=True)
        data = form.validated_data
        overrides = data.get("set") or []
        hires = parse_hires(data.get("new_doctorates"), data.get("new_masters"), data.get("new_from"))
        s = scenarios.scenario_save(
            actor=request.user,
            name=data.get("name", ""),
            note=data.get("note", ""),
            through=str(data.get("through") or ""),
            overrides=overrides,
            hires=hires,
        )
        return Response(scenario_body(s, full=True), status=status.HTTP_201_CREATED)


class ScenarioDetailView(_Base):
    action_roles = {"get": STAFF}

    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    def get(self, request, pk: int):
        from subsidies.projection.selectors import scenario_get

        return Response(scenario_body(scenario_get(actor=request.user, pk=pk), full=True))


class ScenarioCompareView(_Base):
    action_roles = {"get": STAFF}

    @extend_schema(
        parameters=[
            OpenApiParameter("a", OpenApiTypes.INT, required=True),
            OpenApiParameter("b", OpenApiTypes.INT, required=True),
        ],
        responses={200: OpenApiTypes.OBJECT},
    )
    def get(self, request):
        from subsidies.projection.selectors import scenario_get

        try:
            a, b = int(request.query_params.get("a", "")), int(request.query_params.get("b", ""))
        except ValueError:
            raise ServiceError("请指定要比较的两个方案 a=ID&b=ID", "give a=ID&b=ID", code="compare") from None
        return Response(exports.compare(scenario_get(actor=request.user, pk=a), scenario_get(actor=request.user, pk=b)))
