"""Sensing: MQTT ingestion into PostgreSQL, next to a raw COPY; alarm → case latency; duplicates
under faults with two workers.

A Mosquitto of its own (a free port, no queue limit, no persistence) keeps the run apart from the
shared broker. The ingest rate is the drain rate of ``jiceng sensing ingest`` (a subprocess): the
messages are published first, while its persistent session is offline, then the worker starts and
the clock runs until every receipt is in the database — so the publisher's CPU is not charged to it.
The same rows then go through one COPY into a plain table, the ceiling for that machine.

Latency: alarm events published one by one to a running worker; p50/p99 of (case registered − event
time). Faults: two workers on the same topics (each receives every message), the simulator's
duplicates and disorder plus each incident delivered three times, out of order; duplicates = alarms
beyond one per incident.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

from bench.common import ROOT, Context
from jiceng.lib.pgcluster import free_port

DEVICES = 20_000
QUICK_DEVICES = 2_000
MESSAGES = 150_000
QUICK_MESSAGES = 10_000
LATENCY = 200
QUICK_LATENCY = 30
INCIDENTS = 200
QUICK_INCIDENTS = 30


# -- inside Django (ctx.in_django) ------------------------------------------------------------------


def prepare(n_devices: int, n_wearables: int) -> dict[str, Any]:
    """Migrate, build the small world, register ``n_devices`` breakers and some wearables in bulk."""
    from django.core.management import call_command

    from jiceng.sensing.defaults import ensure_defaults
    from jiceng.sensing.models import Device, DeviceKind
    from jiceng.testing import build_world

    call_command("migrate", interactive=False, verbosity=0)
    ensure_defaults()
    world = build_world()
    rooms = list(world.rooms.values())
    breaker = DeviceKind.objects.get(code="breaker")
    wearable = DeviceKind.objects.get(code="wearable")
    started = time.perf_counter()
    rows = []
    plan = [
        ("B", breaker, n_devices, []),
        ("W", wearable, n_wearables, [{"name": "家属", "phone": "13800138000"}]),
    ]
    for prefix, kind, count, contacts in plan:
        for n in range(count):
            room = rooms[n % len(rooms)]
            rows.append(
                Device(
                    device_id=f"{prefix}{n:06d}",
                    kind=kind,
                    location_code=room.code,
                    grid_code=room.code[:14],
                    building_code=room.code[:19],
                    contacts=contacts,
                )
            )
    Device.objects.bulk_create(rows, batch_size=5000)
    return {"devices": len(rows), "seconds": round(time.perf_counter() - started, 1)}


def copy_baseline(n: int, n_devices: int) -> dict[str, Any]:
    """The same rows through one COPY into a plain table: what the disk and server allow."""
    from django.db import connection
    from django.utils import timezone

    from jiceng.sensing.models import Device

    ids = list(Device.objects.filter(device_id__startswith="B").values_list("pk", flat=True)[:n_devices])
    now = timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE IF NOT EXISTS bench_copy (device_id bigint, ts timestamptz, msg_id varchar(64), "
            '"values" jsonb, event varchar(32))'
        )
        cursor.execute("TRUNCATE bench_copy")
        started = time.perf_counter()
        with cursor.cursor.copy(
            'COPY bench_copy (device_id, ts, msg_id, "values", event) FROM STDIN'
        ) as copy:
            for i in range(n):
                copy.write_row(
                    (
                        ids[i % len(ids)],
                        now + dt.timedelta(milliseconds=i),
                        f"c{i}",
                        json.dumps({"leakage_ma": 4.2, "current_a": 20.5, "line_temp_c": 38.0}),
                        "",
                    )
                )
        seconds = time.perf_counter() - started
        cursor.execute("DROP TABLE bench_copy")
    return {"per_s": round(n / seconds), "seconds": round(seconds, 2)}


def counts() -> dict[str, Any]:
    from django.db.models import Count

    from jiceng.sensing.models import Alarm, DeadLetter, Receipt, Telemetry

    dup_active = (
        Alarm.objects.filter(status="active")
        .values("device", "type")
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
        .count()
    )
    return {
        "receipts": Receipt.objects.count(),
        "telemetry": Telemetry.objects.count(),
        "dead": DeadLetter.objects.count(),
        "alarms": Alarm.objects.count(),
        "dup_active": dup_active,
    }


def latency(prefix: str) -> dict[str, Any]:
    """Seconds from each SOS event's time to its case's registration, for devices W*."""
    from jiceng.sensing.models import Alarm

    rows = list(
        Alarm.objects.filter(type="sos", device__device_id__startswith=prefix)
        .exclude(case=None)
        .values_list("started_at", "case__registered_at")
    )
    lags = sorted((registered - started).total_seconds() for started, registered in rows)
    if not lags:
        return {"n": 0}
    return {
        "n": len(lags),
        "p50_ms": round(1000 * lags[len(lags) // 2], 1),
        "p99_ms": round(1000 * lags[min(len(lags) - 1, int(len(lags) * 0.99))], 1),
    }


def fault_result(first: int, count: int) -> dict[str, Any]:
    from django.db.models import Count

    from jiceng.cases.models import Case
    from jiceng.sensing.models import Alarm

    devices = [f"W{n:06d}" for n in range(first, first + count)]
    alarms = Alarm.objects.filter(device__device_id__in=devices, type="sos")
    per_device = dict(
        alarms.values_list("device__device_id").annotate(n=Count("pk")).values_list("device__device_id", "n")
    )
    cases = Case.objects.filter(alarm__in=alarms).count()
    return {
        "incidents": count,
        "alarms": alarms.count(),
        "duplicates": sum(max(0, n - 1) for n in per_device.values()),
        "missing": sum(1 for d in devices if d not in per_device),
        "cases": cases,
    }


# -- the broker, the workers, the publisher ---------------------------------------------------------


class Broker:
    def __init__(self, workdir: Path) -> None:
        self.proc = None
        binary = shutil.which("mosquitto") or (
            "/usr/sbin/mosquitto" if Path("/usr/sbin/mosquitto").exists() else None
        )
        if binary is None:
            self.url, self.note = os.environ.get("MQTT_URL", "mqtt://127.0.0.1:1883"), "共享代理"
            return
        self.port = free_port()
        conf = workdir / "mosquitto.conf"
        conf.write_text(
            f"listener {self.port} 127.0.0.1\nallow_anonymous true\npersistence false\n"
            "max_queued_messages 0\nmax_inflight_messages 0\nmax_queued_bytes 0\n"
        )
        self.proc = subprocess.Popen(
            [binary, "-c", str(conf)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        for _ in range(50):
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        self.url, self.note = f"mqtt://127.0.0.1:{self.port}", "独立 Mosquitto"

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            self.proc.wait(10)


def _worker(ctx: Context, db_url: str, broker: str, client: str, prefix: str) -> subprocess.Popen:
    env = {
        **os.environ,
        "DATABASE_URL": db_url,
        "DJANGO_SETTINGS_MODULE": "jiceng.settings",
        "JICENG_VAR_DIR": str(ctx.workdir / "var"),
        "JICENG_SENSING_BATCH": "2000",
    }
    return subprocess.Popen(
        [
            sys.executable,
            "manage.py",
            "sensing",
            "ingest",
            "--mqtt",
            broker,
            "--client-id",
            client,
            "--topic-prefix",
            prefix,
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def _stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(20)
    except subprocess.TimeoutExpired:
        proc.kill()


def _session(broker: str, client: str, prefix: str) -> None:
    """Create the worker's persistent session (subscribe, then leave) so messages queue for it."""
    import paho.mqtt.client as mqtt
    from paho.mqtt.packettypes import PacketTypes
    from paho.mqtt.properties import Properties

    from jiceng.sensing.mqtt import SESSION_EXPIRY_S, broker_address, topics

    host, port = broker_address(broker)
    c = mqtt.Client(
        callback_api_version=mqtt.CallbackAPIVersion.VERSION2, client_id=client, protocol=mqtt.MQTTv5
    )
    props = Properties(PacketTypes.CONNECT)
    props.SessionExpiryInterval = SESSION_EXPIRY_S
    c.connect(host, port, clean_start=False, properties=props)
    c.loop_start()
    time.sleep(0.3)
    c.subscribe([(t, 1) for t in topics(prefix)])
    time.sleep(0.5)
    c.disconnect()
    c.loop_stop()


