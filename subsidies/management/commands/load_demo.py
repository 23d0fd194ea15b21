import datetime as dt
import zoneinfo

from django.core.management.base import BaseCommand
from django.db import transaction

from accounts.audit import acting
from accounts.models import User, system_actor
from registry.models import Centre, Enterprise, Membership
from subsidies.demo import BUDGETS, DEMO_PASSWORD, USERS, scenario
from subsidies.models import PayoutRun, RunKind, RunState
from subsidies.performance.demo import load_performance_demo
from subsidies.reporting.budgets import budget_set, latest_budget_year
from subsidies.runs.services import payout_run_approve, run_payouts
from subsidies.scenario import import_scenario
from subsidies.transfers.demo import demo_money_loop


class Command(BaseCommand):
    help = "载入演示数据(首批四家飞地研发中心与各角色演示账号) / load the demo data"

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="do nothing when the demo data is already there")
        parser.add_argument("--print-logins", action="store_true", help="only print the demo logins")
        parser.add_argument(
            "--runs-through", default="2026-09", help="compute and approve monthly runs from 2024-03 through this month"
        )

    def handle(self, *args, once=False, print_logins=False, runs_through="2026-09", **options):
        if print_logins:
            self.print_logins()
            return
        if once and User.objects.filter(username="caiwu1").exists():
            self.stdout.write("演示数据已存在,跳过 / demo data already loaded")
            return
        with transaction.atomic():
            counts = import_scenario(scenario())
            users = self.make_users()
            self.make_budgets(users)
        self.stdout.write("演示数据 / demo data: " + ", ".join(f"{k} {v}" for k, v in counts.items() if v))
        self.make_history(users, runs_through)
        self.make_money_loop(users)
        if not once:  # `make run` prints the logins itself once the portal is up
            self.print_logins()

    def make_users(self) -> dict[str, User]:
        users = {}
        for username, role, full_name, centre_ref in USERS:
            user = User.objects.filter(username=username).first() or User(username=username)
            user.role, user.full_name = role, full_name
            user.is_staff = role == "admin"
            user.is_superuser = role == "admin"
            user.email = f"{username}@example.gov.cn" if role != "enterprise" else f"{username}@example.com"
            user.set_password(DEMO_PASSWORD)
            user.save()
            if centre_ref:
                enterprise = Enterprise.objects.get(centres__ref=centre_ref)
                Membership.objects.get_or_create(enterprise=enterprise, user=user, defaults={"is_owner": True})
            users[username] = user
        return users

    def make_budgets(self, users) -> None:
        """The demo years' approved budgets, entered by finance through the service (audited)."""
        last = latest_budget_year()
        for rule, year, amount, reference in BUDGETS:
            if year <= last:
                budget_set(
                    actor=users["caiwu1"], rule=rule, year=year, amount=amount, reference=reference, note="演示数据"
                )

    def make_history(self, users, through: str) -> None:
        """Monthly runs from the first month filed, computed by caiwu1 and approved by caiwu2."""
        year, month = 2024, 3
        last = tuple(int(x) for x in through.split("-"))
        runs = 0
        while (year, month) <= last:
            run = run_payouts(actor=users["caiwu1"], kind=RunKind.MONTHLY, period=f"{year:04d}-{month:02d}")
            if run.state == RunState.COMPUTED:
                payout_run_approve(actor=users["caiwu2"], run_id=run.pk)
                self.backdate(run, *((year + 1, 1) if month == 12 else (year, month + 1)))
            runs += 1
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        run = run_payouts(actor=users["caiwu1"], kind=RunKind.ANNUAL, period="2024")
        payout_run_approve(actor=users["caiwu2"], run_id=run.pk)
        self.backdate(run, 2025, 5)
        self.stdout.write(
            f"已计算并审批 {runs} 个月度批次和 1 个年度批次 / {runs} monthly runs and 1 annual run approved"
        )
        reports = load_performance_demo(users)  # the first batch's reported outcomes
        self.stdout.write(f"已受理 {reports} 份年度绩效报告 / {reports} annual performance reports accepted")
        assert system_actor() and Centre.objects.count() == 4

    def make_money_loop(self, users) -> None:
        """Issue 17: the 2024-06 run's bank file exported, one transfer returned, re-issued and paid."""
        run = PayoutRun.objects.filter(kind=RunKind.MONTHLY, period="2024-06", state=RunState.APPROVED).first()
        if run is None:
            return
        t = demo_money_loop(
            run=run,
            finance=users["caiwu1"],
            finance2=users["caiwu2"],
            enterprise_user_of=lambda e: e.members.filter(is_active=True).first() or users["admin"],
        )
        self.stdout.write(
            f"批次#{run.pk}对账 / reconciliation: 已核定 {t['approved']} = 已到账 {t['succeeded']} + 在途 "
            f"{t['in_transit']} + 退回 {t['failed']} − 已补拨 {t['reissued']}"
        )

    @staticmethod
    def backdate(run, year: int, month: int) -> None:
        """Demo history: a run computed and approved on the 5th after its period, as the schedule does
        (the change is recorded by the audit trigger like any other)."""
        with acting(system_actor(), reason="演示数据:历史批次日期"):
            when = dt.datetime(year, month, 5, 9, 30, tzinfo=zoneinfo.ZoneInfo("Asia/Shanghai"))
            PayoutRun.objects.filter(pk=run.pk).update(
                created_at=when, computed_at=when, approved_at=when + dt.timedelta(hours=6)
            )

    def print_logins(self) -> None:
        for username, role, full_name, _ref in USERS:
            # finance and administrators: two-factor login, the secret is shown on the page at the first login
            otp = (
                "   + 动态验证码(首次登录时绑定验证器 / TOTP, enrol at first login)"
                if role in ("finance", "admin")
                else ""
            )
            self.stdout.write(f"    {username:<12} {DEMO_PASSWORD}   {full_name}{otp}")
