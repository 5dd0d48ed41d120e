"""PostgreSQL stopped and started again under ``jiceng sensing ingest`` and ``jiceng notify run``.

A throwaway cluster (never the shared server) and a Mosquitto of the test's own. While PostgreSQL is
down the workers keep running (the ingest worker holds its batch unacknowledged, the broker keeps the
rest); once it is back they resume by themselves: every message published is recorded once, the
alarm raised during the outage opens its case and its SMS is sent. SIGTERM stops both with status 0
and a ``stopped`` heartbeat.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from jiceng.lib.pgcluster import ThrowawayPostgres, pg_bin
from jiceng.lib.procs import server_env, wait_for
from jiceng.sensing.simulate import MqttPublisher
from jiceng.sensing.tests.test_broker_restart import MOSQUITTO, OwnBroker

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.mqtt,
    pytest.mark.skipif(pg_bin() is None, reason="PostgreSQL server binaries are not installed"),
    pytest.mark.skipif(not MOSQUITTO, reason="mosquitto is not installed"),
]
ROOT = Path(__file__).resolve().parents[3]
PREFIX = "jfault"
SETUP = (
    "from jiceng.testing import build_world; from jiceng.sensing.tests.conftest import make_sensors; "
    "make_sensors(build_world())"
)


def event(msg_id: str, name: str) -> bytes:
    ts = dt.datetime.now(dt.UTC).isoformat()
    return json.dumps({"msg_id": msg_id, "ts": ts, "event": name, "data": {}}).encode()


def reading(msg_id: str, seconds: int) -> bytes:
    ts = (dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5) + dt.timedelta(seconds=seconds)).isoformat()
    return json.dumps({"msg_id": msg_id, "ts": ts, "values": {"leakage_ma": 3.0}}).encode()


class Site:
    def __init__(
        self, pg: ThrowawayPostgres, broker: OwnBroker, workers: dict[str, subprocess.Popen]
    ) -> None:
        self.pg, self.broker, self.workers = pg, broker, workers

    def value(self, sql: str) -> str:
        return self.pg.psql(sql, "jiceng")

    def count(self, sql: str) -> int:
        try:
            return int(self.value(sql) or 0)
        except (subprocess.CalledProcessError, ValueError):
            return -1

    def beat(self, name: str) -> str:
        return self.value(f"SELECT state FROM core_workerbeat WHERE name = '{name}'")

    def publish(self, items: list[tuple[str, str, bytes]]) -> None:
        publisher = MqttPublisher(self.broker.url, prefix=PREFIX)
        for device, channel, body in items:
            publisher.publish(device, channel, body)
        publisher.close()  # every PUBACK in: the broker holds these


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    work = tmp_path_factory.mktemp("sensing-faults")
    pg_dir = Path(tempfile.mkdtemp(prefix="jiceng-sensing-faults-"))  # the postgres user must enter it
    pg = ThrowawayPostgres(pg_dir / "data")
    broker = OwnBroker(work)
    broker.start()
    workers: dict[str, subprocess.Popen] = {}
    try:
        env = server_env(work, pg.create_database("jiceng"), JICENG_SMS_BACKEND="console")
        manage = [sys.executable, "manage.py"]
        subprocess.run([*manage, "migrate", "-v0"], cwd=ROOT, env=env, check=True, timeout=600)
        subprocess.run([*manage, "shell", "-c", SETUP], cwd=ROOT, env=env, check=True, timeout=600)
        ingest = [*manage, "sensing", "ingest", "--mqtt", broker.url, "--client-id", "jfault-ingest"]
        workers["sensing-ingest"] = subprocess.Popen(
            [*ingest, "--topic-prefix", PREFIX, "--batch", "20"], cwd=ROOT, env=env
        )
        workers["notify"] = subprocess.Popen(
            [*manage, "notify", "run", "--interval", "0.5"], cwd=ROOT, env=env
        )
        yield Site(pg, broker, workers)
    finally:
        for proc in workers.values():
            if proc.poll() is None:
                proc.kill()
                proc.wait(10)
        broker.remove()
        pg.stop("immediate")
        shutil.rmtree(pg_dir, ignore_errors=True)


def test_ingest_and_the_sender_outlive_a_postgresql_restart_and_lose_nothing(site: Site) -> None:
    # given both workers running and beating, and an SOS delivered and texted
    for name in site.workers:
        wait_for(lambda name=name: site.beat(name) == "running", 120, f"the first heartbeat of {name}")
    site.publish([("WR-001", "events", event("sos-1", "sos"))])
    wait_for(lambda: site.count("SELECT count(*) FROM sensing_alarm WHERE type = 'sos'") == 1, 60, "the SOS")
    sent = "SELECT count(*) FROM cases_notification WHERE kind = 'sensor_alarm' AND state = 'sent'"
    wait_for(lambda: site.count(sent) == 1, 60, "the SOS text")

    # when PostgreSQL stops, and messages keep coming (a fall among the readings)
    site.pg.stop("fast")
    try:
        stream = [("BRK-001", "telemetry", reading(f"r{i}", i)) for i in range(40)]
        stream.insert(20, ("WR-001", "events", event("fall-1", "fall")))
        site.publish(stream)
        time.sleep(4)  # both workers meet the outage
        assert all(proc.poll() is None for proc in site.workers.values()), "a worker exited"
    finally:
        site.pg.start()

    # then they resume by themselves: every message once, the fall's case opened and texted
    receipts = "SELECT count(*) FROM sensing_receipt"
    wait_for(lambda: site.count(receipts) == 42, 120, "every message recorded")
    assert site.count("SELECT count(*) FROM sensing_telemetry") == 42
    assert site.count("SELECT count(*) FROM sensing_alarm WHERE type = 'fall' AND case_id IS NOT NULL") == 1
    wait_for(lambda: site.count(sent) == 2, 120, "the fall's text")
    assert site.count("SELECT count(*) FROM cases_notification WHERE state <> 'sent'") == 0

    # and SIGTERM stops both cleanly
    for name, proc in site.workers.items():
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(40) == 0, name
        assert site.beat(name) == "stopped", name
