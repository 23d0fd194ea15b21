"""Issue 15 §5: a page shows only the active language, with names a person knows. Chinese pages carry no
English halves of service errors, no rule codes (POLICY §), no parameter keys, no rounding-mode names
and no login names; a refused action reads in Chinese only, or in English only in English mode. The API
keeps both languages (`message`, `message_en`)."""

import re
from html import unescape

import pytest
from django.conf import settings as django_settings
from django.urls import reverse
from django.utils import translation

from accounts.errors import ConflictError, ServiceError
from accounts.models import Role
from registry import services as registry_services
from registry.identifiers import uscc_check_char
from subsidies.models import RunKind
from subsidies.runs import services as run_services
from tests.subsidies import finance_data
from tests.test_i18n import CJK, compiled_locale  # noqa: F401 (the compiled catalogue, a fixture)

pytestmark = pytest.mark.django_db

TOKENS = (
    "POLICY §",
    "nx_stipend.",
    "yc_rd.",
    "nx.measure_from",
    "ROUND_HALF_UP",
    " / required",
    "cannot ",
    "business_licence",
)
TAG = re.compile(r"<[^>]*>")


def visible(html: str) -> str:
    """The text a person reads: tags (with their attributes, ids and form values) taken out."""
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return unescape(TAG.sub(" ", html))


@pytest.fixture
def english(settings, request):
    settings.LOCALE_PATHS = [request.getfixturevalue("compiled_locale")]


@pytest.fixture
def world(make_user, finance, finance2, system):
    finance_data.load(3)
    run = run_services.payout_run_start(actor=finance, kind=RunKind.MONTHLY, period="2024-06")
    run = run_services.payout_run_compute(actor=finance, run=run, inline=True)
    run = run_services.payout_run_approve(actor=finance2, run_id=run.pk)
    owner = make_user("qiye_wl", Role.ENTERPRISE, full_name="王力")
    body17 = "91640100MA76ABCD1"
    enterprise = registry_services.enterprise_upsert(
        actor=system, uscc=body17 + uscc_check_char(body17), name="银川测试传动有限公司", division_code="640106"
    )
    registry_services.membership_add(actor=system, enterprise=enterprise, user=owner, is_owner=True)
    centre = registry_services.centre_create(
        actor=owner,
        enterprise=enterprise,
        name="测试上海研发中心",
        city="上海",
        division_code="310115",
        address="张江路1号",
        headcount=30,
    )
    filing = registry_services.filing_create(actor=owner, centre=centre, level="regional")
    users = {
        "enterprise": owner,
        "finance": finance,
        "reviewer": make_user("shenhe_zzq", Role.REGIONAL_REVIEWER, full_name="张志强"),
        "yinchuan": make_user("shenhe_yc", Role.YINCHUAN_REVIEWER, full_name="李银川"),
        "admin": make_user("guanli_adm", Role.ADMIN, full_name="赵管理"),
    }
    return {
        "run": run,
        "users": users,
        "filing": filing,
        "logins": [*(u.username for u in users.values()), finance2.username, system.username],
    }


PAGES = {
    "enterprise": ["registry:dashboard", "talent:researcher_list", "subsidies:grant_home"],
    "finance": [
        "subsidies:run_list",
        "subsidies:parameters",
        "subsidies:bureau_dashboard",
        "subsidies:budgets",
        "subsidies:projection",
    ],
    "reviewer": [
        "registry:review_queue",
        "talent:verification_queue",
        "talent:key_institution_list",
        "subsidies:parameters",
        "subsidies:bureau_dashboard",
    ],
    "yinchuan": ["registry:review_queue", "subsidies:parameters"],
    "admin": ["registry:review_queue", "subsidies:run_list", "subsidies:bureau_dashboard"],
}


def _found(text: str, logins) -> list[str]:
    words = set(re.findall(r"[\w.]+", text))
    return [t for t in TOKENS if t in text] + [login for login in logins if login in words]


def test_main_pages_of_each_role_show_no_internal_tokens_in_chinese(client, world):
    found = {}
    pages = [(who, reverse(name)) for who, names in PAGES.items() for name in names]
    pages += [
        ("finance", reverse("subsidies:run_detail", args=[world["run"].pk])),
        ("enterprise", reverse("registry:filing_detail", args=[world["filing"].pk])),
    ]
    for who, url in pages:
        client.force_login(world["users"][who])
        response = client.get(url)
        assert response.status_code == 200, url
        hits = _found(visible(response.content.decode()), world["logins"])
        if hits:
            found[(who, url)] = hits
    assert found == {}


def test_the_run_page_names_parameters_and_people_as_people_know_them(client, world):
    client.force_login(world["users"]["finance"])
    text = visible(client.get(reverse("subsidies:run_detail", args=[world["run"].pk])).content.decode())
    assert "全日制博士月补助(元)" in text
    assert "nx_stipend.doctorate_monthly" not in text


def test_a_refused_submission_reads_in_chinese_only(client, world):
    client.force_login(world["users"]["enterprise"])
    response = client.post(reverse("registry:filing_submit", args=[world["filing"].pk]), follow=True)
    flashes = [visible(m) for m in re.findall(r'<li class="msg error">(.*?)</li>', response.content.decode(), re.S)]
    assert len(flashes) == 1, flashes
    assert "缺少必备材料:营业执照、研发中心设立证明(或设立协议),请上传后再提交" in flashes[0]
    assert not re.search(r"[A-Za-z]{3,}", flashes[0].split(":", 1)[-1]), flashes[0]


