"""The enterprise's own 拨付通知书 (downloads for the enterprise): the payment notice of one approved
run, for one of the actor's enterprises, with only that enterprise's lines. Another enterprise's id answers
404 (the enterprise is looked up through the actor-scoped selector), as does a run without its lines."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404

from accounts import downloads
from registry.selectors import enterprise_list
from subsidies.exports import pdf
from subsidies.exports.data import run_document
from subsidies.models import PayoutRun
from subsidies.run_notices import enterprise_notice_runs


@login_required
def payout_notice_download(request, pk: int):
    user = request.user
    if not (user.is_enterprise or user.is_finance or user.is_portal_admin):
        raise PermissionDenied  # reviewers decide filings; payments are finance's and the payee's
    enterprise = enterprise_list(actor=request.user).filter(pk=pk).first()
    if enterprise is None:
        raise Http404
    runs = enterprise_notice_runs(actor=request.user, enterprise_id=enterprise.pk)
    wanted = request.GET.get("run")
    row = next((r for r in runs if str(r["run"]) == wanted), None) if wanted else (runs[0] if runs else None)
    if row is None:
        raise Http404
    run = PayoutRun.objects.get(pk=row["run"])
    doc = run_document(run, enterprise_id=enterprise.pk)
    data = pdf.render_notices(doc)
    name = f"拨付通知书-{enterprise.uscc}-批次{run.pk}-{run.period}.pdf"
    return downloads.bytes_attachment(data, filename=name, content_type=downloads.PDF)
