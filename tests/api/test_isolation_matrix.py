"""The isolation matrix, generated from the URL configuration.

Every route under /api/v1/ (and every HTML download view) must appear in MATRIX with each HTTP
method its view answers, mapped to the roles allowed to call it. A route or method not in the
matrix fails the test, so a new endpoint cannot ship without a decision on who may call it.

For each endpoint × method × role:
- a role outside the matrix gets 403 (anonymous: 401 on the API, a redirect to the login page on
  HTML views). The role check runs before any object lookup, so the answer never reveals whether
  an object exists. Exception (documented): none on the API. The HTML download views are open to
  every role and hide other tenants' files with 404; the HTML export pages answer 404 to every role
  but finance and administrators (HTML_REFUSED: their existence is not disclosed). The evaluation
  expert (issue 19) owns no files: the downloads open to every role answer them 404 too, and an annual
  report page answers 404 to a role that may not see it.
- enterprise A gets 404 for enterprise B's objects: detail, nested routes, actions, downloads,
  and creates that name B's objects in their body;
- lists and filtered lists (filtered by B's ids) never contain B's rows;
- the allowed roles reach their own objects (enterprise A its own; the administrator B's).

Adding an endpoint later is one MATRIX entry, plus one OBJECTS entry when its URL carries an id.
"""

import re

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from accounts.models import Role
from tests.api.conftest import pdf_upload

E = Role.ENTERPRISE.value
R = Role.REGIONAL_REVIEWER.value
Y = Role.YINCHUAN_REVIEWER.value
F = Role.FINANCE.value
A = Role.ADMIN.value
X = Role.EXPERT.value  # appointed evaluation experts (issue 19): nothing here but their assigned centres' pages
ALL = frozenset({E, R, Y, F, A})
PUBLIC = frozenset({"anon", *ALL})
ROLES = ["anon", E, R, Y, F, A, X]
DECIDERS = frozenset({R, Y, A})
WRITERS = frozenset({E, A})
MONEY = frozenset({F, A})
YC_READERS = frozenset({E, Y, F, A})  # YC-RD submissions and incubators: the Yinchuan bureau's side
YC_STAFF = frozenset({Y, A})
STAFF = frozenset({R, Y, F, A})

