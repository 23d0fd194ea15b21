"""The security review of the money loop: an account edit once money was sent (F1), four eyes on account
corrections (F2), no bank file again after bank results (F3), owner-only corrections (F6), no enumeration
oracle on the API (F8), and no 500 on bad input (F9)."""

from pathlib import Path

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.errors import ServiceError
from accounts.models import Role
from registry.models import Enterprise
from registry.services.entities import enterprise_bank_update
from subsidies.exports.bank import HEADERS
from subsidies.exports.services import export_request
from subsidies.models import ExportRecord
from subsidies.transfers import services
from subsidies.transfers.imports import parse_results
from subsidies.transfers.models import AccountChangeState, BankAccountChange, Transfer
from tests.subsidies.transfers.conftest import LJ, WL, bank_rows, references, result_csv


def _ref(run, uscc):
    return services.original_reference(run.pk, Enterprise.objects.get(uscc=uscc).pk)


def _fail_wl(run, bank_file, finance):
    services.bank_results_import(
        actor=finance,
        run_id=run.pk,
        file_name="r.csv",
        data=result_csv(bank_file, {_ref(run, WL): ("失败", "户名账号不符"), _ref(run, LJ): "成功"}),
    )


# --- F1 ---------------------------------------------------------------------------------------------


def test_f1_the_owner_cannot_edit_the_account_directly_once_money_was_sent(exported_run, wl_user):
    ent = Enterprise.objects.get(uscc=WL)
    before = (ent.bank_name, ent.bank_account, ent.bank_cnaps)
    with pytest.raises(ServiceError) as exc:
        enterprise_bank_update(
            actor=wl_user,
            enterprise=ent,
            bank_name="某银行",
            bank_account="6222000011112222",
            bank_cnaps="104871000018",
        )
    assert exc.value.code == "account_change_required" and ent.name in exc.value.zh and "更正" in exc.value.zh
    ent.refresh_from_db()
    assert (ent.bank_name, ent.bank_account, ent.bank_cnaps) == before


def test_f1_the_bank_form_on_the_enterprise_page_is_refused_too(client, exported_run, wl_user):
    ent = Enterprise.objects.get(uscc=WL)
    before = ent.bank_account
    client.force_login(wl_user)
    client.post(
        reverse("registry:enterprise_detail", args=[ent.pk]),
        {"action": "bank", "bank_name": "某银行", "bank_account": "6222000011112222", "bank_cnaps": "104871000018"},
    )
    ent.refresh_from_db()
    assert ent.bank_account == before


def test_f1_a_reissue_pays_the_account_approved_not_one_written_since(exported_run, bank_file, finance, finance2):
    _fail_wl(exported_run, bank_file, finance)
    ent = Enterprise.objects.get(uscc=WL)
    approved_account = ent.bank_account
    batch = services.reissue_batch_create(actor=finance, run_id=exported_run.pk)
    services.reissue_batch_approve(actor=finance2, batch_id=batch.pk)
    Enterprise.objects.filter(pk=ent.pk).update(bank_account="6222999988887777")  # any path around the check
    data, _ = services.reissue_batch_export(actor=finance, batch_id=batch.pk, fmt="csv")
    assert [r for r in bank_rows(data) if approved_account in ",".join(r)]
    assert "6222999988887777" not in data.decode("utf-8-sig")
    assert Transfer.objects.get(batch=batch).bank_account == approved_account


# --- F2 ---------------------------------------------------------------------------------------------


def test_f2_one_administrator_cannot_request_and_accept_the_same_correction(exported_run, make_user):
    admin = make_user("admin1", Role.ADMIN, full_name="管理员")
    ent = Enterprise.objects.get(uscc=WL)
    before = ent.bank_account
    change = services.bank_account_change_request(
        actor=admin,
        enterprise_id=ent.pk,
        bank_name="中国银行",
        bank_account="1071000012345678",
        bank_cnaps="104871000018",
        reason="销户",
    )
    with pytest.raises(ServiceError) as exc:
        services.bank_account_change_check(actor=admin, change_id=change.pk, accept=True)
    assert (exc.value.code, exc.value.status) == ("four_eyes", 403) and ent.name in exc.value.zh
    change.refresh_from_db()
    ent.refresh_from_db()
    assert change.state == AccountChangeState.PENDING and change.checked_by is None and ent.bank_account == before


