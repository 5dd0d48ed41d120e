"""``jiceng gridwork_sweep``: overdue rectifications become cases, overdue key-person visits alert
their cadre and supervisors. Once by default (cron, the demo); ``--follow`` keeps it running as a
worker (``Loop``: database outages waited out, SIGTERM ends after the pass, heartbeat
``gridwork-sweep`` for ``/readyz`` and ``jiceng workers --check``)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from jiceng.core.loop import Loop


class SweepLoop(Loop):
    name = "gridwork-sweep"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.made = 0
        self.alerted = 0

    def step(self) -> bool:
        from jiceng.gridwork import inspections, keypersons

        made = inspections.sweep_overdue()
        alerted = keypersons.sweep_overdue_visits()
        self.made += made
        self.alerted += alerted
        if made or alerted:
            self.say(f"逾期隐患转事件 {made} 件；走访逾期提醒 {alerted} 人")
        return made >= inspections.SWEEP_HAZARDS or alerted >= keypersons.SWEEP_VISITS


class Command(BaseCommand):
    help = "逾期未整改隐患转为事件；重点人员走访逾期提醒包挂干部和督办人员。--follow 持续运行。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--follow", action="store_true", help="持续运行，每隔 --interval 秒检查一次")
        parser.add_argument("--interval", type=float, default=300.0, help="--follow 的间隔秒数（默认 300）")

    def handle(self, *args: Any, **options: Any) -> None:
        loop = SweepLoop(interval=options["interval"], out=self.stdout)
        loop.run(once=not options["follow"])
        self.stdout.write(f"逾期隐患转事件 {loop.made} 件；走访逾期提醒 {loop.alerted} 人")
