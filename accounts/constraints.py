"""Model constraints the apps share: the one shape of "this date is not before that one"."""

from django.db import models
from django.db.models import F, Q


def date_order_check(
    *, later: str, earlier: str, name: str, unless_null: tuple[str, ...] = ()
) -> models.CheckConstraint:
    """A CheckConstraint: field `later` is on or after field `earlier`, unless one of the fields in `unless_null`
    (default: `later` alone) is empty. The fields are tested for emptiness in the order given, so a model's
    constraint keeps the form its migration recorded."""
    condition = Q()
    for field in unless_null or (later,):
        condition |= Q(**{f"{field}__isnull": True})
    return models.CheckConstraint(condition=condition | Q(**{f"{later}__gte": F(earlier)}), name=name)
