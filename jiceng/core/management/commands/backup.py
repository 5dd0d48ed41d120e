"""``jiceng backup FILE``: the database and the media files in one archive (see jiceng.core.backup)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from jiceng.core.backup import BackupError, backup


class Command(BaseCommand):
    help = "备份：数据库（PostgreSQL 为 pg_dump 自定义格式，SQLite 为在线备份）与上传文件打包为一个归档。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="归档文件路径（.tar）")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            done = backup(options["file"])
        except BackupError as exc:
            raise CommandError(str(exc))
        self.stdout.write(
            f"已备份到 {options['file']}：{done['vendor']} 数据库，{done['media_files']} 个上传文件，"
            f"{done['size'] / 1e6:.1f} MB。"
        )