MATRIX: dict[str, dict[str, frozenset]] = {
    # public: the schema, its UI and the token endpoint (which answers to credentials, not a session)
    "api-schema": {"GET": PUBLIC},
    "api-docs": {"GET": PUBLIC},
    "api-token": {"POST": PUBLIC},
    # registry
    "enterprise-list": {"GET": ALL},
    "enterprise-detail": {"GET": ALL},
    "centre-list": {"GET": ALL, "POST": WRITERS},
    "centre-detail": {"GET": ALL, "PATCH": WRITERS},
    "filing-list": {"GET": ALL, "POST": WRITERS},
    "filing-detail": {"GET": ALL},
    "filing-submit": {"POST": WRITERS},
    "filing-withdraw": {"POST": WRITERS},  # 撤回 before the first review (issue 15)
    "filing-return": {"POST": DECIDERS},
    "filing-first-review": {"POST": DECIDERS},
    "filing-approve": {"POST": DECIDERS},
    "filing-reject": {"POST": DECIDERS},
    "filing-suspend": {"POST": DECIDERS},
    "filing-revoke": {"POST": DECIDERS},
    "filing-reinstate": {"POST": DECIDERS},
    "filing-documents": {"GET": ALL, "POST": WRITERS},
    "filing-decisions": {"GET": ALL},
    "document-list": {"GET": ALL},
    "document-detail": {"GET": ALL},
    "document-download": {"GET": ALL},
    # talent
    "researcher-list": {"GET": ALL, "POST": WRITERS},
    "researcher-detail": {"GET": ALL},
    "degree-list": {"GET": ALL, "POST": WRITERS},
    "degree-detail": {"GET": ALL},
    "degree-verify": {"POST": DECIDERS},
    "degree-return-for-correction": {"POST": DECIDERS},
    "degree-refuse": {"POST": DECIDERS},
    "contract-list": {"GET": ALL, "POST": WRITERS},
    "contract-detail": {"GET": ALL},
    "contract-terminate": {"POST": frozenset({E, R, Y, A})},
    # subsidies
    "declaration-list": {"GET": frozenset({E, Y, F, A})},  # read-only: written through declaration-submissions
    "declaration-detail": {"GET": frozenset({E, Y, F, A})},
    "payout-run-list": {"GET": MONEY, "POST": MONEY},
    "payout-run-grants": {"POST": MONEY},
    "payout-run-detail": {"GET": MONEY},
    "payout-run-approve": {"POST": MONEY},
    "payout-run-cancel": {"POST": MONEY},
    "payout-run-lines": {"GET": MONEY},
    "payout-line-list": {"GET": frozenset({E, F, A})},
    "payout-line-detail": {"GET": frozenset({E, F, A})},
    "payout-line-letter": {"GET": frozenset({E, F, A})},  # the line's decision letter (issue 16 §2)
    "parameter-list": {"GET": ALL},
    "parameter-detail": {"GET": ALL},
    "budget-list": {"GET": MONEY},  # approved yearly budgets (finance and administrators)
    "payout-run-exports": {"GET": MONEY, "POST": MONEY},
    "export-list": {"GET": MONEY},
    "export-detail": {"GET": MONEY},
    "export-download": {"GET": MONEY},
    # grants
    "programme-list": {"GET": ALL},
    "programme-detail": {"GET": ALL},
    "grant-application-list": {"GET": ALL, "POST": WRITERS},
    "grant-application-detail": {"GET": ALL},
    "grant-application-resubmit": {"POST": WRITERS},
    "grant-application-withdraw": {"POST": WRITERS},  # 撤回 before the first review (issue 15)
    "grant-application-first-review": {"POST": DECIDERS},
    "grant-application-approve": {"POST": DECIDERS},
    "grant-application-return": {"POST": DECIDERS},
    "grant-application-reject": {"POST": DECIDERS},
    "grant-application-decisions": {"GET": ALL},
    "grant-application-attachments": {"GET": ALL},
    "grant-application-eligibility": {"GET": ALL},  # why (not) eligible, each condition (issue 16)
    "grant-attachment-list": {"GET": ALL},
    "grant-attachment-detail": {"GET": ALL},
    "grant-attachment-download": {"GET": ALL},
    "declaration-submission-list": {"GET": YC_READERS, "POST": WRITERS},
    "declaration-submission-detail": {"GET": YC_READERS},
    "declaration-submission-verify": {"POST": YC_STAFF},
    "declaration-submission-withdraw": {"POST": WRITERS},  # 撤回 before verification (issue 15)
    "declaration-submission-report": {"GET": YC_READERS},
    "evaluation-list": {"GET": ALL, "POST": frozenset({R, A})},
    "evaluation-detail": {"GET": ALL},
    "incubator-list": {"GET": YC_READERS, "POST": WRITERS},
    "incubator-detail": {"GET": YC_READERS},
    "incubator-submit": {"POST": WRITERS},
    "incubator-first-review": {"POST": YC_STAFF},
    "incubator-approve": {"POST": YC_STAFF},
    "incubator-return": {"POST": YC_STAFF},
    "incubator-reject": {"POST": YC_STAFF},
    "incubator-revoke": {"POST": YC_STAFF},
    "incubator-decisions": {"GET": YC_READERS},
    "incubator-assessments": {"GET": YC_READERS, "POST": YC_STAFF},
    "incubator-recognitions": {"POST": YC_STAFF},
    "benefit-detail": {"GET": ALL},
    "benefit-yc-rd-years": {"GET": ALL},  # a centre's YC-RD years, why (not) paid (issue 16)
    "benefit-eligibility": {"GET": ALL},  # a centre's conditions per programme (issue 16)
    # budget projection (issue 18): finance and bureau staff read; finance and administrators save
    "projection-summary": {"GET": STAFF},
    "projection-job-detail": {"GET": STAFF},  # the requester's own jobs (administrators: all)
    "projection-scenario-list": {"GET": STAFF, "POST": MONEY},
    "projection-scenario-compare": {"GET": STAFF},
    "projection-scenario-detail": {"GET": STAFF},
    "subsidies:projection_scenario_export_pdf": {"GET": STAFF},
    "subsidies:projection_scenario_export_xlsx": {"GET": STAFF},
    # performance statistics (issue 19): the annual report export and the page, bureau staff only
    "subsidies:performance_statistics_export_pdf": {"GET": STAFF},
    "subsidies:performance_statistics_export_xlsx": {"GET": STAFF},
    "subsidies:performance_statistics": {"GET": STAFF},
    "subsidies:performance_report": {"GET": ALL},
    "subsidies:performance_evidence_download": {"GET": ALL},  # a report's evidence: whoever reads the report
    "performance-report-list": {"GET": ALL},
    "performance-report-detail": {"GET": ALL},
    "evaluation-score-list": {
        "GET": ALL
    },  # published scores by indicator  # an annual report: its enterprise and bureau staff
    # objections (issue 16): raised by enterprises, answered by the bureau responsible; the why-not calendar
    "objection-list": {"GET": ALL, "POST": WRITERS},
    "objection-detail": {"GET": ALL},
    "objection-answer": {"POST": STAFF},
    "objection-reply": {"POST": WRITERS},
    "objection-close": {"POST": ALL},
    "objection-figures": {"GET": STAFF},
    "stipend-calendar-detail": {"GET": ALL},
    "objections:attachment_download": {"GET": ALL},  # an objection's attachment: whoever reads the objection
    "objections:person_letter_export": {"GET": STAFF},  # 个人补助核定说明 PDF (staff; enterprises 403)
    # HTML downloads (every role; other tenants' files are 404)
    "registry:document_download": {"GET": ALL},
    "registry:document_preview": {"GET": ALL},  # inline preview (page, image bytes, PDF page images)
    "talent:degree_certificate": {"GET": ALL},
    "talent:degree_certificate_image": {"GET": ALL},  # an image certificate shown inline
    "talent:contract_document": {"GET": ALL},
    "talent:researcher_export": {"GET": ALL},  # the list as XLSX: each actor's own rows (tests/talent)
    "subsidies:grant_attachment": {"GET": ALL},
    "subsidies:declaration_report": {"GET": ALL},
    "subsidies:payout_notice_download": {"GET": frozenset({E, F, A})},  # the enterprise's 拨付通知书 (issue 15)
    # HTML export pages (finance and administrators; everyone else 404)
    "subsidies:run_exports": {"GET": MONEY},
    "subsidies:export_create": {"POST": MONEY},
    "subsidies:export_status": {"GET": MONEY},
    "subsidies:export_download": {"GET": MONEY},
    "subsidies:run_list_export": {"GET": MONEY},  # the run list as XLSX (issue 15): 403 to every other role
    # HTML pages that are not downloads but are in the matrix all the same (HTML_PAGES)
    "subsidies:budgets": {"GET": MONEY, "POST": MONEY},  # the budget page: 403 to every other role
    # bank transfers and results (issue 17): enterprises their own transfers; the rest is finance's
    "transfer-list": {"GET": frozenset({E, F, A})},
    "transfer-detail": {"GET": frozenset({E, F, A})},
    "transfer-confirm": {"POST": frozenset({E})},
    "transfer-correct": {"POST": MONEY},
    "bank-result-list": {"GET": MONEY, "POST": MONEY},
    "result-correction-list": {"GET": MONEY},
    "result-correction-decide": {"POST": MONEY},
    "account-change-list": {"GET": frozenset({E, F, A}), "POST": WRITERS},
    "account-change-check": {"POST": MONEY},
    "reissue-batch-list": {"GET": MONEY, "POST": MONEY},
    "reissue-batch-detail": {"GET": MONEY},
    "reissue-batch-approve": {"POST": MONEY},
    "reissue-batch-export": {"POST": MONEY},
    "reconciliation-detail": {"GET": MONEY},
    "reconciliation-pdf": {"GET": MONEY},
    "reconciliation-xlsx": {"GET": MONEY},
    "subsidies:transfers:run": {"GET": MONEY},
    "subsidies:transfers:batch_export": {"POST": MONEY},
    "subsidies:transfers:reconciliation_export_pdf": {"GET": MONEY},
    "subsidies:transfers:reconciliation_export_xlsx": {"GET": MONEY},
    "subsidies:transfers:finance_queue": {"GET": MONEY},
    "subsidies:transfers:mine": {"GET": frozenset({E})},
    "subsidies:transfers:confirm": {"POST": frozenset({E})},
    # government-service conventions of grants and YC-RD (issue 15): 撤回 by the enterprise, the declaration's
    # page (its enterprise and the Yinchuan bureau's readers), the public 办事指南 (no tenant data)
    "subsidies:grant_withdraw": {"POST": frozenset({E})},
    "subsidies:declaration_withdraw": {"POST": frozenset({E})},
    "subsidies:declaration_detail": {"GET": YC_READERS},
    "subsidies:grant_guide": {"GET": PUBLIC | {X}},
    "subsidies:declaration_guide": {"GET": PUBLIC | {X}},
}
# Function views do not say which methods they answer: the POST-only ones are named here.
HTML_METHODS = {
    "subsidies:export_create": {"POST"},
    "subsidies:budgets": {"GET", "POST"},
    "subsidies:transfers:batch_export": {"POST"},
    "subsidies:transfers:confirm": {"POST"},
    "subsidies:grant_withdraw": {"POST"},
    "subsidies:declaration_withdraw": {"POST"},
}
# HTML pages (not downloads) whose access is decided here too.
HTML_PAGES = {
    "subsidies:budgets",
    "subsidies:transfers:run",
    "subsidies:transfers:finance_queue",
    "subsidies:transfers:mine",
    "subsidies:transfers:confirm",
    "subsidies:performance_statistics",
    "subsidies:grant_withdraw",
    "subsidies:declaration_withdraw",
    "subsidies:declaration_detail",
    "subsidies:grant_guide",
    "subsidies:declaration_guide",
}
# HTML routes that refuse a role with 404 instead of 403 (documented above).
HTML_REFUSED = {
    "subsidies:performance_report": 404,
    "objections:attachment_download": 404,
    "subsidies:performance_evidence_download": 404,
    "subsidies:run_exports": 404,
    "subsidies:export_create": 404,
    "subsidies:export_status": 404,
    "subsidies:export_download": 404,
}

