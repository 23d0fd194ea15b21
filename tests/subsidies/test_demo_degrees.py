"""The demo's degree table (subsidies/demo.py DEGREES): a draw picks the first row whose share exceeds it,
and the generator is asked for an institution only where the row offers more than one, so a seed keeps
giving the same people."""

import random

from subsidies.demo import _degree


def test_a_draw_picks_the_first_row_whose_share_exceeds_it():
    rng = random.Random(1)
    assert _degree(rng, 0.0)["level"] == "doctorate"
    master = _degree(rng, 0.45)
    assert (master["level"], master["key_discipline"]) == ("master", True)
    local = _degree(rng, 0.89)
    assert (local["level"], local["key_discipline"], local["institution"]) == ("master", False, "宁夏大学")
    bachelor = _degree(rng, 0.999)
    assert (bachelor["level"], bachelor["institution"]) == ("bachelor", "北方民族大学")
    assert "key_discipline" not in bachelor and bachelor["awarded_on"].endswith("-06-30")


def test_the_generator_is_asked_for_the_year_then_for_a_choice_of_institution_only():
    drawn, fresh = random.Random(5), random.Random(5)
    doctorate = _degree(drawn, 0.1)
    year = fresh.randrange(2012, 2024)
    institution = fresh.choice(("浙江大学", "上海交通大学", "清华大学", "北京理工大学"))
    assert doctorate == {
        "level": "doctorate",
        "full_time": True,
        "awarded_on": f"{year}-07-01",
        "institution": institution,
    }
    _degree(drawn, 0.8)  # one institution: only the year is drawn
    fresh.randrange(2010, 2023)
    assert drawn.random() == fresh.random()
