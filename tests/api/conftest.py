"""API fixtures: two enterprises (A and B) with everything the API serves, made through the services:
centres with approved filings (scenario import), a draft filing with an uploaded document, researchers
with a certificate and a contract document, a YC-RD declaration, an approved monthly run whose lines
belong to both (exported once as the register PDF), and per enterprise a grant application (NX-FIRST, with its
document), a YC-RD declaration submission with its audit report, an NX-PERF evaluation and a draft
incubator. One user per role."""

import datetime as dt
import random
from dataclasses import dataclass, field

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from accounts.models import Role, User
from registry import services as registry_services
from registry.identifiers import uscc_check_char
from registry.models import Centre, Enterprise, Filing
from subsidies.declarations.services import rd_declaration_submit
from subsidies.demo import resident_id
from subsidies.exports.services import export_request
from subsidies.grants.incubators import incubator_create
from subsidies.grants.services import evaluation_record, grant_apply
from subsidies.models import PayoutLine, Programme, RDDeclaration
from subsidies.runs.services import payout_run_approve, run_payouts
from subsidies.scenario import import_scenario
from talent import services as talent_services
from talent.models import Contract, Degree, Researcher

PASSWORD = "pw-Test-2024!"


def pdf_bytes(text: str = "licence") -> bytes:
    return (
        b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Count 0/Kids[]>>endobj\n"
        b"% " + text.encode() + b"\ntrailer<</Root 1 0 R>>\n%%EOF\n"
    )


def pdf_upload(name: str = "licence.pdf", text: str = "licence") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, pdf_bytes(text), content_type="application/pdf")


@dataclass
class Tenant:
    user: User
    enterprise: Enterprise
    centre: Centre  # approved regional + Yinchuan filings
    filing: Filing  # the approved regional filing
    draft_centre: Centre
    draft: Filing  # a draft regional filing with a document
    document: object
    researcher: Researcher
    degree: Degree
    contract: Contract
    declaration: RDDeclaration
    line: PayoutLine
    application: object = None  # GrantApplication NX-FIRST, submitted
    attachment: object = None  # its ApplicationDocument
    submission: object = None  # RDDeclarationSubmission 2025, pending
    evaluation: object = None  # PerformanceEvaluation 2020-2022, pass (no award)
    incubator: object = None  # Incubator, draft
    objection: object = None  # Objection (异议申诉) on its payout line, open


@dataclass
class World:
    a: Tenant
    b: Tenant
    users: dict = field(default_factory=dict)  # role → user
    run: object = None
    parameter: object = None
    export: object = None  # ExportRecord of `run`, done
    finance2: object = None

    def client(self, role: str) -> APIClient:
        client = APIClient()
        if role != "anon":
            client.force_authenticate(self.users[role])
        return client


def _uscc(body17: str) -> str:
    return body17 + uscc_check_char(body17)