# The object a route's {pk} names, by route basename: enterprise B's (tenant-owned) or shared.
OBJECTS = {
    "enterprise": lambda w, t: t.enterprise,
    "centre": lambda w, t: t.centre,
    "filing": lambda w, t: t.draft,
    "document": lambda w, t: t.document,
    "researcher": lambda w, t: t.researcher,
    "degree": lambda w, t: t.degree,
    "contract": lambda w, t: t.contract,
    "declaration": lambda w, t: t.declaration,
    "payout-line": lambda w, t: t.line,
    "payout-run": lambda w, t: w.run,  # shared (finance only)
    "parameter": lambda w, t: w.parameter,  # shared (policy, read by all)
    "registry:document_download": lambda w, t: t.document,
    "registry:document_preview": lambda w, t: t.document,
    "talent:degree_certificate": lambda w, t: t.degree,
    "talent:degree_certificate_image": lambda w, t: t.degree,
    "talent:contract_document": lambda w, t: t.contract,
    "programme": lambda w, t: w.a.application.programme,  # shared (policy, read by all)
    "export": lambda w, t: w.export,  # shared (finance only)
    "grant-application": lambda w, t: t.application,
    "grant-attachment": lambda w, t: t.attachment,
    "declaration-submission": lambda w, t: t.submission,
    "evaluation": lambda w, t: t.evaluation,
    "incubator": lambda w, t: t.incubator,
    "benefit": lambda w, t: t.centre,  # a centre's benefits
    "objection": lambda w, t: t.objection,
    "stipend-calendar": lambda w, t: t.researcher,  # a researcher's months
    "objections:person_letter_export": lambda w, t: t.researcher,
    "objections:attachment_download": lambda w, t: _objection_attachment(t),
    "subsidies:grant_attachment": lambda w, t: t.attachment,
    "subsidies:declaration_report": lambda w, t: t.submission,
    "subsidies:payout_notice_download": lambda w, t: t.enterprise,
    "subsidies:run_exports": lambda w, t: w.run,
    "subsidies:export_create": lambda w, t: w.run,
    "subsidies:export_status": lambda w, t: w.export,
    "subsidies:export_download": lambda w, t: w.export,
    "projection-job": lambda w, t: _projection_job(w),
    "projection-scenario": lambda w, t: _projection_scenario(w),
    "subsidies:performance_report": lambda w, t: _performance_report(w, t),
    "subsidies:performance_evidence_download": lambda w, t: _performance_evidence(w, t),
    "performance-report": lambda w, t: _performance_report(w, t),
    "subsidies:projection_scenario_export_pdf": lambda w, t: _projection_scenario(w),
    "subsidies:projection_scenario_export_xlsx": lambda w, t: _projection_scenario(w),
    "transfer": lambda w, t: _transfer(w, t),
    "result-correction": lambda w, t: _money_loop(w)["correction"],  # shared (finance only)
    "account-change": lambda w, t: _account_change(w, t),
    "reissue-batch": lambda w, t: _money_loop(w)["batch"],  # shared (finance only)
    "reconciliation": lambda w, t: w.run,  # shared (finance only): the run's reconciliation
    "subsidies:transfers:run": lambda w, t: w.run,
    "subsidies:transfers:batch_export": lambda w, t: _money_loop(w)["batch"],
    "subsidies:transfers:reconciliation_export_pdf": lambda w, t: w.run,
    "subsidies:transfers:reconciliation_export_xlsx": lambda w, t: w.run,
    "subsidies:transfers:confirm": lambda w, t: _transfer(w, t),
    "subsidies:grant_withdraw": lambda w, t: t.application,
    "subsidies:declaration_withdraw": lambda w, t: t.submission,
    "subsidies:declaration_detail": lambda w, t: t.submission,
    "subsidies:grant_guide": lambda w, t: _Key("NX-FIRST"),  # a programme's guide, by its code
}
SHARED = {
    "payout-run",
    "parameter",
    "programme",
    "export",
    "subsidies:run_exports",
    "subsidies:export_create",
    "subsidies:export_status",
    "subsidies:export_download",
    "projection-job",
    "projection-scenario",
    "subsidies:projection_scenario_export_pdf",
    "subsidies:projection_scenario_export_xlsx",
    "result-correction",
    "reissue-batch",
    "reconciliation",
    "subsidies:transfers:run",
    "subsidies:transfers:batch_export",
    "subsidies:transfers:reconciliation_export_pdf",
    "subsidies:transfers:reconciliation_export_xlsx",
    "subsidies:grant_guide",
}


