"""The parameters page (政策参数): every parameter's values by date, and for the system administrator a form
that records a new value from a date (subsidies.parameters.services.parameter_set)."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts.errors import ServiceError, error_text
from subsidies.parameters.forms import PARAMETER_LABELS, ParameterForm
from subsidies.parameters.selectors import parameter_timelines
from subsidies.parameters.services import parameter_set
from subsidies.views import can_see_parameters, staff_only


@require_http_methods(["GET", "POST"])
@staff_only(can_see_parameters)
def parameters(request):
    can_edit = request.user.is_portal_admin
    form = ParameterForm(initial={"effective_from": timezone.localdate()}) if can_edit else None
    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied(_("只有系统管理员可以调整政策参数"))
        form = ParameterForm(request.POST)
        if form.is_valid():
            try:  # the form's fields are the service's arguments (its text fields come stripped)
                pv = parameter_set(actor=request.user, **form.cleaned_data)
            except ServiceError as exc:
                form.add_error(None, error_text(exc))
            else:
                messages.success(
                    request,
                    _("参数 %(name)s 自 %(date)s 起取值 %(value)s,已记录")
                    % {
                        "name": PARAMETER_LABELS.get(pv.name, pv.name),
                        "date": pv.effective_from.isoformat(),
                        "value": pv.value,
                    },
                )
                return redirect(reverse("subsidies:parameters") + f"#param-{pv.name}")
    context = {"timelines": parameter_timelines(timezone.localdate()), "form": form, "can_edit": can_edit}
    return render(request, "subsidies/parameters.html", context)
