"""Resident ID numbers (GB 11643-1999): 18 characters, a real birth date, ISO 7064 MOD 11-2 check."""

import datetime as dt

from accounts.errors import ServiceError

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK = "10X98765432"


def resident_id_check_digit(first17: str) -> str:
    return CHECK[sum(int(c) * w for c, w in zip(first17, WEIGHTS, strict=True)) % 11]


def normalise_resident_id(value: str) -> str:
    """Return the ID with an upper-case X, or raise ServiceError saying what is wrong."""
    code = (value or "").strip().upper()
    if len(code) != 18 or not code[:17].isdigit() or not (code[17].isdigit() or code[17] == "X"):
        raise ServiceError(
            f"身份证号码“{code}”格式错误:应为17位数字加1位校验码(数字或X)",
            "resident ID must be 17 digits and a check character",
            code="id_format",
        )
    try:
        born = dt.date(int(code[6:10]), int(code[10:12]), int(code[12:14]))
    except ValueError:
        raise ServiceError(
            f"身份证号码“{code}”中的出生日期{code[6:14]}不存在",
            "resident ID has an impossible birth date",
            code="id_birth_date",
        ) from None
    if born.year < 1900 or born > dt.date.today():
        raise ServiceError(
            f"身份证号码“{code}”中的出生日期{born}不合理", "resident ID birth date out of range", code="id_birth_date"
        )
    expected = resident_id_check_digit(code[:17])
    if code[17] != expected:
        raise ServiceError(
            f"身份证号码“{code}”校验位错误(应为{expected})",
            "resident ID check digit is wrong (ISO 7064 MOD 11-2)",
            code="id_check_digit",
        )
    return code


def mask_id(value: str) -> str:
    """110101********7571: the region and the last four stay visible."""
    if not value:
        return ""
    if len(value) <= 6:
        return value[0] + "*" * (len(value) - 1)
    keep_head = 6 if len(value) == 18 else 2
    return value[:keep_head] + "*" * (len(value) - keep_head - 4) + value[-4:]
