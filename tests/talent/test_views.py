"""Pages: isolation between enterprises, masking and logged reveals, no N+1, forms through services."""

import datetime as dt
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from talent import roster
from talent.identity import resident_id_check_digit
from talent.models import Contract, Degree, IdentityAccess, Researcher

from .conftest import ZHANG

D = dt.date


def ids(n: int, prefix: str = "1101011990") -> list[str]:
    out = []
    for i in range(n):
        body = f"{prefix}0{(i % 9) + 1}{(i % 27) + 1:02d}{i:03d}"[:17]
        out.append(body + resident_id_check_digit(body))
    return out


def test_enterprise_sees_only_its_researchers(client, centre_a, centre_b, ent_user_a, enrol):
    mine, my_contract = enrol(centre_a)
    theirs, their_contract = enrol(centre_b, id_number="640104199205120024", name="赵六")
    client.force_login(ent_user_a)
    page = client.get(reverse("talent:researcher_list")).content.decode()
    assert "张三" in page and "赵六" not in page
    assert client.get(reverse("talent:researcher_detail", args=[mine.pk])).status_code == 200
    for name, args in [
        ("researcher_detail", [theirs.pk]),
        ("researcher_edit", [theirs.pk]),
        ("degree_create", [theirs.pk]),
        ("contract_create", [theirs.pk]),
        ("contract_terminate", [their_contract.pk]),
        ("contract_document", [their_contract.pk]),
    ]:
        assert client.get(reverse(f"talent:{name}", args=args)).status_code == 404, name
    # a POST at another enterprise's contract changes nothing
    resp = client.post(
        reverse("talent:contract_terminate", args=[their_contract.pk]), {"terminated_on": "2025-01-01", "reason": "x"}
    )
    assert resp.status_code == 404
    their_contract.refresh_from_db()
    assert their_contract.terminated_on is None
    # a roster for the other enterprise's centre is not offered and not accepted
    resp = client.post(reverse("talent:roster_upload"), {"centre": centre_b.pk, "file": io.BytesIO(b"")})
    assert resp.status_code == 200 and not Researcher.objects.filter(name="x").exists()
    assert "LJ-HZ研发中心" not in client.get(reverse("talent:roster_upload")).content.decode()


def test_shared_researcher_shows_only_own_contracts(client, centre_a, centre_b, ent_user_b, enrol, system):
    from talent import services

    r, _ = enrol(centre_a, start=D(2024, 4, 1), end=D(2029, 3, 31))
    services.contract_upsert(
        actor=system, researcher=r, centre=centre_b, full_time=False, start=D(2025, 1, 1), end=None
    )
    client.force_login(ent_user_b)
    page = client.get(reverse("talent:researcher_detail", args=[r.pk])).content.decode()
    assert "LJ-HZ研发中心" in page and "WL-SH研发中心" not in page


def test_lists_mask_and_reveal_is_logged(client, centre_a, ent_user_a, reviewer, finance, enrol):
    r, _ = enrol(centre_a)
    for user in (ent_user_a, reviewer):
        client.force_login(user)
        for url in (reverse("talent:researcher_list"), reverse("talent:researcher_detail", args=[r.pk])):
            page = client.get(url).content.decode()
            assert "110101********7571" in page and ZHANG not in page, (user, url)
    # the enterprise cannot reveal
    client.force_login(ent_user_a)
    assert client.post(reverse("talent:researcher_reveal", args=[r.pk])).status_code == 403
    assert not IdentityAccess.objects.exists()
    client.force_login(reviewer)
    resp = client.post(reverse("talent:researcher_reveal", args=[r.pk]), {"purpose": "核验学历"})
    assert resp.status_code == 200 and ZHANG in resp.content.decode()
    assert resp["Cache-Control"] == "no-store"
    log = IdentityAccess.objects.get()
    assert (log.user, log.researcher, log.purpose) == (reviewer, r, "核验学历")
    # a GET never reveals
    assert client.get(reverse("talent:researcher_reveal", args=[r.pk])).status_code == 405
    # a fragment of an ID number does not find people (that would defeat the mask)
    page = client.get(reverse("talent:researcher_list"), {"q": "7571"}).content.decode()
    assert "张三" not in page
    page = client.get(reverse("talent:researcher_list"), {"q": ZHANG}).content.decode()
    assert "张三" in page


def _populate(n, centre, system):
    from talent import services

    for i, number in enumerate(ids(n)):
        r = services.researcher_upsert(actor=system, id_type="resident_id", id_number=number, name=f"人员{i:02d}")
        services.degree_upsert(
            actor=system, researcher=r, level="doctorate", full_time=True, awarded_on=D(2019, 7, 1), verified=i % 2 == 0
        )
        services.contract_upsert(
            actor=system,
            researcher=r,
            centre=centre,
            full_time=i % 3 != 0,
            start=D(2024, 4, 1),
            end=D(2029, 3, 31) if i % 4 else D(2026, 3, 31),
        )


@pytest.mark.parametrize("who", ["enterprise", "reviewer"])
def test_list_query_count_does_not_grow_with_rows(client, centre_a, ent_user_a, reviewer, system, who):
    client.force_login(ent_user_a if who == "enterprise" else reviewer)
    url = reverse("talent:researcher_list")
    _populate(5, centre_a, system)
    client.get(url)  # warm caches (session, content types)
    with CaptureQueriesContext(connection) as five:
        assert client.get(url).status_code == 200
    Contract.objects.all().delete(), Degree.objects.all().delete(), Researcher.objects.all().delete()
    _populate(25, centre_a, system)
    with CaptureQueriesContext(connection) as twenty_five:
        page = client.get(url).content.decode()
    assert page.count("/talent/researchers/") >= 25
    assert len(twenty_five) == len(five), [q["sql"][:90] for q in twenty_five.captured_queries]


