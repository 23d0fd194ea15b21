"""Roster import: preview lists every row's errors; commit writes every row or none."""

import io

import pytest
from openpyxl import Workbook, load_workbook

from accounts.errors import ServiceError
from talent import roster
from talent.models import Contract, Degree, Researcher, RosterState

HEADER = [c.title for c in roster.COLUMNS]


@pytest.fixture(autouse=True)
def _listed(key_reference):
    """Rows that claim a key-discipline master's name listed institutions and disciplines (POLICY §3.3)."""


def xlsx(rows) -> bytes:
    wb = Workbook()
    for row in [HEADER, *rows]:
        wb.active.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


GOOD_1 = [
    "张三",
    "居民身份证",
    "110101199003077571",
    "",
    "",
    "",
    "博士",
    "是",
    "清华大学",
    "机械工程",
    "否",
    "2019-07-01",
    "是",
    "2024-04-01",
    "",
]
GOOD_2 = [
    "王五",
    "",
    "11010119900101004x",
    "",
    "",
    "",
    "硕士",
    "是",
    "西安交通大学",
    "电气工程",
    "是",
    "2010-07-01",
    "否",
    "2024-05-01",
    "2029-04-30",
]
# (row, expected [(column, message fragment)])
BAD_ROWS = [
    (
        [
            "李四",
            "居民身份证",
            "110101199003077572",
            "",
            "",
            "",
            "博士",
            "是",
            "",
            "",
            "",
            "2019-07-01",
            "是",
            "2024-04-01",
            "",
        ],
        [("证件号码", "校验位错误")],
    ),
    (
        [
            "赵六",
            "居民身份证",
            "640104199205120024",
            "",
            "",
            "",
            "博士后",
            "是",
            "",
            "",
            "",
            "2020-13-01",
            "也许",
            "2024-04-01",
            "",
        ],
        [("学位", "应为 学士、硕士 或 博士"), ("授予日期", "不是有效日期"), ("全职", "应为 是 或 否")],
    ),
    (
        ["", "护照", "E1234", "", "", "", "", "", "", "", "", "", "", "", ""],
        [("姓名", "姓名不能为空"), ("合同起始日期", "合同起始日期不能为空")],
    ),
    (
        ["John", "护照", "E12345678", "", "", "", "", "", "", "", "", "", "是", "2024-06-01", ""],
        [("国籍", "护照持有人须填写国籍")],
    ),
    (
        [
            "孙七",
            "居民身份证",
            "440304200002290014",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "是",
            "2024-06-01",
            "2024-05-31",
        ],
        [("合同终止日期", "早于起始日期")],
    ),
]


def test_mixed_roster_commits_nothing_and_lists_every_error(db, centre_a, ent_user_a):
    raw = xlsx([GOOD_1, GOOD_2] + [r for r, _ in BAD_ROWS])
    upload = roster.roster_preview(actor=ent_user_a, centre=centre_a, filename="花名册.xlsx", raw=raw)
    assert upload.state == RosterState.PREVIEW and len(upload.rows) == 7
    # nothing is written by the preview
    assert not Researcher.objects.exists() and not Contract.objects.exists() and not Degree.objects.exists()
    got = [(e["row"], e["column"], e["message"]) for e in upload.errors]
    expected_rows = []
    for i, (_row, errors) in enumerate(BAD_ROWS, start=4):
        for column, fragment in errors:
            expected_rows.append((i, column, fragment))
    assert len(got) == len(expected_rows), got
    for (row, column, message), (erow, ecolumn, fragment) in zip(got, expected_rows, strict=True):
        assert (row, column) == (erow, ecolumn) and fragment in message, (row, column, message)
    with pytest.raises(ServiceError) as exc:
        roster.roster_commit(actor=ent_user_a, upload=upload)
    assert exc.value.code == "roster_invalid" and "未导入任何记录" in exc.value.zh
    assert not Researcher.objects.exists() and not Contract.objects.exists() and not Degree.objects.exists()
    upload.refresh_from_db()
    assert upload.state == RosterState.PREVIEW and len(upload.errors) == len(expected_rows)


