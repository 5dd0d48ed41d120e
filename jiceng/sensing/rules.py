"""Rules as data, evaluated on each accepted message (``evaluate``) and on the clock (``sweep``).

Message rules (threshold with duration, rate of change, event) read what the batch needs in three
queries (the devices' last values, their threshold states, their active alarms) and write only when
something changes: a normal reading costs no query of its own. Clock rules (no data → offline, no
movement for people living alone) run from the ingest worker's sweep.

Late messages (older than the device's newest) are stored but do not drive threshold or rate rules,
and an occurrence older than the last clearing of its (device, type) belongs to the cleared alarm:
clearing stays terminal, whatever order the broker delivers in.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import operator
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from jiceng.sensing import actions
from jiceng.sensing.ingest import STAGE, among, copy_to_temp, db_datetime
from jiceng.sensing.models import (
    Alarm,
    AlarmStatus,
    Condition,
    Device,
    DeviceState,
    DeviceStatus,
    Rule,
    RuleState,
)

logger = logging.getLogger(__name__)

OPS: dict[str, Callable[[float, float], bool]] = {
    ">": operator.gt,
    ">=": operator.ge,
    "<": operator.lt,
    "<=": operator.le,
}
SEEN_EVERY = dt.timedelta(seconds=60)  # how stale Device.last_seen_at may get while a device talks


@dataclass
class Last:
    """A device's newest time and values before this batch (``raw``: a dict, or JSON text parsed only
    when a rule reads it)."""

    ts: dt.datetime | None
    raw: Any

    @cached_property
    def values(self) -> dict[str, Any]:
        return self.raw if isinstance(self.raw, dict) else json.loads(self.raw or "{}")


@dataclass
class Outcome:
    created: int = 0
    repeated: int = 0
    cleared: int = 0


def active_rules(kind_ids: set[int] | None = None) -> dict[int, list[Rule]]:
    query = Rule.objects.filter(is_active=True).order_by("id")
    if kind_ids is not None:
        query = query.filter(kind_id__in=kind_ids)
    found: dict[int, list[Rule]] = defaultdict(list)
    for rule in query:
        found[rule.kind_id].append(rule)
    return found


def _clears(rule: Rule, value: float) -> bool:
    """The threshold's clear condition: back on the safe side of ``clear_value`` (default: the limit)."""
    limit = rule.clear_value if rule.clear_value is not None else rule.value
    if limit is None:
        return False
    return value <= limit if rule.op in (">", ">=") else value >= limit


def _label(device: Device, name: str) -> str:
    spec = device.kind.measurement(name) or {}
    return f"{spec.get('label', name)}"


