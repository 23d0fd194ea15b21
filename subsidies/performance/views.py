"""Pages of the performance feature: thin views over the services and selectors."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts import downloads
from accounts.errors import ServiceError, error_text
from accounts.models import Role, User
from registry.models import Centre, CentreKind, Enterprise, FilingLevel
from subsidies import charts
from subsidies.models import IndicatorScheme, ReportEvidence, ReportFigure, ReportStatus, RoundStatus
from subsidies.performance import exports, selectors, services
from subsidies.performance.checks import FIGURES
from subsidies.templatetags.portal_format import yuan
from subsidies.views import _yuan_axis, staff_only

BLANK_ITEM_ROWS = 5


def _reviewer(user) -> bool:
    return user.reviews_level(FilingLevel.REGIONAL)


# --- annual reports ----------------------------------------------------------------------------------------


@require_GET
@login_required
def report_list(request):
    user = request.user
    if not (user.is_enterprise or selectors.sees_all(user) or selectors.is_expert(user)):
        raise PermissionDenied(_("您的角色无权访问此页面"))
    return render(
        request,
        "subsidies/performance/report_list.html",
        {
            "reports": selectors.report_list(actor=user, status=request.GET.get("status", ""))[:200],
            "centres": selectors.reportable_centres(actor=user),
            "scores": selectors.published_scores(actor=user) if user.is_enterprise else [],
            "years": range(timezone.localdate().year - 1, 2022, -1),
            "statuses": ReportStatus.choices,
        },
    )


def _pk(value, field: str) -> int | None:
    """A posted record id: empty is None, anything but a whole number is a 404 naming the field (not a 500)."""
    if value in (None, ""):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        raise Http404(f"{field}: not a record id") from None


@require_POST
@login_required
def report_create(request):
    centre = get_object_or_404(
        selectors.reportable_centres(actor=request.user), pk=_pk(request.POST.get("centre"), "centre")
    )
    try:
        year = int(request.POST.get("year") or 0)
        report = services.report_create(actor=request.user, centre=centre, year=year)
    except (ValueError, ServiceError) as exc:
        messages.error(request, error_text(exc) if isinstance(exc, ServiceError) else _("报告年度无效"))
        return redirect("subsidies:performance_reports")
    return redirect("subsidies:performance_report", pk=report.pk)


def _items_from(post) -> list[dict]:
    rows = zip(
        post.getlist("item_figure"),
        post.getlist("item_number"),
        post.getlist("item_title"),
        post.getlist("item_date"),
        post.getlist("item_product"),
        post.getlist("item_amount"),
        strict=False,
    )
    return [
        {"figure": f, "number": n, "title": t, "date": d, "product_line": p, "amount": a}
        for f, n, t, d, p, a in rows
        if (t or "").strip() or (n or "").strip()
    ]


@login_required
def report_detail(request, pk: int):
    user = request.user
    report = selectors.report_get(actor=user, pk=pk)
    error = None
    if request.method == "POST":
        action = request.POST.get("action", "")
        comment = request.POST.get("comment", "")
        try:
            if action == "save":
                services.report_update(
                    actor=user,
                    report=report,
                    items=_items_from(request.POST),
                    figures={f: request.POST.get(f) for f in FIGURES},
                    summary=request.POST.get("summary", ""),
                )
                messages.success(request, _("已保存"))
            elif action == "attach":
                upload = request.FILES.get("file")
                if upload is None:
                    raise ServiceError("请选择证明材料文件", "choose a file", record=str(report), field="file")
                services.report_attach(actor=user, report=report, figure=request.POST.get("figure", ""), upload=upload)
                messages.success(request, _("证明材料已上传"))
            elif action == "submit":
                services.report_submit(actor=user, report=report)
                messages.success(request, _("报告已提交"))
            elif action == "first_review":
                services.report_first_review(actor=user, report=report, comment=comment)
                messages.success(request, _("初审通过"))
            elif action == "accept":
                services.report_accept(actor=user, report=report, comment=comment)
                messages.success(request, _("复审通过,报告已受理"))
            elif action == "return":
                services.report_return(actor=user, report=report, comment=comment)
                messages.success(request, _("已退回修改"))
            elif action == "extend":
                try:
                    until = dt.date.fromisoformat(request.POST.get("extended_to", ""))
                except ValueError:
                    raise ServiceError(
                        "延期日期格式应为YYYY-MM-DD",
                        "the date must be YYYY-MM-DD",
                        record=str(report),
                        field="extended_to",
                    ) from None
                services.report_extend(
                    actor=user, report=report, until=until, reason=request.POST.get("extension_reason", "")
                )
                messages.success(request, _("已批准延期报送"))
            else:
                raise Http404(_("不支持的操作"))
            return redirect("subsidies:performance_report", pk=report.pk)
        except ServiceError as exc:
            error = error_text(exc)
            report = selectors.report_get(actor=user, pk=pk)
    items = list(report.items.all())
    editable = user.is_enterprise and report.status in services.EDITABLE
    rows = [
        {
            "figure": i.figure,
            "number": i.number,
            "title": i.title,
            "date": i.date.isoformat(),
            "product_line": i.product_line,
            "amount": i.amount,
        }
        for i in items
    ]
    if error and request.method == "POST":
        rows = _items_from(request.POST)
    if editable:
        rows += [
            {"figure": "", "number": "", "title": "", "date": "", "product_line": "", "amount": ""}
            for _i in range(BLANK_ITEM_ROWS)
        ]
    return render(
        request,
        "subsidies/performance/report_detail.html",
        {
            "r": report,
            "error": error,
            "editable": editable,
            "rows": rows,
            "figures": [(f, ReportFigure(f).label, getattr(report, f)) for f in FIGURES],
            "figure_choices": ReportFigure.choices,
            "evidence": report.evidence.select_related("document"),
            "decisions": report.decisions.select_related("actor"),
            "reviewer": _reviewer(user),
            "pre": report.prefilled,
        },
        status=400 if error else 200,
    )


@login_required
def evidence_download(request, pk: int):
    """A report's evidence document, for who may read the report (its enterprise, bureau staff, the experts
    assigned to the centre); always as an attachment. The document belongs to no filing, so the filing
    documents' download does not serve it."""
    evidence = get_object_or_404(ReportEvidence.objects.select_related("document"), pk=pk)
    selectors.report_get(actor=request.user, pk=evidence.report_id)
    return downloads.document_attachment(evidence.document)


