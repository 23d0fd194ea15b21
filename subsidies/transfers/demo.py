"""Demo data for the money loop (`make run`): one run's bank file exported, the bank's result
file returning one transfer (户名与账号不符), the enterprise correcting its account and finance checking
it, a re-issue batch approved by the second finance user and exported, and the bank paying it, so the
run ends 已拨付 with one failed and re-issued transfer. Everything goes through the services."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from subsidies.exports.services import export_request
from subsidies.models import PayoutRun
from subsidies.transfers import services
from subsidies.transfers.models import Transfer


def _results(data: bytes, outcomes: dict[str, tuple[str, str]], date: str) -> bytes:
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\r\n")
    w.writerow(rows[0] + ["交易状态", "失败原因", "银行流水号", "交易日期"])
    memo = rows[0].index("用途/附言")
    for r in rows[1:]:
        if r and r[0] != "合计" and r[memo].split()[0] in outcomes:
            status, reason = outcomes[r[memo].split()[0]]
            w.writerow(r + [status, reason, f"NX{date.replace('-', '')}{r[0]:0>4}", date])
    return "\ufeff".encode() + out.getvalue().encode()


def demo_money_loop(*, run: PayoutRun, finance, finance2, enterprise_user_of) -> dict:
    """`enterprise_user_of(enterprise)` gives a member who corrects the account. Returns the totals."""
    record = export_request(actor=finance, run_id=run.pk, fmt="bank_csv", inline=True)
    data = Path(record.file_path).read_bytes()
    transfers = list(Transfer.objects.filter(run=run, batch__isnull=True).order_by("id"))
    failed = transfers[0]
    outcomes = {t.reference: ("成功", "") for t in transfers}
    outcomes[failed.reference] = ("失败", "户名与账号不符")
    services.bank_results_import(
        actor=finance, run_id=run.pk, file_name="银行回单-1.csv", data=_results(data, outcomes, "2024-07-08")
    )
    change = services.bank_account_change_request(
        actor=enterprise_user_of(failed.enterprise),
        enterprise_id=failed.enterprise_id,
        bank_name=failed.bank_name,
        bank_account=failed.bank_account[:-4] + ("1111" if failed.bank_account.endswith("0000") else "0000"),
        bank_cnaps=failed.bank_cnaps or "104871000018",
        reason="账号末四位登记有误,已按开户许可证更正",
    )
    services.bank_account_change_check(actor=finance2, change_id=change.pk, accept=True, note="已核对开户许可证")
    batch = services.reissue_batch_create(actor=finance, run_id=run.pk, note="补拨户名与账号不符的退回款")
    services.reissue_batch_approve(actor=finance2, batch_id=batch.pk)
    second, _batch = services.reissue_batch_export(actor=finance, batch_id=batch.pk, fmt="csv")
    reissue = Transfer.objects.get(supersedes=failed)
    services.bank_results_import(
        actor=finance,
        run_id=run.pk,
        file_name="银行回单-2.csv",
        data=_results(second, {reissue.reference: ("成功", "")}, "2024-07-15"),
    )
    from subsidies.transfers.selectors import run_settlement

    s = run_settlement(run)
    return {
        "approved": s.approved,
        "succeeded": s.succeeded,
        "in_transit": s.in_transit,
        "failed": s.failed,
        "reissued": s.reissued,
    }
