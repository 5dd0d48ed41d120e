"""``jiceng community reconcile [--community CODE]``: prove the time bank's books balance."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from jiceng.community import ledger
from jiceng.places.models import Division


class Command(BaseCommand):
    help = "社区服务（i社区码上办）维护命令：reconcile 核对时间银行账目。"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="verb", required=True)
        rec = sub.add_parser(
            "reconcile", help="核对时间银行：每笔凭证借贷平衡、全账合计为零、冲正对应、余额不低于下限"
        )
        rec.add_argument("--community", default="", help="只核对一个社区（12 位编码）")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["verb"] == "reconcile":
            community = None
            if options["community"]:
                community = Division.objects.filter(code=options["community"]).first()
                if community is None:
                    raise CommandError(f"未找到社区 {options['community']}")
            report = ledger.reconcile(community)
            for line in report.lines():
                self.stdout.write(line)
            if not report.ok:
                raise CommandError("账目不平衡")
