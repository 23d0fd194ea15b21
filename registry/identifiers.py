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
            params={"code": code, "n": len(code)},
            code="uscc_length",
        )
    bad = [c for c in code if c not in USCC_ALPHABET]
    if bad:
        raise ValidationError(
            _("统一社会信用代码“%(code)s”含非法字符“%(c)s” / USCC has an invalid character"),
            params={"code": code, "c": bad[0]},
            code="uscc_char",
        )
    expected = uscc_check_char(code[:17])
    if code[17] != expected:
        raise ValidationError(
            _("统一社会信用代码“%(code)s”校验位错误,应为“%(e)s” / USCC check character is wrong (GB 32100-2015)"),
            params={"code": code, "e": expected},
            code="uscc_check",
        )
    return code


def is_ningxia(division_code: str) -> bool:
    return (division_code or "").startswith("64")


def is_yinchuan(division_code: str) -> bool:
    return (division_code or "").startswith("6401")


def cnaps_problem(value: str) -> tuple[str, str] | None:
    """A payee bank's 联行号 (CNAPS, 中国现代化支付系统行号) is 12 digits: bank category (3), city (4),
    branch (4) and a check digit. The portal checks the form (no public list of branches is shipped);
    (zh, en) naming the problem, or None."""
    code = (value or "").strip()
    if not code:
        return None
    if not code.isascii() or not code.isdigit():
        return (f"开户行联行号“{code}”只能包含数字", "the CNAPS bank code must contain digits only")
    if len(code) != 12:
        return (
            f"开户行联行号“{code}”应为12位数字(现为{len(code)}位)",
            f"the CNAPS bank code must have 12 digits (it has {len(code)})",
        )
    if code.startswith("000"):
        return (f"开户行联行号“{code}”的前3位银行类别代码无效", "the CNAPS bank code's bank category is invalid")
    return None
