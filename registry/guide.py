"""办事指南 (service guide) of each filing measure (government-service conventions): who may
file, the materials, the legal basis, the process, the promised time limits (承诺时限) and the handling
department. Read by the guide page, the filing form (link), the stage tracking (time limits) and the
submission (信用承诺书). The conditions are POLICY §1's; the time limits are a Decision (the measures
name none): calendar days, counted from the day the stage starts.

`Guide` and the page's sections (templates/partials/guide_sections.html) are shared: the grant
programmes' and the YC-RD declaration's guides (subsidies.grants.guide) are Guides too."""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from registry.models import DocumentKind, FilingLevel

# Decision (the measures are silent): the bureau promises each review step within these calendar days
FIRST_REVIEW_DAYS = 10
APPROVAL_DAYS = 10

# 信用承诺书: the text the enterprise accepts at submission (recorded with the time on the filing)
COMMITMENT_TEXT = _(
    "本单位郑重承诺:所填报的信息和上传的材料真实、准确、完整、有效,不存在虚报、瞒报、伪造材料等情形;"
    "研发中心的设立、人员和经费情况如有变化将及时报告。如有违反,本单位愿意承担撤销备案、追回已拨付资金、"
    "纳入信用记录等相应责任。"
)


# the promised time limit of a stage, counted from the day it starts (the page fills in the days)
SINCE_SUBMISSION = _("自提交之日起%(days)s日内")
SINCE_FIRST_REVIEW = _("自初审通过之日起%(days)s日内")
RESTART_NOTE = _("退回补正的,自企业重新提交之日起重新计算。")


@dataclass(frozen=True)
class Guide:
    key: str  # a filing level here; a programme code or "yc-rd" in subsidies.grants.guide
    title: object
    basis: object
    department: object
    conditions: tuple
    materials: tuple  # (DocumentKind or a material's name, when required: None = always, else a note)
    process: tuple
    contact: object
    limits: tuple = ()  # (stage name, SINCE_* wording, days)
    limits_note: object = RESTART_NOTE


TWO_STEP_LIMITS = ((_("初审"), SINCE_SUBMISSION, FIRST_REVIEW_DAYS), (_("复审"), SINCE_FIRST_REVIEW, APPROVAL_DAYS))

# both filing levels ask for the same materials and run the same two-step review (POLICY §1)
FILING_MATERIALS = (
    (DocumentKind.BUSINESS_LICENCE, None),
    (DocumentKind.ESTABLISHMENT_PROOF, None),
    (DocumentKind.COOPERATION_AGREEMENT, _("联合研发机构提交")),
    (DocumentKind.SITE_PROOF, _("可选")),
)
FILING_REVIEW_STEPS = (
    _("企业登记研发中心并发起备案,上传材料,阅读并签署信用承诺书后提交,取得受理编号。"),
    _("审核员初审:核对条件和材料,材料不全的退回补正。"),
    _("另一名审核员复审:作出予以备案或不予备案的决定,并确定生效日期。"),
)


GUIDES = {
    FilingLevel.REGIONAL: Guide(
        key=FilingLevel.REGIONAL,
        title=_("自治区企业飞地研发中心备案"),
        basis=_("《宁夏回族自治区企业飞地研发中心建设支持暂行办法》(2023年)"),
        department=_("宁夏回族自治区科学技术厅(会同党委人才工作领导小组办公室、人力资源社会保障厅)"),
        conditions=(
            _("依托企业为在宁夏回族自治区注册的企业(注册地行政区划代码以64开头)。"),
            _("研发中心位于宁夏回族自治区以外(如北京、上海、杭州、深圳等地)。"),
            _("研发中心为独立研发机构,或与高校、科研院所共建的联合研发机构。"),
            _("每个研发中心在自治区级只能备案一次;被撤销备案后重新备案的,不再享受首次备案奖励。"),
        ),
        materials=FILING_MATERIALS,
        process=(
            *FILING_REVIEW_STEPS,
            _("平台以站内消息和电子邮件通知企业审核结果;备案后研发中心即可享受相应支持政策。"),
        ),
        contact=_("宁夏回族自治区科学技术厅;办理进度可在平台“站内消息”和备案详情页查看。"),
        limits=TWO_STEP_LIMITS,
    ),
    FilingLevel.YINCHUAN: Guide(
        key=FilingLevel.YINCHUAN,
        title=_("银川市飞地研发中心备案"),
        basis=_("《银川市飞地研发中心和飞地孵化器备案支持办法》"),
        department=_("银川市科学技术局"),
        conditions=(
            _("依托企业注册在银川市(兴庆区、西夏区、金凤区、永宁县、贺兰县、灵武市,区划代码以6401开头)。"),
            _("研发中心位于宁夏回族自治区以外。"),
            _("依托企业同时为研发费用奖励的申报主体。"),
            _("每个研发中心在银川市级只能备案一次。"),
        ),
        materials=FILING_MATERIALS,
        process=(
            *FILING_REVIEW_STEPS,
            _("平台以站内消息和电子邮件通知企业审核结果;备案后可按年度申报研发费用奖励。"),
        ),
        contact=_("银川市科学技术局;办理进度可在平台“站内消息”和备案详情页查看。"),
        limits=TWO_STEP_LIMITS,
    ),
}


def guide_for(level: str) -> Guide | None:
    return GUIDES.get(level)


def material_rows(guide: Guide) -> list[tuple[object, object]]:
    """(material name, when it is required) for the guide's table; a filing's required ones are the
    submission's own check (registry.services.filings.required_document_kinds)."""
    return [
        (DocumentKind(what).label if what in DocumentKind.values else what, when or _("必须提交"))
        for what, when in guide.materials
    ]


def limit_rows(guide: Guide) -> list[tuple[object, str]]:
    """(stage, promised time limit) for the guide's table, in the page's language."""
    return [(stage, str(wording) % {"days": days}) for stage, wording, days in guide.limits]
