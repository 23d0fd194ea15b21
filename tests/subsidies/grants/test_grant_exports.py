# ruff: noqa: F811  (pytest fixtures imported from grants_support)
"""Grant lines in the export documents (issue 7.2): the appendix explains each award (programme, legal
reference, origin, period, every review step, amount type and bounds); the payment notice names the
measures and rules it pays under and closes with what the money is for; the register's footer is built
from the document's rules. Read back with pdftotext."""

import pytest

from subsidies.exports import pdf
from subsidies.exports.data import run_document
from subsidies.grants import incubators
from subsidies.grants import services as grants
from tests.subsidies.exports.test_exports import pdf_text, squash
from tests.subsidies.grants.test_grants_payouts import grants_run
from tests.subsidies.grants_support import (  # noqa: F401
    doc,
    enterprise,
    independent,
    joint,
    make_researcher,
    media_root,
    owner,
    programme,
    reg1,
    reg2,
    yc1,
    yc2,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def grant_run(system, owner, independent, joint, reg1, reg2, yc1, yc2, finance, finance2):
    app = grants.grant_apply(
        actor=owner,
        programme=programme("NX-TEAM"),
        centre=independent,
        documents=[("批复文件", doc())],
        commitment=True,
    )
    grants.grant_first_review(actor=reg1, application=app, comment="材料齐全")
    grants.grant_approve(actor=reg2, application=app, amount="1500000", comment="按批复核定")
    perf = grants.evaluation_record(actor=reg1, centre=joint, period="2022-2024", result="excellent")
    grants.grant_approve(actor=reg2, application=perf.award)  # the second step (issue 12)
    r = make_researcher(actor=system, centre=independent, doctorate=True)
    pdf_app = grants.grant_apply(
        actor=owner,
        programme=programme("NX-PDF"),
        centre=independent,
        researcher=r,
        documents=[("进站通知", doc())],
        commitment=True,
    )
    grants.grant_first_review(actor=reg1, application=pdf_app)
    grants.grant_approve(actor=reg2, application=pdf_app)
    inc = incubators.incubator_create(
        actor=owner, operator=independent.enterprise, ref="INC-X", name="飞地孵化器", city="杭州"
    )
    incubators.incubator_submit(actor=owner, incubator=inc)
    incubators.incubator_decide(actor=yc1, incubator=inc, action="first_review")
    incubators.incubator_decide(actor=yc2, incubator=inc, action="approve")
    rec = incubators.incubator_recognition_record(actor=yc1, incubator=inc, programme_code="YC-MS-NAT")
    grants.grant_approve(actor=yc2, application=rec)
    return grants_run(finance, finance2)


def _flat(text: str) -> str:
    return squash(text).replace("\n", "")


def test_appendix_explains_grant_lines(grant_run, tmp_path):
    document = run_document(grant_run, with_explanations=True)
    appendix = _flat(pdf_text(pdf.render_appendix(document), tmp_path, "a.pdf"))
    for expected in (
        # NX-TEAM: application, two review steps with people and the amount, capped bounds
        "项目:NX-TEAM自治区科技创新团队,依据《宁夏回族自治区企业飞地研发中心建设支持暂行办法》",
        "政策原文:申请组建自治区科技创新团队,获批后最高给予200万元支持",
        "产生方式:企业申报,经初审、复审核定;受益对象:研发中心GR-IND",
        "初审:初审通过,区审核一",
        "意见:材料齐全",
        "复审核定:已核准,区审核二",
        "核定金额¥1,500,000.00,意见:按批复核定",
        "核定金额¥1,500,000.00(最高限额:不超过¥2,000,000.00)",
        # NX-PERF: an evaluation of a joint centre, the period, the joint amount
        "产生方式:三年一次综合绩效评估结果;受益对象:研发中心GR-JNT",
        "(联合研发机构)",
        "评估期2022-2024",
        "核定金额¥250,000.00(定额¥250,000.00)",
        # NX-PDF: to a person; YC-MS-NAT: a recognition of an incubator under the Yinchuan measure
        "受益对象:研发中心GR-IND",
        "研发人员王博士",
        "核定金额¥100,000.00(定额¥100,000.00)",
        "项目:YC-MS-NAT国家级众创空间认定奖励,依据《银川市飞地研发中心和飞地孵化器备案支持办法》",
        "产生方式:认定结果;受益对象:飞地孵化器INC-X",
    ):
        assert squash(expected) in appendix, f"{expected!r} not in the appendix"
    assert "None" not in appendix


def test_notice_names_the_measures_and_closes_for_awards(grant_run, tmp_path):
    document = run_document(grant_run)
    notice = _flat(pdf_text(pdf.render_notices(document), tmp_path, "n.pdf"))
    for expected in (
        "根据《宁夏回族自治区企业飞地研发中心建设支持暂行办法》(NX-PDF进站博士科研经费、NX-PERF绩效评估优秀奖补、"
        "NX-TEAM自治区科技创新团队)、《银川市飞地研发中心和飞地孵化器备案支持办法》(YC-MS-NAT国家级众创空间认定奖励)",
        "NX-PDF资金请按规定及时足额发放给相关研发人员(受资助人员)",
        "NX-PERF、NX-TEAM资金为对研发中心及其依托企业的奖补,请用于飞地研发中心建设和研发活动",
        "YC-MS-NAT资金请用于飞地孵化器的建设和运营",
    ):
        assert squash(expected) in notice, f"{expected!r} not in the notice"


def test_register_footer_built_from_the_documents_rules(grant_run, tmp_path):
    register = _flat(pdf_text(pdf.render_register(run_document(grant_run)), tmp_path, "r.pdf"))
    assert squash("规则依据:《宁夏回族自治区企业飞地研发中心建设支持暂行办法》(NX-PDF进站博士科研经费") in register
    assert "POLICY" not in register and "NX-STIPEND" not in register
