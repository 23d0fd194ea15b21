"""Page numbers as the schema documents them: `page` is a whole number from 1. A value
that is not one (`?page=`, `?page=abc`, `?page=0`) is a 400 naming the parameter; DRF's default took
an empty value as page 1 and answered the rest 404. A page past the last is still the 404 it was."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers
from rest_framework.pagination import PageNumberPagination


class PortalPagination(PageNumberPagination):
    def paginate_queryset(self, queryset, request, view=None):
        if self.page_query_param in request.query_params:
            value = request.query_params[self.page_query_param]
            if not (value.isascii() and value.isdigit() and int(value) >= 1):
                raise serializers.ValidationError({self.page_query_param: [_("页码须为从1开始的整数")]})
        return super().paginate_queryset(queryset, request, view)

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_query_param:
                parameter["schema"] = {"type": "integer", "minimum": 1}
        return parameters
