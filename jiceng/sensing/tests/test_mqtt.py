"""Against the real Mosquitto on 127.0.0.1:1883: QoS 1 on a persistent session, a worker killed
mid-stream, two workers on one stream, duplicates and out-of-order delivery → exactly one alarm and one
case; bad payloads → dead letters. Each test uses its own topic prefix and client ids."""

from __future__ import annotations

import datetime as dt
import json
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.utils import timezone

from jiceng.cases.models import Case
from jiceng.core.loop import close_connections
from jiceng.lib import procs
from jiceng.sensing.models import Alarm, AlarmStatus, DeadLetter, Receipt, Telemetry
from jiceng.sensing.mqtt import IngestWorker, writer
from jiceng.sensing.simulate import MqttPublisher
from jiceng.sensing.tests.conftest import make_sensors
from jiceng.testing import build_world, restore_reference_data

pytestmark = [pytest.mark.mqtt, pytest.mark.django_db(transaction=True)]
URL = "mqtt://127.0.0.1:1883"
BASE = timezone.now().replace(microsecond=0) - dt.timedelta(minutes=20)


@pytest.fixture
def live(transactional_db: Any) -> Any:
    restore_reference_data()
    return make_sensors(build_world())


@pytest.fixture
def run_id() -> str:
    return uuid.uuid4().hex[:10]


class Running:
    def __init__(self, worker: IngestWorker) -> None:
        self.worker = worker
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        try:
            self.worker.run()
        finally:
            close_connections()

    def start(self) -> Running:
        self.thread.start()
        assert self.worker.connected.wait(10), "the worker did not connect to Mosquitto"
        time.sleep(0.3)  # the SUBACK
        return self

    def stop(self) -> None:
        self.worker.stop()
        self.thread.join(15)

    def kill(self) -> None:
        self.worker.abort()
        self.thread.join(15)


@pytest.fixture
def workers(run_id: str) -> Iterator[Callable[..., Running]]:
    started: list[Running] = []

    def start(client: str = "a", **kwargs: Any) -> Running:
        worker = IngestWorker(
            url=URL,
            client_id=f"jt-{run_id}-{client}",
            prefix=f"jt{run_id}",
            batch=50,
            sweep_every=0,
            **kwargs,
        )
        running = Running(worker).start()
        started.append(running)
        return running

    yield start
    for running in started:
        if running.thread.is_alive():
            running.stop()


def reading(msg_id: str, seconds: float, **values: float) -> bytes:
    ts = (BASE + dt.timedelta(seconds=seconds)).isoformat()
    return json.dumps({"msg_id": msg_id, "ts": ts, "values": values}).encode()


def sos(msg_id: str, seconds: float) -> bytes:
    ts = (BASE + dt.timedelta(seconds=seconds)).isoformat()
    return json.dumps({"msg_id": msg_id, "ts": ts, "event": "sos", "data": {}}).encode()


def wait_for(check: Callable[[], bool], timeout: float = 40.0) -> None:
    """Poll the database; on SQLite between the workers' batches (one writer per process)."""

    def between_batches() -> bool:
        with writer():
            return check()

    procs.wait_for(between_batches, timeout, "the worker")


def leak_stream(n: int) -> list[tuple[str, str, bytes]]:
    """n breaker readings 5 s apart: normal, then a leak held long enough to alarm, then normal."""
    items = []
    for i in range(n):
        leak = 45.0 if n // 3 <= i < 2 * n // 3 else 4.0
        items.append(("BRK-001", "telemetry", reading(f"m{i}", i * 5, leakage_ma=leak)))
    return items


def test_messages_published_while_the_worker_is_down_arrive_when_it_returns(live, workers, run_id):
    # given a persistent session known to the broker
    workers("a").stop()
    # when messages are published while no worker runs
    publisher = MqttPublisher(URL, prefix=f"jt{run_id}")
    for device, channel, body in leak_stream(30):
        publisher.publish(device, channel, body)
    publisher.close()
    # then the returning worker (same client id) receives every one of them
    returned = workers("a")
    wait_for(lambda: Receipt.objects.count() == 30)
    returned.stop()
    assert Telemetry.objects.count() == 30
    assert Alarm.objects.filter(type="leakage_high").count() == 1


def test_a_worker_killed_mid_stream_loses_nothing_and_records_nothing_twice(live, workers, run_id):
    first = workers("a")
    stream = leak_stream(240)
    publisher = MqttPublisher(URL, prefix=f"jt{run_id}")
    for device, channel, body in stream[:120]:
        publisher.publish(device, channel, body)
    wait_for(lambda: Receipt.objects.count() >= 40)
    # the worker dies between commits and acknowledgements (no DISCONNECT)
    first.kill()
    for device, channel, body in stream[120:]:
        publisher.publish(device, channel, body)
    publisher.close()
    second = workers("a")  # restarted with the same client id: the session's unacknowledged messages return
    wait_for(lambda: Receipt.objects.count() == 240)
    second.stop()
    assert Telemetry.objects.count() == 240
    alarm = Alarm.objects.get(type="leakage_high")
    assert alarm.status == AlarmStatus.CLEARED
    assert Case.objects.count() == 1 and alarm.case is not None


def test_two_workers_on_one_stream_with_duplicates_and_disorder_make_one_alarm_and_one_case(
    live, workers, run_id
):
    # given two workers that both receive every message (two sessions on the same topics)
    a, b = workers("a"), workers("b")
    items = leak_stream(60)
    sos_at = [("WR-001", "events", sos(f"s{i}", 100 + i)) for i in range(5)]
    stream = items + sos_at
    # duplicated, and delivered out of order
    shuffled = stream + stream[::3]
    shuffled = shuffled[1::2] + shuffled[::2]
    publisher = MqttPublisher(URL, prefix=f"jt{run_id}")
    for device, channel, body in shuffled:
        publisher.publish(device, channel, body)
    publisher.close()
    wait_for(lambda: Receipt.objects.count() == len(stream))
    time.sleep(1.5)  # let the second worker finish its (duplicate) batches
    a.stop()
    b.stop()
    assert Telemetry.objects.count() == len(stream)
    assert Alarm.objects.filter(type="sos").count() == 1
    assert Alarm.objects.filter(type="sos").get().count == 5
    assert Alarm.objects.filter(type="leakage_high", status=AlarmStatus.ACTIVE).count() <= 1
    for alarm in Alarm.objects.filter(severity__in=["critical", "major"]):
        assert alarm.case is not None
    assert Case.objects.count() == Alarm.objects.filter(severity__in=["critical", "major"]).count()


def test_bad_payloads_over_mqtt_become_dead_letters_and_the_worker_goes_on(live, workers, run_id):
    worker = workers("a")
    publisher = MqttPublisher(URL, prefix=f"jt{run_id}")
    publisher.publish("BRK-001", "telemetry", b"{broken")
    publisher.publish("NOBODY", "telemetry", reading("x1", 0, leakage_ma=1.0))
    publisher.publish("BRK-001", "telemetry", reading("x2", 0, leakage_ma=99999.0))
    publisher.publish("BRK-001", "telemetry", reading("ok", 1, leakage_ma=2.0))
    publisher.close()
    wait_for(lambda: DeadLetter.objects.count() == 3 and Receipt.objects.count() == 1)
    worker.stop()
    assert set(DeadLetter.objects.values_list("code", flat=True)) == {
        "malformed",
        "unknown_device",
        "out_of_range",
    }
    assert all(d.topic.startswith(f"jt{run_id}/devices/") for d in DeadLetter.objects.all())
