from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.utils.translation import gettext_lazy as _
from rest_framework.authtoken.models import TokenProxy

from accounts.models import ApiToken, User


@admin.register(User)
class PortalUserAdmin(UserAdmin):
    fieldsets = UserAdmin.fieldsets + ((_("门户角色"), {"fields": ("role", "full_name", "phone")}),)
    list_display = ("username", "full_name", "role", "is_active", "last_login")
    list_filter = ("role", "is_active")


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Tokens are issued by their owners (API or the tokens page); here they are only listed and revoked."""

    list_display = ("name", "user", "prefix", "created_at", "expires_at", "last_used_at", "revoked_at")
    list_filter = ("revoked_at",)
    search_fields = ("name", "user__username", "prefix")
    readonly_fields = ("user", "name", "prefix", "created_at", "expires_at", "last_used_at", "revoked_at")
    exclude = ("digest",)
    actions = ["revoke"]

    def has_add_permission(self, request):
        return False

    @admin.action(description=_("吊销所选令牌"))
    def revoke(self, request, queryset):
        from accounts.tokens import token_revoke

        for token in queryset:
            token_revoke(actor=request.user, token=token)


# the old plain-text DRF tokens are no longer used (accounts.tokens)
if admin.site.is_registered(TokenProxy):
    admin.site.unregister(TokenProxy)