def test_overlap_inside_the_file_and_with_the_database(db, centre_a, centre_b, ent_user_a, enrol):
    enrol(centre_b, id_number="640104199205120024", name="赵六")
    dup = list(GOOD_1)
    dup[13] = "2025-01-01"  # a second full-time contract for 张三, overlapping the first row's
    other = list(GOOD_1)
    other[0], other[2] = "赵六", "640104199205120024"
    upload = roster.roster_preview(actor=ent_user_a, centre=centre_a, filename="r.csv", raw=_csv([GOOD_1, dup, other]))
    assert [(e["row"], e["column"]) for e in upload.errors] == [(3, "合同起始日期"), (4, "合同起始日期")]
    assert "其他单位" in upload.errors[1]["message"]
    assert Contract.objects.count() == 1


def _csv(rows) -> bytes:
    import csv

    buf = io.StringIO()
    csv.writer(buf).writerows([HEADER, *rows])
    return buf.getvalue().encode("gb18030")


def test_good_roster_commits_through_the_services(db, centre_a, ent_user_a):
    second_degree = list(GOOD_1)
    second_degree[6], second_degree[10], second_degree[11] = "硕士", "是", "2016-07-01"
    upload = roster.roster_preview(
        actor=ent_user_a, centre=centre_a, filename="r.xlsx", raw=xlsx([GOOD_1, second_degree, GOOD_2])
    )
    assert upload.errors == []
    assert not Researcher.objects.exists()
    roster.roster_commit(actor=ent_user_a, upload=upload)
    upload.refresh_from_db()
    assert upload.state == RosterState.COMMITTED
    assert sorted(Researcher.objects.values_list("id_number", "name")) == [
        ("11010119900101004X", "王五"),
        ("110101199003077571", "张三"),
    ]
    zhang = Researcher.objects.get(id_number="110101199003077571")
    assert sorted(zhang.degrees.values_list("level", "key_discipline", "verified_at")) == [
        ("doctorate", False, None),
        ("master", True, None),
    ]  # roster degrees wait for a reviewer
    assert list(zhang.contracts.values_list("centre__ref", "full_time", "end")) == [("WL-SH", True, None)]
    with pytest.raises(ServiceError) as exc:
        roster.roster_commit(actor=ent_user_a, upload=upload)
    assert exc.value.code == "already_committed"


def test_roster_for_another_enterprises_centre_is_refused(db, centre_b, ent_user_a):
    with pytest.raises(ServiceError) as exc:
        roster.roster_preview(actor=ent_user_a, centre=centre_b, filename="r.xlsx", raw=xlsx([GOOD_1]))
    assert exc.value.status == 404


@pytest.mark.parametrize(
    "filename, raw, code",
    [
        ("r.txt", b"x", "roster_file"),
        ("r.xlsx", b"not a zip", "roster_file"),
        ("r.csv", "姓名,证件号码\n张三,1\n".encode(), "roster_header"),
        ("r.csv", (",".join(HEADER) + "\n").encode(), "roster_empty"),
    ],
    ids=["extension", "damaged-xlsx", "missing-columns", "no-rows"],
)
def test_unreadable_files(db, centre_a, ent_user_a, filename, raw, code):
    with pytest.raises(ServiceError) as exc:
        roster.roster_preview(actor=ent_user_a, centre=centre_a, filename=filename, raw=raw)
    assert exc.value.code == code


def test_template_examples_import_cleanly(db, centre_a, ent_user_a):
    wb = load_workbook(io.BytesIO(roster.template_xlsx()))
    assert [c.value for c in wb["花名册"][1]] == HEADER
    assert wb.sheetnames == ["花名册", "填写说明"]
    upload = roster.roster_preview(actor=ent_user_a, centre=centre_a, filename="t.xlsx", raw=roster.template_xlsx())
    assert upload.errors == []
    upload = roster.roster_preview(actor=ent_user_a, centre=centre_a, filename="t.csv", raw=roster.template_csv())
    assert upload.errors == []


def test_uploader_only_commits(db, centre_a, ent_user_a, make_user):
    from registry.models import Membership

    colleague = make_user("ent_a2")
    Membership.objects.create(enterprise=centre_a.enterprise, user=colleague)
    upload = roster.roster_preview(actor=ent_user_a, centre=centre_a, filename="r.xlsx", raw=xlsx([GOOD_1]))
    with pytest.raises(ServiceError):
        roster.roster_commit(actor=colleague, upload=upload)
    assert not Researcher.objects.exists()