# --- evaluations -------------------------------------------------------------------------------------------


def _evaluation_user(user) -> bool:
    return selectors.sees_all(user) or selectors.is_expert(user)


@login_required
def round_list(request):
    user = request.user
    if not _evaluation_user(user):
        raise PermissionDenied(_("您的角色无权访问此页面"))
    if request.method == "POST":
        try:
            action = request.POST.get("action")
            if action == "scheme":
                source = IndicatorScheme.objects.filter(pk=_pk(request.POST.get("copy_from"), "copy_from") or 0).first()
                services.scheme_create(
                    actor=user,
                    period=request.POST.get("period", "").strip(),
                    name=request.POST.get("name", ""),
                    copy_from=source,
                )
            elif action == "indicator":
                scheme = get_object_or_404(
                    selectors.scheme_list(actor=user), pk=_pk(request.POST.get("scheme"), "scheme")
                )
                services.indicator_set(
                    actor=user,
                    scheme=scheme,
                    code=request.POST.get("code", ""),
                    name=request.POST.get("name", ""),
                    weight=request.POST.get("weight", ""),
                    max_score=request.POST.get("max_score", "") or "100",
                    guidance=request.POST.get("guidance", ""),
                    source=request.POST.get("source", ""),
                )
            elif action in ("indicator_up", "indicator_down", "indicator_delete"):
                scheme = get_object_or_404(
                    selectors.scheme_list(actor=user), pk=_pk(request.POST.get("scheme"), "scheme")
                )
                code = request.POST.get("code", "")
                if action == "indicator_delete":
                    services.indicator_delete(actor=user, scheme=scheme, code=code)
                else:
                    services.indicator_move(
                        actor=user, scheme=scheme, code=code, step=-1 if action == "indicator_up" else 1
                    )
            elif action == "round":
                scheme = get_object_or_404(
                    selectors.scheme_list(actor=user), pk=_pk(request.POST.get("scheme"), "scheme")
                )
                rnd = services.round_create(actor=user, scheme=scheme)
                return redirect("subsidies:performance_round", pk=rnd.pk)
            else:
                raise Http404(_("不支持的操作"))
            messages.success(request, _("已保存"))
        except ServiceError as exc:
            messages.error(request, error_text(exc))
        return redirect("subsidies:performance_rounds")
    from subsidies.models import IndicatorSource

    return render(
        request,
        "subsidies/performance/round_list.html",
        {
            "rounds": selectors.round_list(actor=user),
            "schemes": selectors.scheme_list(actor=user),
            "sources": IndicatorSource.choices,
            "staff": _reviewer(user),
        },
    )