class _Key:
    """A route keyed by a code rather than an id (the 办事指南 of a programme): `pk` is the code."""

    def __init__(self, pk: str):
        self.pk = pk


def _transfer(w, t):
    """The tenant's transfer of the world's run: the run's bank file is exported once (both enterprises
    given an account first), which creates one transfer per enterprise."""
    from registry.models import Enterprise
    from subsidies.exports.services import export_request
    from subsidies.transfers.models import Transfer

    if not Transfer.objects.filter(run=w.run).exists():
        Enterprise.objects.filter(pk__in=[w.a.enterprise.pk, w.b.enterprise.pk]).update(
            bank_name="宁夏银行营业部", bank_account="6217000100020001"
        )
        export_request(actor=w.users[F], run_id=w.run.pk, fmt="bank_csv", inline=True)
    return Transfer.objects.get(run=w.run, enterprise=t.enterprise, batch__isnull=True)


def _money_loop(w):
    """Bank results for the world's run (A's transfer paid, B's returned), a re-issue batch for B's and a
    pending correction of A's result: finance's objects."""
    from subsidies.transfers.models import BankAccountChange, ReissueBatch, ResultCorrection
    from subsidies.transfers.services import (
        bank_account_change_check,
        bank_results_import,
        reissue_batch_create,
        result_correction_request,
    )

    if not ReissueBatch.objects.exists():
        rows = ["收款人名称,收款账号,开户银行,金额(元),用途/附言,交易状态,失败原因,银行流水号,交易日期"]
        for tenant, outcome in ((w.a, "成功,"), (w.b, "失败,户名不符")):
            tr = _transfer(w, tenant)
            rows.append(
                f"{tr.payee_name},{tr.bank_account},{tr.bank_name},{tr.amount:.2f},{tr.reference} 批次,"
                f"{outcome},SN{tr.pk},2024-06-10"
            )
        bank_results_import(actor=w.users[F], run_id=w.run.pk, file_name="回单.csv", data="\r\n".join(rows).encode())
        for change in BankAccountChange.objects.filter(enterprise=w.b.enterprise, state="pending"):
            bank_account_change_check(actor=w.users[F], change_id=change.pk, accept=True)  # checked before 补拨
        reissue_batch_create(actor=w.users[F], run_id=w.run.pk)
        result_correction_request(
            actor=w.users[F],
            transfer_id=_transfer(w, w.a).pk,
            to_state="failed",
            reason="矩阵",
            failure_reason="账户冻结",
        )
    return {"batch": ReissueBatch.objects.get(), "correction": ResultCorrection.objects.get()}


