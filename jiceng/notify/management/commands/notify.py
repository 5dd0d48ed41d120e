from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from jiceng.notify.sender import Sender


class Command(BaseCommand):
    help = (
        "消息通知：jiceng notify run [--once] 发送待发通知（短信、邮件、站内信、微信），"
        "失败按退避重试，多次失败后记为发送失败；SIGTERM 时处理完当前一条后退出。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("verb", choices=["run"])
        parser.add_argument("--once", action="store_true", help="发完当前到期的通知后退出")
        parser.add_argument("--interval", type=float, default=5.0, help="两遍之间的秒数（默认 5）")
        parser.add_argument("--batch", type=int, default=100, help="每遍认领的通知数（默认 100）")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["interval"] <= 0 or options["batch"] <= 0:
            raise CommandError("--interval 与 --batch 必须为正数")
        sender = Sender(interval=options["interval"], batch=options["batch"], out=self.stdout)
        sender.run(once=options["once"])
        self.stdout.write(f"通知发送已停止。合计：{sender.total}")
