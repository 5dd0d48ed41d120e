from __future__ import annotations

import os
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from jiceng.cases import storage, trail
from jiceng.cases.models import Case


class Command(BaseCommand):
    help = (
        "工单工具：jiceng cases verify [--case ID] [--jobs N] 校验全流程记录的密钥哈希链和外部检查点，报告任何断点；"
        "jiceng cases checkpoint 把各工单的链头签名追加到外部检查点文件；"
        "jiceng cases partitions [--ahead N] 在 PostgreSQL 上预建记录表的按月分区。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("verb", choices=["verify", "checkpoint", "partitions"])
        parser.add_argument("--case", type=int, action="append", help="只校验这些工单（可重复）")
        parser.add_argument(
            "--checkpoint-dir", default=None, help="检查点目录（默认取 JICENG_TRAIL_CHECKPOINT_DIR）"
        )
        parser.add_argument(
            "--jobs",
            type=int,
            default=1,
            help="verify：按工单编号分段，由几个进程并行校验（默认 1；0 = CPU 核数），报告与单进程相同",
        )
        parser.add_argument(
            "--ahead", type=int, default=storage.AHEAD_MONTHS, help="partitions：预建到几个月后（默认 2）"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        directory = options["checkpoint_dir"]
        if options["verb"] == "checkpoint":
            self.stdout.write(str(trail.write_checkpoint(directory)))
            return
        if options["verb"] == "partitions":
            if options["ahead"] < 0:
                raise CommandError("--ahead 不能为负数。")
            made = storage.ensure_partitions(ahead=options["ahead"])
            self.stdout.write(
                f"新建分区 {len(made)} 个" + (f"：{'、'.join(made)}" if made else "（已齐全或非 PostgreSQL）")
            )
            return
        if options["jobs"] < 0:
            raise CommandError("--jobs 不能为负数。")
        jobs = options["jobs"] or (os.cpu_count() or 1)
        cases = Case.objects.filter(pk__in=options["case"]) if options["case"] else None
        total = (cases if cases is not None else Case.objects.all()).count()
        heads, problems = trail.read_checkpoints(directory)
        if not trail.checkpoint_path(directory).exists():
            self.stderr.write(
                f"未找到外部检查点文件 {trail.checkpoint_path(directory)}：只校验记录链本身"
                "（运行 jiceng cases checkpoint 或 jiceng sla run 写入检查点）。"
            )
        breaks = 0
        for problem in [*problems, *trail.verify(cases, checkpoints=heads, jobs=jobs)]:
            breaks += 1
            self.stderr.write(str(problem))
        if breaks:
            raise CommandError(f"发现 {breaks} 处记录断点或篡改（共校验 {total} 件工单）。")
        self.stdout.write(f"共校验 {total} 件工单（外部检查点覆盖 {len(heads)} 件），记录完整，未发现篡改。")
