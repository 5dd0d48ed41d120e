from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from jiceng.registry.actions import do_link


class Command(BaseCommand):
    help = "记录关联：把各部门记录关联到人员/法人与房屋，疑点生成核实任务（jiceng link）"

    def handle(self, *args: Any, **options: Any) -> None:
        summary = do_link(progress=lambda msg: self.stdout.write(msg))
        self.stdout.write(
            f"记录 {summary.records}，人员 {summary.persons}，法人 {summary.entities}；"
            f"已关联 {summary.linked}，待核实 {summary.review}，未匹配 {summary.unmatched}；"
            f"地址匹配到房屋 {summary.rooms_matched}；新核实任务 {summary.tasks}；用时 {summary.seconds} 秒"
        )
