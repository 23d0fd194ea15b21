from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("账户与角色")

    def ready(self):
        # the login time every session's absolute lifetime counts from (a receiver of user_logged_in)
        from accounts import middleware  # noqa: F401
