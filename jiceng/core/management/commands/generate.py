from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from jiceng.core.plugins import app_modules


class Command(BaseCommand):
    help = (
        "生成合成数据（导入文件格式）：jiceng generate --scale small|district|baoan --out DIR；"
        "或直接写入数据库的工单历史：jiceng generate --scale baoan --history 年数 [--cases N]"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--scale", choices=["small", "district", "baoan"], default="small")
        parser.add_argument("--out", type=Path)
        parser.add_argument("--no-progress", action="store_true", help="不显示进度条")
        parser.add_argument(
            "--history",
            type=float,
            metavar="YEARS",
            help="把最近 YEARS 年的工单及其完整记录链直接写入数据库（宝安规模约每年 1,650 万件）",
        )
        parser.add_argument("--cases", type=int, help="历史工单总数（默认按规模：baoan 每年 1,650 万件）")
        parser.add_argument("--seed", type=int, default=20, help="随机种子（同一种子生成同样的历史）")
        parser.add_argument("--resume", action="store_true", help="时段内已有工单时，从最后一天之后接着生成")
        parser.add_argument(
            "--bulk",
            action="store_true",
            help="批量装载（PostgreSQL，空库）：写入期间去掉工单、记录、承办单位表的索引和外键，写完（或出错时）重建",
        )
        parser.add_argument(
            "--restore-indexes",
            action="store_true",
            help="重建中断的批量装载留下的索引和外键（之后任何 --history 运行也会先做这一步）",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["restore_indexes"]:
            from jiceng.cases import history

            restored = history.restore_indexes()
            self.stdout.write(f"已重建 {restored} 个索引和约束。")
            if options["history"] is None:
                return
        if options["history"] is not None:
            self._history(options)
            return
        out: Path | None = options["out"]
        if out is None:
            raise CommandError("请用 --out DIR 指定输出目录，或用 --history 年数 直接生成工单历史。")
        out.mkdir(parents=True, exist_ok=True)
        for module in app_modules("generate"):
            for path in module.write(options["scale"], out, not options["no_progress"]):
                self.stdout.write(f"写入 {path}")

    def _history(self, options: dict[str, Any]) -> None:
        from jiceng.cases import history

        show = not options["no_progress"]

        def progress(report: history.Report, day: dt.date, days: int) -> None:
            if show:
                sys.stderr.write(
                    f"\r{day} 第 {report.days}/{days} 天：{report.cases:,} 件工单，{report.events:,} 条记录，"
                    f"{report.events_per_s:,.0f} 条/秒 "
                )
                sys.stderr.flush()

        try:
            report = history.generate(
                years=options["history"],
                cases=options["cases"],
                scale=options["scale"],
                seed=options["seed"],
                resume=options["resume"],
                bulk=options["bulk"],
                progress=progress,
            )
        except history.HistoryError as exc:
            raise CommandError(str(exc)) from exc
        if show:
            sys.stderr.write("\n")
        self.stdout.write(
            f"已生成 {report.cases:,} 件工单、{report.events:,} 条记录（{report.seconds:.1f} 秒，"
            f"{report.events_per_s:,.0f} 条/秒）。"
        )
        if options["bulk"]:
            self.stdout.write(f"其中重建索引和外键 {report.index_seconds:.1f} 秒。")
