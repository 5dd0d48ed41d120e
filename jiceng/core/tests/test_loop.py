"""The worker loop: survives connection errors with backoff, stops on request, writes heartbeats."""

from __future__ import annotations

from datetime import datetime

import pytest
from django.db import OperationalError

from jiceng.core.loop import Loop
from jiceng.core.models import WorkerBeat

pytestmark = pytest.mark.django_db


class Flaky(Loop):
    name = "flaky-test"

    def __init__(self, failures: int, passes_with_more: int = 0) -> None:
        super().__init__(interval=0.01, max_backoff=0.01, beat_every=0)
        self.left_to_fail = failures
        self.more = passes_with_more
        self.passes = 0

    def step(self) -> bool:
        if self.left_to_fail:
            self.left_to_fail -= 1
            raise OperationalError("server closed the connection unexpectedly")
        self.passes += 1
        if self.more:
            self.more -= 1
            return True
        return False


def test_it_retries_after_connection_errors_instead_of_exiting() -> None:
    loop = Flaky(failures=3)
    loop.run(once=True)
    assert loop.passes == 1
    assert loop.failures == 0


def test_it_goes_again_at_once_while_work_is_waiting() -> None:
    loop = Flaky(failures=0, passes_with_more=4)
    loop.run(once=True)
    assert loop.passes == 5


def test_it_writes_a_heartbeat_and_marks_itself_stopped() -> None:
    Flaky(failures=0).run(once=True)
    beat = WorkerBeat.objects.get(name="flaky-test")
    assert beat.state == "stopped"


def test_a_stop_request_ends_the_loop_after_the_current_pass() -> None:
    class Stopper(Flaky):
        def step(self) -> bool:
            super().step()
            self.stop()
            return True

    loop = Stopper(failures=0)
    loop.run()
    assert loop.passes == 1


def test_other_errors_are_not_swallowed() -> None:
    class Broken(Loop):
        def step(self) -> bool:
            raise ValueError("a bug")

    with pytest.raises(ValueError):
        Broken(interval=0.01).run(once=True)


def test_between_passes_it_keeps_beating_and_stops_at_once_when_asked() -> None:
    # A sweep every few minutes is alive in between: /readyz calls a beat older than two minutes stale.
    import threading
    import time

    class Slow(Loop):
        name = "slow-test"

        def __init__(self) -> None:
            super().__init__(interval=30.0, beat_every=0.05)
            self.passes = 0
            self.beats: list[datetime] = []

        def step(self) -> bool:
            self.passes += 1
            return False

        def _maybe_beat(self) -> None:
            super()._maybe_beat()
            self.beats.append(WorkerBeat.objects.get(name=self.name).beat_at)

    loop = Slow()
    threading.Timer(0.4, loop.stop).start()
    started = time.monotonic()
    loop.run()
    # one pass, then beats written while it waited for the next, and the stop ended the wait
    assert loop.passes == 1
    assert len(set(loop.beats)) >= 4
    assert time.monotonic() - started < 5
    assert WorkerBeat.objects.get(name="slow-test").state == "stopped"
