from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from accounts.errors import ServiceError


class Command(BaseCommand):
    help = "导入银行回单(CSV 或 XLSX):import_bank_results --run ID FILE [--user 用户名];全部成功或全部不导入,重复导入不改变任何记录"

    def add_arguments(self, parser):
        parser.add_argument("--run", type=int, required=True, help="run id")
        parser.add_argument("file", help="the bank's result file (.csv or .xlsx)")
        parser.add_argument("--user", help="the finance user recorded as importer (default: the system actor)")

    def handle(self, *args, run=None, file=None, user=None, **options):
        from accounts.models import User, system_actor
        from subsidies.transfers.services import bank_results_import

        actor = system_actor()
        if user:
            actor = User.objects.filter(username=user).first()
            if actor is None:
                raise CommandError(f"用户“{user}”不存在 / no such user")
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"文件{file}不存在 / no such file")
        try:
            out = bank_results_import(actor=actor, run_id=run, file_name=path.name, data=path.read_bytes())
        except ServiceError as exc:
            raise CommandError(" ".join(exc.messages)) from None
        if out.record is None:
            self.stdout.write(f"批次#{run}:{out.rows}行结果均已登记,未作任何更改 / nothing new")
        else:
            self.stdout.write(
                f"批次#{run}:导入#{out.record.pk},新登记{out.applied}笔,已登记{out.unchanged}笔 / "
                f"{out.applied} results recorded"
            )
