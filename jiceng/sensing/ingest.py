"""The one ingestion path: MQTT and HTTP both hand raw messages to :func:`ingest`.

A batch is checked message by message; a bad one (malformed JSON, unknown device, a value outside its
kind's range, a timestamp too far ahead) goes to the dead-letter table with a Chinese reason and the
rest go on — nothing bad stops the worker. Then, in one transaction:

1. receipts: ``INSERT … ON CONFLICT DO NOTHING RETURNING`` on the (device, msg_id) unique key keeps only
   messages never seen before, so a redelivery or a second worker records nothing twice;
2. telemetry rows (COPY on PostgreSQL) and each device's last values (only moved forward in time);
3. the rules, in device then time order (see :mod:`jiceng.sensing.rules`).

Messages older than what a device already reported are stored but not evaluated by threshold rules,
so a late reading never re-opens an alarm that a newer one cleared.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import math
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from jiceng.sensing.models import DeadLetter, Device, DeviceKind, DeviceStatus, Telemetry

logger = logging.getLogger(__name__)

TELEMETRY = "telemetry"
EVENTS = "events"
MAX_ID = 64


@dataclass
class Raw:
    """One message as it arrived: the device id from the topic (or the HTTP item), and its payload."""

    device_ref: str
    channel: str  # telemetry | events
    payload: Any  # bytes / str (JSON text) or an already parsed dict
    source: str = "mqtt"
    topic: str = ""


@dataclass
class Message:
    device: Device
    msg_id: str
    ts: dt.datetime
    values: dict[str, float] = field(default_factory=dict)
    event: str = ""
    data: dict[str, Any] = field(default_factory=dict)


@dataclass
class Result:
    received: int = 0
    accepted: int = 0
    duplicates: int = 0
    dead: int = 0
    alarms_created: int = 0
    alarms_repeated: int = 0
    alarms_cleared: int = 0
    dead_reasons: list[str] = field(default_factory=list)

    def add(self, other: Result) -> None:
        for name in (
            "received",
            "accepted",
            "duplicates",
            "dead",
            "alarms_created",
            "alarms_repeated",
            "alarms_cleared",
        ):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.dead_reasons.extend(other.dead_reasons[:20])


class Bad(Exception):
    def __init__(self, code: str, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason


def parse_topic(topic: str) -> tuple[str, str] | None:
    """``jiceng/devices/{device_id}/telemetry|events`` → (device_id, channel)."""
    parts = topic.split("/")
    if len(parts) < 4 or parts[-1] not in (TELEMETRY, EVENTS) or parts[-3] != "devices":
        return None
    return parts[-2], parts[-1]


def _decode(raw: Raw) -> dict[str, Any]:
    payload = raw.payload
    if isinstance(payload, bytes | bytearray):
        try:
            payload = bytes(payload).decode("utf-8")
        except UnicodeDecodeError:
            raise Bad("malformed", _("报文不是 UTF-8 编码"))
    if isinstance(payload, str):
        try:
            payload = json.loads(payload)
        except ValueError as exc:
            raise Bad("malformed", _("报文不是有效的 JSON：%(error)s") % {"error": exc})
    if not isinstance(payload, dict):
        raise Bad("malformed", _("报文应为 JSON 对象"))
    return payload


def _timestamp(value: Any, now: dt.datetime) -> dt.datetime:
    if not isinstance(value, str) or not value.strip():
        raise Bad("bad_ts", _("缺少时间戳 ts（ISO 8601）"))
    ts: dt.datetime | None
    try:
        ts = dt.datetime.fromisoformat(value.strip())  # fast path (Python 3.11 reads ISO 8601)
    except ValueError:
        try:
            ts = parse_datetime(value.strip())
        except ValueError:
            ts = None
    if ts is None:
        raise Bad("bad_ts", _("时间戳“%(ts)s”不是 ISO 8601 格式") % {"ts": value[:40]})
    if timezone.is_naive(ts):
        ts = timezone.make_aware(ts)
    if ts > now + dt.timedelta(seconds=settings.JICENG_SENSING_MAX_FUTURE_S):
        raise Bad("future_ts", _("时间戳“%(ts)s”超前当前时间过多，设备时钟可能有误") % {"ts": value[:40]})
    return ts


def _values(kind: Any, values: Any) -> dict[str, float]:
    if not isinstance(values, dict) or not values:
        raise Bad("malformed", _("遥测报文缺少 values 对象"))
    clean: dict[str, float] = {}
    for name, value in values.items():
        spec = kind.measurement(str(name))
        if spec is None:
            raise Bad(
                "unknown_measurement", _("%(kind)s没有测量项“%(name)s”") % {"kind": kind.name, "name": name}
            )
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            raise Bad("bad_value", _("测量项“%(name)s”的值不是数字") % {"name": name})
        low, high = spec.get("min"), spec.get("max")
        if (low is not None and value < low) or (high is not None and value > high):
            raise Bad(
                "out_of_range",
                _("%(label)s %(value)s%(unit)s 超出有效范围 %(low)s～%(high)s")
                % {
                    "label": spec.get("label", name),
                    "value": value,
                    "unit": spec.get("unit", ""),
                    "low": low,
                    "high": high,
                },
            )
        clean[str(name)] = float(value)
    return clean


def _check(raw: Raw, doc: dict[str, Any], device: Device | None, now: dt.datetime) -> Message:
    if device is None:
        raise Bad("unknown_device", _("未登记的设备“%(id)s”") % {"id": raw.device_ref[:64]})
    if device.status == DeviceStatus.RETIRED:
        raise Bad("retired_device", _("设备“%(id)s”已停用") % {"id": device.device_id})
    msg_id = doc.get("msg_id")
    if isinstance(msg_id, int) and not isinstance(msg_id, bool):
        msg_id = str(msg_id)
    if not isinstance(msg_id, str) or not msg_id.strip() or len(msg_id) > MAX_ID:
        raise Bad("bad_msg_id", _("缺少消息编号 msg_id（不超过 64 个字符）"))
    ts = _timestamp(doc.get("ts"), now)
    if raw.channel == TELEMETRY:
        return Message(device, msg_id.strip(), ts, values=_values(device.kind, doc.get("values")))
    event = doc.get("event")
    if not isinstance(event, str) or not event.strip():
        raise Bad("malformed", _("事件报文缺少 event"))
    if event not in device.kind.event_names():
        raise Bad(
            "unknown_event",
            _("%(kind)s没有事件“%(event)s”") % {"kind": device.kind.name, "event": event[:32]},
        )
    data = doc.get("data") or {}
    if not isinstance(data, dict):
        raise Bad("malformed", _("事件报文的 data 应为 JSON 对象"))
    return Message(device, msg_id.strip(), ts, event=event, data=data)


def _payload_text(raw: Raw) -> str:
    payload = raw.payload
    if isinstance(payload, bytes | bytearray):
        return bytes(payload).decode("utf-8", "replace")[:4000]
    if isinstance(payload, str):
        return payload[:4000]
    try:
        return json.dumps(payload, ensure_ascii=False)[:4000]
    except (TypeError, ValueError):
        return repr(payload)[:4000]


def among(queryset: Any, column: str, values: list[Any]) -> Any:
    """``column IN values`` for a batch: one array parameter on PostgreSQL (a list of thousands of
    placeholders costs more to build and parse than the query itself)."""
    if connection.vendor == "postgresql":
        table = queryset.model._meta.db_table
        return queryset.extra(where=[f'"{table}"."{column}" = ANY(%s)'], params=[list(values)])  # noqa: S610
    return queryset.filter(**{f"{column}__in": values})


def load_devices(refs: list[str]) -> dict[str, Device]:
    kinds = {k.pk: k for k in DeviceKind.objects.all()}
    devices = {}
    for device in among(Device.objects.all(), "device_id", refs):
        device.kind = kinds[device.kind_id]  # nine kinds, not one copy of a kind's JSON per row
        devices[device.device_id] = device
    return devices


class DeviceCache:
    """A worker's devices, re-read after ``ttl`` seconds (a retired or moved device is noticed within
    that time; an unknown one is looked up at once, so a newly imported device is never refused)."""

    def __init__(self, ttl: float = 60.0) -> None:
        self.ttl = ttl
        self.devices: dict[str, Device] = {}
        self.loaded_at = 0.0

    def __call__(self, refs: list[str]) -> dict[str, Device]:
        now = time.monotonic()
        if now - self.loaded_at > self.ttl:
            self.devices, self.loaded_at = {}, now
        missing = [r for r in refs if r not in self.devices]
        if missing:
            self.devices.update(load_devices(missing))
        return {r: self.devices[r] for r in refs if r in self.devices}


def check_batch(
    raws: list[Raw],
    now: dt.datetime | None = None,
    devices_for: Callable[[list[str]], dict[str, Device]] = load_devices,
) -> tuple[list[Message], list[DeadLetter]]:
    """Split a batch into checked messages and dead letters (nothing written)."""
    now = now or timezone.now()
    refs = sorted({r.device_ref for r in raws if r.device_ref})
    devices = devices_for(refs)
    good: list[Message] = []
    dead: list[DeadLetter] = []
    for raw in raws:
        doc: dict[str, Any] = {}
        try:
            if raw.channel not in (TELEMETRY, EVENTS):
                raise Bad("bad_topic", _("未知的主题“%(topic)s”") % {"topic": raw.topic or raw.channel})
            doc = _decode(raw)
            good.append(_check(raw, doc, devices.get(raw.device_ref), now))
        except Bad as bad:
            msg_id = doc.get("msg_id") if isinstance(doc, dict) else ""
            dead.append(
                DeadLetter(
                    source=raw.source,
                    topic=raw.topic[:200],
                    device_ref=str(raw.device_ref)[:64],
                    msg_id=str(msg_id or "")[:64],
                    code=bad.code,
                    reason=bad.reason[:300],
                    payload=_payload_text(raw),
                )
            )
    return good, dead


def ingest(
    raws: Iterable[Raw],
    *,
    now: dt.datetime | None = None,
    devices_for: Callable[[list[str]], dict[str, Device]] = load_devices,
) -> Result:
    """Check, dedupe, store and evaluate one batch. Safe to call again with the same messages."""
    from jiceng.sensing import rules

    raws = list(raws)
    result = Result(received=len(raws))
    good, dead = check_batch(raws, now, devices_for)
    if dead:
        DeadLetter.objects.bulk_create(dead)
        result.dead = len(dead)
        result.dead_reasons = [d.reason for d in dead[:20]]
    if not good:
        return result
    # One order for every worker (device, then time, then id): row locks are taken in the same order
    # everywhere, so two workers on overlapping batches wait for each other instead of deadlocking.
    good.sort(key=lambda m: (m.device.id, m.ts, m.msg_id))
    unique: dict[tuple[int, str], Message] = {}
    for m in good:
        unique.setdefault((m.device.id, m.msg_id), m)
    with transaction.atomic():
        fresh = _insert_fresh(list(unique.values()))
        result.duplicates = len(good) - len(fresh)
        result.accepted = len(fresh)
        if fresh:
            outcome = rules.evaluate(fresh)
            result.alarms_created = outcome.created
            result.alarms_repeated = outcome.repeated
            result.alarms_cleared = outcome.cleared
    return result


# -- writing ----------------------------------------------------------------------------------------
#
# On PostgreSQL a batch is written set-based: its messages go by COPY into a temporary staging table
# (one per connection, emptied at commit), and one statement inserts the receipts with ``ON CONFLICT
# DO NOTHING``, copies the telemetry of exactly the fresh ones and returns their keys. No statement
# carries thousands of parameters (Django's client-side binding would quote each one in Python).

STAGE = "sensing_stage"
STAGE_COLUMNS = 'device_id bigint, msg_id text, ts timestamptz, "values" jsonb, event text'


def db_datetime(value: dt.datetime | None) -> Any:
    """A datetime as a raw-SQL parameter (psycopg adapts it; SQLite wants Django's text form)."""
    if value is None or connection.vendor == "postgresql":
        return value
    return connection.ops.adapt_datetimefield_value(value)


def copy_to_temp(table: str, columns_ddl: str, rows: Iterable[tuple[Any, ...]]) -> None:
    """PostgreSQL: (create and) empty the temporary ``table``, then COPY ``rows`` into it. The table
    lives in this connection, emptied at each commit; created again where missing (a new connection,
    or a pooler handing out another server connection), so no state outlives a transaction."""
    columns = ", ".join(part.strip().split(" ")[0] for part in columns_ddl.split(","))
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TEMP TABLE IF NOT EXISTS {table} ({columns_ddl}) ON COMMIT DELETE ROWS; "  # noqa: S608
            f"DELETE FROM {table}"  # rows of an earlier batch in the same (outer) transaction
        )
        with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:  # noqa: S608
            for row in rows:
                copy.write_row(row)


