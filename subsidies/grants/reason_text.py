"""The eligibility reasons of subsidies.rules.grants, in the catalogue: pages show them with
`{% translate r %}` so an English reader gets them in English. The rules keep the Chinese
strings (they are pure and have no gettext); this list must match them (tests/test_plain_language.py)."""

from django.utils.translation import gettext_noop

REASONS = (
    gettext_noop("联合研发机构不适用"),
    gettext_noop("仅适用于联合研发机构"),
    gettext_noop("尚无已生效的自治区级备案"),
    gettext_noop("尚无已生效的银川市级备案"),
    gettext_noop("该中心曾被撤销备案,撤销后重新备案不再给予首次备案奖励(仅限首次备案)"),
    gettext_noop("已获得该项资助(每个中心限一次)"),
    gettext_noop("已有在审的申报,请等待审核结果"),
    gettext_noop("根据每三年一次的综合绩效评估结果核定,评估为“优秀”时自动给予,无需申报"),
    gettext_noop("由年度考核结果核定,无需申报"),
    gettext_noop("由认定结果核定,无需申报"),
    gettext_noop("该项目的申报主体为飞地孵化器运营方,不适用于研发中心"),
)
