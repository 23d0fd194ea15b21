"""accounts.constraints.date_order_check: the constraint it builds is the one the migrations recorded."""

from django.db.models import F, Q

from accounts.constraints import date_order_check


def test_later_field_alone_may_be_empty_by_default():
    check = date_order_check(later="end", earlier="start", name="x_order")
    assert check.name == "x_order"
    assert check.condition == Q(end__isnull=True) | Q(end__gte=F("start"))


def test_either_field_may_be_empty_in_the_order_given():
    check = date_order_check(later="valid_to", earlier="valid_from", name="w", unless_null=("valid_from", "valid_to"))
    assert check.condition == Q(valid_from__isnull=True) | Q(valid_to__isnull=True) | Q(valid_to__gte=F("valid_from"))
    reversed_order = date_order_check(
        later="valid_to", earlier="valid_from", name="w", unless_null=("valid_to", "valid_from")
    )
    assert reversed_order.condition != check.condition  # the order is part of the migration's record
