"""Government-service pages of grants and YC-RD declarations: the 办事指南 of each programme and of
the declaration (public, like the filings'), the declaration's page with its stage tracking, and 撤回 of an
application or a declaration by its enterprise. Thin: one selector or service each; another enterprise's
application or declaration is a 404 (actor-scoped selectors)."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from registry.guide import limit_rows, material_rows
from registry.withdrawal import withdraw_view
from subsidies.declarations import services as declarations
from subsidies.grants import guide as guides
from subsidies.grants import selectors
from subsidies.grants import services as grants
from subsidies.grants.tracking import declaration_stages
from subsidies.models import DeclarationStatus, Origin, Programme
from subsidies.rules import grants as rules


def _guide_page(request, entry, *, rule: str, apply_url: str | None, others):
    return render(
        request,
        "grants/guide.html",
        {
            "guide": entry,
            "rule": rule,
            "materials": material_rows(entry),
            "commitment": guides.COMMITMENT_TEXT if entry.materials else "",
            "limits": limit_rows(entry),
            "apply_url": apply_url,
            "others": others,
        },
    )


def _others(current: str):
    """The other guides of grants, for the page's switch: (name, code) of each programme, then YC-RD."""
    rows = [(f"{p.code} {p.display_name}", p.code) for p in Programme.objects.order_by("sort_order", "code")]
    return [(name, code) for name, code in rows if code != current]


def programme_guide(request, code):
    """办事指南 of one programme (public): conditions, materials, legal basis, process, time limits, contact."""
    programme = get_object_or_404(Programme, code=code)
    applies = programme.origin == Origin.APPLICATION and programme.applicant != rules.INCUBATOR
    return _guide_page(
        request,
        guides.programme_guide(programme),
        rule=guides.rule_text(programme),
        apply_url=reverse("subsidies:grant_apply", args=[programme.code]) if applies else None,
        others=_others(programme.code),
    )


def declaration_guide(request):
    """办事指南 of the YC-RD declaration (public)."""
    return _guide_page(
        request,
        guides.declaration_guide(),
        rule=guides.DECLARATION_RULE,
        apply_url=reverse("subsidies:grant_home") + "#declarations",
        others=_others(""),
    )


# 撤回 a submitted application before the first review
application_withdraw = withdraw_view(
    application=selectors.application_get,
    service=grants.grant_withdraw,
    detail="subsidies:grant_detail",
    done=_("申报已撤回;如需再次申报,请重新提交(将取得新的受理编号)"),
)


def _declaration_reader(user) -> bool:
    """Who may open a declaration's page: its enterprise, the Yinchuan bureau, finance and administrators
    (the API's YC_READERS)."""
    return user.is_enterprise or user.reviews_level("yinchuan") or user.is_finance or user.is_portal_admin


@login_required
def declaration_detail(request, pk):
    """A YC-RD declaration with its 受理编号, stage tracking and, for its enterprise while it waits, 撤回."""
    if not _declaration_reader(request.user):
        raise PermissionDenied
    sub = selectors.declaration_get(actor=request.user, pk=pk)
    return render(
        request,
        "grants/declaration_detail.html",
        {
            "sub": sub,
            "stages": declaration_stages(submission=sub),
            "can_withdraw": request.user.is_enterprise and sub.status == DeclarationStatus.PENDING,
            "can_verify": request.user.reviews_level("yinchuan") and sub.status == DeclarationStatus.PENDING,
        },
    )


# 撤回 a declaration before it is verified
declaration_withdraw = withdraw_view(
    submission=selectors.declaration_get,
    service=declarations.rd_declaration_withdraw,
    detail="subsidies:declaration_detail",
    done=_("研发投入申报已撤回;如需再次申报,请重新提交(将取得新的受理编号)"),
)
