"""``jiceng restore FILE``: replace the database and the media files with a backup's."""

from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from jiceng.core.backup import BackupError, read_manifest, restore


class Command(BaseCommand):
    help = "从 jiceng backup 的归档恢复：覆盖数据库内容与上传文件。恢复前请先停止 Web 服务与后台进程。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="jiceng backup 生成的归档")
        parser.add_argument("--noinput", "--no-input", action="store_true", help="不询问确认")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            manifest = read_manifest(options["file"])
            # Asked only at a terminal: scripts and timers run `jiceng restore FILE` as it is.
            if not options["noinput"] and sys.stdin.isatty():
                answer = input(
                    f"将用 {manifest['created_at']} 的备份覆盖当前数据库与上传文件，输入 yes 继续：",
                )
                if answer.strip().lower() != "yes":
                    raise CommandError("已取消。")
            restore(options["file"])
        except BackupError as exc:
            raise CommandError(str(exc))
        self.stdout.write(
            f"已恢复 {manifest['created_at']} 的备份（{manifest['vendor']}，{manifest['media_files']} 个上传文件）。"
            "如代码版本比备份新，请再运行 jiceng migrate。"
        )
