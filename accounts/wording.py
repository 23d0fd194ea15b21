"""English wording for the Chinese words services put in their refusals: a refusal's
English half names the action, the missing text and the state in English, never a Chinese word or an
internal key ("cannot 复审通过", "required documents missing: business_licence")."""

from django.utils import translation

ACTIONS_EN = {
    "处理": "act on it",
    "上传材料": "upload documents",
    "作出不予备案决定": "refuse the filing",
    "作出不予支持决定": "refuse the application",
    "作出复审决定": "decide the final review",
    "修改研发中心信息": "edit the centre",
    "初审": "give the first review",
    "发起备案": "start a filing",
    "备案飞地孵化器": "file the incubator",
    "复审": "give the final review",
    "复审通过": "approve it",
    "审核飞地孵化器备案": "review the incubator filing",
    "录入孵化器考核": "record the incubator assessment",
    "录入绩效评估": "record the evaluation",
    "录入认定结果": "record the recognition",
    "恢复": "reinstate it",
    "恢复备案": "reinstate the filing",
    "提交": "submit it",
    "提交备案": "submit the filing",
    "提交孵化器备案": "submit the incubator filing",
    "撤销": "revoke it",
    "撤回备案": "withdraw the filing",
    "暂停": "suspend it",
    "添加成员": "add a member",
    "申报研发投入": "declare R&D spending",
    "申报资助": "apply for the grant",
    "登记研发中心": "register a centre",
    "退回": "return it",
    "退回修改": "return it for changes",
    "退回或不予备案": "return or refuse it",
    "邀请成员": "invite a member",
    "重新提交": "resubmit it",
    "重新提交申报": "resubmit the application",
}
TEXTS_EN = {
    "不予备案的理由": "the reason for refusing the filing",
    "不予支持的理由": "the reason for refusing support",
    "恢复日期": "the reinstatement date",
    "意见": "a comment",
    "撤销": "the revocation reason",
    "撤销原因": "the revocation reason",
    "暂停": "the suspension reason",
    "暂停原因": "the suspension reason",
    "退回意见(需要企业修改的内容)": "the return comment (what the enterprise must change)",
}


def action_en(zh: str) -> str:
    return ACTIONS_EN.get(zh, "do this")


def text_en(zh: str) -> str:
    return TEXTS_EN.get(zh, "this text")


def label_en(label) -> str:
    """A choice's label (a lazy Chinese msgid) in English."""
    with translation.override("en"):
        return str(label)


def label_zh(label) -> str:
    """A choice's label in Chinese whatever the request's language: the Chinese half of a refusal."""
    with translation.override("zh-hans"):
        return str(label)
