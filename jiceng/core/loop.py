"""Background loops that outlive the database and stop cleanly.

Every worker (``jiceng sla run``, ``jiceng notify run``, ``jiceng stats rollup --follow``,
``jiceng sensing ingest``…) is a :class:`Loop`: ``step()`` does one bounded pass and says whether more
work is waiting. The loop

- goes again at once while ``step()`` says more is waiting, else sleeps ``interval`` seconds;
- survives the database going away: a connection error closes the connections, waits with
  exponential backoff (1 s doubling to ``max_backoff``) and tries again, instead of exiting;
- stops cleanly on SIGTERM/SIGINT: the current pass finishes, then ``run`` returns;
- writes a heartbeat row (:class:`~jiceng.core.models.WorkerBeat`) that ``/readyz`` reads.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import threading
import time
from typing import Any

from django.db import DatabaseError, InterfaceError, OperationalError, connections
from django.utils import timezone

logger = logging.getLogger(__name__)

# Errors that mean "the database is not there right now", not "this row is wrong".
CONNECTION_ERRORS: tuple[type[BaseException], ...] = (OperationalError, InterfaceError)


def close_connections() -> None:
    """Drop every connection so the next query opens a fresh one (after a restart of the server)."""
    for conn in connections.all(initialized_only=True):
        try:
            conn.close()
        except DatabaseError:  # the socket is already gone; forget it
            conn.connection = None


def beat(name: str, *, state: str = "running", note: str = "") -> bool:
    """Record that worker ``name`` is alive; failures are logged, never raised (False)."""
    from jiceng.core.models import WorkerBeat

    try:
        WorkerBeat.objects.update_or_create(
            name=name,
            defaults={
                "host": socket.gethostname()[:128],
                "pid": os.getpid(),
                "beat_at": timezone.now(),
                "state": state,
                "note": note[:200],
            },
        )
    except DatabaseError as exc:
        logger.warning("heartbeat of %s not written: %s", name, exc)
        return False
    return True


class Loop:
    """Subclass and implement :meth:`step`; call :meth:`run`. ``name`` keys the heartbeat."""

    name = "worker"

    def __init__(
        self,
        *,
        interval: float = 5.0,
        max_backoff: float = 60.0,
        beat_every: float = 10.0,
        out: Any = None,
    ) -> None:
        self.interval = interval
        self.max_backoff = max_backoff
        self.beat_every = beat_every
        self.out = out
        self.stopping = threading.Event()
        self.failures = 0  # consecutive connection failures
        self._beat_at = 0.0

    # To implement ---------------------------------------------------------------------------------
    def step(self) -> bool:
        """One bounded pass. Return True when more work is waiting (the loop goes again at once)."""
        raise NotImplementedError

    def on_start(self) -> None:
        """Called once before the first pass (inside the retry guard)."""

    # The loop -------------------------------------------------------------------------------------
    def stop(self, *_args: Any) -> None:
        self.stopping.set()

    def say(self, text: str) -> None:
        if self.out is not None:
            self.out.write(text)

    def run(self, once: bool = False) -> None:
        """Run until stopped (or, with ``once``, until a pass leaves nothing waiting)."""
        previous: dict[int, Any] = {}
        if threading.current_thread() is threading.main_thread():
            for sig in (signal.SIGTERM, signal.SIGINT):
                previous[sig] = signal.signal(sig, self.stop)
        try:
            self._run(once)
        finally:
            for signum, handler in previous.items():
                signal.signal(signum, handler)
            self._final_beat()

    def _final_beat(self) -> None:
        """Say "stopped"; a connection left broken by an outage is replaced (a few tries, ~3 s)."""
        for attempt in range(4):
            if beat(self.name, state="stopped"):
                return
            close_connections()
            if attempt:
                time.sleep(attempt)

    def _run(self, once: bool) -> None:
        started = False
        while not self.stopping.is_set():
            try:
                if not started:
                    self.on_start()
                    started = True
                more = self.step()
            except CONNECTION_ERRORS as exc:
                self.failures += 1
                delay = min(self.max_backoff, 2.0 ** (self.failures - 1))
                logger.warning("%s: database unavailable (%s); retrying in %.0f s", self.name, exc, delay)
                self.say(f"数据库不可用，{delay:.0f} 秒后重试：{exc}".strip())
                close_connections()
                self.stopping.wait(delay)
                continue
            if self.failures:
                logger.warning("%s: database back after %d failed attempts", self.name, self.failures)
                self.failures = 0
            self._maybe_beat()
            if more:
                continue
            if once or self._idle(self.interval):
                return

    def _idle(self, seconds: float) -> bool:
        """Wait ``seconds`` between passes, still beating every ``beat_every`` (a worker that sweeps
        every five minutes is alive in between; ``/readyz`` calls a beat older than two minutes
        stale). True when stopped meanwhile."""
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            if self.stopping.wait(min(left, max(self.beat_every, 0.05))):
                return True
            self._maybe_beat()
        return False

    def _maybe_beat(self) -> None:
        now = time.monotonic()
        if now - self._beat_at >= self.beat_every:
            self._beat_at = now
            beat(self.name)
