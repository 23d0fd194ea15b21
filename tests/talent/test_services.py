"""Degrees, verification, contracts (overlap at service and database level), termination, reference data."""

import datetime as dt

import pytest
from django.db import IntegrityError, connection, transaction

from accounts.errors import ServiceError
from talent import key_reference as key_ref
from talent import services
from talent.models import Contract, Degree, IdentityAccess, KeyDiscipline, KeyInstitution

from .conftest import ZHANG, with_certificate

D = dt.date


def test_degree_counts_only_after_a_reviewer_verifies(db, centre_a, ent_user_a, reviewer, enrol):
    r, _c = enrol(centre_a, verified=False, actor=ent_user_a)
    degree = r.degrees.get()
    assert degree.verified_at is None
    with pytest.raises(ServiceError) as exc:
        services.degree_verify(actor=ent_user_a, degree=degree)
    assert exc.value.status == 403
    services.degree_verify(actor=reviewer, degree=degree)
    degree.refresh_from_db()
    assert degree.verified_by == reviewer and degree.verified_at is not None
    with pytest.raises(ServiceError) as exc:
        services.degree_verify(actor=reviewer, degree=degree)
    assert exc.value.code == "already_verified" and "审核员一" in exc.value.zh


def test_editing_a_verified_degree_sends_it_back(db, centre_a, ent_user_a, reviewer, enrol):
    """The enterprise's own verified claim, while no other employer relies on the person."""
    r, _c = enrol(centre_a, verified=True, actor=ent_user_a)
    services.degree_upsert(
        actor=ent_user_a, researcher=r, level="doctorate", full_time=True, awarded_on=D(2019, 7, 1)
    )  # what the verified (imported) degree says: no new claim
    assert r.degrees.get().verified_at is not None
    claim = services.degree_upsert(
        actor=ent_user_a, researcher=r, level="master", full_time=True, awarded_on=D(2016, 7, 1), institution="宁夏大学"
    )
    services.degree_verify(actor=reviewer, degree=with_certificate(claim))
    services.degree_upsert(
        actor=ent_user_a, researcher=r, level="master", full_time=True, awarded_on=D(2016, 7, 1), institution="宁夏大学"
    )  # nothing checked changed
    assert r.degrees.get(pk=claim.pk).verified_at is not None
    services.degree_upsert(
        actor=ent_user_a,
        researcher=r,
        level="master",
        full_time=True,
        awarded_on=D(2016, 7, 1),
        institution="另一所大学",
    )
    assert r.degrees.get(pk=claim.pk).verified_at is None
    assert r.degrees.count() == 2 and r.degrees.exclude(pk=claim.pk).get().verified_at is not None


def test_degree_picks_key_institution(db, system, reviewer):
    inst = key_ref.key_institution_upsert(actor=reviewer, name="清华大学", code="10003")
    key_ref.key_discipline_upsert(actor=reviewer, institution=inst, name="机械工程")
    r = services.researcher_upsert(actor=system, id_type="resident_id", id_number=ZHANG, name="张三")
    d = services.degree_upsert(
        actor=system,
        researcher=r,
        level="master",
        full_time=True,
        awarded_on=D(2016, 7, 1),
        key_discipline=True,
        key_institution=inst,
        discipline="机械工程",
    )
    assert (d.institution, d.key_institution_id) == ("清华大学", inst.pk)


def test_overlap_refused_by_service_naming_the_other_contract(db, centre_a, centre_b, enrol, system):
    r, first = enrol(centre_a, start=D(2024, 4, 1), end=D(2029, 3, 31))
    with pytest.raises(ServiceError) as exc:
        services.contract_upsert(
            actor=system, researcher=r, centre=centre_b, full_time=True, start=D(2025, 1, 1), end=None
        )
    assert exc.value.code == "contract_overlap"
    assert f"编号{first.pk}" in exc.value.zh and "WL-SH研发中心" in exc.value.zh and "2024-04-01" in exc.value.zh
    assert Contract.objects.count() == 1
    # part-time alongside is allowed; full-time after the first ends is allowed
    services.contract_upsert(
        actor=system, researcher=r, centre=centre_b, full_time=False, start=D(2025, 1, 1), end=None
    )
    services.contract_upsert(actor=system, researcher=r, centre=centre_b, full_time=True, start=D(2029, 4, 1), end=None)
    assert Contract.objects.count() == 3


def test_overlap_names_no_other_enterprise_to_an_enterprise(db, centre_a, centre_b, enrol, ent_user_b):
    r, _first = enrol(centre_a)
    with pytest.raises(ServiceError) as exc:
        services.contract_upsert(
            actor=ent_user_b, researcher=r, centre=centre_b, full_time=True, start=D(2025, 1, 1), end=None
        )
    assert "其他单位" in exc.value.zh and "WL-SH" not in exc.value.zh


