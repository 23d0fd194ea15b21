"""Finance and bureau pages. Thin views: reads through selectors and
aggregations, writes through the services, whose refusals (ServiceError, in Chinese first) are
shown to the user as messages or form errors, never as a 500."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.contrib import messages
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count, Q, Sum
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.cells import xlsx_response
from accounts.errors import ServiceError, error_text, show_refusal
from accounts.permissions import role_required as staff_only
from subsidies import charts, run_lists, selectors
from subsidies.anomalies import run_anomalies
from subsidies.forms import (
    BudgetForm,
    LineFilterForm,
    RunFilterForm,
    RunStartForm,
)
from subsidies.models import PayoutLine, PayoutRun, RunState
from subsidies.reporting import dashboard
from subsidies.reporting.budgets import FIRST_BUDGET_YEAR, budget_rules, budget_set, latest_budget_year
from subsidies.runs import services as run_services
from subsidies.templatetags.portal_format import cn_period, yuan

RUNS_PER_PAGE = 20
LINES_PER_PAGE = 50
CENTRES_PER_PAGE = 20


# --- access -----------------------------------------------------------------------------------


def _can_run(user) -> bool:
    return user.is_finance or user.is_portal_admin


def can_see_parameters(user) -> bool:
    return user.is_finance or user.is_portal_admin or user.is_reviewer


_can_see_dashboard = can_see_parameters


def _run_or_404(request, pk: int) -> PayoutRun:
    run = selectors.run_list(actor=request.user).filter(pk=pk).first()
    if run is None:
        raise Http404(_("发放批次不存在"))
    return run


# --- runs -------------------------------------------------------------------------------------


@require_GET
@staff_only(_can_run)
def run_list(request):
    # the month picker starts at the latest finished month: the one a monthly run pays
    first = timezone.localdate().replace(day=1)
    return _render_run_list(request, RunStartForm(initial={"period": f"{first - dt.timedelta(days=1):%Y-%m}"}))


def _filtered_runs(request):
    runs = selectors.run_list(actor=request.user)
    filters = RunFilterForm(request.GET or None)
    if filters.is_valid():
        data = filters.cleaned_data
        if data["kind"]:
            runs = runs.filter(kind=data["kind"])
        if data["state"]:
            runs = runs.filter(state=data["state"])
        if data["period"]:
            runs = runs.filter(period__startswith=data["period"].strip())
    runs, sort = run_lists.sorted_runs(runs, request.GET.get("sort", ""))
    return filters, runs, sort


def _render_run_list(request, start_form, status=200):
    filters, runs, sort = _filtered_runs(request)
    page = Paginator(runs, RUNS_PER_PAGE).get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    export_query = params.urlencode()
    params.pop("sort", None)
    return render(
        request,
        "subsidies/run_list.html",
        {
            "page": page,
            "filters": filters,
            "start_form": start_form,
            "sort": run_lists.sort_links(sort),
            "filter_query": params.urlencode(),
            "export_query": export_query,
        },
        status=status,
    )


@require_GET
@staff_only(_can_run)
def run_list_export(request):
    """The filtered, sorted run list as XLSX: amounts as numbers, dates as dates."""
    _filters, runs, _sort = _filtered_runs(request)
    return xlsx_response(
        filename=f"发放批次-{timezone.localdate():%Y%m%d}.xlsx",
        sheet=_("发放批次"),
        header=list(run_lists.EXPORT_HEADER),
        rows=run_lists.export_rows(runs),
        widths=[8, 10, 10, 10, 10, 16, 10, 10, 18, 10, 18],
    )


@require_POST
@staff_only(_can_run)
def run_start(request):
    """Start a run and compute it (inline in tests and the command line; on Celery otherwise). Any
    refusal leaves nothing written: the start and the compute share one transaction."""
    form = RunStartForm(request.POST)
    if not form.is_valid():
        return _render_run_list(request, form)
    try:
        with transaction.atomic():
            run = run_services.payout_run_start(
                actor=request.user, kind=form.cleaned_data["kind"], period=form.cleaned_data["period"]
            )
            run = run_services.payout_run_compute(actor=request.user, run=run)
    except ServiceError as exc:
        form.add_error(None, error_text(exc))
        return _render_run_list(request, form)
    messages.success(request, _("已发起批次#%(pk)s(%(period)s),正在计算") % {"pk": run.pk, "period": run.period})
    return redirect("subsidies:run_detail", pk=run.pk)


@require_GET
@staff_only(_can_run)
def run_detail(request, pk: int):
    run = _run_or_404(request, pk)
    lines = PayoutLine.objects.filter(run=run)
    by_rule = list(
        lines.values("rule")
        .annotate(n=Count("id"), total=Sum("amount"), arrears=Count("id", filter=Q(is_arrears=True)))
        .order_by("rule")
    )
    by_centre_qs = (
        lines.values("centre_id", "centre__ref", "centre__name", "enterprise__name")
        .annotate(n=Count("id"), total=Sum("amount"))
        .order_by("-total", "centre__ref")
    )
    centre_page = Paginator(by_centre_qs, CENTRES_PER_PAGE).get_page(request.GET.get("cpage"))
    filters = LineFilterForm(request.GET or None, rules=[r["rule"] for r in by_rule])
    shown = lines.select_related("centre", "explanation_basis").order_by("id")
    if filters.is_valid():
        data = filters.cleaned_data
        if data["rule"]:
            shown = shown.filter(rule=data["rule"])
        if data["centre"]:
            shown = shown.filter(centre__ref=data["centre"])
        if data["arrears"] in ("0", "1"):
            shown = shown.filter(is_arrears=data["arrears"] == "1")
        if data["q"]:
            q = data["q"].strip()
            shown = shown.filter(Q(beneficiary_name__icontains=q) | Q(beneficiary__iexact=q))
    line_page = Paginator(shown, LINES_PER_PAGE).get_page(request.GET.get("page"))
    user = request.user
    context = {
        "run": run,
        "by_rule": by_rule,
        "centre_page": centre_page,
        "line_page": line_page,
        "filters": filters,
        "grand_total": sum((r["total"] or Decimal("0.00") for r in by_rule), Decimal("0.00")),
        "grand_count": sum(r["n"] for r in by_rule),
        "can_approve": run.state == RunState.COMPUTED,
        "anomalies": run_anomalies(run) if run.state == RunState.COMPUTED else [],
        "own_run": user.pk in (run.created_by_id, run.computed_by_id),
        "can_cancel": run.state in (RunState.DRAFT, RunState.COMPUTED, RunState.FAILED, RunState.INTERRUPTED),
        "can_compute": run.state in (RunState.DRAFT, RunState.FAILED),
    }
    return render(request, "subsidies/run_detail.html", context)


@require_GET
@staff_only(_can_run)
def run_progress(request, pk: int):
    """The progress partial htmx polls every second while the run computes. When the run is no
    longer computing, an htmx request gets HX-Refresh so the page reloads with the totals."""
    run = _run_or_404(request, pk)
    response = render(request, "subsidies/_run_progress.html", {"run": run})
    if request.headers.get("HX-Request") and run.state != RunState.COMPUTING:
        response["HX-Refresh"] = "true"
    return response


def _run_action(request, pk: int, action, done_message: str, **kwargs):
    run = _run_or_404(request, pk)
    try:
        action(actor=request.user, run_id=run.pk, **kwargs)
    except ServiceError as exc:
        show_refusal(request, exc)
    else:
        messages.success(request, done_message % {"pk": run.pk})
    return redirect("subsidies:run_detail", pk=run.pk)


@require_POST
@staff_only(_can_run)
def run_approve(request, pk: int):
    return _run_action(request, pk, run_services.payout_run_approve, _("批次#%(pk)s已审批通过"))


@require_POST
@staff_only(_can_run)
def run_cancel(request, pk: int):
    reason = (request.POST.get("reason") or "").strip()[:500]
    if not reason:
        messages.error(request, _("作废批次须填写原因"))
        return redirect("subsidies:run_detail", pk=pk)
    return _run_action(request, pk, run_services.payout_run_cancel, _("批次#%(pk)s已作废"), reason=reason)


@require_POST
@staff_only(_can_run)
def run_compute(request, pk: int):
    run = _run_or_404(request, pk)
    try:
        with transaction.atomic():
            if run.state in (RunState.COMPUTING, RunState.INTERRUPTED):  # its worker died: compute what is left
                run_services.payout_run_continue(actor=request.user, run_id=run.pk)
            else:
                run_services.payout_run_compute(actor=request.user, run=run)
    except ServiceError as exc:
        show_refusal(request, exc)
    else:
        messages.success(request, _("批次#%(pk)s已开始计算") % {"pk": run.pk})
    return redirect("subsidies:run_detail", pk=run.pk)


# --- bureau dashboard ------------------------------------------------------------


def _yuan_axis(value: float) -> str:
    """An axis tick in yuan: 万 in Chinese, thousands (k) and millions (M) in English."""
    if (translation.get_language() or "zh-hans").lower().startswith("en"):
        if value >= 1000000:
            return f"{value / 1000000:g}M"
        if value >= 1000:
            return f"{value / 1000:g}k"
        return f"{value:g}"
    if value >= 10000:
        return f"{value / 10000:g}万"
    return f"{value:g}"


@require_GET
@staff_only(_can_see_dashboard)
def bureau_dashboard(request):
    today = timezone.localdate()
    years = dashboard.available_years(today=today)
    try:
        year = int(request.GET.get("year") or today.year)
    except ValueError:
        year = today.year
    if year not in years:
        year = today.year
    centres = dashboard.centres_by_city_and_kind()
    tiers = dashboard.researchers_by_tier(as_of=today)
    payouts = dashboard.payouts_by_month(year=year)
    budget = dashboard.budget_use(actor=request.user, year=year)
    count = lambda n: f"{n}"  # noqa: E731
    centre_chart = charts.horizontal_bars(
        title=_("各城市研发中心数量(按机构类型)"),
        desc=_("按所在城市统计的研发中心数量,分独立研发机构与联合研发机构;共%(n)s个")
        % {"n": sum(sum(v for v in row[1]) for row in centres.rows())},
        categories=centres.cities,
        series=[charts.Series(label, centres.values(k)) for k, label in centres.kinds],
        fmt=count,
        empty=_("尚无研发中心"),
    )
    tier_chart = charts.horizontal_bars(
        title=_("研发人员学历层次"),
        desc=_("按截至今日已核验的最高学历统计的研发人员人数"),
        categories=[label for _k, label, _n in tiers] if any(n for *_x, n in tiers) else [],
        series=[charts.Series(_("人数"), [n for *_x, n in tiers])],
        fmt=count,
        empty=_("尚无研发人员"),
        label_w=170,
        bar_w=280,
    )
    month_chart = charts.vertical_bars(
        title=_("%(year)s年各月发放金额(按规则)") % {"year": year},
        desc=_("已审批批次的发放金额,按所属月份和补助规则分组,补发计入其所属月份,无发放的月份为零"),
        categories=[cn_period(m) for m in payouts.months],
        series=[charts.Series(r, payouts.values(r)) for r in payouts.rules],
        fmt=yuan,
        axis_fmt=_yuan_axis,
        empty=_("本年度尚无已审批的发放"),
    )
    budget_chart = charts.budget_bars(
        title=_("%(year)s年预算执行情况") % {"year": year},
        desc=_("各规则已审批发放金额占年度预算的比例"),
        rows=[(label, used, b) for _r, label, used, b in budget if b is not None],
        fmt=yuan,
        empty=_("%(year)s年尚未录入预算") % {"year": year},
    )
    context = {
        "year": year,
        "years": years,
        "centres": centres,
        "tiers": tiers,
        "payouts": payouts,
        "budget": budget,
        "centre_chart": centre_chart,
        "tier_chart": tier_chart,
        "month_chart": month_chart,
        "budget_chart": budget_chart,
        "centre_total": sum(row[2] for row in centres.rows()),
        "researcher_total": sum(n for *_x, n in tiers),
        "paid_total": sum((row[2] for row in payouts.rows()), Decimal("0.00")),
    }
    return render(request, "subsidies/bureau_dashboard.html", context)


# --- budgets (预算批复) ------------------------------------------------------------


def _budget_year(request, default: int, years: list[int]) -> int:
    try:
        year = int(request.GET.get("year") or default)
    except ValueError:
        return default
    return year if year in years else default


@require_http_methods(["GET", "POST"])
@staff_only(_can_run)
def budgets(request):
    """Finance and administrators: the approved budgets of a year per rule and programme, what was
    paid against each, a form to set or change one, and every change (who, when, old → new)."""
    today = timezone.localdate()
    years = list(range(latest_budget_year(today), FIRST_BUDGET_YEAR - 1, -1))
    year = _budget_year(request, today.year, years)
    rules = budget_rules()
    labels = dashboard.rule_labels()
    choices = [(r, labels.get(r, r)) for r in rules]
    form = BudgetForm(initial={"year": year}, rules=choices)
    status = 200
    if request.method == "POST":
        form = BudgetForm(request.POST, rules=choices)
        if form.is_valid():
            try:  # the form's fields are the service's arguments
                budget = budget_set(actor=request.user, **form.cleaned_data)
            except ServiceError as exc:
                form.add_error(None, error_text(exc))
            else:
                messages.success(
                    request,
                    _("%(rule)s %(year)s年预算已保存:%(amount)s(%(ref)s)")
                    % {
                        "rule": budget.rule,
                        "year": budget.year,
                        "amount": yuan(budget.amount),
                        "ref": budget.reference,
                    },
                )
                return redirect(reverse("subsidies:budgets") + f"?year={budget.year}#budget-{budget.rule}")
        status = 400
    rows = dashboard.budget_rows(actor=request.user, year=year, rules=rules)
    entered = [r.budget for r in rows if r.budget is not None]
    context = {
        "year": year,
        "years": years,
        "rows": rows,
        "form": form,
        "history": dashboard.budget_history(budgets=entered),
        "total_budget": sum((b.amount for b in entered), Decimal("0.00")),
        "total_used_budgeted": sum((r.used for r in rows if r.budget is not None), Decimal("0.00")),
        "missing": [r for r in rows if r.budget is None],
    }
    return render(request, "subsidies/budgets.html", context, status=status)