class _Batch:
    """The evaluation of one ordered batch of fresh messages, inside the ingest transaction."""

    def __init__(self, messages: list[Any]) -> None:
        self.messages = messages
        ids = sorted({m.device.id for m in messages})
        self.rules = active_rules({m.device.kind_id for m in messages})
        self.prev = _previous(ids)
        needs_state = any(r.condition == Condition.THRESHOLD for rs in self.rules.values() for r in rs)
        self.states = _rule_states(ids) if needs_state else {}
        self.active = {
            (a.device_id, a.type): a
            for a in among(Alarm.objects.filter(status=AlarmStatus.ACTIVE), "device_id", ids).only(
                "id", "device_id", "type", "case_id"
            )
        }
        self.changed_states: dict[tuple[int, int], dt.datetime | None] = {}
        self.outcome = Outcome()
        # Per device: newest ts, last value and time of each measurement, merged values, movement.
        self.latest: dict[int, dt.datetime] = {}
        self.last: dict[int, dict[str, tuple[float, dt.datetime]]] = defaultdict(dict)
        self.merged: dict[int, dict[str, float]] = defaultdict(dict)
        self.movement: dict[int, dt.datetime] = {}

    # -- outcomes -----------------------------------------------------------------------------------
    def fire(self, device: Device, rule: Rule, at: dt.datetime, value: float | None, details: dict) -> None:
        key = (device.id, rule.alarm_type)
        if key not in self.active and _cleared_after(device, rule.alarm_type, at):
            return  # an occurrence from before the last clearing: part of that cleared alarm
        raised = actions.raise_alarm(device, rule, at=at, value=value, details=details)
        self.active[key] = raised.alarm
        if raised.created:
            self.outcome.created += 1
        else:
            self.outcome.repeated += 1
            actions.note_repeat(raised.alarm, rule, at)

    def clear(self, device: Device, alarm_type: str, at: dt.datetime, note: str) -> None:
        alarm = self.active.pop((device.id, alarm_type), None)
        if alarm is None:
            return
        actions.do_clear(alarm, note=note, at=at)
        self.outcome.cleared += 1

    # -- evaluation ---------------------------------------------------------------------------------
    def run(self) -> Outcome:
        for m in self.messages:
            device = m.device
            prev = self.prev.get(device.id)
            newest = self.latest.get(device.id) or (prev.ts if prev else None)
            late = newest is not None and m.ts < newest
            for rule in self.rules.get(device.kind_id, []):
                self.apply(rule, m, late, prev)
            if not late:
                self.latest[device.id] = m.ts
                for name, value in m.values.items():
                    self.last[device.id][name] = (value, m.ts)
                    self.merged[device.id][name] = value
        self.write()
        return self.outcome

    def apply(self, rule: Rule, m: Any, late: bool, prev: Last | None) -> None:
        device = m.device
        condition = rule.condition
        if condition == Condition.NO_DATA:
            if (device.id, rule.alarm_type) in self.active:
                self.clear(device, rule.alarm_type, m.ts, _("设备恢复上报"))
            return
        if condition in (Condition.EVENT, Condition.NO_MOVEMENT):
            if not m.event:
                return
            if condition == Condition.NO_MOVEMENT:
                if m.event in rule.event_set():
                    self.movement[device.id] = max(m.ts, self.movement.get(device.id, m.ts))
                    if (device.id, rule.alarm_type) in self.active:
                        self.clear(device, rule.alarm_type, m.ts, _("已有活动"))
                return
            if m.event in rule.event_set():
                self.fire(device, rule, m.ts, None, {"event": m.event, "data": m.data})
            elif m.event in rule.clear_event_set():
                self.clear(device, rule.alarm_type, m.ts, _("设备报告恢复：%(event)s") % {"event": m.event})
            return
        value = m.values.get(rule.measurement)
        if value is None or late or rule.value is None:
            return
        if condition == Condition.THRESHOLD:
            self.threshold(rule, m, value)
        elif condition == Condition.RATE:
            self.rate(rule, m, value, prev)

    def threshold(self, rule: Rule, m: Any, value: float) -> None:
        device = m.device
        key = (device.id, rule.id)
        if key in self.changed_states:
            since = self.changed_states[key]
        else:
            state = self.states.get(key)
            since = state.since if state else None
        compare = OPS.get(rule.op or ">", operator.gt)
        if compare(value, float(rule.value)):  # type: ignore[arg-type]
            if since is None:
                since = m.ts
                self.changed_states[key] = since
            if (m.ts - since).total_seconds() >= rule.duration_s:
                self.fire(device, rule, m.ts, value, {"measurement": rule.measurement})
            return
        if since is not None:
            self.changed_states[key] = None
        if (device.id, rule.alarm_type) in self.active and _clears(rule, value):
            self.clear(
                device,
                rule.alarm_type,
                m.ts,
                _("%(label)s恢复正常（%(value)g）")
                % {"label": _label(device, rule.measurement), "value": value},
            )

    def rate(self, rule: Rule, m: Any, value: float, prev: Last | None) -> None:
        device = m.device
        before = self.last[device.id].get(rule.measurement)
        if before is None and prev is not None and prev.ts is not None and rule.measurement in prev.values:
            before = (float(prev.values[rule.measurement]), prev.ts)
        if before is None:
            return
        minutes = (m.ts - before[1]).total_seconds() / 60
        if minutes <= 0:
            return
        per_minute = (value - before[0]) / minutes
        if per_minute >= float(rule.value):  # type: ignore[arg-type]
            self.fire(
                device,
                rule,
                m.ts,
                value,
                {"measurement": rule.measurement, "per_minute": round(per_minute, 2)},
            )
        elif (
            rule.clear_value is not None
            and per_minute <= rule.clear_value
            and (device.id, rule.alarm_type) in self.active
        ):
            self.clear(
                device,
                rule.alarm_type,
                m.ts,
                _("%(label)s变化趋缓") % {"label": _label(device, rule.measurement)},
            )

    # -- writing ------------------------------------------------------------------------------------
    def write(self) -> None:
        for (device_id, rule_id), since in sorted(self.changed_states.items()):
            RuleState.objects.update_or_create(
                device_id=device_id, rule_id=rule_id, defaults={"since": since}
            )
        _upsert_states(
            [
                (
                    device_id,
                    self.latest.get(device_id),
                    self.merged.get(device_id, {}),
                    self.movement.get(device_id),
                )
                for device_id in sorted({m.device.id for m in self.messages})
            ]
        )
        _touch_devices({m.device.id: m.device for m in self.messages}, self.latest)