def _account_change(w, t):
    """A bank account correction asked by each enterprise (A's and B's)."""
    from subsidies.transfers.models import BankAccountChange
    from subsidies.transfers.services import bank_account_change_request

    for tenant in (w.a, w.b):
        if not BankAccountChange.objects.filter(enterprise=tenant.enterprise).exists():
            bank_account_change_request(
                actor=tenant.user,
                enterprise_id=tenant.enterprise.pk,
                bank_name="中国银行",
                bank_account="1071000099990000",
                bank_cnaps="104871000018",
                reason="销户",
            )
    return BankAccountChange.objects.get(enterprise=t.enterprise)


def _projection_scenario(w):
    """A saved projection scenario (bureau-wide, not a tenant's), saved once by finance."""
    from subsidies.projection.models import ProjectionScenario
    from subsidies.projection.scenarios import scenario_save

    return ProjectionScenario.objects.first() or scenario_save(actor=w.users[F], name="矩阵", through="2025-06")


def _performance_report(w, t):
    """The tenant's centre's 2025 annual performance report (issue 19), created once."""
    from subsidies.models import PerformanceReport
    from subsidies.performance.services import report_create

    return PerformanceReport.objects.filter(centre=t.centre, year=2025).first() or report_create(
        actor=w.users[A], centre=t.centre, year=2025
    )


