"""Identifier checks: USCC (GB 32100-2015) and administrative division codes."""
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # no I, O, Z, S, V
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def uscc_check_char(first17: str) -> str:
    total = sum(USCC_ALPHABET.index(c) * w for c, w in zip(first17, USCC_WEIGHTS, strict=True))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def validate_uscc(value: str) -> str:
    """Return the normalised USCC or raise ValidationError naming the problem."""
    code = (value or "").strip().upper()
    if len(code) != 18:
        raise ValidationError(
            _("统一社会信用代码“%(code)s”应为18位(现为%(n)d位) / USCC must have 18 characters"),
            params={"code": code, "n": len(code)}, code="uscc_length",
        )
    bad = [c for c in code if c not in USCC_ALPHABET]
    if bad:
        raise ValidationError(
            _("统一社会信用代码“%(code)s”含非法字符“%(c)s” / USCC has an invalid character"),
            params={"code": code, "c": bad[0]}, code="uscc_char",
        )
    expected = uscc_check_char(code[:17])
    if code[17] != expected:
        raise ValidationError(
            _("统一社会信用代码“%(code)s”校验位错误,应为“%(e)s” / USCC check character is wrong (GB 32100-2015)"),
            params={"code": code, "e": expected}, code="uscc_check",
        )
    return code


def is_ningxia(division_code: str) -> bool:
    return (division_code or "").startswith("64")


def is_yinchuan(division_code: str) -> bool:
    return (division_code or "").startswith("6401")
