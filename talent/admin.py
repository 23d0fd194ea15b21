"""Django admin for administrators. Researchers, degrees, contracts, roster uploads and the access log are
read-only here (writes go through talent.services, which validate, audit and log full-ID views) and identity
numbers are always masked (talent.identity.mask_id). The key-institution list stays editable reference data."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from registry.admin import ReadOnlyAdmin
from talent.identity import mask_id
from talent.models import Contract, Degree, IdentityAccess, KeyDiscipline, KeyInstitution, Researcher, RosterUpload


class KeyDisciplineInline(admin.TabularInline):
    model = KeyDiscipline
    extra = 0


@admin.register(KeyInstitution)
class KeyInstitutionAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "is_active", "updated_at")
    list_filter = ("is_active",)
    search_fields = ("name", "code", "disciplines__name")
    inlines = [KeyDisciplineInline]


def _has_file(field_file) -> str:
    # files are served only by the permission-checked portal views; the admin names no URL
    return _("已上传") if field_file else _("无")


@admin.register(Researcher)
class ResearcherAdmin(ReadOnlyAdmin):
    """Read-only: researchers change through the portal's services, which check the ID number
    and log every full-number view. Here the number is always masked; a full-number search still works."""

    list_display = ("name", "masked_id", "id_type", "nationality", "created_at")
    list_filter = ("id_type",)
    search_fields = ("name", "=id_number")
    fields = (
        "name",
        "masked_id",
        "id_type",
        "nationality",
        "phone",
        "email",
        "has_photo",
        "registered_by",
        "created_at",
    )
    readonly_fields = fields

    @admin.display(description=_("证件号码"))
    def masked_id(self, obj):
        return mask_id(obj.id_number)

    @admin.display(description=_("照片"))
    def has_photo(self, obj):
        return _has_file(obj.photo)


class _PersonRecordAdmin(ReadOnlyAdmin):
    """A record of one researcher (a degree, a contract): shows the person's ID number masked."""

    @admin.display(description=_("证件号码"))
    def masked_id(self, obj):
        return mask_id(obj.researcher.id_number)


@admin.register(Degree)
class DegreeAdmin(_PersonRecordAdmin):
    list_display = (
        "researcher",
        "masked_id",
        "level",
        "full_time",
        "institution",
        "key_discipline",
        "awarded_on",
        "verified_at",
    )
    list_filter = ("level", "full_time", "key_discipline")
    search_fields = ("researcher__name", "institution")
    fields = (
        "researcher",
        "masked_id",
        "level",
        "full_time",
        "institution",
        "key_institution",
        "discipline",
        "key_discipline",
        "awarded_on",
        "has_certificate",
        "claimed_by",
        "verified_at",
        "verified_by",
        "created_at",
    )
    readonly_fields = fields

    @admin.display(description=_("学位证书"))
    def has_certificate(self, obj):
        return _has_file(obj.certificate)


@admin.register(Contract)
class ContractAdmin(_PersonRecordAdmin):
    list_display = ("researcher", "masked_id", "centre", "full_time", "start", "end", "terminated_on", "needs_review")
    list_filter = ("full_time", "needs_review")
    search_fields = ("researcher__name", "centre__ref")
    fields = (
        "researcher",
        "masked_id",
        "centre",
        "full_time",
        "start",
        "end",
        "terminated_on",
        "termination_reason",
        "needs_review",
        "has_document",
        "created_at",
    )
    readonly_fields = fields

    @admin.display(description=_("合同文件"))
    def has_document(self, obj):
        return _has_file(obj.document)


@admin.register(IdentityAccess)
class IdentityAccessAdmin(ReadOnlyAdmin):
    list_display = ("accessed_at", "user", "researcher", "purpose", "path")
    search_fields = ("user__username", "researcher__name")


@admin.register(RosterUpload)
class RosterUploadAdmin(ReadOnlyAdmin):
    """Read-only; the parsed rows hold full ID numbers, so only their count is shown."""

    list_display = ("filename", "centre", "uploaded_by", "state", "created_at", "committed_at")
    list_filter = ("state",)
    fields = ("filename", "centre", "uploaded_by", "state", "row_count", "created_at", "committed_at")
    readonly_fields = fields

    @admin.display(description=_("行数"))
    def row_count(self, obj):
        return len(obj.rows or [])