def _performance_evidence(w, t):
    """An evidence document of the tenant's annual report (a registry Document of no filing)."""
    from subsidies.performance.services import report_attach

    report = _performance_report(w, t)
    return report.evidence.first() or report_attach(
        actor=t.user,
        report=report,
        figure="patents_applied",
        upload=pdf_upload("patent.pdf"),
    )


def _objection_attachment(t):
    """An attachment of the tenant's objection (a registry Document of no filing)."""
    from registry.models import DocumentKind
    from registry.services.documents import document_upload
    from subsidies.objections.models import ObjectionAttachment

    found = ObjectionAttachment.objects.filter(objection=t.objection).first()
    if found is None:
        document = document_upload(
            actor=t.user, enterprise=t.enterprise, kind=DocumentKind.OTHER, upload=pdf_upload("objection.pdf")
        )
        found = ObjectionAttachment.objects.create(objection=t.objection, document=document)
    return found


def _projection_job(w):
    """A projection job requested by finance (its requester and administrators may read it)."""
    from subsidies.projection.models import ProjectionJob

    return ProjectionJob.objects.first() or ProjectionJob.objects.create(requested_by=w.users[F], through="2025-06")


# Lists and the filters that could leak another tenant's rows: filtered by B's ids, A must get nothing.
LIST_FILTERS = {
    "enterprise-list": {},
    "centre-list": {"enterprise": lambda t: t.enterprise.pk},
    "filing-list": {"enterprise": lambda t: t.enterprise.pk, "centre": lambda t: t.centre.pk},
    "document-list": {"enterprise": lambda t: t.enterprise.pk, "filing": lambda t: t.draft.pk},
    "researcher-list": {"enterprise": lambda t: t.enterprise.pk, "centre": lambda t: t.centre.pk},
    "degree-list": {"researcher": lambda t: t.researcher.pk},
    "contract-list": {
        "researcher": lambda t: t.researcher.pk,
        "centre": lambda t: t.centre.pk,
        "enterprise": lambda t: t.enterprise.pk,
    },
    "declaration-list": {"centre": lambda t: t.centre.pk, "enterprise": lambda t: t.enterprise.pk},
    "payout-line-list": {"enterprise": lambda t: t.enterprise.pk, "centre": lambda t: t.centre.pk},
    "grant-application-list": {"enterprise": lambda t: t.enterprise.pk, "centre": lambda t: t.centre.pk},
    "grant-attachment-list": {"application": lambda t: t.application.pk},
    "declaration-submission-list": {"centre": lambda t: t.centre.pk, "enterprise": lambda t: t.enterprise.pk},
    "evaluation-list": {"centre": lambda t: t.centre.pk},
    "incubator-list": {"operator": lambda t: t.enterprise.pk},
    "transfer-list": {"enterprise": lambda t: t.enterprise.pk},
    "account-change-list": {"enterprise": lambda t: t.enterprise.pk},
    "performance-report-list": {"centre": lambda t: t.centre.pk, "enterprise": lambda t: t.enterprise.pk},
    "objection-list": {},
}
LIST_OWN_IDS = {  # which of B's objects each list would show
    "enterprise-list": lambda t: t.enterprise.pk,
    "centre-list": lambda t: t.centre.pk,
    "filing-list": lambda t: t.filing.pk,
    "document-list": lambda t: t.document.pk,
    "researcher-list": lambda t: t.researcher.pk,
    "degree-list": lambda t: t.degree.pk,
    "contract-list": lambda t: t.contract.pk,
    "declaration-list": lambda t: t.declaration.pk,
    "payout-line-list": lambda t: t.line.pk,
    "grant-application-list": lambda t: t.application.pk,
    "grant-attachment-list": lambda t: t.attachment.pk,
    "declaration-submission-list": lambda t: t.submission.pk,
    "evaluation-list": lambda t: t.evaluation.pk,
    "transfer-list": lambda t: _tenant_transfer(t).pk,
    "account-change-list": lambda t: _tenant_change(t).pk,
    # the tenants' reports exist by then: performance-report-detail (sorted first) made them through OBJECTS
    "performance-report-list": lambda t: t.centre.performance_reports.get(year=2025).pk,
    "incubator-list": lambda t: t.incubator.pk,
    "objection-list": lambda t: t.objection.pk,
}


