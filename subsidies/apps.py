from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SubsidiesConfig(AppConfig):
    name = "subsidies"
    verbose_name = _("补助与发放")

    def ready(self):
        from registry import measures
        from subsidies.parameters import services as parameters
        from subsidies.reporting import panels

        # the registry's filing reviews read the measures' dates from the parameter timeline (registry.measures)
        measures.register(measure_from=parameters.measure_from, backdate_days=parameters.backdate_days)
        # the stipend panels of registry's and talent's pages (accounts.panels)
        panels.register()
