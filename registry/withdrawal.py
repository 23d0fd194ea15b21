"""撤回 from a record's page, the one page action for filings, grant applications and YC-RD
declarations: an enterprise user POSTs the optional 撤回原因; the record is found through its actor-scoped
selector (another enterprise's record is a 404), the record's service decides (a refusal is shown above the
page and changes nothing) and the user goes back to the record's page."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from accounts.errors import attempt


def withdraw_view(*, service, detail: str, done, **find):
    """The POST-only, enterprise-only view `(request, pk)` of one kind of record. `find` is one keyword, the
    name `service` knows the record by, given the record's actor-scoped selector (`filing=selectors.filing_get`):
    the view runs `service(actor=, <name>=<the record>, reason=)`, shows `done` on success and redirects to
    the URL named `detail` with the record's pk."""
    ((record, get),) = find.items()

    @require_POST
    @login_required
    def view(request, pk):
        if not request.user.is_enterprise:
            raise PermissionDenied
        obj = get(actor=request.user, pk=pk)
        attempt(request, service, actor=request.user, reason=request.POST.get("reason", ""), done=done, **{record: obj})
        return redirect(detail, pk=obj.pk)

    return view
