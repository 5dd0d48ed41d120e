"""``jiceng workers``: the background workers' heartbeats; ``--check NAME`` for health checks."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from jiceng.core.health import check_workers


class Command(BaseCommand):
    help = "后台进程心跳：jiceng workers 列出全部；jiceng workers --check NAME 检查某进程（供容器/systemd 健康检查）"
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--check", metavar="NAME", help="该进程的心跳过期或不存在时以状态 1 退出")

    def handle(self, *args: Any, **options: Any) -> None:
        found = check_workers()
        if "error" in found:
            raise CommandError(f"数据库不可用：{found['error']}")
        workers = found["workers"]
        name = options["check"]
        if name:
            state = workers.get(name, {}).get("state")
            if state != "running":
                raise CommandError(f"{name}: {state or '无心跳'}")
            self.stdout.write(f"{name}: running, {workers[name]['age_s']} s")
            return
        for worker, info in workers.items():
            self.stdout.write(
                f"{worker:<16} {info['state']:<8} {info['age_s']:>8.0f} s  {info['host']} {info['pid']}"
            )
