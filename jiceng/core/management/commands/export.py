from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from jiceng.core.exceptions import JicengError
from jiceng.core.plugins import registry


class Command(BaseCommand):
    help = "导出数据：jiceng export KIND FILE（.csv 或 .xlsx）"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("kind", help="数据类型：" + ", ".join(sorted(registry("exporters", "EXPORTERS"))))
        parser.add_argument("file", type=Path)

    def handle(self, *args: Any, **options: Any) -> None:
        exporters = registry("exporters", "EXPORTERS")
        kind = options["kind"]
        if kind not in exporters:
            raise CommandError(f"未知的数据类型“{kind}”；可用：{', '.join(sorted(exporters))}")
        try:
            count = exporters[kind](options["file"])
        except JicengError as exc:
            raise CommandError(exc.message)
        self.stdout.write(f"已导出 {count} 行到 {options['file']}")
