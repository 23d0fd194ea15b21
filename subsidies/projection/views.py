"""预算测算 pages: thin views over subsidies.projection (the same reads as the API)."""

from __future__ import annotations

from decimal import Decimal

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts import downloads
from accounts.errors import ServiceError, error_text, show_refusal
from subsidies import charts
from subsidies.parameters.forms import PARAMETER_LABELS
from subsidies.projection import exports, jobs, scenarios, services
from subsidies.projection.models import ProjectionJob
from subsidies.projection.selectors import can_project, parse_hires, scenario_get, scenario_list
from subsidies.rules.calendar import month_index, month_label
from subsidies.rules.params import DEFAULTS
from subsidies.templatetags.portal_format import yuan
from subsidies.views import _yuan_axis, staff_only

WHAT_IF_ROWS = 3


def _can_save(user) -> bool:
    return user.is_finance or user.is_portal_admin


def _inputs(query) -> dict:
    """The form's fields: horizon, up to three what-if rows (name, value, from), the stated hiring rate."""
    overrides = []
    for name, value, day in zip(
        query.getlist("p_name"), query.getlist("p_value"), query.getlist("p_from"), strict=False
    ):
        if name.strip() or value.strip() or day.strip():
            overrides.append(f"{name.strip()}={value.strip()}@{day.strip()}")
    overrides += [v for v in query.getlist("set") if v.strip()]
    return {
        "through": (query.get("through") or "").strip(),
        "overrides": overrides,
        "hires": parse_hires(query.get("new_doctorates"), query.get("new_masters"), query.get("new_from")),
    }


def _default_through() -> str:
    from django.utils import timezone

    latest = services.latest_monthly_run()
    start = latest + 1 if latest is not None else month_index(timezone.localdate())
    return month_label(start + 35)


def _rows(query) -> list[dict]:
    rows = [
        {"name": n, "value": v, "from": d}
        for n, v, d in zip(query.getlist("p_name"), query.getlist("p_value"), query.getlist("p_from"), strict=False)
    ]
    for text in query.getlist("set"):  # a saved scenario's "project again" link: shown as rows of the form
        m = services.OVERRIDE.match(text)
        if m:
            rows.append({"name": m.group(1), "value": m.group(2), "from": m.group(3)})
    return (rows + [{"name": "", "value": "", "from": ""}] * WHAT_IF_ROWS)[: max(WHAT_IF_ROWS, len(rows))]


def _d(value) -> Decimal:
    return Decimal(value) if value is not None else Decimal("0.00")


