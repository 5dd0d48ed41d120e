"""``jiceng party escalate-wishes [--days N]``: send unclaimed wish cards to their community.

Run it daily (cron or a systemd timer); each wish is escalated once, so running it twice is harmless.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from jiceng.party import actions


class Command(BaseCommand):
    help = "党建引领维护命令：escalate-wishes 将超期无人认领的微心愿转社区跟进。"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="verb", required=True)
        esc = sub.add_parser(
            "escalate-wishes",
            help="发布超过 N 天无人认领的心愿转社区（默认取 JICENG_PARTY_WISH_ESCALATE_DAYS）",
        )
        esc.add_argument("--days", type=int, default=None, help="天数")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["verb"] == "escalate-wishes":
            count = actions.escalate_stale_wishes(days=options["days"])
            self.stdout.write(f"已转社区跟进的心愿：{count}")