def _tenant_transfer(t):
    from subsidies.transfers.models import Transfer

    return Transfer.objects.get(enterprise=t.enterprise, batch__isnull=True)


def _tenant_change(t):
    from subsidies.transfers.models import BankAccountChange

    return BankAccountChange.objects.get(enterprise=t.enterprise)


# Creates whose body names another tenant's object: A naming B's object gets 404.
CREATE_NAMING_B = {
    "centre-list": lambda w, b: {
        "enterprise": b.enterprise.pk,
        "name": "越权中心",
        "city": "北京",
        "division_code": "110108",
    },
    "filing-list": lambda w, b: {"centre": b.centre.pk, "level": "yinchuan"},
    "researcher-list": lambda w, b: {
        "centre": b.centre.pk,
        "id_type": "passport",
        "id_number": "E12345678",
        "name": "越权",
        "nationality": "德国",
        "start": "2024-01-01",
    },
    "degree-list": lambda w, b: {"researcher": b.researcher.pk, "level": "master", "awarded_on": "2015-07-01"},
    "contract-list": lambda w, b: {
        "researcher": w.a.researcher.pk,
        "centre": b.centre.pk,
        "full_time": False,
        "start": "2024-01-01",
    },
    "grant-application-list": lambda w, b: {"programme": "NX-FIRST", "centre": b.centre.pk, "document": pdf_upload()},
    "declaration-submission-list": lambda w, b: {
        "centre": b.centre.pk,
        "year": 2024,
        "declared_amount": "1.00",
        "audit_report": pdf_upload(),
    },
    "objection-list": lambda w, b: {
        "subject": "payout_line",
        "subject_id": b.line.pk,
        "category": "amount",
        "text": "越权异议",
    },
    "incubator-list": lambda w, b: {"operator": b.enterprise.pk, "ref": "INC-X", "name": "越权孵化器", "city": "上海"},
    "account-change-list": lambda w, b: {
        "enterprise": b.enterprise.pk,
        "bank_name": "越权银行",
        "bank_account": "12345678901",
        "reason": "越权",
    },
}


def _walk(patterns, prefix="", namespace=""):
    for p in patterns:
        if isinstance(p, URLResolver):
            ns = f"{namespace}{p.namespace}:" if p.namespace else namespace
            yield from _walk(p.url_patterns, prefix + str(p.pattern), ns)
        elif isinstance(p, URLPattern):
            yield prefix + str(p.pattern), (namespace + p.name) if p.name else None, p.callback


def _methods(callback) -> set[str]:
    actions = getattr(callback, "actions", None)
    if actions:  # a DRF viewset route
        return {m.upper() for m in actions if m not in ("head", "options")}
    cls = getattr(callback, "view_class", None) or getattr(callback, "cls", None)
    if cls is not None:
        return {m.upper() for m in cls.http_method_names if hasattr(cls, m) and m not in ("head", "options")}
    return {"GET"}  # function views: the HTML downloads answer GET


HTML_DOWNLOAD = re.compile(r"(download|export|certificate|_document$|attachment|_report$|^document_preview$)")
ID_KWARG = re.compile(r"<(?:\w+:)?(\w+)>|\(\?P<(\w+)>")


def id_kwarg(path: str) -> str | None:
    """The name of the id a route's URL carries (pk, run_id, …), None for a route without one."""
    match = ID_KWARG.search(path)
    return (match.group(1) or match.group(2)) if match else None


def discovered_routes():
    routes = {}
    for path, name, callback in _walk(get_resolver().url_patterns):
        if path.startswith("api/v1/"):
            assert name, f"API route {path} has no name: name it and add it to MATRIX"
            routes[name] = (path, _methods(callback))
        elif name and (HTML_DOWNLOAD.search(name.split(":")[-1]) or name in HTML_PAGES):
            routes[name] = (path, HTML_METHODS.get(name) or _methods(callback))
    return routes


def test_every_route_is_in_the_matrix():
    routes = discovered_routes()
    missing = sorted(set(routes) - set(MATRIX))
    stale = sorted(set(MATRIX) - set(routes))
    assert not missing, f"routes without a decision on who may call them (add them to MATRIX): {missing}"
    assert not stale, f"MATRIX names routes that no longer exist: {stale}"
    for name, (path, methods) in routes.items():
        assert methods == set(MATRIX[name]), (
            f"{name} ({path}) answers {sorted(methods)}, MATRIX lists {sorted(MATRIX[name])}"
        )
        if id_kwarg(path):
            base = name if ":" in name else name.rsplit("-", 1)[0]
            assert base in OBJECTS or name.rsplit("-", 1)[0] in OBJECTS or any(name.startswith(k) for k in OBJECTS), (
                f"{name}: add its object to OBJECTS"
            )


