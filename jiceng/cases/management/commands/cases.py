from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from jiceng.cases import trail
from jiceng.cases.models import Case


class Command(BaseCommand):
    help = "工单工具：jiceng cases verify [--case ID] 校验全流程记录的哈希链，报告任何断点。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("verb", choices=["verify"])
        parser.add_argument("--case", type=int, action="append", help="只校验这些工单（可重复）")

    def handle(self, *args: Any, **options: Any) -> None:
        cases = Case.objects.filter(pk__in=options["case"]) if options["case"] else None
        total = (cases if cases is not None else Case.objects.all()).count()
        breaks = 0
        for problem in trail.verify(cases):
            breaks += 1
            self.stderr.write(str(problem))
        if breaks:
            raise CommandError(f"发现 {breaks} 处记录断点（共校验 {total} 件工单）。")
        self.stdout.write(f"共校验 {total} 件工单，记录完整，未发现篡改。")
