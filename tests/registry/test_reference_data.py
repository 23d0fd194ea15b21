import pytest

from registry.identifiers import is_ningxia, is_yinchuan
from registry.models import Division


@pytest.mark.django_db
def test_ningxia_divisions_are_loaded():
    yinchuan = set(Division.objects.filter(parent_id="640100").values_list("code", flat=True))
    assert yinchuan == {"640104", "640105", "640106", "640121", "640122", "640181"}
    cities = set(Division.objects.filter(parent_id="640000").values_list("name", flat=True))
    assert cities == {"银川市", "石嘴山市", "吴忠市", "固原市", "中卫市"}
    assert all(is_ningxia(c) for c in Division.objects.filter(code__startswith="64").values_list("code", flat=True))
    assert all(is_yinchuan(c) for c in yinchuan)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("code", "name", "city"),
    [
        ("110108", "海淀区", "北京市"),
        ("310115", "浦东新区", "上海市"),
        ("330106", "西湖区", "杭州市"),
        ("440305", "南山区", "深圳市"),
    ],
)
def test_centre_cities_are_loaded(code, name, city):
    d = Division.objects.select_related("parent").get(code=code)
    assert (d.name, d.parent.name) == (name, city)