def _previous(ids: list[int]) -> dict[int, Last]:
    """The batch's devices' newest time and values before it (on PostgreSQL through the staging
    table the batch was copied into, instead of a parameter per device)."""
    if connection.vendor == "postgresql":
        # The time as epoch seconds and the values as text: both read in C, where Django's aware
        # datetime and JSON loaders cost more than the query; the values are parsed only if read.
        with connection.cursor() as cursor:
            cursor.execute(
                'SELECT s.device_id, extract(epoch FROM s.ts)::float8, s."values"::text '
                "FROM sensing_devicestate s "
                f"WHERE s.device_id IN (SELECT DISTINCT device_id FROM {STAGE})"  # noqa: S608
            )
            return {
                int(device_id): Last(
                    None if epoch is None else dt.datetime.fromtimestamp(epoch, dt.UTC), text
                )
                for device_id, epoch, text in cursor.fetchall()
            }
    return {
        device_id: Last(ts, values)
        for device_id, ts, values in among(DeviceState.objects.all(), "device_id", ids).values_list(
            "device_id", "ts", "values"
        )
    }


def _rule_states(ids: list[int]) -> dict[tuple[int, int], RuleState]:
    if connection.vendor == "postgresql":
        query = RuleState.objects.extra(  # noqa: S610
            where=[f"device_id IN (SELECT DISTINCT device_id FROM {STAGE})"]  # noqa: S608
        )
    else:
        query = among(RuleState.objects.all(), "device_id", ids)
    return {(s.device_id, s.rule_id): s for s in query}


def _cleared_after(device: Device, alarm_type: str, at: dt.datetime) -> bool:
    return Alarm.objects.filter(
        device=device, type=alarm_type, status=AlarmStatus.CLEARED, cleared_at__gte=at
    ).exists()


def _upsert_states(rows: list[tuple[int, dt.datetime | None, dict[str, float], dt.datetime | None]]) -> None:
    """Move each device's last values forward (never back: a late message leaves them as they are)."""
    rows = [r for r in rows if r[1] is not None or r[3] is not None]
    if not rows:
        return
    if connection.vendor == "postgresql":
        copy_to_temp(
            "sensing_stage_state",
            'device_id bigint, ts timestamptz, "values" jsonb, moved timestamptz',
            ((r[0], r[1], json.dumps(r[2]), r[3]) for r in rows),
        )
        with connection.cursor() as cursor:
            cursor.execute(
                'INSERT INTO sensing_devicestate (device_id, ts, "values", last_movement_at) '
                'SELECT device_id, ts, "values", moved FROM sensing_stage_state ORDER BY device_id '
                "ON CONFLICT (device_id) DO UPDATE SET "
                '"values" = CASE WHEN sensing_devicestate.ts IS NULL OR EXCLUDED.ts >= sensing_devicestate.ts '
                'THEN sensing_devicestate."values" || EXCLUDED."values" ELSE sensing_devicestate."values" END, '
                "ts = GREATEST(sensing_devicestate.ts, EXCLUDED.ts), "
                "last_movement_at = GREATEST(sensing_devicestate.last_movement_at, EXCLUDED.last_movement_at)"
            )
        return
    newest = "MAX(COALESCE(sensing_devicestate.{0}, EXCLUDED.{0}), COALESCE(EXCLUDED.{0}, sensing_devicestate.{0}))"
    sql = (
        'INSERT INTO sensing_devicestate (device_id, ts, "values", last_movement_at) VALUES '  # noqa: S608
        + ", ".join(["(%s, %s, %s, %s)"] * len(rows))
        + ' ON CONFLICT (device_id) DO UPDATE SET "values" = CASE WHEN sensing_devicestate.ts IS NULL OR '
        'EXCLUDED.ts >= sensing_devicestate.ts THEN json_patch(sensing_devicestate."values", EXCLUDED."values") '
        f'ELSE sensing_devicestate."values" END, ts = {newest.format("ts")}, '
        f"last_movement_at = {newest.format('last_movement_at')}"
    )
    params: list[Any] = []
    for device_id, ts, values, moved in rows:
        params.extend([device_id, db_datetime(ts), json.dumps(values), db_datetime(moved)])
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def _touch_devices(devices: dict[int, Device], latest: dict[int, dt.datetime]) -> None:
    """``last_seen_at`` moves at most once a minute per device; an offline device is online again.
    One ``UPDATE … FROM (VALUES …)`` for the whole batch."""
    stale = []
    for device_id in sorted(latest):
        device, ts = devices[device_id], latest[device_id]
        seen = device.last_seen_at
        if device.status == DeviceStatus.OFFLINE or seen is None or ts - seen > SEEN_EVERY:
            stale.append((device_id, ts))
            # The worker's cached copy follows what is written (see ingest.DeviceCache).
            device.last_seen_at = ts if seen is None else max(seen, ts)
            device.status = DeviceStatus.ACTIVE
    if not stale:
        return
    if connection.vendor != "postgresql":
        for device_id, ts in stale:
            Device.objects.filter(pk=device_id).filter(
                Q(last_seen_at__isnull=True) | Q(last_seen_at__lt=ts)
            ).exclude(status=DeviceStatus.RETIRED).update(last_seen_at=ts, status=DeviceStatus.ACTIVE)
        return
    sql = (
        "UPDATE sensing_device SET last_seen_at = v.ts, status = 'active' "
        "FROM unnest(%s::bigint[], %s::timestamptz[]) AS v(id, ts) "
        "WHERE sensing_device.id = v.id AND sensing_device.status <> 'retired' "
        "AND (sensing_device.last_seen_at IS NULL OR sensing_device.last_seen_at < v.ts)"
    )
    params: list[Any] = [[d for d, _t in stale], [t for _d, t in stale]]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def evaluate(messages: list[Any]) -> Outcome:
    """Run the message rules over fresh messages ordered by (device, ts). Inside a transaction."""
    return _Batch(messages).run()


