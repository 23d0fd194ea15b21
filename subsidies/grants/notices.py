"""Notices of a grant application's or a YC-RD declaration's submission and withdrawal: the
reviewers of the programme's level (Yinchuan reviewers for YC-RD) hear of new work, with its 受理编号 and
promised time limit, and of a withdrawal; the declaring enterprise hears of its declaration's submission,
withdrawal and verification. The one notifier and the reviewers' notice are registry's."""

from django.urls import reverse
from django.utils import timezone, translation

from accounts.wording import label_en, label_zh
from registry import guide as filing_guides
from registry.services.notifications import level_reviewers, notify_enterprise, notify_reviewers
from subsidies.grants.guide import VERIFY_DAYS
from subsidies.models import DeclarationStatus, GrantApplication, RDDeclarationSubmission


def applicant_rows(app: GrantApplication) -> list[tuple[str, str, str, str]]:
    rows = [("申报单位", "Applicant", app.enterprise.name, app.enterprise.name)]
    if app.centre_id:
        rows.append(
            ("研发中心", "Centre", f"{app.centre.name}({app.centre.ref})", f"{app.centre.name} ({app.centre.ref})")
        )
    if app.researcher_id:
        rows.append(("研发人员", "Researcher", app.researcher.name, app.researcher.name))
    if app.incubator_id:
        rows.append(("飞地孵化器", "Incubator", app.incubator.name, app.incubator.name))
    return rows


def application_to_reviewers(app: GrantApplication, *, at, withdrawn: bool, number: str) -> list:
    """The reviewers of the programme's level hear of a submission (or resubmission) or a withdrawal."""
    with translation.override("en"):
        name_en = app.programme.display_name
    return notify_reviewers(
        level_reviewers(app.programme.filing_level or "regional"),
        withdrawn=withdrawn,
        subject=(
            f"资助申报 {app.programme.code} {app.programme.name}",
            f"grant application {app.programme.code} {name_en}",
        ),
        noun=("申报", "application"),
        number=number,
        rows=applicant_rows(app),
        at=at,
        link=reverse("subsidies:grant_detail", args=[app.pk]),
        limit=(
            f"初审须在{filing_guides.FIRST_REVIEW_DAYS}日内完成",
            f"first review within {filing_guides.FIRST_REVIEW_DAYS} days",
        ),
        what=f"reviewers of grant application {app.pk}",
    )


def declaration_rows(sub: RDDeclarationSubmission) -> list[tuple[str, str, str, str]]:
    centre = sub.centre
    return [
        ("依托企业", "Enterprise", centre.enterprise.name, centre.enterprise.name),
        ("研发中心", "Centre", f"{centre.name}({centre.ref})", f"{centre.name} ({centre.ref})"),
        ("申报年度", "Year", str(sub.year), str(sub.year)),
        ("申报研发投入", "Declared R&D spend", f"{sub.declared_amount:,.2f} 元", f"{sub.declared_amount:,.2f} yuan"),
    ]


def declaration_to_reviewers(sub: RDDeclarationSubmission, *, at, withdrawn: bool) -> list:
    """The Yinchuan reviewers hear of a declaration to verify, or of its withdrawal."""
    return notify_reviewers(
        level_reviewers("yinchuan"),
        withdrawn=withdrawn,
        subject=(
            f"研发投入申报(YC-RD){sub.centre.name} {sub.year}年度",
            f"R&D declaration (YC-RD) {sub.centre.name} {sub.year}",
        ),
        noun=("申报", "declaration"),
        number=sub.acceptance_no or "",
        rows=declaration_rows(sub),
        at=at,
        link=reverse("subsidies:declaration_detail", args=[sub.pk]),
        limit=(f"核定须在{VERIFY_DAYS}日内完成", f"verification within {VERIFY_DAYS} days"),
        what=f"reviewers of declaration {sub.pk}",
    )


def declaration_to_enterprise(sub: RDDeclarationSubmission, *, at, comment: str = "") -> list:
    """The declaring enterprise's members hear of the declaration's submission, withdrawal or verification,
    with its 受理编号."""
    status = DeclarationStatus(sub.status)
    title = f"【研发投入申报】{sub.centre.name} {sub.year}年度:{label_zh(status.label)}"
    title_en = f"[R&D declaration] {sub.centre.name} {sub.year}: {label_en(status.label)}"
    when = f"{timezone.localtime(at):%Y-%m-%d %H:%M}"
    zh = [
        *([f"受理编号:{sub.acceptance_no}"] if sub.acceptance_no else []),
        *(f"{label}:{value}" for label, _en, value, _v in declaration_rows(sub)),
        f"当前状态:{label_zh(status.label)}",
        f"时间:{when}",
    ]
    en = [
        *([f"Acceptance number: {sub.acceptance_no}"] if sub.acceptance_no else []),
        *(f"{label}: {value}" for _zh, label, _v, value in declaration_rows(sub)),
        f"Status: {label_en(status.label)}",
        f"Time: {when}",
    ]
    if sub.status == DeclarationStatus.VERIFIED:
        zh.append(f"核定研发投入:{sub.verified_amount:,.2f} 元")
        en.append(f"Verified R&D spend: {sub.verified_amount:,.2f} yuan")
    if comment:
        zh.append(f"意见:{comment}")
        en.append(f"Comment: {comment}")
    link = reverse("subsidies:declaration_detail", args=[sub.pk])
    zh.append(f"详情请登录平台查看:{link}")
    en.append(f"Details in the portal: {link}")
    return notify_enterprise(
        sub.centre.enterprise, title=title, body="\n".join(zh), title_en=title_en, body_en="\n".join(en)
    )
