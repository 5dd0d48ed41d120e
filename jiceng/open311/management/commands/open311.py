from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from jiceng.core.exceptions import JicengError
from jiceng.open311 import actions
from jiceng.open311.models import ApiKey


class Command(BaseCommand):
    help = (
        "Open311 接口密钥：jiceng open311 key NAME 创建密钥并打印（只显示一次）；"
        "jiceng open311 keys 列出密钥；jiceng open311 revoke NAME 停用密钥。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("verb", choices=["key", "keys", "revoke"])
        parser.add_argument("name", nargs="?", help="密钥名称（客户端名称）")
        parser.add_argument("--note", default="", help="备注")

    def handle(self, *args: Any, **options: Any) -> None:
        verb, name = options["verb"], options["name"]
        if verb in ("key", "revoke") and not name:
            raise CommandError("请提供密钥名称。")
        try:
            if verb == "key":
                _key, raw = actions.do_create_key(name, note=options["note"])
                self.stdout.write(raw)
            elif verb == "revoke":
                actions.do_revoke_key(name)
                self.stdout.write(f"已停用密钥“{name}”。")
            else:
                for key in ApiKey.objects.order_by("name"):
                    state = "启用" if key.is_active else "停用"
                    used = key.last_used_at.isoformat() if key.last_used_at else "—"
                    self.stdout.write(f"{key.name}\t{key.prefix}…\t{state}\t{used}")
        except JicengError as exc:
            raise CommandError(exc.message) from exc