def _publisher(broker: str) -> Any:
    from jiceng.sensing.simulate import MqttPublisher

    return MqttPublisher(broker, client_id=f"bench-pub-{uuid.uuid4().hex[:6]}")


def _wait(db_url: str, sql: str, target: int, timeout: float) -> float:
    import psycopg

    started = time.perf_counter()
    with psycopg.connect(db_url.replace("postgres://", "postgresql://"), autocommit=True) as conn:
        while time.perf_counter() - started < timeout:
            row = conn.execute(sql).fetchone()
            value = row[0] if row else 0
            if value >= target:
                return time.perf_counter() - started
            time.sleep(0.1)
    raise RuntimeError(f"timed out: {sql} < {target}")


def _reading(n: int, device: str, at: dt.datetime) -> bytes:
    return json.dumps(
        {
            "msg_id": f"r{n}",
            "ts": at.isoformat(),
            "values": {"leakage_ma": 4.2, "current_a": round(20 + n % 7, 1), "line_temp_c": 38.0},
        }
    ).encode()


def run(ctx: Context) -> None:
    from datetime import UTC, datetime

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jiceng.settings")
    import django

    django.setup()
    n_devices = QUICK_DEVICES if ctx.quick else DEVICES
    n_messages = QUICK_MESSAGES if ctx.quick else MESSAGES
    n_latency = QUICK_LATENCY if ctx.quick else LATENCY
    n_incidents = QUICK_INCIDENTS if ctx.quick else INCIDENTS
    db = ctx.pg_url
    ctx.in_django(db, "bench.bench_sensing:prepare", n_devices, n_latency + n_incidents)
    broker = Broker(ctx.workdir)
    try:
        prefix = f"bench{uuid.uuid4().hex[:6]}"
        # 1. Sustained ingest: queue the messages for the worker's session, then let it drain them.
        _session(broker.url, "bench-a", prefix)
        publisher = _publisher(broker.url)
        publisher.prefix = prefix
        start = datetime.now(UTC) - dt.timedelta(milliseconds=10 * n_messages)  # the last one is "now"
        for n in range(n_messages):
            device = f"B{n % n_devices:06d}"
            publisher.publish(
                device, "telemetry", _reading(n, device, start + dt.timedelta(milliseconds=10 * n))
            )
        publisher.close()
        worker = _worker(ctx, db, broker.url, "bench-a", prefix)
        _wait(db, "SELECT count(*) FROM sensing_receipt", 1, timeout=300)  # the worker is up (not timed)
        seconds = _wait(db, "SELECT count(*) FROM sensing_receipt", n_messages, timeout=1800)
        rate = n_messages / seconds
        baseline = ctx.in_django(db, "bench.bench_sensing:copy_baseline", n_messages, n_devices)
        load = os.getloadavg()[0]
        note = f"{n_devices:,} 台设备，{n_messages:,} 条，经 MQTT（{broker.note}）；负载 {load:.1f}（{os.cpu_count()} 核）"
        ctx.row("sensing", "MQTT ingest into PostgreSQL", rate, "msgs/s", goal="≥ 5,000", note=note)
        ctx.row("sensing", "raw COPY of the same rows", baseline["per_s"], "rows/s", note="同一库的普通表")
        ctx.row("sensing", "ingest vs raw COPY", f"{rate / baseline['per_s']:.0%}", "")

        # 2. Alarm → case latency: SOS events one by one to the running worker.
        publisher = _publisher(broker.url)
        publisher.prefix = prefix
        for n in range(n_latency):
            sos = {"msg_id": f"sos{n}", "ts": datetime.now(UTC).isoformat(), "event": "sos", "data": {}}
            publisher.publish(f"W{n:06d}", "events", json.dumps(sos).encode())
            time.sleep(0.3)  # one alarm at a time: latency, not queueing behind a burst
        publisher.close()
        _wait(
            db,
            "SELECT count(*) FROM sensing_alarm WHERE type = 'sos' AND case_id IS NOT NULL",
            n_latency,
            120,
        )
        lat = ctx.in_django(db, "bench.bench_sensing:latency", "W")
        ctx.row("sensing", "alarm → case p50", lat.get("p50_ms", ""), "ms", note=f"{lat.get('n', 0)} 次呼救")
        ctx.row("sensing", "alarm → case p99", lat.get("p99_ms", ""), "ms", goal="< 1,000")

        # 3. Faults with two workers: every incident duplicated and disordered, both workers see all.
        second = _worker(ctx, db, broker.url, "bench-b", prefix)
        time.sleep(3)
        from jiceng.sensing import simulate

        publisher = _publisher(broker.url)
        publisher.prefix = prefix
        devices = [simulate.SimDevice(f"B{n:06d}", "breaker") for n in range(min(n_devices, 500))]
        noise = simulate.Stats()
        now = datetime.now(UTC)
        incidents: list[tuple[str, bytes]] = []
        for n in range(n_latency, n_latency + n_incidents):
            # The same press, three deliveries (the third with a new msg_id: a gateway's retry).
            for copy_no in range(3):
                msg_id = f"f{n}" if copy_no < 2 else f"f{n}-retry"
                ts = now - dt.timedelta(seconds=copy_no)
                incidents.append(
                    (
                        f"W{n:06d}",
                        json.dumps(
                            {"msg_id": msg_id, "ts": ts.isoformat(), "event": "sos", "data": {}}
                        ).encode(),
                    )
                )
        incidents = incidents[::-1]
        for i, (device_id, channel, body) in enumerate(
            simulate.messages(
                devices,
                rate=500,
                minutes=0.2 if ctx.quick else 1,
                faults=True,
                stats=noise,
                start=now - dt.timedelta(minutes=1),
            )
        ):
            publisher.publish(device_id, channel, body)
            if incidents and i % 5 == 0:
                device, event_body = incidents.pop()
                publisher.publish(device, "events", event_body)
        for device, event_body in incidents:
            publisher.publish(device, "events", event_body)
        publisher.close()
        time.sleep(2)
        _wait(db, "SELECT count(*) FROM sensing_alarm WHERE type = 'sos'", n_latency + n_incidents, 120)
        time.sleep(3)
        for proc in (worker, second):
            _stop(proc)
        faults = ctx.in_django(db, "bench.bench_sensing:fault_result", n_latency, n_incidents)
        total = ctx.in_django(db, "bench.bench_sensing:counts")
        ctx.row(
            "sensing",
            "duplicate alarms (--faults, 2 workers)",
            faults["duplicates"],
            "",
            goal="0",
            note=(
                f"{faults['incidents']} 起呼救 ×3 次投递 → {faults['alarms']} 条告警、{faults['cases']} 件工单；"
                f"重复 {noise.duplicates}、乱序 {noise.reordered}、坏报文 {noise.malformed}（死信 {total['dead']}）"
            ),
        )
        ctx.row("sensing", "active alarms sharing a (device, type)", total["dup_active"], "", goal="0")
    finally:
        broker.stop()