def test_overlap_constraint_holds_at_the_database_level(db, centre_a, centre_b, enrol):
    r, _first = enrol(centre_a, start=D(2024, 4, 1), end=D(2029, 3, 31))
    sql = (
        f'INSERT INTO {Contract._meta.db_table} (researcher_id, centre_id, full_time, start, "end", '
        "termination_reason, needs_review, document, created_at) VALUES (%s, %s, true, %s, %s, '', false, '', now())"
    )
    with pytest.raises(IntegrityError) as exc, transaction.atomic(), connection.cursor() as cur:
        cur.execute(sql, [r.pk, centre_b.pk, D(2026, 1, 1), None])
    assert "contract_no_fulltime_overlap" in str(exc.value)
    # the same raw insert outside the period, or part-time, goes through
    with connection.cursor() as cur:
        cur.execute(sql, [r.pk, centre_b.pk, D(2029, 4, 1), None])
        cur.execute(sql.replace("true", "false", 1), [r.pk, centre_b.pk, D(2026, 1, 1), None])
    assert Contract.objects.filter(researcher=r).count() == 3


def test_an_early_termination_frees_the_later_days(db, centre_a, centre_b, enrol, system, ent_user_a):
    r, first = enrol(centre_a, start=D(2024, 4, 1), end=D(2029, 3, 31))
    services.contract_terminate(actor=ent_user_a, contract=first, terminated_on=D(2025, 6, 30), reason="个人原因离职")
    services.contract_upsert(actor=system, researcher=r, centre=centre_b, full_time=True, start=D(2025, 7, 1), end=None)
    assert Contract.objects.filter(researcher=r, full_time=True).count() == 2


@pytest.mark.parametrize(
    "terminated_on, flagged",
    [
        (D(2025, 6, 30), True),
        (D(2029, 3, 30), True),  # the last day before five whole years
    ],
    ids=["within-five-years", "one-day-short"],
)
def test_termination_within_five_years_is_flagged(db, centre_a, enrol, ent_user_a, terminated_on, flagged):
    _r, c = enrol(centre_a, start=D(2024, 4, 1), end=D(2030, 3, 31))
    c = services.contract_terminate(actor=ent_user_a, contract=c, terminated_on=terminated_on, reason="离职")
    c.refresh_from_db()
    assert (c.terminated_on, c.termination_reason, c.needs_review) == (terminated_on, "离职", flagged)


def test_termination_after_five_years_is_not_flagged(db, centre_a, enrol, ent_user_a):
    _r, c = enrol(centre_a, start=D(2019, 4, 1), end=None)
    c = services.contract_terminate(actor=ent_user_a, contract=c, terminated_on=D(2024, 3, 31), reason="到期离职")
    assert c.needs_review is False


def test_termination_refusals_change_nothing(db, centre_a, enrol, ent_user_a, ent_user_b):
    _r, c = enrol(centre_a, start=D(2024, 4, 1), end=D(2029, 3, 31))
    cases = [
        (ent_user_b, D(2025, 1, 1), "离职", "contract_scope"),
        (ent_user_a, D(2025, 1, 1), " ", "required"),
        (ent_user_a, D(2024, 3, 1), "离职", "contract_dates"),
        (ent_user_a, D(2029, 3, 31), "离职", "contract_dates"),
    ]
    for actor, day, reason, code in cases:
        with pytest.raises(ServiceError) as exc:
            services.contract_terminate(actor=actor, contract=c, terminated_on=day, reason=reason)
        assert exc.value.code == code
    c.refresh_from_db()
    assert (c.terminated_on, c.termination_reason, c.needs_review) == (None, "", False)


def test_enterprise_cannot_contract_at_another_enterprises_centre(db, centre_b, ent_user_a, system):
    r = services.researcher_upsert(actor=system, id_type="resident_id", id_number=ZHANG, name="张三")
    with pytest.raises(ServiceError) as exc:
        services.contract_upsert(
            actor=ent_user_a, researcher=r, centre=centre_b, full_time=True, start=D(2024, 1, 1), end=None
        )
    assert exc.value.status == 404
    assert not Contract.objects.exists()


def test_enterprise_cannot_rename_someone_elses_researcher(db, centre_a, centre_b, enrol, ent_user_b):
    enrol(centre_a)
    with pytest.raises(ServiceError) as exc:
        services.researcher_upsert(actor=ent_user_b, id_type="resident_id", id_number=ZHANG, name="张叁")
    assert exc.value.code == "registered_elsewhere"
    assert exc.value.zh == "该人员已在其他单位登记,如信息有误请联系科技厅核实"
    r = services.researcher_upsert(actor=ent_user_b, id_type="resident_id", id_number=ZHANG, name="张三", phone="139")
    r.refresh_from_db()
    assert (r.name, r.phone) == ("张三", "")


