"""Demo data: the first batch's outcomes as the press reported them — 34 patents, 6 software
copyrights transferred to Ningxia (reported as "6 or 7"; the lower figure is used), 17 technology results
delivered to the Ningxia headquarters, more than 500 million yuan of international contracts led by the
Hangzhou centre — filed as each centre's 2024 annual report and accepted in two steps, plus the indicator
scheme of the 2023-2025 cycle. The split between centres is the demo's (the press gave totals only); the
researchers (9, 30, 15, 18) are the demo's contracts. Everything goes through the services."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from registry.models import Centre
from subsidies.models import IndicatorScheme, PerformanceReport
from subsidies.performance import checks, services

YEAR = 2024
# centre ref → (enterprise user, invention patents applied, software copyrights, results delivered, contracts)
OUTCOMES = {
    "LJ-HZ": ("qiye_lj", 8, 2, 4, Decimal("500000000.00")),
    "WL-SH": ("qiye_wl", 12, 1, 6, Decimal("0.00")),
    "GX-BJ": ("qiye_gx", 9, 2, 4, Decimal("0.00")),
    "CR-BJ": ("qiye_cr", 5, 1, 3, Decimal("0.00")),
}
PRESS_TOTALS = {"patents_applied": 34, "software_copyrights": 6, "results_delivered": 17}
INDICATORS = (
    ("A1", "知识产权产出", "40", "100", "report:patents_applied", "三年内发明专利申请与授权数量及质量"),
    (
        "A2",
        "成果回流宁夏",
        "30",
        "100",
        "report:results_delivered",
        "向宁夏母公司交付、在宁夏转化应用的成果及产品/产线",
    ),
    ("B1", "人才队伍建设", "15", "100", "record:researchers", "在聘研发人员规模、学历结构,人才培养"),
    ("B2", "研发投入", "15", "100", "record:rd_verified", "核定研发投入及增长"),
)


def _pdf(name: str) -> SimpleUploadedFile:
    data = (
        b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Count 0/Kids[]>>endobj\n"
        b"% demo evidence\ntrailer<</Root 1 0 R>>\n%%EOF\n"
    )
    return SimpleUploadedFile(name, data, content_type="application/pdf")


def _patent(serial: int) -> str:
    body = f"{YEAR}1{serial:07d}"
    return f"CN{body}.{checks.patent_check_digit(body)}"


def load_performance_demo(users: dict) -> int:
    """The four 2024 reports and the 2023-2025 scheme; nothing when they are already there."""
    reviewer, approver = users["shenhe_zzq"], users["shenhe_zzq2"]
    made = 0
    serial = 310000
    for ref, (username, patents, software, delivered, contracts) in OUTCOMES.items():
        centre = Centre.objects.get(ref=ref)
        if PerformanceReport.objects.filter(centre=centre, year=YEAR).exists():
            continue
        owner = users[username]
        report = services.report_create(actor=owner, centre=centre, year=YEAR)
        items = []
        for i in range(patents):
            serial += 7
            items.append(
                {
                    "figure": "patents_applied",
                    "number": _patent(serial),
                    "title": f"{centre.name}发明专利{i + 1}",
                    "date": dt.date(YEAR, 1 + i % 12, 10),
                }
            )
        for i in range(software):
            items.append(
                {
                    "figure": "software_copyrights",
                    "number": f"{YEAR}SR{serial + i:07d}",
                    "title": f"{centre.name}软件{i + 1}(著作权转让宁夏母公司)",
                    "date": dt.date(YEAR, 6, 1 + i),
                }
            )
        for i in range(delivered):
            items.append(
                {
                    "figure": "results_delivered",
                    "title": f"交付宁夏总部技术成果{i + 1}",
                    "date": dt.date(YEAR, 3 + i % 9, 15),
                }
            )
        if contracts:
            items.append(
                {
                    "figure": "contract_value",
                    "title": "杭州中心牵头的国际技术合同(合计)",
                    "date": dt.date(YEAR, 9, 30),
                    "amount": contracts,
                }
            )
        services.report_update(
            actor=owner,
            report=report,
            items=items,
            summary="演示数据:按首批中心公开报道的成果整理",
            figures={
                "patents_applied": patents,
                "software_copyrights": software,
                "results_delivered": delivered,
                "contract_value": contracts,
            },
        )
        for figure in ("patents_applied", "software_copyrights", "results_delivered") + (
            ("contract_value",) if contracts else ()
        ):
            services.report_attach(actor=owner, report=report, figure=figure, upload=_pdf(f"{figure}.pdf"))
        if timezone.localdate() > report.deadline:
            services.report_extend(
                actor=reviewer,
                report=report,
                until=timezone.localdate() + dt.timedelta(days=30),
                reason="演示数据:首批中心补报2024年度绩效报告",
            )
        services.report_submit(actor=owner, report=report)
        services.report_first_review(actor=reviewer, report=report, comment="演示数据:材料齐全")
        services.report_accept(actor=approver, report=report, comment="演示数据:予以受理")
        made += 1
    if not IndicatorScheme.objects.filter(period="2023-2025").exists():
        scheme = services.scheme_create(
            actor=reviewer, period="2023-2025", name="企业飞地研发中心综合绩效评估指标(2023-2025)"
        )
        for n, (code, name, weight, top, source, guidance) in enumerate(INDICATORS, start=1):
            services.indicator_set(
                actor=reviewer,
                scheme=scheme,
                code=code,
                name=name,
                weight=weight,
                max_score=top,
                source=source,
                guidance=guidance,
                sort_order=n,
            )
    return made
