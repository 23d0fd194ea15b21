"""Parameter values are normalised or refused, never rounded (POLICY §4: one place rounds money)."""

import pytest

from subsidies.rules.params import validate_value


@pytest.mark.parametrize(
    "name, value, expected",
    [
        ("yc_rd.cap", "1000000", "1000000.00"),
        ("yc_rd.cap", "1000000.1", "1000000.10"),
        ("nx_stipend.doctorate_monthly", " 5500.50 ", "5500.50"),
        ("yc_rd.rate", "0.125", "0.125"),
        ("nx_stipend.max_months", "60.0", "60"),
        ("nx_stipend.month_rule", "daily_prorata", "daily_prorata"),
    ],
)
def test_values_are_normalised(name, value, expected):
    assert validate_value(name, value) == expected


@pytest.mark.parametrize(
    "name, value, words",
    [
        ("yc_rd.cap", "1000000.125", "最多两位小数"),
        ("nx_stipend.master_monthly", "3000.001", "最多两位小数"),
        ("yc_rd.cap", "-1", "不能为负数"),
        ("yc_rd.rate", "1.5", "0到1之间"),
        ("nx_stipend.max_months", "6.5", "正整数"),
        ("yc_rd.cap", "一百万", "不是数字"),
        ("nx_stipend.month_rule", "weekly", "只能取"),
        ("no.such", "1", "未知参数"),
    ],
)
def test_bad_values_are_refused_naming_the_parameter(name, value, words):
    with pytest.raises(ValueError) as err:
        validate_value(name, value)
    assert words in str(err.value)
