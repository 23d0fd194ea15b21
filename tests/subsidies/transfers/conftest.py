"""Fixtures for the money loop (issue 17): an approved monthly run paying two enterprises, exported as a
bank file, and helpers that turn the exported bank file into the bank's result file."""

import csv
import io
from pathlib import Path

import pytest

from accounts.models import Role
from registry.models import Enterprise, Membership
from subsidies.exports.bank import HEADERS
from subsidies.exports.services import export_request
from subsidies.runs.services import payout_run_approve, run_payouts
from subsidies.scenario import import_scenario

WL, LJ = "91640106MA76WL001J", "91640104MA76LJ002C"
MEMO = HEADERS.index("用途/附言")
FILING = [{"level": "regional", "status": "approved", "effective_from": "2024-03-01", "effective_to": None}]
SCENARIO = {
    "enterprises": [
        {
            "uscc": WL,
            "name": "银川威力传动技术股份有限公司",
            "division_code": "640106",
            "bank_name": "中国工商银行银川分行",
            "bank_account": "2902000109200012345",
            "bank_cnaps": "102871000016",
        },
        {
            "uscc": LJ,
            "name": "宁夏隆基宁光仪表股份有限公司",
            "division_code": "640104",
            "bank_name": "宁夏银行营业部",
            "bank_account": "6217000100029876543",
            "bank_cnaps": "313871000007",
        },
    ],
    "centres": [
        {
            "ref": "WL-SH",
            "enterprise": WL,
            "name": "威力传动上海研发中心",
            "city": "上海",
            "division_code": "310115",
            "kind": "independent",
            "filings": FILING,
        },
        {
            "ref": "LJ-HZ",
            "enterprise": LJ,
            "name": "隆基宁光杭州研发中心",
            "city": "杭州",
            "division_code": "330106",
            "kind": "independent",
            "filings": FILING,
        },
    ],
    "researchers": [
        {
            "id_type": "resident_id",
            "id_number": "110101199003077571",
            "name": "张三",
            "degrees": [{"level": "doctorate", "full_time": True, "key_discipline": False, "awarded_on": "2019-07-01"}],
        },
        {
            "id_type": "resident_id",
            "id_number": "33010619880512661X",
            "name": "李四",
            "degrees": [{"level": "doctorate", "full_time": True, "key_discipline": False, "awarded_on": "2018-07-01"}],
        },
    ],
    "contracts": [
        {
            "researcher": "110101199003077571",
            "centre": "WL-SH",
            "full_time": True,
            "start": "2024-04-01",
            "end": "2029-03-31",
            "terminated_on": None,
        },
        {
            "researcher": "33010619880512661X",
            "centre": "LJ-HZ",
            "full_time": True,
            "start": "2024-05-01",
            "end": "2029-04-30",
            "terminated_on": None,
        },
    ],
}


@pytest.fixture(autouse=True)
def export_root(tmp_path, settings):
    settings.EXPORT_ROOT = tmp_path / "exports"
    return settings.EXPORT_ROOT


@pytest.fixture
def finance3(make_user):
    return make_user("finance3", Role.FINANCE, full_name="财务三")


@pytest.fixture
def approved_run(db, finance, finance2):
    import_scenario(SCENARIO)
    run = run_payouts(actor=finance, kind="monthly", period="2024-06")
    return payout_run_approve(actor=finance2, run_id=run.pk)


@pytest.fixture
def bank_file(approved_run, finance) -> bytes:
    """The run's bank file (CSV) as finance downloads it; exporting it creates the run's transfers."""
    record = export_request(actor=finance, run_id=approved_run.pk, fmt="bank_csv", inline=True)
    return Path(record.file_path).read_bytes()


@pytest.fixture
def exported_run(bank_file, approved_run):
    approved_run.refresh_from_db()
    return approved_run


@pytest.fixture
def wl_user(make_user, db):
    user = make_user("wl_owner", Role.ENTERPRISE, full_name="威力财务")
    Membership.objects.create(enterprise=Enterprise.objects.get(uscc=WL), user=user, is_owner=True)
    return user


@pytest.fixture
def wl_clerk(make_user, db):
    """A member of 威力 who is not its owner (管理员)."""
    user = make_user("wl_clerk", Role.ENTERPRISE, full_name="威力出纳")
    Membership.objects.create(enterprise=Enterprise.objects.get(uscc=WL), user=user)
    return user


@pytest.fixture
def lj_user(make_user, db):
    user = make_user("lj_owner", Role.ENTERPRISE, full_name="隆基财务")
    Membership.objects.create(enterprise=Enterprise.objects.get(uscc=LJ), user=user, is_owner=True)
    return user


def bank_rows(data: bytes) -> list[list[str]]:
    """The transfer rows of an exported bank file (CSV), without its header and total line."""
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    return [r for r in rows[1:] if r and r[0] != "合计"]


def result_csv(data: bytes, outcomes: dict, *, serial_prefix="SN") -> bytes:
    """The bank's result file for an exported bank file: every row, or those named in `outcomes` (reference ->
    "成功" or (失败, reason)), with the four result columns."""
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\r\n")
    w.writerow(rows[0] + ["交易状态", "失败原因", "银行流水号", "交易日期"])
    for r in rows[1:]:
        if not r or r[0] == "合计":
            continue
        ref = r[MEMO].split()[0]
        if ref not in outcomes:
            continue
        outcome = outcomes[ref]
        status, reason = (outcome, "") if isinstance(outcome, str) else outcome
        w.writerow(r + [status, reason, f"{serial_prefix}{ref}", "2024-07-08"])
    return "\ufeff".encode() + out.getvalue().encode()


def references(data: bytes) -> list[str]:
    return [r[MEMO].split()[0] for r in bank_rows(data)]
