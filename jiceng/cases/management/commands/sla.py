from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from jiceng.cases import sla


class Command(BaseCommand):
    help = "工单时限：jiceng sla run [--once] 运行计时器（预警、超期、首问负责转派）；jiceng sla recompute 重算期限。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("verb", choices=["run", "recompute"])
        parser.add_argument("--once", action="store_true", help="只扫描一遍后退出")
        parser.add_argument("--interval", type=float, default=30.0, help="两遍扫描之间的秒数（默认 30）")
        parser.add_argument("--batch", type=int, default=1000, help="每批认领的工单数")
        parser.add_argument(
            "--pass-cases",
            type=int,
            default=None,
            help="每遍最多处理的工单数（默认取 JICENG_SLA_PASS_CASES）；积压时连续多遍处理",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["verb"] == "recompute":
            done = sla.recompute_all()
            self.stdout.write(f"已重算 {done} 件在办工单的期限。")
            return
        most = options["pass_cases"]
        if options["interval"] <= 0 or options["batch"] <= 0 or (most is not None and most <= 0):
            raise CommandError("--interval、--batch 与 --pass-cases 必须为正数")
        runner = sla.Runner(interval=options["interval"], batch=options["batch"], out=self.stdout, most=most)
        total = runner.run(once=options["once"])
        if not options["once"]:
            self.stdout.write(f"计时器已停止。合计：{total}")
