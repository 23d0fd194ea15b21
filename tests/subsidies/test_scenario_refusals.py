"""import_scenario: a bad record is refused naming the record and the problem, and nothing is written."""

import pytest

from registry.models import Enterprise
from subsidies.scenario import ScenarioError, import_scenario
from talent.models import Researcher
from tests.subsidies.builders import base_fragment, researchers_fragment

pytestmark = pytest.mark.django_db


def _with(**sections):
    data = base_fragment()
    data.update(researchers_fragment(2))
    data.update(sections)
    return data


@pytest.mark.parametrize(
    "change, where, words",
    [
        (lambda d: d["researchers"][1].update(email="not-an-email"), "researchers[1](", "邮"),
        (lambda d: d["researchers"].append("oops"), "researchers[2](?)", "应为对象"),
        (lambda d: d["researchers"][0]["degrees"][0].update(awarded_on=["2018"]), "researchers[0](", "awarded_on"),
        (
            lambda d: d.update(rd_declarations=[{"centre": "WL-SH", "year": "二〇二四", "verified_amount": "1"}]),
            "rd_declarations[0](WL-SH 二〇二四)",
            "无效",
        ),
    ],
    ids=["bad-email", "not-an-object", "date-as-list", "year-not-a-number"],
)
def test_a_bad_record_is_named_and_nothing_is_written(change, where, words):
    data = _with()
    change(data)
    with pytest.raises(ScenarioError) as err:
        import_scenario(data)
    assert where in str(err.value), str(err.value)
    assert words in str(err.value), str(err.value)
    assert not Enterprise.objects.exists() and not Researcher.objects.exists()
