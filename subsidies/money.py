"""Money is Decimal with two places; this is the one place that rounds (ROUND_HALF_UP, POLICY §4)."""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.db import models

CENT = Decimal("0.01")
ZERO = Decimal("0.00")


def quantize(value) -> Decimal:
    """Round to the fen, half up. Floats are refused: a float near money is a bug."""
    if isinstance(value, float):
        raise TypeError("money must not be a float")
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def parse_money(value, *, rounded: bool = True) -> Decimal | None:
    """The one reading of an amount typed in a form, sent to the API or imported: "2,000,000",
    " 1200000.50 ", a Decimal or an int; None when blank. Thousands separators are dropped; anything
    else that is not a finite number is a ValueError, which the caller turns into its refusal. Rounded
    to the fen half up, unless the caller checks the places itself (rounded=False)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        amount = value if isinstance(value, Decimal) else Decimal(str(value).replace(",", "").strip())
    except (InvalidOperation, ValueError):
        raise ValueError(f"not an amount: {value!r}") from None
    if not amount.is_finite():
        raise ValueError(f"not an amount: {value!r}")
    return quantize(amount) if rounded else amount


def format_yuan(value) -> str:
    """¥1,234.56"""
    return f"¥{quantize(value):,.2f}"


class MoneyField(models.DecimalField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_digits", 14)
        kwargs.setdefault("decimal_places", 2)
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        return name, "subsidies.money.MoneyField", args, kwargs
