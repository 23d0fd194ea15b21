"""The English switch (issues 2 §6 and 8): the catalogue is complete, and pages render in English when the
visitor chose English (cookie, Accept-Language or the switcher), in Chinese otherwise.

Strict on purpose: after `makemessages`, any new untranslated or fuzzy entry fails here, and any
untranslated Chinese on the checked pages fails the rendering tests (see locale/README.md)."""

import ast
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.urls import reverse

from accounts.models import Role
from registry import services
from registry.identifiers import uscc_check_char

PO = Path(django_settings.BASE_DIR) / "locale" / "en" / "LC_MESSAGES" / "django.po"
CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff\u3000-\u303f\uff01-\uff5e]+")
PLACEHOLDER = re.compile(r"%%|%\(\w+\)[sdif]|%[sdif]|\{\{\s*[\w.]+\s*\}\}|\{\w*\}")
TAG = re.compile(r"</?[a-zA-Z][^>]*>")


# --- the catalogue -----------------------------------------------------------------------------------


def _unquote(chunk: str) -> str:
    return ast.literal_eval(chunk)


def parse_po(path: Path) -> list[dict]:
    """A small .po reader: one dict per entry with msgid, msgid_plural, msgstr (list), flags, obsolete."""
    entries, cur, key = [], None, None

    def flush():
        if cur is not None and "msgid" in cur:
            entries.append(cur)

    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line:
            flush()
            cur, key = None, None
            continue
        if cur is None:
            cur = {"flags": set(), "msgstr": {}, "obsolete": False}
        if line.startswith("#~"):
            cur["obsolete"] = True
            continue
        if line.startswith("#,"):
            cur["flags"].update(f.strip() for f in line[2:].split(","))
            continue
        if line.startswith("#"):
            continue
        m = re.match(r'^(msgctxt|msgid_plural|msgid|msgstr(?:\[(\d+)\])?)\s+(".*")$', line)
        if m:
            key = m.group(1)
            value = _unquote(m.group(3))
            if key.startswith("msgstr"):
                key = int(m.group(2) or 0)
                cur["msgstr"][key] = value
            else:
                cur[key] = value
        else:
            assert line.startswith('"'), f"unexpected line in {path.name}: {raw!r}"
            if isinstance(key, int):
                cur["msgstr"][key] += _unquote(line)
            else:
                cur[key] += _unquote(line)
    flush()
    return entries


@pytest.fixture(scope="module")
def catalogue() -> list[dict]:
    return parse_po(PO)


def test_catalogue_header_is_english_and_not_fuzzy(catalogue):
    header = catalogue[0]
    assert header["msgid"] == ""
    assert "fuzzy" not in header["flags"]
    assert "Language: en\n" in header["msgstr"][0]
    assert "Plural-Forms: nplurals=2; plural=(n != 1);" in header["msgstr"][0]


def test_every_entry_is_translated_and_none_is_fuzzy_or_obsolete(catalogue):
    messages = catalogue[1:]
    assert len(messages) > 700  # the portal's catalogue; a parse that finds nothing must not pass
    problems = []
    for e in messages:
        forms = 2 if "msgid_plural" in e else 1
        if e["obsolete"]:
            problems.append(("obsolete", e["msgid"]))
        if "fuzzy" in e["flags"]:
            problems.append(("fuzzy", e["msgid"]))
        if sorted(e["msgstr"]) != list(range(forms)) or not all(s.strip() for s in e["msgstr"].values()):
            problems.append(("untranslated", e["msgid"]))
    assert problems == [], f"{len(problems)} catalogue entries need work (see locale/README.md): {problems[:20]}"


def test_translations_keep_placeholders_and_html_and_are_english(catalogue):
    problems = []
    for e in catalogue[1:]:
        ids = [e["msgid"], e.get("msgid_plural", e["msgid"])]
        for n, text in e["msgstr"].items():
            source = ids[min(n, 1)]
            if sorted(PLACEHOLDER.findall(source)) != sorted(PLACEHOLDER.findall(text)):
                problems.append(("placeholders", source, text))
            if sorted(TAG.findall(source)) != sorted(TAG.findall(text)):
                problems.append(("html", source, text))
            # Chinese may stay only where it is data the user must type (CSV headers, 是/否)
            if CJK.search(text) and "院校名称" not in source:
                problems.append(("chinese left", source, text))
    assert problems == []


