"""Chinese financial capitals: a table of the tricky values from 《支付结算办法》附件一 and a round trip
through an independent parser for random amounts over the whole range."""

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from subsidies.money import amount_in_capitals

TABLE = [
    ("15000", "人民币壹万伍仟元整"),
    ("1234.56", "人民币壹仟贰佰叁拾肆元伍角陆分"),
    ("10005", "人民币壹万零伍元整"),
    ("1050", "人民币壹仟零伍拾元整"),
    ("100000", "人民币壹拾万元整"),
    ("10", "人民币壹拾元整"),
    ("11", "人民币壹拾壹元整"),
    ("110", "人民币壹佰壹拾元整"),
    ("1409.50", "人民币壹仟肆佰零玖元伍角整"),  # the text's example, with 整 after 角 (our choice)
    ("6007.14", "人民币陆仟零柒元壹角肆分"),
    ("1680.32", "人民币壹仟陆佰捌拾元叁角贰分"),
    ("107000.53", "人民币壹拾万零柒仟元伍角叁分"),
    ("16409.02", "人民币壹万陆仟肆佰零玖元零贰分"),
    ("325.04", "人民币叁佰贰拾伍元零肆分"),
    ("100.05", "人民币壹佰元零伍分"),
    ("0.01", "人民币壹分"),
    ("0.05", "人民币伍分"),
    ("0.50", "人民币伍角整"),
    ("0.32", "人民币叁角贰分"),
    ("1.00", "人民币壹元整"),
    ("1.50", "人民币壹元伍角整"),
    ("5000.00", "人民币伍仟元整"),
    ("1000000", "人民币壹佰万元整"),
    ("1000001", "人民币壹佰万零壹元整"),
    ("1010101", "人民币壹佰零壹万零壹佰零壹元整"),
    ("100000000", "人民币壹亿元整"),
    ("100000001", "人民币壹亿零壹元整"),
    ("100010000", "人民币壹亿零壹万元整"),
    ("110000000", "人民币壹亿壹仟万元整"),
    ("100000000000", "人民币壹仟亿元整"),
    ("200300400500.60", "人民币贰仟零叁亿零肆拾万零伍佰元陆角整"),
    ("999999999999.99", "人民币玖仟玖佰玖拾玖亿玖仟玖佰玖拾玖万玖仟玖佰玖拾玖元玖角玖分"),
    ("0", "人民币零元整"),
]


@pytest.mark.parametrize(("amount", "expected"), TABLE, ids=[a for a, _ in TABLE])
def test_capitals_table(amount, expected):
    assert amount_in_capitals(Decimal(amount)) == expected


def test_negative_refused_unless_allowed():
    with pytest.raises(ValueError, match="负数"):
        amount_in_capitals(Decimal("-5"))
    assert amount_in_capitals(Decimal("-500"), allow_negative=True) == "人民币负伍佰元整"


@pytest.mark.parametrize("bad", [Decimal("1000000000000.00"), Decimal("1.005"), "abc", Decimal("NaN")])
def test_out_of_range_or_not_money_refused(bad):
    with pytest.raises(ValueError):
        amount_in_capitals(bad)


def test_float_refused():
    with pytest.raises(TypeError):
        amount_in_capitals(1.5)


# --- an independent parser: capitals back to a number -----------------------------------------

NUM = {c: i for i, c in enumerate("零壹贰叁肆伍陆柒捌玖")}
SMALL = {"拾": 10, "佰": 100, "仟": 1000}


def _section(text: str) -> int:
    """A section below 万 ('壹仟零伍拾') -> 1050. A digit must precede every unit."""
    total, digit = 0, None
    for ch in text:
        if ch in NUM:
            assert digit is None or ch != "零", f"two digits in a row in {text!r}"
            digit = NUM[ch] if ch != "零" else None
        elif ch in SMALL:
            assert digit is not None, f"unit {ch} without a digit in {text!r}"
            total += digit * SMALL[ch]
            digit = None
        else:
            raise AssertionError(f"unexpected {ch!r} in {text!r}")
    return total + (digit or 0)


def parse_capitals(text: str) -> Decimal:
    assert text.startswith("人民币"), text
    body = text[3:]
    sign = 1
    if body.startswith("负"):
        sign, body = -1, body[1:]
    if body == "零元整":
        return Decimal("0.00")
    whole = body.endswith("整")
    body = body.removesuffix("整")
    yuan = 0
    if "元" in body:
        ytext, body = body.split("元")
        for unit, scale in (("亿", 10**8), ("万", 10**4)):
            if unit in ytext:
                head, ytext = ytext.split(unit)
                yuan += _section(head) * scale
        yuan += _section(ytext)
    body = body.removeprefix("零")
    jiao = fen = 0
    if "角" in body:
        j, body = body.split("角")
        jiao = NUM[j]
    if "分" in body:
        f, body = body.split("分")
        fen = NUM[f]
    assert body == "", f"left over {body!r} in {text!r}"
    assert whole == (fen == 0), f"整 must appear exactly when there are no fen: {text!r}"
    return sign * (Decimal(yuan) + Decimal(jiao) / 10 + Decimal(fen) / 100).quantize(Decimal("0.01"))


@settings(max_examples=3000, deadline=None)
@given(st.integers(min_value=1, max_value=99_999_999_999_999))
def test_capitals_round_trip(fen):
    amount = Decimal(fen) / 100
    text = amount_in_capitals(amount)
    assert parse_capitals(text) == amount, text
    assert "零零" not in text and not text.endswith("零") and not text[3:].startswith("零"), text
    assert "拾" not in text or all(text[i - 1] in NUM for i, c in enumerate(text) if c == "拾"), text


@settings(max_examples=500, deadline=None)
@given(st.integers(min_value=1, max_value=10**12 - 1), st.sampled_from([0, 1, 10, 99]))
def test_capitals_round_trip_round_yuan(yuan, fen):
    """Many zeros: round yuan with few non-zero digits stress the 零 rules."""
    amount = Decimal(yuan * 100 + fen) / 100
    if amount > Decimal("999999999999.99"):
        return
    assert parse_capitals(amount_in_capitals(amount)) == amount
