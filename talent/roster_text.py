"""The roster columns as the pages describe them, in the page's language. The file's own
headers stay the Chinese titles of talent.roster.COLUMNS (the template and the parser use them); the
page names each column in the reader's language and shows the header to type next to it."""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from talent import roster

LABELS = {
    "name": _("姓名"),
    "id_type": _("证件类型"),
    "id_number": _("证件号码"),
    "nationality": _("国籍"),
    "phone": _("联系电话"),
    "email": _("邮箱"),
    "degree_level": _("学位"),
    "degree_full_time": _("全日制"),
    "institution": _("授予单位"),
    "discipline": _("学科"),
    "key_discipline": _("重点院校重点学科"),
    "awarded_on": _("授予日期"),
    "contract_full_time": _("全职"),
    "contract_start": _("合同起始日期"),
    "contract_end": _("合同终止日期"),
}
HELP = {
    "id_type": _("居民身份证 或 护照;空白按居民身份证"),
    "id_number": _("18位身份证号码(末位可为X)或护照号码"),
    "nationality": _("护照持有人必填"),
    "degree_level": _("学士 / 硕士 / 博士;空白表示本行不登记学位"),
    "degree_full_time": _("是 / 否;空白按是"),
    "key_discipline": _("是 / 否;空白按否"),
    "awarded_on": _("YYYY-MM-DD;登记学位时必填"),
    "contract_full_time": _("是 / 否;空白按是"),
    "contract_end": _("YYYY-MM-DD(含当日);空白表示无固定期限"),
}


@dataclass(frozen=True)
class ColumnText:
    key: str
    title: str  # the header in the file (Chinese)
    required: bool
    label: str
    help: str


def columns() -> list[ColumnText]:
    return [
        ColumnText(c.key, c.title, c.required, str(LABELS.get(c.key, c.title)), str(HELP.get(c.key, c.help)))
        for c in roster.COLUMNS
    ]