def test_the_catalogue_compiles_with_format_checks(tmp_path):
    msgfmt = shutil.which("msgfmt")
    assert msgfmt, "msgfmt (GNU gettext) is needed to compile locale/; it is in the Makefile's sysdeps"
    result = subprocess.run(
        [msgfmt, "--check", "-o", str(tmp_path / "django.mo"), str(PO)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr


# --- the pages ---------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def compiled_locale(tmp_path_factory) -> Path:
    """The .po compiled now into a private directory, so a stale or missing locale/*.mo in the checkout
    cannot make these tests pass or fail (the build compiles locale/ itself: `make messages`)."""
    root = tmp_path_factory.mktemp("locale")
    out = root / "en" / "LC_MESSAGES"
    out.mkdir(parents=True)
    subprocess.run(
        [shutil.which("msgfmt") or "msgfmt", "--check", "-o", str(out / "django.mo"), str(PO)],
        check=True,
        capture_output=True,
    )
    return root


@pytest.fixture
def english_catalogue(settings, compiled_locale):
    settings.LOCALE_PATHS = [compiled_locale]  # resets Django's translation caches (setting_changed)
    return compiled_locale


@pytest.fixture
def people(make_user, system):
    owner = make_user("i18n-owner", Role.ENTERPRISE, full_name="Zhang Wei")
    body17 = "91640100MA76ABCD1"
    enterprise = services.enterprise_upsert(
        actor=system, uscc=body17 + uscc_check_char(body17), name="Weili Drive Co., Ltd.", division_code="640106"
    )
    services.membership_add(actor=system, enterprise=enterprise, user=owner, is_owner=True)
    services.centre_create(
        actor=owner,
        enterprise=enterprise,
        name="Weili Shanghai R&D Centre",
        city="Shanghai",
        division_code="310115",
        address="1 Zhangjiang Road",
        headcount=30,
    )
    return {
        "enterprise": owner,
        "reviewer": make_user("i18n-reg", Role.REGIONAL_REVIEWER, full_name="Li Na"),
        "finance": make_user("i18n-fin", Role.FINANCE, full_name="Wang Fang"),
        "admin": make_user("i18n-admin", Role.ADMIN, full_name="Zhao Lei"),
    }


# (page, who, an English heading that must appear, its Chinese source that must not)
PAGES = [
    ("accounts:login", None, "User sign-in", "用户登录"),
    ("registry:dashboard", "enterprise", "Enterprise dashboard", "企业工作台"),
    ("registry:review_queue", "reviewer", "Review dashboard", "审核工作台"),
    ("subsidies:run_list", "finance", "Subsidy payout runs", "补助发放批次"),
    ("subsidies:parameters", "finance", "Policy parameters", "政策参数"),
    ("subsidies:bureau_dashboard", "admin", "Enclave R&D centre statistics", "飞地研发中心统计看板"),
]
# Nav words per role that must switch language with the page.
NAV = {
    "enterprise": [("New filing", "发起备案"), ("Researchers", "研发人员"), ("Grants", "项目资助")],
    "reviewer": [("Degree verification", "学历核验"), ("Key institution list", "重点院校名录")],
    "finance": [("Payout runs", "发放批次"), ("Policy parameters", "政策参数"), ("Statistics", "统计看板")],
    "admin": [("Statistics", "统计看板"), ("Payout runs", "发放批次"), ("Filing review", "备案审核")],
    None: [],
}
# Chinese that is meant to stay on an English page: the switcher's own name for Chinese and the emblem;
# stored reference data (division names, quotations of the measures) is taken out in _chinese_left.
ALLOWED = ("中文", '<span class="emblem" aria-hidden="true">宁</span>')


def _get(client, people, name, who, **headers):
    if who:
        client.force_login(people[who])
    response = client.get(reverse(name), **headers)
    assert response.status_code == 200, (name, response.status_code)
    return response.content.decode()


def _chinese_left(html: str) -> list[str]:
    """Chinese left on a page once the allowed bits and stored reference data are taken out."""
    from django.utils.html import escape

    from registry.models import Division
    from subsidies.models import ParameterValue
    from subsidies.rules.params import DEFAULTS

    data = [
        *Division.objects.values_list("name", flat=True),  # quotations of the measures stay in Chinese
        *ParameterValue.objects.values_list("legal_reference", flat=True),
        *(reference for _value, reference in DEFAULTS.values()),
    ]
    for allowed in ALLOWED:
        html = html.replace(allowed, "")
    for text in sorted(data, key=len, reverse=True):
        html = html.replace(escape(text), "")
    return CJK.findall(html)


def _nav(html: str) -> str:
    m = re.search(r'<nav class="mainnav".*?</nav>', html, re.S)
    assert m, "main navigation not found"
    return m.group(0)


@pytest.mark.parametrize(("name", "who", "english", "chinese"), PAGES, ids=[p[0] for p in PAGES])
def test_pages_render_in_english_with_the_language_cookie(
    client, people, english_catalogue, name, who, english, chinese
):
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"
    html = _get(client, people, name, who)
    assert '<html lang="en">' in html
    assert english in html
    assert chinese not in html
    nav = _nav(html)
    for en, zh in NAV[who]:
        assert en in nav
        assert zh not in nav
    assert not CJK.search(nav)
    assert _chinese_left(html) == [], f"untranslated Chinese on {name} in English"


@pytest.mark.parametrize(("name", "who", "english", "chinese"), PAGES, ids=[p[0] for p in PAGES])
def test_pages_render_in_chinese_by_default(client, people, english_catalogue, name, who, english, chinese):
    html = _get(client, people, name, who)
    assert '<html lang="zh-hans">' in html
    assert chinese in html
    assert english not in html
    nav = _nav(html)
    for en, zh in NAV[who]:
        assert zh in nav
        assert en not in nav


def test_accept_language_english_is_honoured(client, people, english_catalogue):
    html = _get(client, people, "subsidies:run_list", "finance", HTTP_ACCEPT_LANGUAGE="en-GB,en;q=0.9")
    assert "Payout runs" in _nav(html)
    assert "发放批次" not in html


def test_the_cookie_wins_over_accept_language(client, people, english_catalogue):
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    html = _get(client, people, "subsidies:run_list", "finance", HTTP_ACCEPT_LANGUAGE="en")
    assert "发放批次" in _nav(html)
    assert "Payout runs" not in html


def test_the_switcher_sets_english_and_back(client, people, english_catalogue):
    client.force_login(people["finance"])
    run_list = reverse("subsidies:run_list")
    response = client.post(reverse("set_language"), {"language": "en", "next": run_list})
    assert response.status_code == 302 and response["Location"] == run_list
    assert client.cookies[django_settings.LANGUAGE_COOKIE_NAME].value == "en"
    html = client.get(run_list).content.decode()
    assert "Payout runs" in _nav(html) and "Sign out" in html
    assert "发放批次" not in html and "退出" not in html
    client.post(reverse("set_language"), {"language": "zh-hans", "next": run_list})
    html = client.get(run_list).content.decode()
    assert "发放批次" in _nav(html) and "退出" in html
    assert "Payout runs" not in html


def test_flash_messages_follow_the_language(client, people, english_catalogue):
    """A success message from a view (marked with gettext) is shown in the visitor's language."""
    from registry.models import Centre

    centre = Centre.objects.get(name="Weili Shanghai R&D Centre")
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"
    client.force_login(people["enterprise"])
    response = client.post(reverse("registry:filing_start"), {"centre": centre.pk, "level": "regional"}, follow=True)
    html = response.content.decode()
    assert "Filing draft saved; please upload the documents" in html
    assert "备案草稿已保存" not in html
    flashes = re.findall(r'<li class="msg success">(.*?)</li>', html, re.S)
    assert flashes == ["Filing draft saved; please upload the documents"]
