"""The researcher list (issue 15 "Lists"): centre and contract on each row, column sorting, XLSX export of
the filtered list with the actor's own rows only and identity numbers masked."""

import datetime as dt
import io
import re

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from talent.identity import resident_id_check_digit

pytestmark = pytest.mark.django_db


def rid(body17: str) -> str:
    return body17 + resident_id_check_digit(body17)


WANG, LI, ZHAO = rid("11010119900307123"), rid("11010119880512345"), rid("64010419920512002")


def _names(page: str) -> list[str]:
    body = page[page.index('id="researchers"') :]
    return re.findall(r'researchers/\d+/">([^<]+)</a>', body)


def test_the_list_shows_centre_and_contract_and_sorts_by_each_column(
    client, centre_a, centre_b, ent_user_a, reviewer, enrol
):
    enrol(centre_a, name="王五", id_number=WANG, start=dt.date(2024, 6, 1), end=None)
    enrol(centre_a, name="李四", id_number=LI, start=dt.date(2024, 1, 1))
    enrol(centre_b, name="赵六", id_number=ZHAO, start=dt.date(2023, 1, 1))
    client.force_login(ent_user_a)
    page = client.get(reverse("talent:researcher_list")).content.decode()
    assert _names(page) == ["李四", "王五"]
    assert centre_a.name in page and "无固定期限" in page and "2024年6月1日" in page
    assert 'aria-sort="ascending"' in page
    by_start = client.get(reverse("talent:researcher_list"), {"sort": "-start"}).content.decode()
    assert _names(by_start) == ["王五", "李四"] and 'aria-sort="descending"' in by_start
    client.force_login(reviewer)
    staff = client.get(reverse("talent:researcher_list"), {"sort": "centre"}).content.decode()
    assert _names(staff) == sorted(
        ["赵六", "李四", "王五"],
        key=lambda n: ({"李四": centre_a.name, "王五": centre_a.name, "赵六": centre_b.name}[n], n),
    )


def test_the_export_holds_the_actors_own_filtered_rows_with_masked_numbers(
    client, centre_a, centre_b, ent_user_a, enrol
):
    enrol(centre_a, name="李四", id_number=LI)
    enrol(centre_b, name="赵六", id_number=ZHAO)
    client.force_login(ent_user_a)
    response = client.get(reverse("talent:researcher_export"), {"sort": "name"})
    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
    assert response["Content-Type"].startswith("application/vnd.openxmlformats-officedocument.spreadsheetml")
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.values)
    assert rows[0][:3] == ("姓名", "证件类型", "证件号码(脱敏)")
    assert [r[0] for r in rows[1:]] == ["李四"]  # another enterprise's person is not there
    assert LI not in str(rows) and rows[1][2] == LI[:6] + "********" + LI[-4:]
    assert rows[1][5] == centre_a.name and rows[1][7] == dt.datetime(2024, 4, 1)  # a date cell, not text
    assert client.get(reverse("talent:researcher_export"), {"q": "赵"}).status_code == 200
