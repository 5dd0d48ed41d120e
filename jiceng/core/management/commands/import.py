from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from jiceng.core.exceptions import JicengError
from jiceng.core.plugins import registry
from jiceng.lib.cells import csv_writer


class Command(BaseCommand):
    help = "导入数据文件（CSV UTF-8 或 .xlsx）：jiceng import KIND FILE [--source NAME]"

    def add_arguments(self, parser: CommandParser) -> None:
        kinds = sorted(registry("importers", "IMPORTERS"))
        parser.add_argument("kind", help="数据类型：" + ", ".join(kinds))
        parser.add_argument("file", type=Path)
        parser.add_argument("--source", default="", help="数据来源部门（导入 records 时必填）")
        parser.add_argument("--report", type=Path, default=None, help="把错误报告写入此 CSV 文件")

    def handle(self, *args: Any, **options: Any) -> None:
        importers = registry("importers", "IMPORTERS")
        kind = options["kind"]
        if kind not in importers:
            raise CommandError(f"未知的数据类型“{kind}”；可用：{', '.join(sorted(importers))}")
        try:
            report = importers[kind](options["file"], source=options["source"], stdout=self.stdout)
        except JicengError as exc:
            raise CommandError(exc.message)
        for error in report.errors[:200]:
            self.stderr.write(str(error))
        if len(report.errors) > 200:
            self.stderr.write(f"……另有 {len(report.errors) - 200} 处错误")
        # Rows kept with a flagged field (importers that keep dirty rows list them as warnings).
        warnings = list(getattr(report, "warnings", []))
        for warning in warnings[:50]:
            self.stderr.write(f"提示：{warning}")
        if len(warnings) > 50:
            self.stderr.write(f"……另有 {len(warnings) - 50} 处提示")
        if options["report"] is not None and (report.errors or warnings):
            with options["report"].open("w", encoding="utf-8-sig", newline="") as fh:
                writer = csv_writer(fh)
                writer.writerow(["file", "row", "column", "reason", "level"])
                for e in report.errors:
                    writer.writerow([e.file, e.row, e.column, e.reason, "error"])
                for e in warnings:
                    writer.writerow([e.file, e.row, e.column, e.reason, "warning"])
        if not report.ok and not getattr(report, "partial", False):
            raise CommandError(report.summary())
        self.stdout.write(report.summary())
