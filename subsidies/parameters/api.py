"""The policy parameters in the API (read only): values with the dates they apply from. The router registers
ParameterViewSet in subsidies/api.py."""

from rest_framework import serializers, viewsets

from accounts.api import EVERYONE, PortalViewSetMixin
from subsidies.parameters.models import ParameterValue


class ParameterSerializer(serializers.ModelSerializer):
    class Meta:
        model = ParameterValue
        fields = ["id", "name", "value", "effective_from", "legal_reference", "note", "created_at"]
        read_only_fields = fields


class ParameterViewSet(PortalViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """政策参数 (read): values with the dates they apply from. Changes are made on the parameters page."""

    queryset = ParameterValue.objects.none()
    serializer_class = ParameterSerializer
    filterset_fields = ["name", "effective_from"]
    action_roles = {"list": EVERYONE, "retrieve": EVERYONE}

    def get_queryset(self):
        return ParameterValue.objects.order_by("name", "effective_from", "id")
