"""Query filters that say what they accept and accept only that.

- An id filter (`?enterprise=`, `?centre=`, `?run=` …) takes any integer: an id that is not the
  caller's, or that does not exist, filters to an empty list (django-filter's default model choice
  answered 400 “选择一个有效的选项” for it, which the schema, documenting a free integer, did not say).
  A value that is not an integer is a 400.
- A parameter given empty (`?level=&status=`) is a 400 unless it is free text: an enum, a number, a
  date or a boolean has no empty value. A boolean is `true` or `false`.

`PortalFilterSet` is the base of the apps' FilterSets and, through `PortalFilterBackend`, of the ones
built from a view's `filterset_fields`."""

from __future__ import annotations

import django_filters
from django import forms
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_filters.filterset import FILTER_FOR_DBFIELD_DEFAULTS
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

BOOLEAN_VALUES = ("true", "false", "True", "False", "1", "0")


@extend_schema_field(OpenApiTypes.INT)
class IntegerFilter(django_filters.NumberFilter):
    """A whole number (an id, a year); the schema says integer, the form takes only integers."""

    field_class = forms.IntegerField


_INTEGER = {"filter_class": IntegerFilter}
FILTER_DEFAULTS = {
    **FILTER_FOR_DBFIELD_DEFAULTS,
    models.AutoField: _INTEGER,
    models.BigAutoField: _INTEGER,
    models.SmallIntegerField: _INTEGER,
    models.IntegerField: _INTEGER,
    models.BigIntegerField: _INTEGER,
    models.PositiveIntegerField: _INTEGER,
    models.PositiveSmallIntegerField: _INTEGER,
    models.PositiveBigIntegerField: _INTEGER,
    models.ForeignKey: _INTEGER,
    models.OneToOneField: _INTEGER,
}


def allows_empty(filter_) -> bool:
    """Free text may be empty (it then filters nothing); nothing else has an empty value."""
    return isinstance(filter_, django_filters.CharFilter) and not isinstance(filter_, django_filters.ChoiceFilter)


class PortalFilterSet(django_filters.FilterSet):
    FILTER_DEFAULTS = FILTER_DEFAULTS

    def is_valid(self) -> bool:
        valid = super().is_valid()
        data = self.data
        for name, filter_ in self.filters.items():
            if name not in data:
                continue
            values = data.getlist(name) if hasattr(data, "getlist") else [data[name]]
            for value in values:
                if value == "" and not allows_empty(filter_):
                    self.form.add_error(name, _("该参数不能为空值"))
                    valid = False
                elif value != "" and isinstance(filter_, django_filters.BooleanFilter) and value not in BOOLEAN_VALUES:
                    self.form.add_error(name, _("须为 true 或 false"))
                    valid = False
        return valid


class PortalFilterBackend(DjangoFilterBackend):
    """DEFAULT_FILTER_BACKENDS: FilterSets built from `filterset_fields` get the same rules."""

    filterset_base = PortalFilterSet