def test_stipend_status_in_plain_words(client, centre_a, make_centre, ent_user_a, enrol, system):
    from registry.models import Membership

    joint = make_centre(ref="JT-BJ", uscc_body="91640106MA76JT003", kind="joint")
    Membership.objects.create(enterprise=joint.enterprise, user=ent_user_a)
    ok, _ = enrol(centre_a, start=D(2024, 4, 1), end=None)
    short, _ = enrol(centre_a, id_number="640104199205120024", name="短期", start=D(2024, 4, 1), end=D(2029, 3, 30))
    part, _ = enrol(centre_a, id_number="440304200002290014", name="兼职", full_time=False)
    unverified, _ = enrol(centre_a, id_number="310115198812310020", name="未核验", verified=False)
    joint_r, _ = enrol(joint, id_number="110101198501011239", name="联合")
    client.force_login(ent_user_a)

    def detail(r):
        return client.get(reverse("talent:researcher_detail", args=[r.pk])).content.decode()

    page = detail(ok)
    assert "全日制博士" in page and "0 / 60" in page and "下一可发月份" in page and "暂不符合" not in page
    assert "合同期限不足5年" in detail(short)
    assert "非全职合同" in detail(part)
    assert "学历未核验" in detail(unverified)
    assert "联合研发机构不适用" in detail(joint_r)


def test_enrol_form_errors_are_chinese_and_write_nothing(client, centre_a, ent_user_a):
    client.force_login(ent_user_a)
    url = reverse("talent:researcher_create")
    data = {
        "id_type": "resident_id",
        "id_number": "110101199003077572",
        "name": "张三",
        "centre": centre_a.pk,
        "full_time": "on",
        "start": "2024-04-01",
        "end": "",
    }
    resp = client.post(url, data)
    assert resp.status_code == 200 and "校验位错误" in resp.content.decode()
    assert not Researcher.objects.exists()
    data["id_number"] = "110101199003077571"
    resp = client.post(url, data)
    r = Researcher.objects.get()
    assert resp.status_code == 302 and resp["Location"] == reverse("talent:researcher_detail", args=[r.pk])
    assert list(r.contracts.values_list("centre_id", "end")) == [(centre_a.pk, None)]
    # a second full-time contract overlapping: the error names the first contract
    resp = client.post(
        reverse("talent:contract_create", args=[r.pk]),
        {"centre": centre_a.pk, "full_time": "on", "start": "2025-01-01", "end": ""},
    )
    assert "重叠" in resp.content.decode() and f"编号{r.contracts.get().pk}" in resp.content.decode()


def test_degree_verification_queue(client, centre_a, ent_user_a, reviewer, enrol):
    r, _ = enrol(centre_a, verified=False)
    client.force_login(ent_user_a)
    assert client.get(reverse("talent:verification_queue")).status_code == 403
    degree = r.degrees.get()
    assert client.post(reverse("talent:degree_verify", args=[degree.pk])).status_code == 403
    client.force_login(reviewer)
    assert "张三" in client.get(reverse("talent:verification_queue")).content.decode()
    resp = client.post(reverse("talent:degree_verify", args=[degree.pk]))
    assert resp.status_code == 302
    degree.refresh_from_db()
    assert degree.verified_by == reviewer
    page = client.get(reverse("talent:verification_queue")).content.decode()
    assert "已核验 张三 的学位" in page and "没有待核验的学位" in page


def test_roster_upload_preview_commit_pages(client, centre_a, ent_user_a, key_reference):
    client.force_login(ent_user_a)
    resp = client.get(reverse("talent:roster_template"))
    assert resp.status_code == 200 and resp.content[:2] == b"PK"
    upload = io.BytesIO(roster.template_xlsx())
    upload.name = "roster.xlsx"
    resp = client.post(reverse("talent:roster_upload"), {"centre": centre_a.pk, "file": upload})
    assert resp.status_code == 302
    preview = client.get(resp["Location"]).content.decode()
    assert "确认导入全部行" in preview and "110101********7571" in preview and ZHANG not in preview
    assert not Researcher.objects.exists()
    pk = int(resp["Location"].rstrip("/").split("/")[-1])
    client.post(reverse("talent:roster_commit", args=[pk]))
    assert Researcher.objects.count() == 3


def test_key_institution_page(empty_key_list, client, reviewer, ent_user_a):
    client.force_login(reviewer)
    csv_file = io.BytesIO("院校名称,院校代码,重点学科,有效\n清华大学,10003,机械工程,是\n".encode())
    csv_file.name = "k.csv"
    resp = client.post(reverse("talent:key_institution_list"), {"file": csv_file})
    assert resp.status_code == 302
    assert "机械工程" in client.get(reverse("talent:key_institution_list")).content.decode()
    client.force_login(ent_user_a)
    page = client.get(reverse("talent:key_institution_list")).content.decode()
    assert "清华大学" in page and "从CSV导入" not in page
    csv_file.seek(0)
    assert client.post(reverse("talent:key_institution_list"), {"file": csv_file}).status_code == 403
