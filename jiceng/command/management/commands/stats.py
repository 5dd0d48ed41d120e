"""``jiceng stats``: keep the command centre's rollups up to date, or rebuild them from the trail.

jiceng stats rollup             apply new case events once (cron-friendly)
jiceng stats rollup --follow    keep applying them every --interval seconds until stopped
jiceng stats rollup --rebuild   empty the rollups and recompute them from the whole trail (set-based SQL)
jiceng stats rollup --rebuild --replay   the same, event by event as the follower applies them
jiceng stats care               recount care-group residents per building
jiceng stats status             where the rollups are
"""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from jiceng.cases.models import CaseEvent
from jiceng.command import actions, rollup
from jiceng.command.models import RollupState
from jiceng.core.loop import Loop


class Follower(Loop):
    """``jiceng stats rollup --follow``: apply new case events every ``interval`` seconds; recount the
    care groups hourly and trim the feed every ten minutes. A :class:`~jiceng.core.loop.Loop`: it waits
    out a database outage with backoff and stops cleanly on SIGTERM (heartbeat ``stats-rollup``)."""

    name = "stats-rollup"

    def __init__(self, *, interval: float, batch: int, out: Any = None) -> None:
        super().__init__(interval=interval, out=out)
        self.batch = batch
        self._last_care = float("-inf")
        self._last_trim = float("-inf")

    def step(self) -> bool:
        done = rollup.catch_up(batch=self.batch, limit=50 * self.batch)
        if done.events:
            self.say(f"{timezone.localtime():%H:%M:%S} applied {done.events} events")
        now = time.monotonic()
        if now - self._last_care > 3600:
            rollup.refresh_care()
            self._last_care = now
        if now - self._last_trim > 600:
            rollup.trim_feed()
            self._last_trim = now
        # catch_up stopped at its limit: more events are waiting, go again at once.
        return done.events >= 50 * self.batch


class Command(BaseCommand):
    help = "维护指挥中心汇总表：增量汇总工单事件（rollup）、全量重建（--rebuild）、关爱对象统计（care）。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("what", choices=["rollup", "care", "status"], help="rollup | care | status")
        parser.add_argument("--rebuild", action="store_true", help="清空汇总表并从全部工单事件重建")
        parser.add_argument(
            "--replay", action="store_true", help="与 --rebuild 一起：逐条重放事件（慢，用于核对）"
        )
        parser.add_argument("--follow", action="store_true", help="持续运行，每隔 --interval 秒汇总新事件")
        parser.add_argument("--interval", type=float, default=5.0, help="--follow 的间隔秒数（默认 5）")
        parser.add_argument("--batch", type=int, default=rollup.BATCH, help="每个事务处理的事件数")

    def handle(self, *args: Any, **options: Any) -> None:
        what = options["what"]
        if what == "status":
            self._status()
        elif what == "care":
            rows = rollup.refresh_care()
            self.stdout.write(f"care: {rows} building × tag rows")
        elif options["rebuild"]:
            started = time.perf_counter()

            def progress(*args: Any) -> None:
                if len(args) == 2:
                    self.stdout.write(f"  … {args[0]}: {args[1]:.1f}s")
                else:
                    self.stdout.write(f"  … {args[0].events} events")

            done = actions.do_rebuild_rollups(progress=progress, replay=options["replay"])
            self.stdout.write(
                f"rebuilt: {done.events} events in {time.perf_counter() - started:.1f}s, watermark {done.watermark}"
            )
        elif options["follow"]:
            self._follow(options["interval"], options["batch"])
        else:
            done = rollup.catch_up(batch=options["batch"])
            rollup.trim_feed()
            self.stdout.write(f"applied {done.events} events, watermark {done.watermark}, gaps {done.gaps}")

    def _follow(self, interval: float, batch: int) -> None:
        Follower(interval=interval, batch=batch, out=self.stdout).run()

    def _status(self) -> None:
        state = RollupState.objects.filter(pk=1).first()
        newest = CaseEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        if state is None:
            self.stdout.write(f"never run; newest event {newest}")
            return
        self.stdout.write(
            f"watermark {state.watermark} / newest event {newest}; gaps {len(state.gaps or [])}; "
            f"updated {timezone.localtime(state.updated_at):%Y-%m-%d %H:%M:%S}; "
            f"rebuilt {state.rebuilt_at or '—'}; care {state.care_refreshed_at or '—'}"
        )