# -- the clock --------------------------------------------------------------------------------------


def sweep(now: dt.datetime | None = None, limit: int = 200) -> Outcome:
    """Clock rules: devices silent past their ``no_data`` minutes go offline with an alarm; wearers
    and residents tagged for care with no movement past ``no_movement`` minutes raise one too."""
    now = now or timezone.now()
    outcome = Outcome()
    for rules in active_rules().values():
        for rule in rules:
            if rule.condition == Condition.NO_DATA and rule.minutes:
                outcome.created += _sweep_no_data(rule, now, limit)
            elif rule.condition == Condition.NO_MOVEMENT and rule.minutes:
                outcome.created += _sweep_no_movement(rule, now, limit)
    return outcome


def _quiet_since_clear(rule: Rule, cutoff: dt.datetime) -> set[int]:
    """Devices whose alarm of this type was cleared within the window: wait a full period again."""
    return set(
        Alarm.objects.filter(
            rule__kind_id=rule.kind_id,
            type=rule.alarm_type,
            status=AlarmStatus.CLEARED,
            cleared_at__gte=cutoff,
        ).values_list("device_id", flat=True)
    )


def _with_active(rule: Rule) -> set[int]:
    return set(
        Alarm.objects.filter(
            device__kind_id=rule.kind_id, type=rule.alarm_type, status=AlarmStatus.ACTIVE
        ).values_list("device_id", flat=True)
    )


def _sweep_no_data(rule: Rule, now: dt.datetime, limit: int) -> int:
    cutoff = now - dt.timedelta(minutes=rule.minutes or 0)
    skip = _with_active(rule) | _quiet_since_clear(rule, cutoff)
    silent = (
        Device.objects.select_related("kind")
        .filter(kind_id=rule.kind_id, last_seen_at__lt=cutoff)
        .exclude(status=DeviceStatus.RETIRED)
        .order_by("pk")
    )
    created = 0
    for device in silent.exclude(pk__in=skip)[:limit]:
        with transaction.atomic():
            Device.objects.filter(pk=device.pk, status=DeviceStatus.ACTIVE).update(
                status=DeviceStatus.OFFLINE
            )
            raised = actions.raise_alarm(
                device,
                rule,
                at=now,
                details={"last_seen_at": device.last_seen_at.isoformat() if device.last_seen_at else None},
            )
            created += int(raised.created)
    return created


def _sweep_no_movement(rule: Rule, now: dt.datetime, limit: int) -> int:
    cutoff = now - dt.timedelta(minutes=rule.minutes or 0)
    skip = _with_active(rule) | _quiet_since_clear(rule, cutoff)
    candidates = (
        Device.objects.select_related("kind", "person", "state")
        .filter(kind_id=rule.kind_id, person__isnull=False, created_at__lt=cutoff)
        .exclude(status=DeviceStatus.RETIRED)
        .exclude(pk__in=skip)
        .order_by("pk")
    )
    created = 0
    for device in candidates[: limit * 10]:
        if rule.care_tag and rule.care_tag not in (device.person.care_tags or []):  # type: ignore[union-attr]
            continue
        state = getattr(device, "state", None)
        moved = state.last_movement_at if state is not None else None
        if moved is not None and moved >= cutoff:
            continue
        with transaction.atomic():
            raised = actions.raise_alarm(
                device, rule, at=now, details={"last_movement_at": moved.isoformat() if moved else None}
            )
            created += int(raised.created)
        if created >= limit:
            break
    return created
