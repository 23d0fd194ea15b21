"""Scenario data for the finance page tests and the browser journey, imported through
subsidies.scenario.import_scenario (the same services as the forms) - never raw ORM."""

import datetime as dt

from subsidies.scenario import import_scenario
from talent.identity import resident_id_check_digit

ENTERPRISES = [
    {"uscc": "91640106MA76WL001J", "name": "银川威力传动技术股份有限公司", "division_code": "640106"},
    {"uscc": "91640104MA76LJ002C", "name": "宁夏隆基宁光仪表股份有限公司", "division_code": "640104"},
]
CENTRES = [
    {
        "ref": "WL-SH",
        "enterprise": "91640106MA76WL001J",
        "name": "威力传动上海研发中心",
        "city": "上海",
        "division_code": "310115",
        "kind": "independent",
        "filings": [
            {"level": "regional", "status": "approved", "effective_from": "2024-03-01", "effective_to": None},
            {"level": "yinchuan", "status": "approved", "effective_from": "2024-01-01", "effective_to": None},
        ],
    },
    {
        "ref": "LJ-HZ",
        "enterprise": "91640104MA76LJ002C",
        "name": "隆基宁光杭州研发中心",
        "city": "杭州",
        "division_code": "330106",
        "kind": "independent",
        "filings": [{"level": "regional", "status": "approved", "effective_from": "2024-03-01", "effective_to": None}],
    },
    {
        "ref": "LJ-BJ",
        "enterprise": "91640104MA76LJ002C",
        "name": "隆基宁光北京联合研发中心",
        "city": "北京",
        "division_code": "110108",
        "kind": "joint",
        "filings": [{"level": "regional", "status": "approved", "effective_from": "2024-03-01", "effective_to": None}],
    },
]
SURNAMES = "赵钱孙李周吴郑王冯陈褚卫蒋沈韩杨朱秦尤许何吕施张孔曹严华金魏陶姜"


def resident_id(seq: int) -> str:
    first17 = f"110101{dt.date(1985, 1, 1) + dt.timedelta(days=seq):%Y%m%d}{seq % 1000:03d}"
    return first17 + resident_id_check_digit(first17)


def people(count: int, *, offset: int = 0, start: str = "2024-04-01") -> dict:
    """`count` researchers with a full-time doctorate (even) or key-discipline master's (odd) on
    5-year contracts at WL-SH and LJ-HZ: each earns one line per whole month from `start`."""
    researchers, contracts = [], []
    for i in range(offset, offset + count):
        number = resident_id(i)
        level = "doctorate" if i % 2 == 0 else "master"
        researchers.append(
            {
                "id_type": "resident_id",
                "id_number": number,
                "name": f"{SURNAMES[i % len(SURNAMES)]}研{i}",
                "degrees": [
                    {"level": level, "full_time": True, "key_discipline": level == "master", "awarded_on": "2019-07-01"}
                ],
            }
        )
        begin = dt.date.fromisoformat(start)
        contracts.append(
            {
                "researcher": number,
                "centre": "WL-SH" if i % 3 else "LJ-HZ",
                "full_time": True,
                "start": begin.isoformat(),
                "end": begin.replace(year=begin.year + 5).isoformat(),
                "terminated_on": None,
            }
        )
    return {"researchers": researchers, "contracts": contracts}


def load(count: int = 3, **kwargs) -> dict:
    fragment = {"enterprises": ENTERPRISES, "centres": CENTRES, **people(count, **kwargs)}
    return import_scenario(fragment)
