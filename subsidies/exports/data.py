"""What the export documents print, read once from the database into plain, picklable values.

The renderers (pdf.py, bank.py) take these values and never touch the ORM, so the register can be
rendered in worker processes and the benchmark can build 10,000 lines in memory."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.utils import timezone

from accounts.errors import ConflictError
from subsidies.models import PayoutLine, PayoutRun, RunState
from subsidies.rules.rd_award import RULE as RD_AWARD
from subsidies.rules.stipend import RULE as STIPEND

EXPORTABLE_STATES = (RunState.APPROVED, RunState.EXPORTED, RunState.PAID, RunState.PARTIAL)
ZERO = Decimal("0.00")


@dataclass(frozen=True)
class Line:
    id: int
    rule: str
    kind: str  # regular / adjustment
    beneficiary: str
    beneficiary_name: str
    service_period: str
    is_arrears: bool
    amount: Decimal
    explanation: dict | None = None
    researcher_id: int | None = None  # a person's line: `beneficiary` is their full ID or passport number


@dataclass
class CentreGroup:
    ref: str
    name: str
    lines: list[Line] = field(default_factory=list)

    @property
    def subtotal(self) -> Decimal:
        return sum((ln.amount for ln in self.lines), ZERO)


@dataclass
class EnterpriseGroup:
    id: int
    uscc: str
    name: str
    bank_name: str
    bank_account: str
    centres: list[CentreGroup] = field(default_factory=list)
    reference: str = ""  # the transfer's reference, echoed by the bank (subsidies/transfers)
    bank_cnaps: str = ""  # the payee bank's 联行号 (CNAPS, 12 digits) the bank file carries

    @property
    def subtotal(self) -> Decimal:
        return sum((c.subtotal for c in self.centres), ZERO)

    @property
    def line_count(self) -> int:
        return sum(len(c.lines) for c in self.centres)

    @property
    def rules(self) -> list[str]:
        return sorted({ln.rule for c in self.centres for ln in c.lines})


MEASURES = {
    "NX": "《宁夏回族自治区企业飞地研发中心建设支持暂行办法》",
    "YC": "《银川市飞地研发中心和飞地孵化器备案支持办法》",
}
PERSON, CENTRE, INCUBATOR = "researcher", "centre", "incubator"


@dataclass(frozen=True)
class RuleInfo:
    """What a document says about a rule: its name, the measure and the measure's words, who receives
    the money and, for a grant programme, its amount type and bounds (POLICY §2)."""

    code: str
    name: str
    legal_reference: str
    recipient: str  # researcher (paid on to a person) / centre (the centre and its parent) / incubator
    amount_type: str = ""
    amount_min: Decimal | None = None
    amount_max: Decimal | None = None
    joint_amount_max: Decimal | None = None

    @property
    def measure(self) -> str:
        return MEASURES.get(self.code.split("-", 1)[0], "")


BUILTIN_RULES = {
    STIPEND: RuleInfo(
        STIPEND,
        "研发人员生活补助",
        "全职聘用的研发人员,若签订5年以上聘用合同,全日制博士每月5000元,重点院校重点学科硕士每月3000元,补助可持续5年",
        PERSON,
    ),
    RD_AWARD: RuleInfo(
        RD_AWARD,
        "研发投入奖励",
        "每年按飞地研发中心当年研发费用总投入的15%,最高不超过100万元的标准,对依托企业(申报主体)进行奖励",
        CENTRE,
    ),
}


def rule_infos(codes) -> dict[str, RuleInfo]:
    """The rules a document names: the two automatic ones, and the grant programmes (data, with their
    legal reference and bounds) read in one query."""
    from subsidies.models import Programme

    codes = set(codes)
    infos = {c: BUILTIN_RULES[c] for c in codes if c in BUILTIN_RULES}
    for p in Programme.objects.filter(code__in=codes - set(infos)):
        infos[p.code] = RuleInfo(
            p.code,
            p.name,
            p.legal_reference,
            p.applicant,
            p.amount_type,
            p.amount_min,
            p.amount_max,
            p.joint_amount_max,
        )
    return infos


@dataclass
class RunDocument:
    run_id: int
    kind: str
    kind_label: str
    period: str
    state_label: str
    created_by: str
    computed_by: str
    approved_by: str
    approved_at: str
    printed_at: str
    enterprises: list[EnterpriseGroup] = field(default_factory=list)
    rule_info: dict[str, RuleInfo] = field(default_factory=dict)

    @property
    def total(self) -> Decimal:
        return sum((e.subtotal for e in self.enterprises), ZERO)

    @property
    def line_count(self) -> int:
        return sum(e.line_count for e in self.enterprises)

    @property
    def rules(self) -> list[str]:
        return sorted({r for e in self.enterprises for r in e.rules})

    def info(self, code: str) -> RuleInfo:
        return self.rule_info.get(code) or BUILTIN_RULES.get(code) or RuleInfo(code, "", "", CENTRE)

    def basis(self, codes=None) -> str:
        """The measures and the rules under each, for a sentence or a footer: 《…办法》(NX-STIPEND
        研发人员生活补助、NX-PERF 综合绩效评估奖补)、《…》(YC-RD 研发投入奖励)."""
        by_measure: dict[str, list[str]] = {}
        for code in sorted(self.rules if codes is None else codes):
            info = self.info(code)
            by_measure.setdefault(info.measure, []).append(f"{code} {info.name}".strip())
        return "、".join(
            f"{measure}({'、'.join(items)})" if measure else "、".join(items) for measure, items in by_measure.items()
        )


def require_exportable(run: PayoutRun) -> None:
    """Only what has been approved (four eyes) is paid, so only that is exported."""
    if run.state not in EXPORTABLE_STATES:
        raise ConflictError(
            f"批次#{run.pk}({run.period})状态为“{run.get_state_display()}”,只有已审批、已导出或已拨付的批次可以导出",
            "only an approved, exported or paid run can be exported",
            code="not_exportable",
            record=f"批次#{run.pk}",
        )


def _person(user) -> str:
    return (user.full_name or user.username) if user is not None else ""


def run_document(run: PayoutRun, *, with_explanations: bool = False, enterprise_id: int | None = None) -> RunDocument:
    """The run's active lines grouped by enterprise and centre, in a stable order (enterprise name,
    centre ref, service period, beneficiary, line id) so re-exports print the same document."""
    require_exportable(run)
    run = PayoutRun.objects.select_related("created_by", "computed_by", "approved_by").get(pk=run.pk)
    doc = RunDocument(
        run_id=run.pk,
        kind=run.kind,
        kind_label=str(run.get_kind_display()),
        period=run.period,
        state_label=str(run.get_state_display()),
        created_by=_person(run.created_by),
        computed_by=_person(run.computed_by),
        approved_by=_person(run.approved_by),
        approved_at=timezone.localtime(run.approved_at).strftime("%Y-%m-%d %H:%M") if run.approved_at else "",
        printed_at=timezone.localtime().strftime("%Y-%m-%d %H:%M"),
    )
    fields = [
        "id",
        "rule",
        "kind",
        "beneficiary",
        "beneficiary_name",
        "service_period",
        "is_arrears",
        "amount",
        "enterprise_id",
        "enterprise__uscc",
        "enterprise__name",
        "enterprise__bank_name",
        "enterprise__bank_account",
        "centre__ref",
        "centre__name",
        "researcher_id",
        "enterprise__bank_cnaps",
    ]
    if with_explanations:
        fields += ["explanation", "explanation_basis__body"]
    lines = PayoutLine.objects.filter(run_id=run.pk, active=True)
    if enterprise_id is not None:  # one enterprise's own notice (subsidies.views_notices)
        lines = lines.filter(enterprise_id=enterprise_id)
    qs = lines.order_by(
        "enterprise__name", "enterprise_id", "centre__ref", "service_period", "beneficiary_name", "id"
    ).values_list(*fields)
    ent: EnterpriseGroup | None = None
    centre: CentreGroup | None = None
    for row in qs.iterator(chunk_size=5000):
        ent_id, uscc, ent_name, bank_name, bank_account, cref, cname = row[8:15]  # row[:8]: the line's own
        if ent is None or ent.id != ent_id:
            ent = EnterpriseGroup(ent_id, uscc, ent_name, bank_name, bank_account, bank_cnaps=row[16])
            doc.enterprises.append(ent)
            centre = None
        if centre is None or centre.ref != (cref or ""):
            # incubator awards (YC-INC-*, YC-MS-*) belong to the operator, not to a centre
            centre = CentreGroup(cref or "", cname or "孵化器及其他项目(不属于研发中心)")
            ent.centres.append(centre)
        centre.lines.append(
            Line(
                *row[:8],  # id, rule, kind, beneficiary, name, period, arrears, amount
                {**(row[18] or {}), **row[17]} if with_explanations else None,
                researcher_id=row[15],
            )
        )
    doc.rule_info = rule_infos(doc.rules)
    return doc
