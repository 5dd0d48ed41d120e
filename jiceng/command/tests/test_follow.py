"""``jiceng stats rollup --follow`` is a worker loop: it applies new events and keeps a heartbeat."""

from __future__ import annotations

from jiceng.cases.tests.conftest import at
from jiceng.command.management.commands.stats import Follower
from jiceng.command.models import RollupState
from jiceng.command.tests.helpers import submit
from jiceng.core.models import WorkerBeat
from jiceng.testing import World


def test_the_follower_applies_new_events_and_leaves_a_heartbeat(cw: World) -> None:
    submit(cw, at=at(2026, 3, 10, 9))
    Follower(interval=0.01, batch=100).run(once=True)
    assert RollupState.objects.get(pk=1).watermark > 0
    assert WorkerBeat.objects.get(name="stats-rollup").state == "stopped"


def test_the_follower_stops_when_asked_before_a_pass(cw: World) -> None:
    follower = Follower(interval=3600, batch=100)
    follower.stop()
    follower.run()
    assert WorkerBeat.objects.get(name="stats-rollup").state == "stopped"
