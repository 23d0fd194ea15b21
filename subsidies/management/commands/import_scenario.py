import json

from django.core.management.base import BaseCommand, CommandError

from subsidies.scenario import ScenarioError, import_scenario


class Command(BaseCommand):
    help = "导入情景文件(全部导入或全部不导入) / import a scenario file, all or nothing (SCENARIOS.md)"

    def add_arguments(self, parser):
        parser.add_argument("file")

    def handle(self, *args, file, **options):
        try:
            with open(file, encoding="utf-8") as fh:
                data = json.load(fh)
        except (OSError, ValueError) as exc:
            raise CommandError(f"无法读取情景文件 {file}: {exc} / cannot read the scenario file") from None
        try:
            counts = import_scenario(data)
        except ScenarioError as exc:
            raise CommandError(
                f"导入失败,未做任何更改 / import refused, nothing changed — {exc.where}: {exc.message}"
            ) from None
        self.stdout.write("导入完成 / imported: " + ", ".join(f"{k} {v}" for k, v in counts.items() if v))