def _charts(r: dict) -> dict:
    """The charts of a projection as the API returns it (the page, a finished job and a saved scenario
    draw from the same figures)."""
    by_month = r["committed"]["by_month"]

    def month_chart(title: str, desc: str, name: str, key: str):
        """The committed amount by service month, of the baseline or of the scenario (`key`)."""
        return charts.vertical_bars(
            title=title,
            desc=desc,
            categories=[f["label"] for f in by_month],
            series=[charts.Series(name, [_d(f[key]) for f in by_month])],
            fmt=yuan,
            axis_fmt=_yuan_axis,
            empty=_("测算期内没有已承诺的补助"),
        )

    out = {
        "baseline_chart": month_chart(
            _("已承诺人才补助(基线,按服务月份)"), _("现有记录不变、各月按时发放时的补助金额"), _("基线"), "baseline"
        )
    }
    has_scenario = bool(r["projection"]["overrides"])
    if has_scenario:
        out["scenario_chart"] = month_chart(
            _("已承诺人才补助(测算方案,按服务月份)"), _("加入测算假设后的补助金额"), _("测算方案"), "scenario"
        )

    def committed_bars(title: str, desc: str, figures: list[dict], **size):
        """The committed amount of each year or enterprise: the scenario's when there are what-ifs, else the
        baseline's."""
        key = "scenario" if has_scenario else "baseline"
        return charts.horizontal_bars(
            title=title,
            desc=desc,
            categories=[f["label"] for f in figures],
            series=[charts.Series(_("测算方案") if has_scenario else _("基线"), [_d(f[key]) for f in figures])],
            fmt=yuan,
            empty=_("测算期内没有已承诺的补助"),
            **size,
        )

    out["year_chart"] = committed_bars(
        _("已承诺人才补助(按发放年度)"),
        _("各发放年度的已承诺补助,有测算假设时为测算方案金额"),
        r["committed"]["by_payment_year"],
    )
    out["enterprise_chart"] = committed_bars(
        _("已承诺人才补助最多的依托企业(前10)"),
        _("测算期内各依托企业的已承诺补助"),
        r["committed"]["by_enterprise"][:10],
        label_w=230,
    )
    rows = []
    for b in r["budgets"]:
        if not b["budget_entered"]:
            continue
        rows.append((_("%(year)s年 基线") % {"year": b["year"]}, _d(b["committed_baseline"]), _d(b["budget"])))
        if has_scenario:
            rows.append((_("%(year)s年 测算方案") % {"year": b["year"]}, _d(b["committed_scenario"]), _d(b["budget"])))
    out["budget_chart"] = charts.budget_bars(
        title=_("已承诺金额与年度预算"),
        desc=_("各发放年度已审批发放加测算金额,与录入的人才补助预算批复对比"),
        rows=rows,
        fmt=yuan,
        empty=_("测算期内的年度尚未录入人才补助预算"),
    )
    return out


def result_context(r: dict) -> dict:
    c = r["committed"]
    return {
        "r": r,
        "c": c,
        "has_scenario": bool(r["projection"]["overrides"]),
        "top_centres": c["by_centre"][:50],
        "more_centres": max(len(c["by_centre"]) - 50, 0),
        "top_enterprises": c["by_enterprise"][:50],
        **_charts(r),
    }


@require_GET
@staff_only(can_project)
def projection(request):
    """Pick the horizon, add what-ifs and a hiring rate; see baseline, scenario and difference."""
    query = request.GET
    context = {
        "rows": _rows(query),
        "names": [(n, PARAMETER_LABELS.get(n, n)) for n in DEFAULTS],
        "through": query.get("through") or _default_through(),
        "q": query,
        "can_save": _can_save(request.user),
        "scenarios": scenario_list(actor=request.user)[:20],
        "query_string": query.urlencode(),
    }
    status = 200
    if query.get("through"):
        try:
            job, data = jobs.projection_request(actor=request.user, **_inputs(query))
        except ServiceError as exc:
            context["error"] = error_text(exc)
            status = 400
        else:
            if job is not None and job.state != ProjectionJob.State.DONE:
                context["job"] = job
            else:
                context.update(result_context(data if job is None else job.result))
    return render(request, "subsidies/projection/projection.html", context, status=status)


def _own_or_404(get, request, pk: int, missing: str):
    """`get(actor=request.user, pk=pk)`: a job or scenario the user may see; the selector's refusal (another's,
    or none) is a 404 saying `missing`."""
    try:
        return get(actor=request.user, pk=pk)
    except ServiceError:
        raise Http404(missing) from None


def _job_or_404(request, pk: int) -> ProjectionJob:
    """The projection job the user requested (administrators: any)."""
    return _own_or_404(jobs.job_for, request, pk, _("测算任务不存在"))


@require_GET
@staff_only(can_project)
def job_progress(request, pk: int):
    """The progress partial htmx polls; when the job ends, the browser goes to its result."""
    job = _job_or_404(request, pk)
    response = render(request, "subsidies/projection/_job_progress.html", {"job": job})
    if request.headers.get("HX-Request") and job.state in (ProjectionJob.State.DONE, ProjectionJob.State.FAILED):
        response["HX-Redirect"] = reverse("subsidies:projection_job_result", args=[job.pk])
    return response


