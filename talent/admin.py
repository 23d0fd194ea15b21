"""Django admin for administrators. Identity numbers are masked in lists; the access log is read-only."""
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

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


@admin.register(Researcher)
class ResearcherAdmin(admin.ModelAdmin):
    list_display = ("name", "masked_id", "id_type", "nationality", "created_at")
    list_filter = ("id_type",)
    search_fields = ("name", "=id_number")

    @admin.display(description=_("证件号码"))
    def masked_id(self, obj):
        return mask_id(obj.id_number)


@admin.register(Degree)
class DegreeAdmin(admin.ModelAdmin):
    list_display = ("researcher", "level", "full_time", "institution", "key_discipline", "awarded_on", "verified_at")
    list_filter = ("level", "full_time", "key_discipline")
    readonly_fields = ("verified_at", "verified_by")
    search_fields = ("researcher__name", "institution")


@admin.register(Contract)
class ContractAdmin(admin.ModelAdmin):
    list_display = ("researcher", "centre", "full_time", "start", "end", "terminated_on", "needs_review")
    list_filter = ("full_time", "needs_review")
    search_fields = ("researcher__name", "centre__ref")


@admin.register(IdentityAccess)
class IdentityAccessAdmin(admin.ModelAdmin):
    list_display = ("accessed_at", "user", "researcher", "purpose", "path")
    search_fields = ("user__username", "researcher__name")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(RosterUpload)
class RosterUploadAdmin(admin.ModelAdmin):
    list_display = ("filename", "centre", "uploaded_by", "state", "created_at", "committed_at")
    list_filter = ("state",)
    readonly_fields = ("rows", "errors")