@login_required
def round_detail(request, pk: int):
    user = request.user
    rnd = selectors.round_get(actor=user, pk=pk)
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "assign":
                expert = get_object_or_404(
                    User.objects.filter(role__in=(Role.EXPERT, Role.REGIONAL_REVIEWER)),
                    pk=_pk(request.POST.get("expert"), "expert"),
                )
                centre = get_object_or_404(Centre.objects.all(), pk=_pk(request.POST.get("centre"), "centre"))
                interest = Enterprise.objects.filter(
                    pk=_pk(request.POST.get("declared_interest"), "declared_interest") or 0
                ).first()
                services.assignment_create(
                    actor=user, round=rnd, expert=expert, centre=centre, declared_interest=interest
                )
            elif action == "compute":
                services.round_compute(actor=user, round=rnd)
            elif action == "reopen":
                services.round_reopen(actor=user, round=rnd, comment=request.POST.get("comment", ""))
            elif action == "first_review":
                services.round_first_review(actor=user, round=rnd)
            elif action == "approve":
                services.round_approve(actor=user, round=rnd)
            else:
                raise Http404(_("不支持的操作"))
            messages.success(request, _("已保存"))
        except ServiceError as exc:
            messages.error(request, error_text(exc))
        return redirect("subsidies:performance_round", pk=rnd.pk)
    staff = _reviewer(user)
    return render(
        request,
        "subsidies/performance/round_detail.html",
        {
            "rnd": rnd,
            "staff": staff,
            "indicators": rnd.scheme.indicators.all(),
            "assignments": selectors.assignment_list(actor=user, round=rnd),
            "results": rnd.results.select_related("centre", "evaluation__award") if selectors.sees_all(user) else [],
            "experts": User.objects.filter(role__in=(Role.EXPERT, Role.REGIONAL_REVIEWER), is_active=True)
            if staff
            else [],
            "centres": Centre.objects.order_by("ref") if staff else [],
            "enterprises": Enterprise.objects.order_by("name") if staff else [],
            "scoring": rnd.status == RoundStatus.SCORING,
        },
    )


@login_required
def score(request, pk: int, centre_pk: int):
    user = request.user
    rnd = selectors.round_get(actor=user, pk=pk)
    assignment = selectors.assignment_get(actor=user, round=rnd, centre_pk=centre_pk)
    indicators = list(rnd.scheme.indicators.all())
    error = None
    if request.method == "POST":
        try:
            services.score_record(
                actor=user,
                round=rnd,
                centre=assignment.centre,
                scores={i.code: request.POST.get(f"score_{i.code}", "") for i in indicators},
                comments={i.code: request.POST.get(f"comment_{i.code}", "") for i in indicators},
            )
            messages.success(request, _("评分已保存"))
            return redirect("subsidies:performance_round", pk=rnd.pk)
        except ServiceError as exc:
            error = error_text(exc)
    given = {s.indicator_id: s for s in assignment.scores.all()}
    values = selectors.source_values(rnd.period, [assignment.centre_id]).get(assignment.centre_id, {})
    rows = [
        {
            "i": i,
            "given": given.get(i.pk),
            "value": values.get(i.source),
            "posted": request.POST.get(f"score_{i.code}") if request.method == "POST" else None,
        }
        for i in indicators
    ]
    return render(
        request,
        "subsidies/performance/score.html",
        {"rnd": rnd, "a": assignment, "rows": rows, "error": error},
        status=400 if error else 200,
    )


