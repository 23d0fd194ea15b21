"""Django admin for support staff: read-mostly views. Changes to filings go through the services
(the review pages), so filings, review records and documents are read-only here."""

from django.contrib import admin

from registry.models import Centre, Division, Document, Enterprise, Filing, Membership, Notification, ReviewDecision


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Division)
class DivisionAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "parent")
    search_fields = ("code", "name")


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    raw_id_fields = ("user",)


@admin.register(Enterprise)
class EnterpriseAdmin(admin.ModelAdmin):
    list_display = ("name", "uscc", "division_code", "contact_name")
    search_fields = ("name", "uscc")
    inlines = [MembershipInline]


@admin.register(Centre)
class CentreAdmin(ReadOnlyAdmin):
    list_display = ("ref", "name", "enterprise", "kind", "city", "headcount")
    list_filter = ("kind", "city")
    search_fields = ("ref", "name", "enterprise__name")


@admin.register(Filing)
class FilingAdmin(ReadOnlyAdmin):
    list_display = ("centre", "level", "status", "effective_from", "effective_to", "ever_approved")
    list_filter = ("level", "status")
    search_fields = ("centre__name", "centre__ref")


@admin.register(ReviewDecision)
class ReviewDecisionAdmin(ReadOnlyAdmin):
    list_display = ("filing", "step", "decision", "actor", "at")
    list_filter = ("step", "decision")


@admin.register(Document)
class DocumentAdmin(ReadOnlyAdmin):
    list_display = ("original_name", "kind", "enterprise", "filing", "version", "is_current", "uploaded_at")
    list_filter = ("kind", "is_current")


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ("title", "user", "created_at", "read_at")