def test_f2_the_database_refuses_a_correction_checked_by_its_requester(exported_run, make_user):
    admin = make_user("admin1", Role.ADMIN, full_name="管理员")
    ent = Enterprise.objects.get(uscc=WL)
    change = services.bank_account_change_request(
        actor=admin,
        enterprise_id=ent.pk,
        bank_name="中国银行",
        bank_account="1071000012345678",
        bank_cnaps="104871000018",
        reason="销户",
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        BankAccountChange.objects.filter(pk=change.pk).update(checked_by=admin)


# --- F3 ---------------------------------------------------------------------------------------------


def test_f3_a_bank_file_is_not_exported_again_once_the_bank_answered(exported_run, bank_file, finance):
    _fail_wl(exported_run, bank_file, finance)
    records = ExportRecord.objects.count()
    for fmt in ("bank_csv", "bank_xlsx"):
        with pytest.raises(ServiceError) as exc:
            export_request(actor=finance, run_id=exported_run.pk, fmt=fmt, inline=True)
        assert exc.value.code == "bank_results_recorded" and "补拨" in exc.value.zh
    assert ExportRecord.objects.count() == records


def test_f3_a_reexport_before_any_result_is_allowed_and_identical(exported_run, bank_file, finance):
    again = export_request(actor=finance, run_id=exported_run.pk, fmt="bank_csv", inline=True)
    assert bank_rows(Path(again.file_path).read_bytes()) == bank_rows(bank_file)
    assert references(bank_file) and Transfer.objects.count() == len(references(bank_file))


# --- F6 ---------------------------------------------------------------------------------------------


def test_f6_only_the_owner_files_an_account_correction(exported_run, wl_clerk, wl_user):
    ent = Enterprise.objects.get(uscc=WL)
    with pytest.raises(ServiceError) as exc:
        services.bank_account_change_request(
            actor=wl_clerk,
            enterprise_id=ent.pk,
            bank_name="中国银行",
            bank_account="1071000012345678",
            bank_cnaps="104871000018",
            reason="销户",
        )
    assert (exc.value.code, exc.value.status) == ("forbidden", 403) and ent.name in exc.value.zh
    assert not BankAccountChange.objects.exists()
    services.bank_account_change_request(
        actor=wl_user,
        enterprise_id=ent.pk,
        bank_name="中国银行",
        bank_account="1071000012345678",
        bank_cnaps="104871000018",
        reason="销户",
    )
    assert BankAccountChange.objects.count() == 1


def test_f6_a_clerk_on_the_page_files_nothing(client, exported_run, wl_clerk):
    ent = Enterprise.objects.get(uscc=WL)
    client.force_login(wl_clerk)
    r = client.post(
        reverse("subsidies:transfers:account_change_request"),
        {
            "enterprise": ent.pk,
            "bank_name": "中国银行",
            "bank_account": "1071000012345678",
            "bank_cnaps": "104871000018",
            "reason": "销户",
        },
    )
    assert r.status_code == 302 and not BankAccountChange.objects.exists()


# --- F8 ---------------------------------------------------------------------------------------------


def test_f8_a_foreign_and_a_missing_enterprise_get_the_same_404(exported_run, wl_user):
    api = APIClient()
    api.force_authenticate(wl_user)
    lj = Enterprise.objects.get(uscc=LJ)
    body = {"bank_name": "中国银行", "bank_account": "1071000012345678", "bank_cnaps": "104871000018", "reason": "销户"}
    foreign = api.post("/api/v1/account-changes/", {**body, "enterprise": lj.pk}, format="json")
    missing = api.post("/api/v1/account-changes/", {**body, "enterprise": 987654321}, format="json")
    assert foreign.status_code == missing.status_code == 404
    assert not BankAccountChange.objects.exists()
    mine = api.post(
        "/api/v1/account-changes/", {**body, "enterprise": Enterprise.objects.get(uscc=WL).pk}, format="json"
    )
    assert mine.status_code == 201 and mine.json()["enterprise"] == Enterprise.objects.get(uscc=WL).pk


# --- F9 ---------------------------------------------------------------------------------------------


def test_f9_a_non_numeric_enterprise_on_the_page_is_a_404(client, exported_run, wl_user):
    client.force_login(wl_user)
    for bad in ("abc", "1e3", "9" * 40):
        r = client.post(
            reverse("subsidies:transfers:account_change_request"),
            {
                "enterprise": bad,
                "bank_name": "中国银行",
                "bank_account": "1071000012345678",
                "bank_cnaps": "104871000018",
                "reason": "销户",
            },
        )
        assert r.status_code == 404
    assert not BankAccountChange.objects.exists()


@pytest.mark.parametrize("amount", ["1e30", "-1e30", "1E+999999999", "10000000000000"])
def test_f9_a_huge_amount_is_refused_naming_the_row(exported_run, bank_file, amount):
    data = result_csv(bank_file, {_ref(exported_run, WL): "成功"}).decode("utf-8-sig")
    lines = data.split("\r\n")
    cells = lines[1].split(",")
    cells[HEADERS.index("金额(元)")] = amount
    lines[1] = ",".join(cells)
    with pytest.raises(ServiceError) as exc:
        parse_results(file_name="r.csv", data="\r\n".join(lines).encode())
    assert exc.value.code == "amount" and exc.value.record == "第2行" and amount in exc.value.zh