# --- statistics (统计分析) ------------------------------------------------------------------------------------


def _filters(request) -> dict:
    return {
        "city": request.GET.get("city", "").strip(),
        "kind": request.GET.get("kind", "").strip(),
        "level": request.GET.get("level", "").strip(),
    }


def _paid_bars(title, desc, rows, key: str):
    """The amounts paid as horizontal bars, one a row (a rule's or a city's total), labelled by the row's `key`."""
    return charts.horizontal_bars(
        title=title,
        desc=desc,
        categories=[r[key] for r in rows],
        series=[charts.Series(_("已发放"), [r["total"] for r in rows])],
        fmt=yuan,
    )


@require_GET
@staff_only(selectors.sees_all)
def statistics(request):
    f = _filters(request)
    s = selectors.statistics(actor=request.user, **f)
    rules = sorted({r["rule"] for r in s["paid_by_year"]})
    years = s["years"]
    by = {(r["y"], r["rule"]): r["total"] for r in s["paid_by_year"]}
    from decimal import Decimal

    context = {
        "s": s,
        "f": f,
        "cities": selectors.cities(),
        "kinds": CentreKind.choices,
        "levels": FilingLevel.choices,
        "labels": [ReportFigure(x).label for x in FIGURES],
        "figures": FIGURES,
        "rule_chart": _paid_bars(_("按规则已发放金额"), _("各规则已审批发放的金额"), s["paid_by_rule"], "rule"),
        "year_chart": charts.vertical_bars(
            title=_("按年度、规则已发放金额"),
            desc=_("每年各规则已审批发放的金额"),
            categories=[str(y) for y in years],
            series=[charts.Series(rule, [by.get((y, rule), Decimal(0)) for y in years]) for rule in rules],
            fmt=yuan,
            axis_fmt=_yuan_axis,
        ),
        "city_chart": _paid_bars(
            _("按城市已发放金额"), _("各城市研发中心已获发放的金额"), s["paid_by_city"], "centre__city"
        ),
        "outcome_chart": charts.horizontal_bars(
            title=_("各中心成果"),
            desc=_("已受理年度绩效报告中的发明专利申请、软件著作权和向宁夏交付的技术成果"),
            categories=[r["centre"].name for r in s["outcomes"]],
            series=[
                charts.Series(_("发明专利申请"), [r["patents_applied"] for r in s["outcomes"]]),
                charts.Series(_("软件著作权"), [r["software_copyrights"] for r in s["outcomes"]]),
                charts.Series(_("交付宁夏成果"), [r["results_delivered"] for r in s["outcomes"]]),
            ],
            label_w=200,
        ),
        "trend_chart": charts.vertical_bars(
            title=_("成果趋势"),
            desc=_("按报告年度的发明专利申请与交付宁夏成果"),
            categories=[str(r["year"]) for r in s["trend"]],
            series=[
                charts.Series(_("发明专利申请"), [r["patents_applied"] or 0 for r in s["trend"]]),
                charts.Series(_("交付宁夏成果"), [r["results_delivered"] or 0 for r in s["trend"]]),
            ],
        ),
        "query": request.GET.urlencode(),
    }
    return render(request, "subsidies/performance/statistics.html", context)


@require_GET
@staff_only(selectors.sees_all)
def statistics_export(request, fmt: str):
    f = _filters(request)
    s = selectors.statistics(actor=request.user, **f)
    if fmt == "xlsx":
        data, ctype = exports.statistics_xlsx(s, f), downloads.XLSX
    elif fmt == "pdf":
        data, ctype = exports.statistics_pdf(s, f), downloads.PDF
    else:
        raise Http404(_("不支持的导出格式"))
    return downloads.bytes_attachment(data, filename=f"performance-statistics.{fmt}", content_type=ctype)
