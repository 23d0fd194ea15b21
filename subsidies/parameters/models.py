"""The policy parameters' dated values. The model belongs to the subsidies app (app label, table and
migrations unchanged): subsidies/models.py imports it."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.audit import audited


@audited()
class ParameterValue(models.Model):
    """A policy parameter's value from a date (POLICY *(param)*). Values are never edited in place:
    a change is a new row from a date, so past runs keep the values they used."""

    name = models.CharField(_("参数"), max_length=64, db_index=True)
    value = models.CharField(_("取值"), max_length=64)
    effective_from = models.DateField(_("生效日期"))
    legal_reference = models.CharField(_("政策依据"), max_length=256)
    note = models.TextField(_("说明"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("政策参数")
        verbose_name_plural = _("政策参数")
        ordering = ["name", "effective_from"]
        constraints = [models.UniqueConstraint(fields=["name", "effective_from"], name="parameter_one_value_per_day")]

    def __str__(self):
        return f"{self.name}={self.value} (自{self.effective_from})"
