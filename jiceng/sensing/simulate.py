"""``jiceng sensing simulate``: realistic device traffic for the demo, the tests and the bench.

Each kind speaks as it would: breakers follow a daily load curve with an occasional leak, wearables
report heart rates with a rare SOS or fall, water gauges rise in a shower, cameras report street
events now and then. ``--faults`` adds what real networks do: duplicated messages, out-of-order
delivery, malformed payloads and devices that fall silent. Messages go to the broker (``--mqtt``) or,
without one, straight through the same ingestion function the HTTP endpoint uses.
"""

from __future__ import annotations

import json
import math
import random
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone


@dataclass
class SimDevice:
    device_id: str
    kind: str


@dataclass
class Stats:
    sent: int = 0
    duplicates: int = 0
    reordered: int = 0
    malformed: int = 0
    silent_devices: int = 0
    seconds: float = 0.0
    by_kind: dict[str, int] = field(default_factory=dict)


def _load_curve(at: datetime) -> float:
    """0.2 at night to 1.0 in the evening peak: an urban village's daily load."""
    hour = timezone.localtime(at).hour + timezone.localtime(at).minute / 60
    return 0.6 + 0.4 * math.sin((hour - 13) / 24 * 2 * math.pi)


def telemetry_or_event(device: SimDevice, at: datetime, rng: random.Random) -> tuple[str, dict[str, Any]]:
    """One realistic message for ``device`` at ``at``: ("telemetry"|"events", payload)."""
    msg = {"msg_id": uuid.uuid4().hex[:16], "ts": at.isoformat()}
    kind = device.kind
    roll = rng.random()
    if kind == "breaker":
        if roll < 0.0005:
            return "events", {**msg, "event": "arc_fault", "data": {}}
        load = _load_curve(at)
        leak = rng.uniform(2, 8) if roll > 0.004 else rng.uniform(32, 60)
        values = {
            "leakage_ma": round(leak, 1),
            "current_a": round(40 * load * rng.uniform(0.8, 1.1), 1),
            "line_temp_c": round(28 + 25 * load, 1),  # smooth: the rate rule compares consecutive readings
        }
        return "telemetry", {**msg, "values": values}
    if kind == "wearable":
        if roll < 0.0005:
            return "events", {**msg, "event": "sos", "data": {}}
        if roll < 0.0008:
            return "events", {**msg, "event": "fall", "data": {}}
        if roll < 0.05:
            return "events", {**msg, "event": "movement", "data": {"steps": rng.randint(10, 200)}}
        return "telemetry", {
            **msg,
            "values": {"heart_rate": rng.randint(58, 96), "battery_pct": rng.randint(20, 100)},
        }
    if kind == "smoke":
        if roll < 0.0003:
            return "events", {**msg, "event": "smoke_alarm", "data": {}}
        return "telemetry", {
            **msg,
            "values": {"smoke_pct": round(rng.uniform(0, 1.5), 2), "battery_pct": rng.randint(40, 100)},
        }
    if kind == "gas":
        lel = rng.uniform(0, 3) if roll > 0.0005 else rng.uniform(26, 40)
        return "telemetry", {**msg, "values": {"gas_lel": round(lel, 1)}}
    if kind == "water_level":
        shower = 1.0 if timezone.localtime(at).minute % 30 < 3 and roll < 0.2 else 0.0
        return "telemetry", {
            **msg,
            "values": {"water_cm": round(rng.uniform(0, 3) + shower * rng.uniform(10, 30), 1)},
        }
    if kind == "door":
        if roll < 0.01:
            return "events", {**msg, "event": "unregistered_face", "data": {}}
        return "events", {**msg, "event": rng.choice(["opened", "face_recognised"]), "data": {}}
    if kind == "camera":
        if roll < 0.002:
            label = rng.choice(
                ["street_vending", "trash_overflow", "road_flooding", "crowd", "ebike_elevator"]
            )
            return "events", {**msg, "event": label, "data": {"confidence": round(rng.uniform(0.7, 0.99), 2)}}
        return "events", {**msg, "event": "heartbeat", "data": {}}
    if kind == "manhole":
        tilt = rng.uniform(0, 2) if roll > 0.0005 else rng.uniform(20, 60)
        return "telemetry", {**msg, "values": {"tilt_deg": round(tilt, 1)}}
    if kind == "sentinel":
        return "telemetry", {
            **msg,
            "values": {"body_temp_c": round(rng.uniform(36.0, 37.1), 1), "passes": rng.randint(0, 30)},
        }
    return "telemetry", {**msg, "values": {}}