def _insert_fresh(messages: list[Message]) -> list[Message]:
    """Record the receipts and telemetry of the messages never seen; return those messages."""
    if not messages:
        return []
    if connection.vendor != "postgresql":
        fresh_sqlite = _insert_receipts(messages)
        _insert_telemetry(fresh_sqlite)
        return fresh_sqlite
    copy_to_temp(
        STAGE,
        STAGE_COLUMNS,
        (
            (m.device.id, m.msg_id, m.ts, json.dumps(m.values or m.data, ensure_ascii=False), m.event)
            for m in messages
        ),
    )
    with connection.cursor() as cursor:
        # Receipts in (device, time, id) order: two workers on overlapping batches wait on the unique
        # key in the same order instead of deadlocking.
        cursor.execute(
            "WITH fresh AS ("
            " INSERT INTO sensing_receipt (device_id, msg_id, ts, received_at)"
            " SELECT device_id, msg_id, ts, now() FROM sensing_stage ORDER BY device_id, ts, msg_id"
            " ON CONFLICT (device_id, msg_id) DO NOTHING RETURNING device_id, msg_id),"
            " stored AS ("
            ' INSERT INTO sensing_telemetry (device_id, ts, msg_id, "values", event)'
            ' SELECT s.device_id, s.ts, s.msg_id, s."values", s.event'
            " FROM sensing_stage s JOIN fresh f ON f.device_id = s.device_id AND f.msg_id = s.msg_id)"
            " SELECT device_id, msg_id FROM fresh"
        )
        fresh = set(cursor.fetchall())
    return [m for m in messages if (m.device.id, m.msg_id) in fresh]


