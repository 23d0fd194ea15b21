from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from accounts.errors import ServiceError
from accounts.models import system_actor
from subsidies.models import RunKind
from subsidies.runs.services import run_payouts


class Command(BaseCommand):
    help = "发放计算:--month YYYY-MM(NX-STIPEND,含补发)或 --year YYYY(YC-RD)"

    def add_arguments(self, parser):
        group = parser.add_mutually_exclusive_group(required=True)
        group.add_argument("--month", help="YYYY-MM")
        group.add_argument("--year", help="YYYY")
        parser.add_argument(
            "--async",
            dest="use_celery",
            action="store_true",
            help="queue the chunks on Celery instead of computing here",
        )

    def handle(self, *args, month=None, year=None, use_celery=False, **options):
        kind, period = (RunKind.MONTHLY, month) if month else (RunKind.ANNUAL, year)
        try:
            run = run_payouts(
                actor=system_actor(),
                kind=kind,
                period=period,
                inline=not use_celery,
                processes=settings.PAYOUT_INLINE_WORKERS,
            )
        except ServiceError as exc:
            raise CommandError(" ".join(exc.messages)) from None
        self.stdout.write(
            f"批次 run #{run.pk} {run.period} {run.get_state_display()}: "
            f"{run.line_count} lines, total {run.total_amount}"
        )
