"""Resident ID validation (GB 11643-1999) and masking; passports with nationality."""

import pytest

from accounts.errors import ServiceError
from accounts.models import Role
from talent import services
from talent.identity import mask_id, normalise_resident_id
from talent.models import Researcher


@pytest.mark.parametrize(
    "value, expected",
    [
        ("110101199003077571", "110101199003077571"),
        ("  440304200002290014 ", "440304200002290014"),  # 29 February of a leap year exists
    ],
    ids=["valid", "leap-day-trimmed"],
)
def test_valid_ids(value, expected):
    assert normalise_resident_id(value) == expected


def test_lower_case_x_is_normalised():
    from talent.identity import resident_id_check_digit

    body = next(
        f"11010119900101{i:03d}" for i in range(1000) if resident_id_check_digit(f"11010119900101{i:03d}") == "X"
    )
    assert normalise_resident_id(body + "x") == body + "X"


@pytest.mark.parametrize(
    "value, code",
    [
        ("110101199003077572", "id_check_digit"),
        ("110101199002307571", "id_birth_date"),  # 30 February
        ("110101190002290014", "id_birth_date"),  # 1900 was not a leap year (and is before 1900 rules anyway)
        ("110101209901017571", "id_birth_date"),  # born in the future
        ("11010119900307757", "id_format"),  # 17 characters
        ("11010119900307757A", "id_format"),
    ],
    ids=["bad-check-digit", "impossible-date", "not-leap-1900", "future", "too-short", "letter-not-x"],
)
def test_invalid_ids(value, code):
    with pytest.raises(ServiceError) as exc:
        normalise_resident_id(value)
    assert exc.value.code == code
    assert "身份证号码" in exc.value.zh


def test_bad_check_digit_names_expected():
    with pytest.raises(ServiceError) as exc:
        normalise_resident_id("110101199003077572")
    assert "应为1" in exc.value.zh


@pytest.mark.parametrize(
    "value, masked",
    [
        ("110101199003077571", "110101********7571"),
        ("E12345678", "E1***5678"),
        ("", ""),
    ],
)
def test_mask(value, masked):
    assert mask_id(value) == masked


def test_passport_needs_nationality_from_the_portal(db, make_user):
    clerk = make_user("clerk", Role.ADMIN)
    with pytest.raises(ServiceError) as exc:
        services.researcher_upsert(actor=clerk, id_type="passport", id_number="e1234567", name="John Smith")
    assert exc.value.code == "nationality"
    assert not Researcher.objects.exists()
    r = services.researcher_upsert(
        actor=clerk, id_type="passport", id_number="e1234567", name="John Smith", nationality="英国"
    )
    assert (r.id_number, r.nationality) == ("E1234567", "英国")


def test_researcher_upsert_refuses_bad_id_and_writes_nothing(db, system):
    with pytest.raises(ServiceError) as exc:
        services.researcher_upsert(actor=system, id_type="resident_id", id_number="110101199003077572", name="张三")
    assert exc.value.code == "id_check_digit"
    assert "研发人员 张三" in exc.value.record
    assert not Researcher.objects.exists()


def test_researcher_upsert_stores_upper_case_x(db, system):
    r = services.researcher_upsert(
        actor=system, id_type="resident_id", id_number="11010119850101123" + "9", name="王五"
    )
    assert r.id_number == "110101198501011239"
    again = services.researcher_upsert(
        actor=system, id_type="resident_id", id_number=" 110101198501011239 ", name="王五"
    )
    assert again.pk == r.pk and Researcher.objects.count() == 1