def _insert_receipts(messages: list[Message]) -> list[Message]:
    """SQLite: insert the receipts; return only the messages whose (device, msg_id) was new."""
    received = db_datetime(timezone.now())
    fresh: set[tuple[int, str]] = set()
    chunk = 200
    with connection.cursor() as cursor:
        for start in range(0, len(messages), chunk):
            part = messages[start : start + chunk]
            rows = ", ".join(["(%s, %s, %s, %s)"] * len(part))
            params: list[Any] = []
            for m in part:
                params.extend([m.device.id, m.msg_id, db_datetime(m.ts), received])
            cursor.execute(
                "INSERT INTO sensing_receipt (device_id, msg_id, ts, received_at) VALUES "  # noqa: S608
                + rows
                + " ON CONFLICT (device_id, msg_id) DO NOTHING RETURNING device_id, msg_id",
                params,
            )
            fresh.update((int(d), str(i)) for d, i in cursor.fetchall())
    return [m for m in messages if (m.device.id, m.msg_id) in fresh]


def _insert_telemetry(messages: list[Message]) -> None:
    """SQLite: the fresh messages' telemetry rows."""
    Telemetry.objects.bulk_create(
        [
            Telemetry(
                device_id=m.device.id, ts=m.ts, msg_id=m.msg_id, values=m.values or m.data, event=m.event
            )
            for m in messages
        ],
        batch_size=500,
    )