def messages(
    devices: list[SimDevice],
    *,
    rate: float,
    minutes: float,
    faults: bool = False,
    seed: int = 7,
    start: datetime | None = None,
    stats: Stats | None = None,
) -> Iterator[tuple[str, str, bytes]]:
    """(device_id, channel, payload bytes) at ``rate`` per simulated second for ``minutes``.

    Timestamps advance with the message count (rate messages per second), not with the wall clock,
    so a fast publisher replays minutes of traffic in seconds.
    """
    rng = random.Random(seed)
    stats = stats or Stats()
    total = int(rate * minutes * 60)
    start = start or timezone.now() - timedelta(minutes=minutes)
    silent = set()
    if faults:
        silent = {d.device_id for d in devices if rng.random() < 0.05}
        stats.silent_devices = len(silent)
    talking = [d for d in devices if d.device_id not in silent] or devices
    held: list[tuple[str, str, bytes]] = []
    for n in range(total):
        device = talking[n % len(talking)] if rate >= len(talking) else rng.choice(talking)
        at = start + timedelta(seconds=n / rate)
        channel, payload = telemetry_or_event(device, at, rng)
        body = json.dumps(payload, ensure_ascii=False).encode()
        stats.by_kind[device.kind] = stats.by_kind.get(device.kind, 0) + 1
        if faults:
            roll = rng.random()
            if roll < 0.002:
                stats.malformed += 1
                body = body[: len(body) // 2]
            elif roll < 0.03:
                stats.reordered += 1
                held.append((device.device_id, channel, body))
                continue
            elif roll < 0.06:
                stats.duplicates += 1
                stats.sent += 1
                yield device.device_id, channel, body
        stats.sent += 1
        yield device.device_id, channel, body
        if held and rng.random() < 0.05:
            stats.sent += 1
            yield held.pop(0)
    for item in held:
        stats.sent += 1
        yield item


def devices_from_db(limit: int) -> list[SimDevice]:
    from jiceng.sensing.models import Device, DeviceStatus

    rows = (
        Device.objects.exclude(status=DeviceStatus.RETIRED)
        .order_by("pk")
        .values_list("device_id", "kind__code")[:limit]
    )
    return [SimDevice(d, k) for d, k in rows]


QUEUE = 20_000  # QoS 1 messages queued or in flight at most per publisher


class MqttPublisher:
    """QoS 1 publisher with a deep in-flight window (the simulator is not the bottleneck)."""

    def __init__(self, url: str, prefix: str = "jiceng", client_id: str = "") -> None:
        import paho.mqtt.client as mqtt

        from jiceng.sensing.mqtt import broker_address

        host, port = broker_address(url)
        self.prefix = prefix
        self.client = mqtt.Client(
            callback_api_version=mqtt.CallbackAPIVersion.VERSION2,
            client_id=client_id or f"jiceng-sim-{uuid.uuid4().hex[:8]}",
            protocol=mqtt.MQTTv5,
        )
        self.client.max_inflight_messages_set(1000)
        # Bounded well below the 65,535 message ids: past that, ids wrap and paho refuses the message.
        self.client.max_queued_messages_set(QUEUE)
        self.client.connect(host, port, keepalive=30)
        self.client.loop_start()
        self.last: Any = None

    def publish(self, device_id: str, channel: str, body: bytes) -> None:
        """Queue one message; while the queue is full, wait for the broker's acknowledgements."""
        import paho.mqtt.client as mqtt

        topic = f"{self.prefix}/devices/{device_id}/{channel}"
        while True:
            self.last = self.client.publish(topic, body, qos=1)
            if self.last.rc != mqtt.MQTT_ERR_QUEUE_SIZE:
                return
            time.sleep(0.005)

    def close(self) -> None:
        if self.last is not None:
            self.last.wait_for_publish(timeout=60)
        deadline = time.monotonic() + 60
        while self.client._out_messages and time.monotonic() < deadline:  # noqa: SLF001 - drain QoS 1
            time.sleep(0.05)
        self.client.disconnect()
        self.client.loop_stop()


def run(
    devices: list[SimDevice],
    *,
    rate: float,
    minutes: float,
    faults: bool = False,
    send: Callable[[str, str, bytes], None],
    pace: bool = True,
    flush: Callable[[], None] | None = None,
) -> Stats:
    """Send the simulated traffic through ``send``; paced at ``rate`` per second unless ``pace`` is off."""
    stats = Stats()
    started = time.monotonic()
    for n, (device_id, channel, body) in enumerate(
        messages(devices, rate=rate, minutes=minutes, faults=faults, stats=stats)
    ):
        send(device_id, channel, body)
        if pace and n % 50 == 0:
            ahead = n / rate - (time.monotonic() - started)
            if ahead > 0:
                time.sleep(ahead)
    if flush is not None:
        flush()
    stats.seconds = round(time.monotonic() - started, 2)
    return stats


class DirectSender:
    """Without a broker: batches into :func:`jiceng.sensing.ingest.ingest`, as the HTTP endpoint does."""

    def __init__(self, batch: int = 500) -> None:
        from jiceng.sensing.ingest import Result

        self.batch = batch
        self.buffer: list[Any] = []
        self.result = Result()

    def send(self, device_id: str, channel: str, body: bytes) -> None:
        from jiceng.sensing.ingest import Raw

        self.buffer.append(Raw(device_id, channel, body, source="http"))
        if len(self.buffer) >= self.batch:
            self.flush()

    def flush(self) -> None:
        from jiceng.sensing.ingest import ingest

        if self.buffer:
            self.result.add(ingest(self.buffer))
            self.buffer = []
