"""The broker restarts under a running ingest worker: a Mosquitto of the test's own (a free port, a
persistence file) is stopped and started again while the worker runs. Every message the broker
acknowledged to the publisher — before the restart, and queued for the worker's persistent session
across it — is recorded exactly once, and the worker reconnects by itself."""

from __future__ import annotations

import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from jiceng.lib.pgcluster import free_port
from jiceng.sensing.models import Alarm, Receipt, Telemetry
from jiceng.sensing.mqtt import writer
from jiceng.sensing.simulate import MqttPublisher
from jiceng.sensing.tests.test_mqtt import Running, leak_stream, live, run_id, wait_for  # noqa: F401

pytestmark = [pytest.mark.mqtt, pytest.mark.django_db(transaction=True)]

MOSQUITTO = shutil.which("mosquitto") or (
    "/usr/sbin/mosquitto" if Path("/usr/sbin/mosquitto").exists() else ""
)


class OwnBroker:
    """A Mosquitto on a free port that keeps sessions and queued messages in a file across restarts."""

    def __init__(self, workdir: Path) -> None:
        # Started as root, Mosquitto drops to its own user: its persistence folder must be open to it
        # (not under pytest's private temp root).
        workdir = Path(tempfile.mkdtemp(prefix="jiceng-mosquitto-"))
        workdir.chmod(0o777)
        self.workdir = workdir
        self.port = free_port()
        self.url = f"mqtt://127.0.0.1:{self.port}"
        self.conf = workdir / "mosquitto.conf"
        self.conf.write_text(
            f"listener {self.port} 127.0.0.1\nallow_anonymous true\npersistence true\n"
            f"persistence_location {workdir}/\nmax_queued_messages 0\n"
        )
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [MOSQUITTO, "-c", str(self.conf)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.1)
        raise AssertionError("Mosquitto did not start")

    def stop(self) -> None:
        """SIGTERM: Mosquitto writes its persistence file and exits."""
        if self.proc is not None:
            self.proc.terminate()
            self.proc.wait(15)
            self.proc = None

    def remove(self) -> None:
        self.stop()
        shutil.rmtree(self.workdir, ignore_errors=True)


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[OwnBroker]:
    if not MOSQUITTO:
        pytest.skip("mosquitto is not installed")
    own = OwnBroker(tmp_path)
    own.start()
    yield own
    own.remove()


def publish(url: str, prefix: str, items: list[tuple[str, str, bytes]]) -> None:
    """Publish with QoS 1 and wait for every PUBACK: each of these is acknowledged by the broker."""
    publisher = MqttPublisher(url, prefix=prefix)
    for device, channel, body in items:
        publisher.publish(device, channel, body)
    publisher.close()


def test_a_broker_restart_under_a_running_worker_loses_nothing_acknowledged(
    live: Any,  # noqa: F811 — the fixtures of test_mqtt
    broker: OwnBroker,
    run_id: str,  # noqa: F811
) -> None:
    from jiceng.sensing.mqtt import IngestWorker

    prefix = f"jr{run_id}"
    worker = IngestWorker(url=broker.url, client_id=f"jr-{run_id}", prefix=prefix, batch=50, sweep_every=0)
    running = Running(worker).start()
    stream = leak_stream(150)
    try:
        # before the restart: delivered and recorded
        publish(broker.url, prefix, stream[:50])
        wait_for(lambda: Receipt.objects.count() == 50)
        # the broker goes away under the running worker, and comes back
        broker.stop()
        assert wait_until(lambda: not worker.connected.is_set()), "the worker did not notice the outage"
        broker.start()
        # published while the worker has not reconnected yet: queued in its persistent session
        publish(broker.url, prefix, stream[50:100])
        assert worker.connected.wait(60), "the worker did not reconnect by itself"
        publish(broker.url, prefix, stream[100:])
        if not wait_until(lambda: receipts() == 150, timeout=90):
            with writer():
                seen = set(Receipt.objects.values_list("msg_id", flat=True))
            missing = sorted(i for i in range(150) if f"m{i}" not in seen)
            raise AssertionError(
                f"missing {missing}; connected={worker.connected.is_set()} pending={len(worker.pending)} "
                f"inbox={worker.inbox.qsize()} alive={running.thread.is_alive()}"
            )
        assert running.thread.is_alive()
    finally:
        running.stop()
    assert Telemetry.objects.count() == 150
    assert sorted(Receipt.objects.values_list("msg_id", flat=True)) == sorted(f"m{i}" for i in range(150))
    assert Alarm.objects.filter(type="leakage_high").count() == 1


def receipts() -> int:
    with writer():  # SQLite: between the worker's batches
        return Receipt.objects.count()


def wait_until(check: Any, timeout: float = 20.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.1)
    return False
