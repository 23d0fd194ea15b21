import csv
import io
import json

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from accounts.errors import ServiceError
from subsidies import selectors
from subsidies.projection import services
from subsidies.rules.calendar import month_label


class Command(BaseCommand):
    help = (
        "测算已承诺的补助(不写入任何数据):--through YYYY-MM [--set 名称=取值@YYYY-MM-DD ...] "
        "--format json|csv|xlsx / project committed payouts, writing nothing (SCENARIOS.md)"
    )

    def add_arguments(self, parser):
        parser.add_argument("--through", required=True, help="YYYY-MM, the last month projected")
        parser.add_argument(
            "--set",
            dest="overrides",
            action="append",
            default=[],
            metavar="NAME=VALUE@YYYY-MM-DD",
            help="a dated what-if parameter value (repeatable)",
        )
        parser.add_argument("--format", default="json", choices=["json", "csv", "xlsx"])
        parser.add_argument("--out", help="output file (required for xlsx; default: standard output)")

    def handle(self, *args, through, overrides, format="json", out=None, **options):
        try:
            plan = services.plan(through=through, overrides=overrides)
        except ServiceError as exc:
            raise CommandError(" ".join(exc.messages)) from None
        if format == "xlsx" and not out:
            raise CommandError("--format xlsx 需要 --out FILE / xlsx needs --out FILE")
        centres = selectors.centre_index()
        lines = services.project_lines(plan, processes=settings.PAYOUT_INLINE_WORKERS)
        if format == "xlsx":
            from subsidies.projection.exports import lines_xlsx

            with open(out, "wb") as fh:
                fh.write(lines_xlsx(plan, lines, centres))
            self.stdout.write(f"wrote {out}")
            return
        fh = open(out, "w", encoding="utf-8", newline="") if out else None
        try:
            write = fh.write if fh else (lambda text: self.stdout.write(text, ending=""))
            if format == "csv":
                self._csv(lines, centres, write)
            else:
                self._json(plan, lines, centres, write)
        finally:
            if fh:
                fh.close()

    @staticmethod
    def _row(ln, centres) -> dict:
        return {
            "rule": services.RULE,
            "beneficiary": ln.beneficiary,
            "centre": centres[ln.centre_id][0],
            "service_period": month_label(ln.month),
            "amount": f"{ln.amount:.2f}",
            "run_period": month_label(ln.run_month),
        }

    def _json(self, plan, lines, centres, write):
        """Streams the lines (a chunk at a time), then the summary of what was printed."""
        totals = services.Totals()
        write('{"lines": [')
        first = True
        buf = []
        for ln in lines:
            totals.add(ln)
            buf.append(("\n " if first else ",\n ") + json.dumps(self._row(ln, centres), ensure_ascii=False))
            first = False
            if len(buf) >= 5000:
                write("".join(buf))
                buf.clear()
        write("".join(buf))
        head = {"estimate": False, **plan.as_dict()}
        write(
            '\n], "projection": '
            + json.dumps(head, ensure_ascii=False)
            + ', "summary": '
            + json.dumps(services.summary_of(totals, centres), ensure_ascii=False)
            + "}\n"
        )

    def _csv(self, lines, centres, write):
        buf = io.StringIO()
        w = csv.writer(buf)
        w.writerow(["rule", "beneficiary", "centre", "service_period", "amount", "run_period"])
        for i, ln in enumerate(lines, 1):
            w.writerow(list(self._row(ln, centres).values()))
            if i % 5000 == 0:
                write(buf.getvalue())
                buf.seek(0)
                buf.truncate()
        write(buf.getvalue())
