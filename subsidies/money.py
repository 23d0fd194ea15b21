"""Money is Decimal with two places; this is the one place that rounds (ROUND_HALF_UP, POLICY §4).

Here too: reading an amount (parse_money), writing it (format_amount, format_yuan) and the Chinese financial
capitals for payment documents (amount_in_capitals, 中文大写金额). The capitals follow
中国人民银行《支付结算办法》附件一《正确填写票据和结算凭证的基本规定》. Where that text
allows two forms, the choice made here is fixed and stated, so the same amount always reads the same:

- Prefix 人民币; 壹 before every 拾 (壹拾元整, 壹拾万元整 — never a bare 拾, which could be altered).
- 零 inside the yuan part: one 零 for each run of zero digits that lies between two non-zero digits,
  also across a 万/亿 boundary (壹万零伍元整, 壹仟零伍拾元整, 陆仟零柒元, 壹拾万零柒仟元,
  壹亿零壹万元整); trailing zeros write nothing (壹拾万元整).
- Between 元 and 角: when 角 is 0 and 分 is not, 零 is written (mandatory: 壹万陆仟肆佰零玖元零贰分).
  When the units digit is 0 and 角 is not, no 零 is written (the text allows both; we take
  壹仟陆佰捌拾元叁角贰分, which pairs with 壹拾万零柒仟元伍角叁分, the text's own second form).
- 整: after 元 when there are no 角/分 (伍佰元整), and also after 角 when there is no 分
  (伍角整, 壹元伍角整) — the text allows omitting it after 角; writing it leaves no room to add fen.
  Never after 分.
- Below one yuan there is no 元 and no leading 零 (伍角整, 伍分, 叁角贰分). Zero is 人民币零元整.
- Range 0 to 999,999,999,999.99. Negative amounts are refused unless ``allow_negative`` is set, then
  prefixed 负 (人民币负伍佰元整) — for a YC-RD adjustment's signed total only; no bank form takes one.
- Sub-fen precision and floats are refused rather than rounded: rounding is quantize's job.
"""

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


def format_amount(value) -> str:
    """1,234.56: the documents' amount cell, whose column heading carries the unit (金额(元))."""
    return f"{quantize(value):,.2f}"


def format_yuan(value) -> str:
    """¥1,234.56"""
    return f"¥{format_amount(value)}"


CAPITAL_DIGITS = "零壹贰叁肆伍陆柒捌玖"
CAPITAL_PLACES = ("", "拾", "佰", "仟")  # within a four-digit group
CAPITAL_GROUPS = ("", "万", "亿")  # 10^0, 10^4, 10^8 (亿 covers up to 9999亿)
CAPITALS_MAX = Decimal("999999999999.99")


def _to_fen(value) -> int:
    if isinstance(value, float):
        raise TypeError("金额不能是浮点数 / money must not be a float")
    try:
        amount = Decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        raise ValueError(f"“{value}”不是有效金额 / not an amount") from None
    if not amount.is_finite():
        raise ValueError(f"“{value}”不是有效金额 / not an amount")
    fen = amount * 100
    if fen != fen.to_integral_value():
        raise ValueError(f"金额{value}精确到分以下,请先按分舍入 / round to the fen first")
    return int(fen)


def amount_in_capitals(value, *, allow_negative: bool = False) -> str:
    """Decimal('15000') -> '人民币壹万伍仟元整'; Decimal('1234.56') -> '人民币壹仟贰佰叁拾肆元伍角陆分'."""
    fen = _to_fen(value)
    sign = ""
    if fen < 0:
        if not allow_negative:
            raise ValueError(f"金额{value}为负数,不能写成大写金额 / negative amounts have no capitals form")
        sign, fen = "负", -fen
    if fen > CAPITALS_MAX * 100:
        raise ValueError(f"金额{value}超出范围(最高999,999,999,999.99元) / out of range")
    yuan, jiao, cent = fen // 100, fen // 10 % 10, fen % 10
    if fen == 0:
        return "人民币零元整"
    text = _yuan_text(yuan)
    if yuan:
        text += "元"
    if jiao:
        text += CAPITAL_DIGITS[jiao] + "角"
    elif cent and yuan:
        text += "零"  # 角位是0而分位不是0: 元后写零
    if cent:
        text += CAPITAL_DIGITS[cent] + "分"
    else:
        text += "整"
    return "人民币" + sign + text


def _yuan_text(yuan: int) -> str:
    """The integer yuan in capitals, without 元; '' for 0."""
    digits = str(yuan)
    n = len(digits)
    out = []
    pending_zero = False
    group_has_digit = False
    for i, ch in enumerate(digits):
        pos = n - 1 - i  # power of ten
        place, group = pos % 4, pos // 4
        d = int(ch)
        if d == 0:
            if out:
                pending_zero = True
        else:
            if pending_zero:
                out.append("零")
                pending_zero = False
            out.append(CAPITAL_DIGITS[d] + CAPITAL_PLACES[place])
            group_has_digit = True
        if place == 0:
            if group_has_digit and group:
                out.append(CAPITAL_GROUPS[group])
            group_has_digit = False
    return "".join(out)


class MoneyField(models.DecimalField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_digits", 14)
        kwargs.setdefault("decimal_places", 2)
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        return name, "subsidies.money.MoneyField", args, kwargs
