"""Why / why not for grant eligibility ("the same … for grant eligibility"; POLICY §3 "One-time and
evaluated grants"): each condition a programme asks of a centre (or researcher, or incubator), whether it
held, the rule's own reason when it did not, and what would make it hold. The centre conditions are the
rule's (subsidies.rules.grants.centre_conditions); a researcher's and an incubator's are the checks that
submission and approval run (subsidies.grants.services). Pure wording: the reads are in eligibility_selectors."""

from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

# the condition as it reads when it holds (the reason, when it fails, is the rule's)
CONDITION_TEXT = {
    "not_centre": gettext_noop("申报主体为研发中心"),
    "joint": gettext_noop("该项目适用于联合研发机构"),
    "independent_only": gettext_noop("该项目适用于独立研发机构"),
    "no_regional": gettext_noop("已有生效的自治区级备案"),
    "no_yinchuan": gettext_noop("已有生效的银川市级备案"),
    "refiling": gettext_noop("首次备案(未曾撤销备案后重新备案)"),
    "awarded": gettext_noop("尚未获得该项资助(每个中心限一次)"),
    "pending": gettext_noop("没有在审的同项申报"),
    "researcher": gettext_noop("研发人员符合该项目的条件(与该中心签订聘用合同;NX-PDF须在职且有经核验的博士学位)"),
    "incubator": gettext_noop("飞地孵化器已备案且备案有效"),
    "once": gettext_noop("同一事项尚未获得资助,也没有在审的申报"),
}
# what would make it hold; empty where no record can change it
REMEDIES = {
    "not_centre": "",
    "joint": "",
    "independent_only": "",
    "no_regional": gettext_noop("研发中心的自治区级备案获批并生效"),
    "no_yinchuan": gettext_noop("研发中心的银川市级备案获批并生效"),
    "refiling": "",
    "awarded": "",
    "pending": gettext_noop("在审的申报审核完毕"),
    "researcher": gettext_noop("按所列原因补正研发人员的合同或学历记录"),
    "incubator": gettext_noop("飞地孵化器的银川市备案获批并有效"),
    "once": "",
}


@dataclass(frozen=True)
class Check:
    code: str
    condition: str
    held: bool
    reason: str = ""  # the rule's words when it failed
    remedy: str = ""

    @property
    def text(self) -> str:
        return self.condition if self.held else self.reason

    @property
    def mark(self) -> str:
        return "符合" if self.held else "不符合"


def check(code: str, held: bool, reason: str = "") -> Check:
    """One condition in the reader's language: the rule's reasons are in the catalogue (grants.reason_text)."""
    remedy = REMEDIES[code]
    return Check(
        code, _(CONDITION_TEXT[code]), held, "" if held else _(reason), "" if held or not remedy else _(remedy)
    )


@dataclass(frozen=True)
class Eligibility:
    code: str  # the programme's rule id (POLICY §2)
    programme: str  # "NX-FIRST 首次备案奖励"
    subject: str  # the centre, person or incubator asked about
    checks: tuple[Check, ...]
    no_application: str = ""  # the programme is decided on a result, not applied for (the rule's words)

    @property
    def eligible(self) -> bool:
        return all(c.held for c in self.checks)

    @property
    def failed(self) -> list[Check]:
        return [c for c in self.checks if not c.held]

    @property
    def status_label(self) -> str:
        return _("符合条件") if self.eligible else _("不符合条件")

    @property
    def summary(self) -> str:
        """The answer in one sentence, as the pages and the API give it."""
        words = {"subject": self.subject, "programme": self.programme}
        if self.eligible:
            text = _("按现有记录,%(subject)s符合%(programme)s的条件") % words
            return text + (_(";") + _(self.no_application) if self.no_application else "")
        reasons = _(";").join(c.reason for c in self.failed)
        return _("按现有记录,%(subject)s不符合%(programme)s的条件:%(reasons)s") % {**words, "reasons": reasons}

    @property
    def if_remedied(self) -> str:
        if self.eligible:
            return ""
        remedies = []
        for c in self.failed:
            if c.remedy and c.remedy not in remedies:
                remedies.append(c.remedy)
        if not remedies:
            return _("所缺条件无法通过补正记录满足。")
        joined = _(",且").join(remedies)
        if any(not c.remedy for c in self.failed):
            return _("如%(remedies)s,仍有其他不能补正的条件,仍不符合条件。") % {"remedies": joined}
        return _("如%(remedies)s,即符合条件。") % {"remedies": joined}
