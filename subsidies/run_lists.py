"""The payout run list as finance sorts and exports it ("Lists": column sorting, XLSX export)."""

from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

SORTS = {
    "id": ("pk",),
    "-id": ("-pk",),
    "period": ("period", "pk"),
    "-period": ("-period", "-pk"),
    "total": (F("total_amount").asc(nulls_first=True), "pk"),
    "-total": (F("total_amount").desc(nulls_last=True), "-pk"),
    "created": ("created_at", "pk"),
    "-created": ("-created_at", "-pk"),
}
DEFAULT = "-created"
COLUMNS = {"id": _("批次"), "period": _("期间"), "total": _("金额合计"), "created": _("发起时间")}


def sorted_runs(runs, sort: str):
    sort = sort if sort in SORTS else DEFAULT
    return runs.order_by(*SORTS[sort]), sort


def sort_links(sort: str) -> dict:
    """Per sortable column: its next ?sort= value and its aria-sort state."""
    out = {}
    for key, label in COLUMNS.items():
        aria = "ascending" if sort == key else "descending" if sort == f"-{key}" else "none"
        out[key] = {"label": label, "aria": aria, "next": f"-{key}" if sort == key else key}
    return out


EXPORT_HEADER = (
    _("批次"),
    _("类型"),
    _("期间"),
    _("状态"),
    _("明细数"),
    _("金额合计(元)"),
    _("计算人"),
    _("审批人"),
    _("审批时间"),
    _("发起人"),
    _("发起时间"),
)


def export_rows(runs):
    def local(value):
        return timezone.localtime(value).replace(tzinfo=None) if value else None

    for run in runs.select_related("computed_by", "approved_by", "created_by"):
        yield [
            run.pk,
            str(run.get_kind_display()),
            run.period,
            str(run.get_state_display()),
            run.line_count,
            run.total_amount,
            run.computed_by.display_name if run.computed_by else "",
            run.approved_by.display_name if run.approved_by else "",
            local(run.approved_at),
            run.created_by.display_name,
            local(run.created_at),
        ]
