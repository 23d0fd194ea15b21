"""The researcher list as staff and enterprises sort and export it ("Lists": column sorting, the
centre and the contract on each row, XLSX export). Each row carries the person's current (latest) contract
the actor may see, so an enterprise sorts and exports only its own contracts' facts."""

from django.db.models import F, OuterRef, QuerySet, Subquery
from django.utils.translation import gettext_lazy as _

from talent.identity import mask_id
from talent.models import Researcher
from talent.selectors import contract_list

# ?sort= value -> ordering (ties by name then id, so pages never shuffle)
SORTS = {
    "name": ("name", "id"),
    "-name": ("-name", "-id"),
    "centre": (F("centre_name").asc(nulls_last=True), "name", "id"),
    "-centre": (F("centre_name").desc(nulls_last=True), "name", "id"),
    "start": (F("contract_start").asc(nulls_last=True), "name", "id"),
    "-start": (F("contract_start").desc(nulls_last=True), "name", "id"),
    "end": (F("contract_end").asc(nulls_first=True), "name", "id"),  # open-ended (no end) first
    "-end": (F("contract_end").desc(nulls_first=True), "name", "id"),
}
COLUMNS = (("name", _("姓名")), ("centre", _("研发中心")), ("start", _("合同起始")), ("end", _("合同终止")))


def with_contract(qs: QuerySet[Researcher], *, actor) -> QuerySet[Researcher]:
    latest = contract_list(actor=actor).filter(researcher=OuterRef("pk")).order_by("-start", "-id")
    return qs.annotate(
        centre_name=Subquery(latest.values("centre__name")[:1]),
        centre_ref=Subquery(latest.values("centre__ref")[:1]),
        contract_start=Subquery(latest.values("start")[:1]),
        contract_end=Subquery(latest.values("end")[:1]),
        contract_full_time=Subquery(latest.values("full_time")[:1]),
        contract_terminated=Subquery(latest.values("terminated_on")[:1]),
    )


def sorted_rows(qs: QuerySet[Researcher], *, actor, sort: str) -> tuple[QuerySet[Researcher], str]:
    sort = sort if sort in SORTS else "name"
    return with_contract(qs, actor=actor).order_by(*SORTS[sort]), sort


def sort_links(sort: str) -> list[dict]:
    """Each sortable column's heading: its next ?sort= value and its aria-sort state."""
    links = []
    for key, label in COLUMNS:
        state = "ascending" if sort == key else "descending" if sort == f"-{key}" else "none"
        links.append({"key": key, "label": label, "aria": state, "next": f"-{key}" if sort == key else key})
    return links


EXPORT_HEADER = (
    _("姓名"),
    _("证件类型"),
    _("证件号码(脱敏)"),
    _("国籍"),
    _("研发中心编号"),
    _("研发中心"),
    _("用工形式"),
    _("合同起始"),
    _("合同终止"),
    _("提前解除日期"),
)


def export_rows(qs: QuerySet[Researcher]):
    for r in qs.iterator(chunk_size=2000):
        form = "" if r.contract_full_time is None else (_("全职") if r.contract_full_time else _("非全职"))
        yield [
            r.name,
            str(r.get_id_type_display()),
            mask_id(r.id_number),
            r.nationality or "",
            r.centre_ref or "",
            r.centre_name or "",
            str(form),
            r.contract_start,
            (r.contract_end or str(_("无固定期限"))) if r.contract_start else "",
            r.contract_terminated,
        ]
