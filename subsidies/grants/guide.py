"""办事指南 of each grant programme and of the YC-RD declaration (government-service conventions),
as registry.guide.Guide: who may apply (read from the programme's data: applicant, filing level, centre
kinds, frequency, amount), the materials the application form asks for, the legal basis (the measure, the
POLICY rule id and the measure's own words), the process, the promised time limits and the handling
department. Also the 信用承诺书 accepted at submission and the prefixes of the 受理编号.

Decisions (the measures name no time limits): grant applications are reviewed in the filings' two steps
within the filings' limits (registry.guide); a YC-RD declaration is verified within VERIFY_DAYS."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from registry import guide as filing_guides
from registry.guide import SINCE_FIRST_REVIEW, SINCE_SUBMISSION, TWO_STEP_LIMITS, Guide
from subsidies.explain.eligibility import CONDITION_TEXT
from subsidies.models import Applicant, Frequency, Origin, Programme
from subsidies.rules import grants as rules

# the 受理编号's prefix: 资助 (ZZ) of the measure granting it, and the YC-RD declaration (YCRD)
APPLICATION_PREFIX = {"regional": "NXZZ", "yinchuan": "YCZZ"}
DECLARATION_PREFIX = "YCRD"
DECLARATION_KEY = "yc-rd"

VERIFY_DAYS = 20  # Decision: the Yinchuan bureau verifies a declaration within 20 calendar days

# 信用承诺书: accepted at submission (recorded with the time on the application or the declaration)
COMMITMENT_TEXT = gettext_lazy(
    "本单位郑重承诺:所申报的信息、数据和上传的材料(含专项审计报告)真实、准确、完整、有效,不存在虚报、瞒报、"
    "伪造材料、重复申报等情形;获得的资金将按规定用途使用。如有违反,本单位愿意承担撤销资助、追回已拨付资金、"
    "纳入信用记录等相应责任。"
)

PROCESS = {
    Origin.APPLICATION: (
        gettext_lazy(
            "企业在平台选择资助项目和研发中心(人才类项目同时选择研发人员),填写申报说明、上传材料,"
            "阅读并签署信用承诺书后提交,取得受理编号。"
        ),
        gettext_lazy("审核员初审:核对条件和材料,材料不全的退回补正;初审开始前企业可以撤回申报。"),
        gettext_lazy("另一名审核员复审:在项目规定的金额范围内核定金额,作出予以支持或不予支持的决定。"),
        gettext_lazy("平台以站内消息和电子邮件通知企业审核结果;核准的资助纳入资助发放批次拨付。"),
    ),
    Origin.EVALUATION: (
        gettext_lazy("无需申报:审核员录入三年一次的综合绩效评估结果,评估为“优秀”的即提出奖补(初审)。"),
        gettext_lazy("另一名审核员复审核准奖补。"),
        gettext_lazy("平台以站内消息和电子邮件通知企业;核准的奖补纳入资助发放批次拨付。"),
    ),
    Origin.ASSESSMENT: (
        gettext_lazy("无需申报:银川市科学技术局录入飞地孵化器的年度考核结果,考核合格的即提出运营补贴(初审)。"),
        gettext_lazy("另一名审核员复审核准补贴。"),
        gettext_lazy("平台以站内消息和电子邮件通知运营方;核准的补贴纳入资助发放批次拨付。"),
    ),
    Origin.RECOGNITION: (
        gettext_lazy("无需申报:银川市科学技术局录入国家级或自治区级认定结果,即提出认定奖励(初审)。"),
        gettext_lazy("另一名审核员复审核准奖励。"),
        gettext_lazy("平台以站内消息和电子邮件通知运营方;核准的奖励纳入资助发放批次拨付。"),
    ),
}

# what the application form asks for, per programme (the form takes the files; the reviewers check them)
MATERIALS = {
    "NX-FIRST": ((gettext_lazy("自治区级备案通知书或备案证明"), None),),
    "NX-PDF": (
        (gettext_lazy("进站证明(博士后工作站进站通知或聘用合同)"), None),
        (gettext_lazy("博士学位证书(在平台登记并经审核员核验)"), None),
    ),
    "NX-AWARD": ((gettext_lazy("人才奖励或项目的获批文件(批复、证书或公布名单)"), None),),
}
APPROVAL_PAPER = ((gettext_lazy("获批文件(批复、认定或立项通知)"), None),)
COMMON_MATERIALS = (
    (gettext_lazy("申报说明(在线填写)"), gettext_lazy("建议填写")),
    (gettext_lazy("其他证明材料"), gettext_lazy("可选")),
)

CONTACT = {
    "regional": gettext_lazy("宁夏回族自治区科学技术厅;办理进度可在平台“站内消息”和申报详情页查看。"),
    "yinchuan": gettext_lazy("银川市科学技术局;办理进度可在平台“站内消息”和申报详情页查看。"),
}


def _amount(programme: Programme) -> str:
    """The amount as the programme's data gives it (POLICY §2), in the page's language."""
    high, low, joint = programme.amount_max, programme.amount_min, programme.joint_amount_max
    if programme.amount_type == rules.FIXED:
        text = _("资助金额:%(amount)s元(定额)") % {"amount": f"{high:,.2f}"}
    elif programme.amount_type == rules.CAPPED:
        text = _("资助金额:最高%(amount)s元,复审时在此范围内核定") % {"amount": f"{high:,.2f}"}
    else:
        text = _("资助金额:%(low)s元至%(high)s元,复审时在此范围内核定") % {
            "low": f"{low:,.2f}",
            "high": f"{high:,.2f}",
        }
    if joint is not None:
        text += _(";联合研发机构%(amount)s元") % {"amount": f"{joint:,.2f}"}
    return text


def conditions(programme: Programme) -> tuple[str, ...]:
    """The programme's conditions, read from its data in the order the submission checks them
    (subsidies.rules.grants.centre_conditions, subsidies.grants.services.eligibility_problems)."""
    out = [_("申报主体:%(who)s") % {"who": Applicant(programme.applicant).label}]
    if programme.applicant == Applicant.INCUBATOR:
        out.append(_(CONDITION_TEXT["incubator"]))
    else:
        if programme.for_independent and not programme.for_joint:
            out.append(_("仅限备案的独立研发机构(联合研发机构不适用)。"))
        elif programme.for_joint and not programme.for_independent:
            out.append(_(CONDITION_TEXT["joint"]))
        else:
            out.append(_("独立研发机构和联合研发机构均可申报。"))
        if programme.filing_level == "regional":
            out.append(_(CONDITION_TEXT["no_regional"]))
        elif programme.filing_level == "yinchuan":
            out.append(_(CONDITION_TEXT["no_yinchuan"]))
        if programme.code == "NX-FIRST":
            out.append(_(CONDITION_TEXT["refiling"]))
        if programme.applicant == Applicant.RESEARCHER:
            out.append(_(CONDITION_TEXT["researcher"]))
    out.append(
        _("频次:%(frequency)s;同一事项已获资助或有在审申报的,不能重复申报。")
        % {"frequency": Frequency(programme.frequency).label}
    )
    out.append(_amount(programme))
    return tuple(out)


def materials(programme: Programme) -> tuple:
    if programme.origin != Origin.APPLICATION:
        return ()
    return MATERIALS.get(programme.code, APPROVAL_PAPER) + COMMON_MATERIALS


def programme_guide(programme: Programme) -> Guide:
    """The programme's 办事指南, in the page's language (built per request)."""
    measure = filing_guides.guide_for(programme.measure)
    applies = programme.origin == Origin.APPLICATION
    return Guide(
        key=programme.code,
        title=f"{programme.code} {programme.display_name}",
        basis=measure.basis,
        department=measure.department,
        conditions=conditions(programme),
        materials=materials(programme),
        process=PROCESS[programme.origin],
        contact=CONTACT[programme.measure],
        limits=TWO_STEP_LIMITS if applies else ((_("复审"), SINCE_FIRST_REVIEW, filing_guides.APPROVAL_DAYS),),
        limits_note=filing_guides.RESTART_NOTE if applies else "",
    )


def rule_text(programme: Programme) -> str:
    """The legal basis's article: the POLICY rule id with the measure's own words."""
    return f"{programme.code}:{programme.legal_reference}"


DECLARATION_RULE = (
    "YC-RD:每年按飞地研发中心当年研发费用总投入的15%,最高不超过100万元的标准,对依托企业(申报主体)进行奖励"
)


def declaration_guide() -> Guide:
    """The YC-RD declaration's 办事指南 (POLICY §3 "Yinchuan R&D award")."""
    measure = filing_guides.guide_for("yinchuan")
    return Guide(
        key=DECLARATION_KEY,
        title=_("银川市飞地研发中心研发费用奖励申报(YC-RD)"),
        basis=measure.basis,
        department=measure.department,
        conditions=(
            _("申报主体为研发中心的依托企业,研发中心已获银川市级备案。"),
            _("申报年度须已结束,且不早于银川市办法的适用起始年度;研发中心的银川市备案在该年度内获批并生效。"),
            _("申报金额为银川市备案有效期内发生的研发费用总投入,以专项审计报告为准。"),
            _("同一研发中心同一年度同时只能有一份待核定的申报;核定后发现差错的,可重新申报,按核定差额补发或追回。"),
            _("奖励金额按核定研发投入的15%计算,每年最高100万元(比例和上限以该年度1月1日施行的参数为准)。"),
        ),
        materials=(
            (_("研发费用专项审计报告(申报年度)"), None),
            (_("申报年度及研发费用总投入金额(在线填写)"), None),
        ),
        process=(
            _(
                "企业在平台选择研发中心和年度,填写研发费用总投入、上传专项审计报告,阅读并签署信用承诺书后提交,取得受理编号。"
            ),
            _("银川市科学技术局审核员核定:可按申报金额核定,或核减并说明理由;核定前企业可以撤回申报。"),
            _("按核定金额计算奖励,纳入年度发放批次拨付;平台以站内消息和电子邮件通知企业。"),
        ),
        contact=_("银川市科学技术局;办理进度可在平台“站内消息”和申报详情页查看。"),
        limits=((_("核定"), SINCE_SUBMISSION, VERIFY_DAYS),),
        limits_note="",
    )
