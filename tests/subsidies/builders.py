"""Scenario fragments for tests, imported through the same services as users' data."""

import datetime as dt
import random

from registry.identifiers import uscc_check_char
from subsidies.demo import resident_id

WL = "91640106MA76WL001J"


def base_fragment() -> dict:
    return {
        "enterprises": [{"uscc": WL, "name": "银川威力传动技术股份有限公司", "division_code": "640106"}],
        "centres": [
            {
                "ref": "WL-SH",
                "enterprise": WL,
                "name": "威力传动上海研发中心",
                "city": "上海",
                "division_code": "310115",
                "kind": "independent",
                "filings": [
                    {"level": "regional", "status": "approved", "effective_from": "2024-03-01", "effective_to": None},
                    {"level": "yinchuan", "status": "approved", "effective_from": "2024-01-01", "effective_to": None},
                ],
            }
        ],
    }


def researchers_fragment(n: int, *, seed: int = 7, centre: str = "WL-SH") -> dict:
    """n researchers with varied degrees and contract starts, all at one centre."""
    rng = random.Random(seed)
    used: set = set()
    researchers, contracts = [], []
    for i in range(n):
        number = resident_id(rng, used)
        level = ("doctorate", "master", "master", "bachelor")[i % 4]
        researchers.append(
            {
                "id_type": "resident_id",
                "id_number": number,
                "name": f"研究员{i:03d}",
                "degrees": [
                    {"level": level, "full_time": True, "key_discipline": i % 4 == 1, "awarded_on": "2018-07-01"}
                ],
            }
        )
        start = dt.date(2024, rng.choice([3, 4, 5]), rng.choice([1, 1, 10]))
        contracts.append(
            {
                "researcher": number,
                "centre": centre,
                "full_time": True,
                "start": start.isoformat(),
                "end": None if i % 5 == 0 else start.replace(year=start.year + 5).isoformat(),
                "terminated_on": None,
            }
        )
    return {"researchers": researchers, "contracts": contracts}


def enterprise_uscc(body17: str) -> str:
    return body17 + uscc_check_char(body17)
