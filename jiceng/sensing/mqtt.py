"""``jiceng sensing ingest``: the MQTT worker, a :class:`~jiceng.core.loop.Loop`.

It subscribes to ``jiceng/devices/+/telemetry`` and ``jiceng/devices/+/events`` with QoS 1 on a
persistent session (MQTT v5, clean start off, a session expiry, a fixed client id), so messages
published while the worker is down wait at the broker. Acknowledgements are manual and sent only
after the batch's transaction committed: a crash between commit and acknowledgement makes the broker
deliver again, and the receipts' unique key records the message once. A database outage keeps the
batch in hand (unacknowledged) and the loop backs off; a message that breaks the rules engine is
dead-lettered alone; nothing stops the worker.

Between batches it runs the clock rules (``rules.sweep``) and, hourly, the telemetry partitions.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlparse

from django.conf import settings
from django.db import connection

from jiceng.core.loop import CONNECTION_ERRORS, Loop
from jiceng.sensing.ingest import DeviceCache, Raw, Result, ingest, parse_topic

logger = logging.getLogger(__name__)

SESSION_EXPIRY_S = 7 * 24 * 3600
# Unacknowledged messages the broker may have in flight to the worker: a few batches, so the next
# batch is already here while the current one commits (the acknowledgement waits for the commit).
RECEIVE_MAXIMUM_BATCHES = 4
# SQLite has one writer: ingest threads of one process take turns instead of failing on a lock.
_SQLITE_WRITER = threading.Lock()


def broker_address(url: str | None) -> tuple[str, int]:
    parsed = urlparse(url or settings.JICENG_MQTT_URL)
    if parsed.scheme not in ("mqtt", "tcp", ""):
        raise ValueError(f"不支持的 MQTT 地址“{url}”：应为 mqtt://HOST:PORT")
    return parsed.hostname or "127.0.0.1", parsed.port or 1883


def topics(prefix: str = "jiceng", share: str = "") -> list[str]:
    base = [f"{prefix}/devices/+/telemetry", f"{prefix}/devices/+/events"]
    return [f"$share/{share}/{t}" for t in base] if share else base


@dataclass
class Delivery:
    mid: int
    qos: int
    topic: str
    payload: bytes


@contextmanager
def writer() -> Iterator[None]:
    """On SQLite, one ingest thread of this process writes at a time; elsewhere, no lock."""
    if connection.vendor == "sqlite":
        with _SQLITE_WRITER:
            yield
    else:
        yield


def ingest_locked(raws: list[Raw], devices: DeviceCache | None = None) -> Result:
    with writer():
        return ingest(raws, devices_for=devices) if devices is not None else ingest(raws)


class IngestWorker(Loop):
    name = "sensing-ingest"

    def __init__(
        self,
        *,
        url: str | None = None,
        client_id: str | None = None,
        prefix: str = "jiceng",
        share: str = "",
        batch: int | None = None,
        sweep_every: float = 30.0,
        **kwargs: Any,
    ) -> None:
        kwargs.setdefault("interval", 0.0)
        super().__init__(**kwargs)
        self.url = url
        self.client_id = client_id or settings.JICENG_SENSING_CLIENT_ID
        self.prefix = prefix
        self.share = share
        self.batch = batch or settings.JICENG_SENSING_BATCH
        self.sweep_every = sweep_every
        self.inbox: queue.Queue[Delivery] = queue.Queue()
        self.pending: list[Delivery] = []  # taken from the inbox, not yet committed and acknowledged
        self.client: Any = None
        self.connected = threading.Event()
        self.totals = Result()
        self.devices = DeviceCache()
        self._swept_at = 0.0
        self._maintained_at = 0.0

    # -- MQTT ---------------------------------------------------------------------------------------
    def on_start(self) -> None:
        import paho.mqtt.client as mqtt
        from paho.mqtt.packettypes import PacketTypes
        from paho.mqtt.properties import Properties

        host, port = broker_address(self.url)
        client = mqtt.Client(
            callback_api_version=mqtt.CallbackAPIVersion.VERSION2,
            client_id=self.client_id,
            protocol=mqtt.MQTTv5,
            manual_ack=True,
        )
        client.on_connect = self._on_connect
        client.on_message = self._on_message
        client.on_disconnect = self._on_disconnect
        client.reconnect_delay_set(1, 30)
        props = Properties(PacketTypes.CONNECT)
        props.SessionExpiryInterval = SESSION_EXPIRY_S
        props.ReceiveMaximum = min(65535, max(100, RECEIVE_MAXIMUM_BATCHES * self.batch))
        self.client = client
        while not self.stopping.is_set():
            try:
                client.connect(host, port, keepalive=30, clean_start=False, properties=props)
                break
            except OSError as exc:
                self.say(f"无法连接 MQTT 代理 {host}:{port}（{exc}），5 秒后重试")
                self.stopping.wait(5)
        client.loop_start()
        self.connected.wait(10)

    def _on_connect(self, client: Any, userdata: Any, flags: Any, reason: Any, properties: Any) -> None:
        if getattr(reason, "is_failure", False):
            logger.warning("MQTT connect refused: %s", reason)
            return
        client.subscribe([(t, 1) for t in topics(self.prefix, self.share)])
        self.connected.set()
        logger.info("MQTT connected (session present: %s)", getattr(flags, "session_present", None))

    def _on_disconnect(self, client: Any, userdata: Any, flags: Any, reason: Any, properties: Any) -> None:
        self.connected.clear()
        if not self.stopping.is_set():
            logger.warning("MQTT disconnected: %s", reason)

    def _on_message(self, client: Any, userdata: Any, message: Any) -> None:
        self.inbox.put(Delivery(message.mid, message.qos, message.topic, bytes(message.payload)))

    # -- the loop -----------------------------------------------------------------------------------
    def _take(self) -> None:
        if self.pending:
            return  # the last batch failed on the database: retry it as it is
        try:
            self.pending.append(self.inbox.get(timeout=0.2))
        except queue.Empty:
            return
        while len(self.pending) < self.batch:
            try:
                self.pending.append(self.inbox.get_nowait())
            except queue.Empty:
                break

    def step(self) -> bool:
        self._clock()
        self._take()
        if not self.pending:
            return False
        raws = [self._raw(d) for d in self.pending]
        try:
            result = ingest_locked(raws, self.devices)
        except CONNECTION_ERRORS:
            raise  # the loop backs off; the batch stays pending, unacknowledged
        except Exception:  # a message that breaks processing must not stop the stream
            logger.exception("batch failed; retrying its messages one by one")
            result = self._one_by_one(raws)
        self.totals.add(result)
        self._ack(self.pending)
        self.pending = []
        return not self.inbox.empty()

    def _raw(self, d: Delivery) -> Raw:
        parsed = parse_topic(d.topic)
        device_ref, channel = parsed if parsed else ("", "")
        return Raw(device_ref, channel, d.payload, source="mqtt", topic=d.topic)

    def _one_by_one(self, raws: list[Raw]) -> Result:
        from jiceng.sensing.models import DeadLetter

        total = Result()
        for raw in raws:
            try:
                total.add(ingest_locked([raw]))
            except CONNECTION_ERRORS:
                raise
            except Exception as exc:
                logger.exception("message from %s dead-lettered", raw.device_ref)
                with writer():
                    DeadLetter.objects.create(
                        source=raw.source,
                        topic=raw.topic[:200],
                        device_ref=raw.device_ref[:64],
                        code="processing_failed",
                        reason=f"处理失败：{exc}"[:300],
                        payload=bytes(raw.payload).decode("utf-8", "replace")[:4000],
                    )
                total.dead += 1
        return total

    def _ack(self, deliveries: list[Delivery]) -> None:
        client = self.client
        if client is None:
            return  # aborted: the broker delivers these again to the next session
        for d in deliveries:
            if d.qos > 0:
                client.ack(d.mid, d.qos)

    def _clock(self) -> None:
        now = time.monotonic()
        if self.sweep_every and now - self._swept_at >= self.sweep_every:
            from jiceng.sensing import rules

            self._swept_at = now
            with writer():
                rules.sweep()
        if now - self._maintained_at >= 3600:
            from jiceng.sensing import storage

            self._maintained_at = now
            with writer():
                storage.maintain()

    def run(self, once: bool = False) -> None:
        try:
            super().run(once=once)
        finally:
            self.close()

    def close(self) -> None:
        if self.client is not None:
            self.client.disconnect()
            self.client.loop_stop()
            self.client = None

    def abort(self) -> None:
        """Stop like a crash: no DISCONNECT, nothing more acknowledged (tests of redelivery use it)."""
        self.stopping.set()
        client, self.client = self.client, None
        if client is not None:
            client.loop_stop()
            sock = client.socket()
            if sock is not None:
                sock.close()
