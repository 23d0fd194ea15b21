"""python manage.py import_key_institutions FILE.csv — the key-institution list (POLICY §3.3), all rows or none."""

from django.core.management.base import BaseCommand, CommandError

from accounts.errors import ServiceError
from accounts.models import system_actor
from talent.key_reference import ReferenceImportError, key_reference_import_csv


class Command(BaseCommand):
    help = "从CSV导入重点院校及重点学科名录(院校名称,院校代码,重点学科,有效,备注);有错误时不导入任何记录"

    def add_arguments(self, parser):
        parser.add_argument("file")

    def handle(self, *args, file, **options):
        try:
            with open(file, "rb") as fh:
                raw = fh.read()
        except OSError as exc:
            raise CommandError(f"无法读取文件 {file}: {exc}") from None
        try:
            counts = key_reference_import_csv(actor=system_actor(), raw=raw)
        except ReferenceImportError as exc:
            raise CommandError("CSV有错误,未导入任何记录:\n" + "\n".join(exc.errors)) from None
        except ServiceError as exc:
            raise CommandError(exc.zh) from None
        self.stdout.write(
            self.style.SUCCESS(f"已导入 {counts['institutions']} 所院校、{counts['disciplines']} 个重点学科")
        )