def test_a_refused_submission_reads_in_english_only_in_english_mode(client, world, english):
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"
    client.force_login(world["users"]["enterprise"])
    response = client.post(reverse("registry:filing_submit", args=[world["filing"].pk]), follow=True)
    flashes = [visible(m) for m in re.findall(r'<li class="msg error">(.*?)</li>', response.content.decode(), re.S)]
    assert len(flashes) == 1, flashes
    message = flashes[0].split(":", 1)[-1]  # after the record it names (the centre's own name)
    assert "required documents missing: Business licence" in message
    assert "business_licence" not in message and not CJK.search(message), message


def test_a_refused_transition_names_the_action_and_state_in_each_language(world, english):
    """Approving a draft: the English half says it in English ("cannot 复审通过" before), the API keeps both."""
    from registry.services import filings

    with pytest.raises(ConflictError) as caught:
        filings.filing_assert_status(world["filing"], "first_reviewed", action="复审通过")
    exc = caught.value
    assert "不能复审通过" in exc.zh
    assert not CJK.search(exc.en) and "approve it" in exc.en, exc.en
    with translation.override("zh-hans"):
        assert exc.body == exc.zh
    with translation.override("en"):
        assert exc.body == exc.en
        assert exc.text == f"{exc.record}:{exc.en}"


def test_error_text_picks_one_language():
    exc = ServiceError("请填写意见", "please enter a comment", record="某备案")
    with translation.override("zh-hans"):
        assert exc.text == "某备案:请填写意见"
    with translation.override("en"):
        assert exc.text == "某备案:please enter a comment"
    assert "请填写意见 / please enter a comment" in exc.messages[0]  # the combined form stays for logs/CLI


def test_a_decision_notice_reads_in_the_readers_language(
    client, world, english, settings, tmp_path, django_capture_on_commit_callbacks
):
    """A filing decision's in-portal message is recorded in both languages and shown in the reader's."""
    from tests.registry.conftest import attach_required

    settings.MEDIA_ROOT = tmp_path / "media"
    owner, filing = world["users"]["enterprise"], world["filing"]
    attach_required(actor=owner, filing=filing)
    registry_services.filing_submit(actor=owner, filing=filing, commitment=True)
    with django_capture_on_commit_callbacks(execute=True):
        registry_services.filing_first_review(actor=world["users"]["reviewer"], filing=filing, comment="材料齐全")
    client.force_login(owner)
    text = visible(client.get(reverse("registry:notifications")).content.decode())
    assert "【自治区级备案】测试上海研发中心:初审" in text and "材料齐全" in text
    assert "[Regional level filing]" not in text
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"
    text = visible(client.get(reverse("registry:notifications")).content.decode())
    assert "[Regional level filing] 测试上海研发中心: First review" in text, text
    assert "Comment: 材料齐全" in text
    assert "【" not in text and "环节" not in text and "当前状态" not in text


def test_english_mode_names_programmes_tiers_roster_columns_and_parameters_in_english(client, world, english):
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"
    client.force_login(world["users"]["finance"])
    text = visible(client.get(reverse("subsidies:run_detail", args=[world["run"].pk])).content.decode())
    assert "Full-time doctorate" in text
    assert not re.search("全日制博士(?!每月)", text)  # only in the quoted measure (the legal reference)
    client.force_login(world["users"]["enterprise"])
    text = visible(client.get(reverse("talent:roster_upload")).content.decode())
    assert "Contract end date" in text and "(header 合同终止日期)" in text
    centre = world["filing"].centre
    text = visible(client.get(reverse("subsidies:benefits", args=[centre.pk])).content.decode())
    assert "First filing award" in text and "首次备案奖励" not in text


def test_chart_axis_units_follow_the_language():
    from subsidies.views import _yuan_axis

    with translation.override("zh-hans"):
        assert _yuan_axis(50000) == "5万"
    with translation.override("en"):
        assert _yuan_axis(50000) == "50k" and _yuan_axis(2500000) == "2.5M" and _yuan_axis(500) == "500"


def test_the_eligibility_reasons_are_all_in_the_catalogue():
    from subsidies.grants.reason_text import REASONS
    from subsidies.rules import grants as rules

    shipped = {value for name, value in vars(rules).items() if name.startswith("R_") and isinstance(value, str)}
    assert shipped == set(REASONS)


HEADING = re.compile(r"<(h[1-3]|caption|title|th)\b[^>]*>(.*?)</\1>", re.S)
BARE_RULE_ID = re.compile(r"(?<![((A-Z-])(NX-STIPEND|YC-RD)\b")


def test_headings_name_the_stipend_as_people_know_it_not_by_its_rule_id(client, world):
    """A heading, a chart title or a column says 人才补助; a rule id may follow a name in brackets only."""
    pages = [
        ("finance", "subsidies:projection"),
        ("finance", "subsidies:bureau_dashboard"),
        ("enterprise", "registry:dashboard"),
        ("enterprise", "talent:researcher_list"),
        ("reviewer", "talent:verification_queue"),
        ("finance", "subsidies:run_list"),
    ]
    found = {}
    for who, name in pages:
        client.force_login(world["users"][who])
        html = client.get(reverse(name)).content.decode()
        hits = [visible(text).strip() for _tag, text in HEADING.findall(html) if BARE_RULE_ID.search(visible(text))]
        if hits:
            found[name] = hits
    assert found == {}


def test_the_enterprise_dashboard_calls_approved_stipends_approved_not_received(client, world):
    """The stipend card and panel sum the lines of approved runs; 到账 (received) is the bank's word, shown only
    in the money panel's 已到账 column, which counts confirmed transfers."""
    client.force_login(world["users"]["enterprise"])
    text = visible(client.get(reverse("registry:dashboard")).content.decode())
    assert "近12个月已核定人才补助" in text
    assert "已核定人才补助(按月)" in text
    assert "人才补助到账" not in text
