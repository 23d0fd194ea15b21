import json

from django.core.management.base import BaseCommand, CommandError

from subsidies.models import PayoutLine, PayoutRun


class Command(BaseCommand):
    help = "导出发放明细:--format json(所有批次)或 pdf/xlsx/csv --run ID --out FILE"

    def add_arguments(self, parser):
        parser.add_argument("--format", default="json", choices=["json", "pdf", "xlsx", "csv"])
        parser.add_argument("--run", type=int, help="run id (required for pdf, xlsx, csv)")
        parser.add_argument("--out", help="output file (default: standard output for json)")

    def handle(self, *args, format="json", run=None, out=None, **options):
        if format == "json":
            lines = PayoutLine.objects.filter(active=True).select_related("run", "centre").order_by("id")
            if run is not None:
                lines = lines.filter(run_id=run)
            payload = {
                "lines": [
                    {
                        "rule": ln.rule,
                        "beneficiary": ln.beneficiary,
                        "centre": ln.centre.ref if ln.centre_id else None,
                        "service_period": ln.service_period,
                        "amount": f"{ln.amount:.2f}",
                        "run_period": ln.run.period,
                    }
                    for ln in lines.iterator(chunk_size=5000)
                ]
            }
            text = json.dumps(payload, ensure_ascii=False, indent=1)
            if out:
                with open(out, "w", encoding="utf-8") as fh:
                    fh.write(text)
            else:
                self.stdout.write(text)
            return
        if run is None or out is None:
            raise CommandError("--format pdf/xlsx/csv 需要 --run ID 与 --out FILE / needs --run and --out")
        run_obj = PayoutRun.objects.filter(pk=run).first()
        if run_obj is None:
            raise CommandError(f"批次#{run}不存在 / run {run} does not exist")
        from accounts.errors import ServiceError
        from subsidies.exports.services import export_to_file

        try:
            path = export_to_file(
                run=run_obj,
                fmt=format,
                out=out,
                warn=lambda text: self.stderr.write("警告 / warning: " + " / ".join(text)),
            )
        except ServiceError as exc:
            raise CommandError(" ".join(exc.messages)) from None
        self.stdout.write(f"wrote {path}")