def test_key_reference_csv_import_all_or_nothing(empty_key_list, db, reviewer, ent_user_a):
    good = "院校名称,院校代码,重点学科,有效,备注\n清华大学,10003,机械工程,是,\n清华大学,10003,电气工程,是,\n西安交通大学,10698,,是,\n"
    counts = key_ref.key_reference_import_csv(actor=reviewer, raw=good.encode("gb18030"))
    assert counts == {"institutions": 2, "disciplines": 2}
    assert list(KeyInstitution.objects.values_list("name", flat=True)) == ["清华大学", "西安交通大学"]
    again = key_ref.key_reference_import_csv(actor=reviewer, raw=good.encode("utf-8-sig"))
    assert again == counts and KeyDiscipline.objects.count() == 2
    bad = "院校名称,重点学科,有效\n浙江大学,控制科学与工程,是\n,材料,是\n复旦大学,数学,也许\n"
    with pytest.raises(key_ref.ReferenceImportError) as exc:
        key_ref.key_reference_import_csv(actor=reviewer, raw=bad.encode())
    assert exc.value.errors == ["第3行:院校名称不能为空", "第4行“有效”列:“也许”应为 是 或 否"]
    assert not KeyInstitution.objects.filter(name="浙江大学").exists()
    with pytest.raises(ServiceError) as exc:
        key_ref.key_reference_import_csv(actor=ent_user_a, raw=good.encode())
    assert exc.value.status == 403


def test_key_institution_history_is_recorded(empty_key_list, db, reviewer):
    inst = key_ref.key_institution_upsert(actor=reviewer, name="清华大学", code="10003")
    key_ref.key_discipline_upsert(actor=reviewer, institution=inst, name="机械工程")
    key_ref.key_institution_upsert(actor=reviewer, name="清华大学", code="10003", is_active=False)
    events = list(inst.events.order_by("pgh_id").values_list("pgh_label", "is_active", "pgh_context__metadata"))
    assert [(e[0], e[1]) for e in events] == [("insert", True), ("update", False)]
    assert events[1][2]["username"] == "rev1"


def test_identity_reveal_is_logged_and_restricted(db, centre_a, enrol, reviewer, ent_user_a, finance):
    r, _c = enrol(centre_a)
    assert services.identity_reveal(actor=reviewer, researcher=r, purpose="核验") == ZHANG
    for actor in (ent_user_a, finance):
        with pytest.raises(ServiceError):
            services.identity_reveal(actor=actor, researcher=r)
    log = IdentityAccess.objects.get()
    assert (log.user, log.researcher, log.purpose) == (reviewer, r, "核验")


def test_identity_access_log_is_append_only(db, centre_a, enrol, reviewer):
    r, _c = enrol(centre_a)
    services.identity_reveal(actor=reviewer, researcher=r)
    with pytest.raises(Exception), transaction.atomic():  # noqa: B017 - pgtrigger raises a database error
        IdentityAccess.objects.update(purpose="改写")
    with pytest.raises(Exception), transaction.atomic():  # noqa: B017
        IdentityAccess.objects.all().delete()
    assert IdentityAccess.objects.get().purpose == ""


def test_degree_unique_by_natural_key(db, system):
    r = services.researcher_upsert(actor=system, id_type="resident_id", id_number=ZHANG, name="张三")
    for _ in range(2):
        services.degree_upsert(
            actor=system, researcher=r, level="master", full_time=True, awarded_on=D(2016, 7, 1), verified=True
        )
    assert Degree.objects.count() == 1


def test_import_key_institutions_command(empty_key_list, db, tmp_path):
    from django.core.management import CommandError, call_command

    good = tmp_path / "k.csv"
    good.write_text("院校名称,院校代码,重点学科\n清华大学,10003,机械工程\n", encoding="utf-8")
    call_command("import_key_institutions", str(good))
    assert list(KeyDiscipline.objects.values_list("institution__name", "name")) == [("清华大学", "机械工程")]
    bad = tmp_path / "b.csv"
    bad.write_text("院校名称,重点学科\n浙江大学,控制\n,材料\n", encoding="utf-8")
    with pytest.raises(CommandError, match="第3行"):
        call_command("import_key_institutions", str(bad))
    assert not KeyInstitution.objects.filter(name="浙江大学").exists()


def test_key_reference_discipline_rows_leave_a_listed_institution_as_it_is(db, reviewer):
    """A discipline row names its institution; it neither reactivates it nor wipes its note."""
    key_ref.key_institution_upsert(actor=reviewer, name="浙江大学", code="10335", is_active=False, note="暂停认定")
    rows = "院校名称,院校代码,重点学科,有效,备注\n浙江大学,10335,控制科学与工程,是,\n"
    assert key_ref.key_reference_import_csv(actor=reviewer, raw=rows.encode()) == {
        "institutions": 1,
        "disciplines": 1,
    }
    inst = KeyInstitution.objects.get(name="浙江大学")
    assert (inst.is_active, inst.note) == (False, "暂停认定")
    assert KeyDiscipline.objects.filter(institution=inst, name="控制科学与工程", is_active=True).exists()