def _basename(name: str) -> str:
    if ":" in name:
        return name
    return max((k for k in OBJECTS if name.startswith(k + "-")), key=len, default=name.rsplit("-", 1)[0])


def _url(name: str, path: str, obj) -> str:
    kwarg = id_kwarg(path)
    if kwarg:
        return reverse(name, kwargs={kwarg: obj.pk})
    return reverse(name)


class Counter:
    def __init__(self):
        self.n = 0

    def check(self, condition: bool, message: str):
        self.n += 1
        assert condition, message


def _call(client, method: str, url: str, data=None):
    fn = getattr(client, method.lower())
    if method == "GET":
        return fn(url, data or {})
    if data is not None and any(hasattr(v, "read") for v in data.values()):
        return fn(url, data, format="multipart")
    return fn(url, data or {}, format="json")


@pytest.mark.django_db
def test_isolation_matrix(world, capsys):
    routes = discovered_routes()
    c = Counter()
    a, b = world.a, world.b
    for name, (path, _) in sorted(routes.items()):
        if name in ("api-schema", "api-docs", "api-token"):
            continue  # public; the token endpoint is tested with axes
        html = ":" in name
        base = _basename(name)
        for method, allowed in MATRIX[name].items():
            for role in ROLES:
                b_obj = OBJECTS[base](world, b) if base in OBJECTS else None
                url = _url(name, path, b_obj)
                where = f"{method} {url} ({name}) as {role}"
                if html:
                    client = Client()
                    if role != "anon":
                        client.force_login(world.users[role])
                else:
                    client = world.client(role)
                if role not in allowed:
                    response = _call(client, method, url)
                    if role == "anon":
                        expected = 302 if html else 401
                    else:
                        # an expert (issue 19) has no files: the downloads open to every role hide them with 404
                        hidden = html and role == X and ALL <= allowed
                        expected = HTML_REFUSED.get(name, 404 if hidden else 403)
                    c.check(
                        response.status_code == expected, f"{where}: expected {expected}, got {response.status_code}"
                    )
                    if not html:
                        c.check(
                            response.json()["error"]["code"] in ("not_authenticated", "permission_denied"),
                            f"{where}: error format",
                        )
                    continue
                if role != E:
                    if method == "GET" and role == A and id_kwarg(path):
                        response = _call(client, method, url)
                        c.check(response.status_code == 200, f"{where}: the administrator sees B's object")
                    continue
                # enterprise A, an allowed role
                if id_kwarg(path) and base not in SHARED:
                    body = (
                        {"kind": "other", "file": pdf_upload()}
                        if name == "filing-documents" and method == "POST"
                        else None
                    )
                    response = _call(client, method, url, body)
                    c.check(
                        response.status_code == 404, f"{where} on B's object: expected 404, got {response.status_code}"
                    )
                    if method == "GET":
                        own = _call(client, method, _url(name, path, OBJECTS[base](world, a)))
                        c.check(own.status_code == 200, f"{where}: A's own object gives {own.status_code}")
                elif method == "POST" and name in CREATE_NAMING_B:
                    response = _call(client, method, url, CREATE_NAMING_B[name](world, b))
                    c.check(
                        response.status_code == 404,
                        f"{where} naming B's object: expected 404, got {response.status_code} {response.content[:200]}",
                    )
                elif method == "GET" and name in LIST_FILTERS:
                    rows = _call(client, method, url).json()["results"]
                    ids = {r["id"] for r in rows}
                    c.check(LIST_OWN_IDS[name](b) not in ids, f"{where}: B's row in A's list")
                    c.check(LIST_OWN_IDS[name](a) in ids, f"{where}: A's own row missing from A's list")
                    for row in rows:
                        if "enterprise" in row:
                            c.check(row["enterprise"] == a.enterprise.pk, f"{where}: a row of another enterprise")
                    for param, value in LIST_FILTERS[name].items():
                        filtered = _call(client, method, url, {param: value(b)}).json()
                        c.check(filtered["count"] == 0, f"{where}?{param}=<B's>: {filtered['count']} rows")
    with capsys.disabled():
        checks = sum(len(MATRIX[n]) * len(ROLES) for n in routes if n in MATRIX)
        print(f"\nisolation matrix: {len(routes)} routes, {checks} endpoint×method×role cells, {c.n} assertions")
    assert c.n > 300
