from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from jiceng.core.plugins import app_modules


class Command(BaseCommand):
    help = "生成合成数据（导入文件格式）：jiceng generate --scale small|district|baoan --out DIR"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--scale", choices=["small", "district", "baoan"], default="small")
        parser.add_argument("--out", type=Path, required=True)
        parser.add_argument("--no-progress", action="store_true", help="不显示进度条")

    def handle(self, *args: Any, **options: Any) -> None:
        out: Path = options["out"]
        out.mkdir(parents=True, exist_ok=True)
        for module in app_modules("generate"):
            for path in module.write(options["scale"], out, not options["no_progress"]):
                self.stdout.write(f"写入 {path}")