def build_world(make_user, tmp_media) -> World:
    rng, used = random.Random(9), set()
    ids = {"A": resident_id(rng, used), "B": resident_id(rng, used)}
    usccs = {"A": _uscc("91640106MA76AP001"), "B": _uscc("91640106MA76AP002")}
    fragment = {"enterprises": [], "centres": [], "researchers": [], "contracts": [], "rd_declarations": []}
    for t in "AB":
        fragment["enterprises"].append({"uscc": usccs[t], "name": f"企业{t}有限公司", "division_code": "640106"})
        fragment["centres"].append(
            {
                "ref": f"API-{t}",
                "enterprise": usccs[t],
                "name": f"企业{t}上海研发中心",
                "city": "上海",
                "division_code": "310115",
                "kind": "independent",
                "filings": [
                    {"level": "regional", "status": "approved", "effective_from": "2024-03-01"},
                    {"level": "yinchuan", "status": "approved", "effective_from": "2024-01-01"},
                ],
            }
        )
        fragment["researchers"].append(
            {"id_type": "resident_id", "id_number": ids[t], "name": f"研究员{t}", "degrees": []}
        )
        fragment["contracts"].append(
            {"researcher": ids[t], "centre": f"API-{t}", "full_time": True, "start": "2024-03-01", "end": "2029-02-28"}
        )
        fragment["rd_declarations"].append({"centre": f"API-{t}", "year": 2024, "verified_amount": "1000000.00"})
    import_scenario(fragment)

    users = {
        Role.REGIONAL_REVIEWER.value: make_user("api-reg", Role.REGIONAL_REVIEWER, full_name="区审核"),
        Role.YINCHUAN_REVIEWER.value: make_user("api-yc", Role.YINCHUAN_REVIEWER, full_name="市审核"),
        Role.FINANCE.value: make_user("api-fin", Role.FINANCE, full_name="财务甲"),
        Role.ADMIN.value: make_user("api-admin", Role.ADMIN, full_name="管理员"),
        Role.EXPERT.value: make_user("api-expert", Role.EXPERT, full_name="评估专家"),  # NX-PERF evaluations
    }
    finance2 = make_user("api-fin2", Role.FINANCE, full_name="财务乙")
    tenants = {}
    for t in "AB":
        owner = make_user(f"api-owner-{t.lower()}", Role.ENTERPRISE, full_name=f"企业{t}管理员")
        enterprise = Enterprise.objects.get(uscc=usccs[t])
        registry_services.membership_add(actor=users["admin"], enterprise=enterprise, user=owner, is_owner=True)
        centre = Centre.objects.get(ref=f"API-{t}")
        draft_centre = registry_services.centre_create(
            actor=owner, enterprise=enterprise, name=f"企业{t}深圳中心", city="深圳", division_code="440305"
        )
        draft = registry_services.filing_create(actor=owner, centre=draft_centre, level="regional")
        document = registry_services.document_upload(
            actor=owner, enterprise=enterprise, filing=draft, kind="business_licence", upload=pdf_upload()
        )
        researcher = Researcher.objects.get(id_number=ids[t])
        degree = talent_services.degree_upsert(
            actor=owner,
            researcher=researcher,
            level="doctorate",
            full_time=True,
            awarded_on=dt.date(2019, 7, 1),
            institution="清华大学",
            certificate=pdf_upload("cert.pdf"),
        )
        talent_services.degree_verify(actor=users["regional_reviewer"], degree=degree)
        contract = Contract.objects.get(researcher=researcher, centre=centre)
        contract = talent_services.contract_upsert(
            actor=owner,
            researcher=researcher,
            centre=centre,
            full_time=True,
            start=contract.start,
            end=contract.end,
            document=pdf_upload("contract.pdf", "contract"),
        )
        tenants[t] = dict(
            user=owner,
            enterprise=enterprise,
            centre=centre,
            filing=Filing.objects.get(centre=centre, level="regional"),
            draft_centre=draft_centre,
            draft=draft,
            document=document,
            researcher=researcher,
            degree=degree,
            contract=contract,
            declaration=RDDeclaration.objects.get(centre=centre, year=2024),
        )
    run = run_payouts(actor=users["finance"], kind="monthly", period="2024-05")
    run = payout_run_approve(actor=finance2, run_id=run.pk)
    for t in "AB":
        tenants[t]["line"] = PayoutLine.objects.filter(run=run, enterprise=tenants[t]["enterprise"]).first()
        assert tenants[t]["line"] is not None, "the approved run pays both enterprises"
    users["enterprise"] = tenants["A"]["user"]
    from subsidies.objections.services import objection_raise

    for t in "AB":
        tenants[t]["objection"] = objection_raise(
            actor=tenants[t]["user"],
            subject="payout_line",
            subject_id=tenants[t]["line"].pk,
            category="amount",
            text="金额有误",
        )
    from subsidies.parameters.services import parameter_set

    parameter = parameter_set(
        actor=users["admin"], name="nx_stipend.doctorate_monthly", value="5000.00", effective_from=dt.date(2023, 1, 1)
    )
    for t in "AB":
        add_grants(tenants[t], reviewer=users["regional_reviewer"])
    export = export_request(actor=users["finance"], run_id=run.pk, fmt="register_pdf", inline=True)
    return World(
        a=Tenant(**tenants["A"]),
        b=Tenant(**tenants["B"]),
        users=users,
        run=run,
        parameter=parameter,
        export=export,
        finance2=finance2,
    )


def add_grants(tenant: dict, *, reviewer) -> None:
    """The grants side of a tenant, through the services as the pages do."""
    owner, centre = tenant["user"], tenant["centre"]
    app = grant_apply(
        actor=owner,
        programme=Programme.objects.get(code="NX-FIRST"),
        centre=centre,
        requested_amount="800000.00",
        description="首次备案奖励申报",
        documents=[("备案批复", pdf_upload("approval.pdf", "approval"))],
        commitment=True,
    )
    tenant["application"], tenant["attachment"] = app, app.attachments.get()
    tenant["submission"] = rd_declaration_submit(
        actor=owner,
        centre=centre,
        year=2025,
        declared_amount="2000000.00",
        audit_report=pdf_upload("audit.pdf", "audit"),
        commitment=True,
    )
    tenant["evaluation"] = evaluation_record(actor=reviewer, centre=centre, period="2020-2022", result="pass")
    tenant["incubator"] = incubator_create(
        actor=owner,
        operator=tenant["enterprise"],
        ref=f"INC-{centre.ref}",
        name=f"{tenant['enterprise'].name}孵化器",
        city="上海",
    )


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.EXPORT_ROOT = tmp_path / "exports"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    return settings.MEDIA_ROOT


@pytest.fixture
def world(make_user, media_root) -> World:
    return build_world(make_user, media_root)


@pytest.fixture
def finance_b(make_user):
    return make_user("api-fin-b", Role.FINANCE, full_name="财务丙")


def login_client(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client
