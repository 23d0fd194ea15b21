from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TalentConfig(AppConfig):
    name = "talent"
    verbose_name = _("研发人员")

    def ready(self):
        from accounts import panels
        from talent import selectors

        # the enterprise dashboard (registry) shows how many researchers the actor sees
        panels.provide("registry.dashboard", selectors.researcher_count_panel)