@require_GET
@staff_only(can_project)
def job_result(request, pk: int):
    job = _job_or_404(request, pk)
    context = {
        "job": job,
        "rows": [],
        "names": [],
        "through": job.through,
        "can_save": False,
        "scenarios": [],
        "result_only": True,
    }
    if job.state == ProjectionJob.State.DONE:
        context.update(result_context(job.result))
    return render(request, "subsidies/projection/projection.html", context)


@require_POST
@staff_only(_can_save)
def scenario_save(request):
    try:
        inputs = _inputs(request.POST)
        s = scenarios.scenario_save(
            actor=request.user, name=request.POST.get("name", ""), note=request.POST.get("note", ""), **inputs
        )
    except ServiceError as exc:
        show_refusal(request, exc)
        back = request.POST.get("back", "")
        return redirect(reverse("subsidies:projection") + (f"?{back}" if back else ""))
    messages.success(request, _("测算方案已保存:#%(id)s %(name)s") % {"id": s.pk, "name": s.name})
    return redirect("subsidies:projection_scenario", pk=s.pk)


def _scenario_or_404(request, pk):
    return _own_or_404(scenario_get, request, pk, _("测算方案不存在"))


@require_GET
@staff_only(can_project)
def scenario_detail(request, pk: int):
    from subsidies.parameters.models import ParameterValue

    s = _scenario_or_404(request, pk)
    linked = s.decisions.select_related("parameter", "linked_by")
    candidates = [
        pv
        for pv in ParameterValue.objects.filter(name__in=[o["name"] for o in s.overrides])
        if {"name": pv.name, "value": pv.value, "effective_from": pv.effective_from.isoformat()} in s.overrides
        and not hasattr(pv, "costed_by")
    ]
    again = urlencode(
        [("through", s.through)] + [("set", f"{o['name']}={o['value']}@{o['effective_from']}") for o in s.overrides],
        doseq=True,
    )
    return render(
        request,
        "subsidies/projection/scenario.html",
        {
            **exports.scenario_context(s),
            "linked": linked,
            "candidates": candidates,
            "can_save": _can_save(request.user),
            "again": again,
            "others": scenario_list(actor=request.user).exclude(pk=s.pk)[:50],
        },
    )


@require_POST
@staff_only(_can_save)
def scenario_link(request, pk: int):
    from subsidies.parameters.models import ParameterValue

    s = _scenario_or_404(request, pk)
    pv = ParameterValue.objects.filter(pk=request.POST.get("parameter") or 0).first()
    if pv is None:
        messages.error(request, _("请选择已决定的参数取值"))
    else:
        try:
            scenarios.scenario_link_parameter(actor=request.user, scenario_id=s.pk, parameter=pv)
        except ServiceError as exc:
            show_refusal(request, exc)
        else:
            messages.success(request, _("参数取值已关联本测算方案"))
    return redirect("subsidies:projection_scenario", pk=s.pk)


@require_GET
@staff_only(can_project)
def scenario_compare(request):
    try:
        a = _scenario_or_404(request, int(request.GET.get("a", "")))
        b = _scenario_or_404(request, int(request.GET.get("b", "")))
    except ValueError:
        raise Http404(_("测算方案不存在")) from None
    return render(request, "subsidies/projection/compare.html", {"c": exports.compare(a, b), "a": a, "b": b})


@require_GET
@staff_only(can_project)
def scenario_export(request, pk: int, fmt: str):
    s = _scenario_or_404(request, pk)
    if fmt == "xlsx":
        data, ctype = exports.scenario_xlsx(s), downloads.XLSX
    elif fmt == "pdf":
        data, ctype = exports.scenario_pdf(s), downloads.PDF
    else:
        raise Http404(_("不支持的导出格式"))
    return downloads.bytes_attachment(data, filename=f"projection-scenario-{s.pk}.{fmt}", content_type=ctype)
