"""A generated case history written straight into the trail: ``jiceng generate --history YEARS``.

Each case walks one of the lifecycle paths the actions write (submit → route/dispatch → accept →
progress/urge/supervise/suspend/SLA marks → complete → verify → request_rating → rate/close, with
returns, escalations, first-responder hand-overs, failed checks, dissatisfied ratings that reopen,
merges and invalidations), with the same action names, status moves, unit ids and ``data`` keys as
``jiceng.cases.actions``, and its hash chain computed by ``trail.new_event`` itself, so ``jiceng cases
verify`` passes and the rollups, the evaluation and the SLA runner read it like any other trail.

What is not simulated: notifications, photos, assignees and the SLA clocks of open cases (their
``next_check_at`` is the generation time, so the SLA runner recomputes them from the trail on its
first pass — the trail is the truth, the clock columns are its cache).

Volumes: ``cases`` cases over ``years`` years ending now, spread by day with a season (a Spring
Festival dip, a wet-season peak), a week (quieter weekends) and office hours; by street and
community in proportion to their grids (the places generator sizes grids by population); by category
with Bao'an's 12345 shares (``CATEGORY_SHARES``). Written whole days at a time (``BATCH_EVENTS`` per
transaction, bounded memory), with PostgreSQL ``COPY`` (SQLite: ``executemany``), the next batch
walked in a second thread while one is written; a run refuses when the window already holds cases,
and ``resume`` continues after the last complete day. ``bulk``: the tables' secondary indexes and
foreign keys are dropped for the load and rebuilt after it (``drop_indexes`` / ``restore_indexes``).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
import json
import operator
import random
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from django.db import connection, models, transaction
from django.utils import timezone

from jiceng.cases import routing, storage, trail
from jiceng.cases.models import Case, CaseEvent, CaseUnit, CaseUnitRole, Channel, EventType, Status
from jiceng.core.exceptions import JicengError
from jiceng.org.models import Unit
from jiceng.places.models import Grid, Level

S = Status
# Bao'an's cases a year (about 16.5 M: 33 M over two years) — the default size at --scale baoan.
BAOAN_CASES_PER_YEAR = 16_500_000
SCALE_CASES_PER_YEAR = {"small": 20_000, "district": 500_000, "baoan": BAOAN_CASES_PER_YEAR}

# Share of cases by category code (the 12345 hotline's and the grid patrols' mix in a Shenzhen
# district: city appearance, illegal building, property and housing, public order lead). Codes not
# listed share what is left equally.
CATEGORY_SHARES = {
    "SR": 17.0,
    "WJ": 8.0,
    "SZ": 8.0,
    "YL": 3.0,
    "SW": 4.0,
    "NY": 3.0,
    "JT": 7.0,
    "HB": 6.0,
    "SC": 6.0,
    "AQ": 5.0,
    "XF": 4.0,
    "ZA": 6.0,
    "MD": 5.0,
    "WY": 8.0,
    "LD": 4.0,
    "MZ": 1.5,
    "WS": 1.5,
    "JY": 1.0,
    "RK": 1.0,
    "GX": 0.5,
    "ZW": 1.5,
}
# Season: Spring Festival empties the city in February; the wet and typhoon season fills the summer.
MONTH_WEIGHT = {1: 0.95, 2: 0.70, 3: 1.00, 4: 1.02, 5: 1.08, 6: 1.15, 7: 1.18, 8: 1.15, 9: 1.05, 10: 0.92}
WEEKDAY_WEIGHT = (1.0, 1.0, 1.0, 1.0, 0.97, 0.72, 0.62)
HOUR_WEIGHT = (
    *(0.15,) * 6,
    0.4,
    0.9,
    1.6,
    2.0,
    2.0,
    1.7,
    1.0,
    1.2,
    1.8,
    1.9,
    1.8,
    1.4,
    1.0,
    0.9,
    0.8,
    0.6,
    0.4,
    0.25,
)
CHANNELS = (
    (Channel.HOTLINE, 38),
    (Channel.PATROL, 30),
    (Channel.PORTAL, 20),
    (Channel.SENSOR, 5),
    (Channel.MEDIATION, 3),
    (Channel.OPEN311, 2),
    (Channel.API, 2),
)
RATED = (Channel.HOTLINE, Channel.PORTAL, Channel.OPEN311, Channel.API)
NOTES = ("已到现场核实", "已联系当事人", "已安排人员处理", "已协调相关单位", "正在整改")
RESULTS = ("已清理完毕", "已整改到位", "已修复", "已依法处置", "已调解达成一致", "已答复诉求人")
HOUR = dt.timedelta(hours=1)
_PROGRESS_CUM = list(itertools.accumulate((60, 30, 10)))  # progress notes: none, one, two
_SCORE_CUM = list(itertools.accumulate((58, 24, 9, 5, 4)))  # ratings 5, 4, 3, 2, 1


class HistoryError(JicengError):
    pass


@dataclass
class Report:
    cases: int = 0
    events: int = 0
    days: int = 0
    seconds: float = 0.0  # in all, the index rebuild of a bulk load included
    index_seconds: float = 0.0  # rebuilding the indexes and foreign keys after a bulk load

    @property
    def events_per_s(self) -> float:
        return self.events / self.seconds if self.seconds else 0.0


@dataclass
class _Type:
    pk: int
    code: str
    name: str
    category_code: str
    closing: list[Any]
    lead_kind: str
    level: str
    first_responder_kind: str


@dataclass
class World:
    """What the history runs against: grids, the catalogue and the units that handle it (held in
    memory and routed with ``routing.pick``, the same choice ``routing.find_unit`` makes)."""

    grids: list[tuple[int, str, float | None, float | None]]
    types: list[_Type]
    type_weights: list[float]
    by_kind: dict[str, list[tuple[int, str, str]]] = field(default_factory=dict)
    units: dict[int, str] = field(default_factory=dict)  # unit id -> level
    _found: dict[tuple[str, str, str, str], int | None] = field(default_factory=dict)

    type_cum: list[float] = field(default_factory=list)  # accumulated type_weights

    def __post_init__(self) -> None:
        self.type_cum = list(itertools.accumulate(self.type_weights))

    def find(self, kind: str, grid_code: str, level: str, floor: str = Level.COMMUNITY) -> int | None:
        key = (kind, grid_code[:12], str(level), str(floor))
        if key not in self._found:
            codes = routing.prefixes(grid_code)
            candidates = [c for c in self.by_kind.get(kind, []) if c[2] in codes]
            self._found[key] = routing.pick(candidates, level, floor) if kind else None
        return self._found[key]

    def desk(self, grid_code: str, level: str) -> int | None:
        return self.find(routing.DESK_KIND[Level(level)], grid_code, level, level)

    def lead(self, grid_code: str, kind: _Type, floor: str) -> int | None:
        return self.find(kind.lead_kind, grid_code, kind.level, floor)

    def responder(self, grid_code: str, kind: _Type) -> int | None:
        return self.find(kind.first_responder_kind, grid_code, Level.COMMUNITY)


def load_world() -> World:
    grids = list(Grid.objects.order_by("code").values_list("pk", "code", "center_lat", "center_lng"))
    if not grids:
        raise HistoryError(
            "没有网格数据：请先导入地点（jiceng generate --out DIR 后 jiceng import）或运行 make demo。"
        )
    types = [
        _Type(
            t.pk,
            t.code,
            t.name,
            t.category.code,
            list(t.closing_conditions or []),
            t.lead_kind,
            str(t.level),
            t.first_responder_kind,
        )
        for t in EventType.objects.filter(is_active=True).select_related("category").order_by("code")
    ]
    if not types:
        raise HistoryError("没有事件目录：请先运行 jiceng catalogue load（或 make demo）。")
    per_category: dict[str, int] = {}
    for t in types:
        per_category[t.category_code] = per_category.get(t.category_code, 0) + 1
    known = sum(CATEGORY_SHARES.get(c, 0) for c in per_category)
    unknown = [c for c in per_category if c not in CATEGORY_SHARES]
    rest = max(1.0, 100.0 - known) / len(unknown) if unknown else 0.0
    weights = [CATEGORY_SHARES.get(t.category_code, rest) / per_category[t.category_code] for t in types]
    world = World(grids=grids, types=types, type_weights=weights)
    for pk, kind, level, covering in Unit.objects.filter(
        is_active=True, jurisdiction__isnull=False
    ).values_list("pk", "kind__code", "level", "jurisdiction__code"):
        world.by_kind.setdefault(kind, []).append((pk, str(level), covering))
        world.units[pk] = str(level)
    if not world.units:
        raise HistoryError("没有处置单位：请先导入组织架构（jiceng import units）或运行 make demo。")
    return world


def day_weight(day: dt.date) -> float:
    return MONTH_WEIGHT.get(day.month, 1.0) * WEEKDAY_WEIGHT[day.weekday()]


# -- one case's path ---------------------------------------------------------------------------------


class _Event(NamedTuple):
    """An event row as written: ``data`` is its canonical JSON text (hashed and stored as is)."""

    at: dt.datetime
    case_id: int
    seq: int
    action: str
    from_status: str
    to_status: str
    actor_id: int | None
    unit_id: int | None
    reason: str
    data: str
    prev_hash: str
    hash: str


_NO_DATA = trail.canonical_data({})
UTC = dt.UTC
_STATUS_TEXT = {s: str(s) for s in S}  # the plain strings of the statuses (what is stored and hashed)


@dataclass(slots=True)
class _CaseRow:
    """The columns of a generated case that the walk sets (times are naive UTC); every other column
    of ``Case`` is its default for every generated case (``_CASE_CONSTANT``). Slots: setting a column
    not listed here is an error, not a value silently left unwritten."""

    id: int
    registered_at: dt.datetime
    updated_at: dt.datetime
    title: str = ""
    description: str = ""
    channel: str = ""
    event_type_id: int | None = None
    priority: int = 0
    sensitive: bool = False
    grid_id: int | None = None
    grid_code: str = ""
    community_code: str = ""
    street_code: str = ""
    lat: float | None = None
    lng: float | None = None
    reporter_phone: str = ""
    status: str = ""
    level: str = "community"
    floor_level: str = "community"
    desk_unit_id: int | None = None
    lead_unit_id: int | None = None
    first_responder: bool = False
    escalated: bool = False
    supervised: bool = False
    urge_count: int = 0
    reopen_count: int = 0
    rating: int | None = None
    rated_round: int | None = None
    merged_into_id: int | None = None
    resume_status: str = ""
    accepted_at: dt.datetime | None = None
    completed_at: dt.datetime | None = None
    closed_at: dt.datetime | None = None
    next_check_at: dt.datetime | None = None
    warned: bool = False
    overdue: bool = False
    resident_overdue: bool = False
    version: int = 0
    trail_head: str = ""
    trail_length: int = 0


@dataclass
class _Walk:
    """A case being walked through the lifecycle: its row values and its events so far. Events are
    ``(at, case_id, seq, COPY line)`` when ``lines`` (PostgreSQL), else ``_Event`` rows; ``at`` is
    naive UTC either way."""

    case: _CaseRow
    end: dt.datetime  # naive UTC
    mac: Callable[[bytes], str]
    lines: bool = True
    events: list[Any] = field(default_factory=list)
    cut: bool = False

    def move(
        self,
        action: str,
        at: dt.datetime,
        to: str | None = None,
        *,
        unit: int | None = None,
        actor: int | None = None,
        reason: str = "",
        data: dict[str, Any] | None = None,
    ) -> bool:
        """Append the event (``to=None``: the status stays); False once the horizon is passed."""
        if self.cut or at > self.end:
            self.cut = True
            return False
        case = self.case
        from_status = case.status if case.trail_length else ""
        target = from_status if to is None else _STATUS_TEXT.get(to) or str(to)  # type: ignore[call-overload]
        seq = case.trail_length + 1
        data_json = trail.canonical_data(data) if data else _NO_DATA
        # The engine's own hash (``trail.event_hash``: the same body, the same key), with ``data``
        # encoded once for the hash and the row, and the UTC time text once for the hash and the row.
        at_text = at.isoformat(timespec="microseconds") + "Z"
        cid = case.id
        body = trail.event_body_at(
            cid, seq, at_text, action, from_status, target, actor, unit, reason, data_json
        )
        prev = case.trail_head
        digest = trail.chained(prev, body, True, self.mac)
        if self.lines:
            line = _event_copy_line(
                cid, seq, at_text, action, from_status, target, actor, unit, reason, data_json, prev, digest
            )
            self.events.append((at, cid, seq, line))
        else:
            self.events.append(
                _Event(
                    at, cid, seq, action, from_status, target, actor, unit, reason, data_json, prev, digest
                )
            )
        case.trail_head, case.trail_length = digest, seq
        case.status = target
        case.version += 1
        return True


class Walker:
    def __init__(
        self, world: World, rng: random.Random, end: dt.datetime, max_reopens: int = 2, *, lines: bool = True
    ) -> None:
        """``end``: the horizon, naive UTC (so are the walk's times); ``lines``: events as COPY lines."""
        self.world = world
        self.rng = rng
        self.end = end
        self.max_reopens = max_reopens
        self.lines = lines
        channels, weights = zip(*CHANNELS, strict=True)
        self.channels = tuple(str(c) for c in channels)
        self.channel_cum = list(itertools.accumulate(weights))
        self.recent: list[int] = []  # earlier cases of the day: what a duplicate is merged into
        self.mac = trail.hasher()
        self.tz = timezone.get_current_timezone()

    def local_iso(self, at: dt.datetime) -> str:
        """A naive UTC time as local ISO text (the ``due`` values the actions write)."""
        return at.replace(tzinfo=UTC).astimezone(self.tz).isoformat()

    def hours(self, low: float, high: float) -> dt.timedelta:
        """A lognormal-ish delay between ``low`` and ``high`` hours."""
        r = self.rng.random() ** 2.2
        return dt.timedelta(hours=low + (high - low) * r)

    def walk(self, pk: int, at: dt.datetime) -> _Walk:
        rng, world = self.rng, self.world
        grid_id, grid_code, lat, lng = rng.choice(world.grids)
        # cum_weights precomputed: the same draws as weights= (which accumulates them per call)
        kind = rng.choices(world.types, cum_weights=world.type_cum)[0]
        channel = rng.choices(self.channels, cum_weights=self.channel_cum)[0]
        case = _CaseRow(
            id=pk,
            title=f"{kind.name}问题",
            description=f"{kind.name}：请尽快处理。",
            channel=channel,
            event_type_id=kind.pk,
            priority=0 if rng.random() < 0.9 else 1,
            sensitive=rng.random() < 0.01,
            grid_id=grid_id,
            grid_code=grid_code,
            community_code=grid_code[:12],
            street_code=grid_code[:9],
            lat=(lat + rng.uniform(-0.002, 0.002)) if lat is not None else None,
            lng=(lng + rng.uniform(-0.002, 0.002)) if lng is not None else None,
            reporter_phone=f"1380000{rng.randrange(10000):04d}"
            if channel in RATED and rng.random() < 0.9
            else "",
            registered_at=at,
            updated_at=at,
        )
        w = _Walk(case, self.end, self.mac, self.lines)
        if len(self.recent) < 200:
            self.recent.append(pk)
        confidence = round(rng.uniform(0.55, 0.99), 3)
        data: dict[str, Any] = {"channel": channel, "type": kind.code, "confidence": confidence}
        if rng.random() < 0.15:
            data["photos"] = rng.randint(1, 3)
        w.move("submit", at, S.REGISTERED, data=data)
        lead = world.lead(grid_code, kind, Level.COMMUNITY) or world.desk(grid_code, Level.COMMUNITY)
        desk = world.desk(grid_code, Level.COMMUNITY) or world.desk(grid_code, Level.STREET) or lead
        case.desk_unit_id = desk
        roll = rng.random()
        if lead is not None and roll < 0.55:
            case.lead_unit_id = lead
            w.move(
                "dispatch",
                at,
                S.DISPATCHED,
                unit=lead,
                data={"auto": True, "confidence": confidence, "level": world.units.get(lead, "community")},
            )
        else:
            why = "not_confident" if lead is not None else "no_unit"
            w.move("route", at, S.PENDING_DISPATCH, unit=desk, data={"why": why, "confidence": confidence})
            t = at + self.hours(0.2, 10)
            if roll > 0.985:
                self._end_early(w, t, "merge" if roll > 0.993 else "invalidate", pk)
                return w
            responder = world.responder(grid_code, kind)
            if roll > 0.95 and responder is not None:
                self._dispatch(w, t, responder, "first_responder")
            elif lead is not None:
                self._dispatch(w, t, lead, "dispatch")
            else:
                return w  # nobody can take it: it waits at the desk
        self._handle(w, kind)
        return w

    def _end_early(self, w: _Walk, t: dt.datetime, action: str, pk: int) -> None:
        case = w.case
        earlier = [p for p in self.recent if p != pk]
        if action == "merge" and earlier:
            into = self.rng.choice(earlier)
            if w.move("merge", t, S.MERGED, unit=case.desk_unit_id, data={"into": into}):
                case.merged_into_id = into
        else:
            w.move("invalidate", t, S.INVALID, unit=case.desk_unit_id, reason="重复或无效诉求")
        if not w.cut:
            case.closed_at = t
            case.lead_unit_id = None

    def _dispatch(self, w: _Walk, t: dt.datetime, unit: int | None, action: str) -> None:
        w.case.lead_unit_id = unit
        w.case.first_responder = action == "first_responder"
        level = "community" if unit is None else self.world.units.get(unit, "community")
        w.move(action, t, S.DISPATCHED, unit=unit, data={"level": level})

    def _handle(self, w: _Walk, kind: _Type) -> None:
        rng, case, world = self.rng, w.case, self.world
        t = w.events[-1][0]
        # A wrong unit returns it, or it goes up a level (at most twice).
        for _round in range(2):
            roll = rng.random()
            if roll < 0.05 and not case.first_responder:
                t += self.hours(0.5, 12)
                unit = case.lead_unit_id
                if not w.move(
                    "return",
                    t,
                    S.PENDING_DISPATCH,
                    unit=unit,
                    reason="不属于本单位职责",
                    data={"desk": case.desk_unit_id, "level": case.level},
                ):
                    return
                case.lead_unit_id = None
                t += self.hours(0.3, 8)
                self._dispatch(w, t, unit or case.desk_unit_id, "dispatch")
            elif roll < 0.09 and case.level != Level.DISTRICT:
                up = routing.LEVEL_UP[Level(case.level)]
                desk = world.desk(case.grid_code, up)
                if desk is None:
                    break
                t += self.hours(1, 48)
                if not w.move(
                    "escalate",
                    t,
                    S.PENDING_DISPATCH,
                    unit=case.lead_unit_id or desk,
                    reason="需上级协调处置",
                    data={"from_level": str(case.level), "to_level": str(up), "desk": desk},
                ):
                    return
                case.level = case.floor_level = str(up)
                case.desk_unit_id, case.escalated, case.first_responder = desk, True, False
                case.lead_unit_id = None
                lead_up = world.lead(case.grid_code, kind, up) or desk
                t += self.hours(0.5, 24)
                self._dispatch(w, t, lead_up, "dispatch")
            else:
                break
        if w.cut:
            return
        lead = case.lead_unit_id
        t += self.hours(0.1, 8)
        on_time = rng.random() < 0.93
        if not w.move("accept", t, S.IN_PROGRESS, unit=lead, data={"on_time": on_time}):
            return
        case.accepted_at = t
        started = t
        for _round in range(self.max_reopens + 1):
            t = self._work(w, t, lead)
            if w.cut:
                return
            late = rng.random() < 0.11
            t += self.hours(1, 160 if late else 90)
            hours = round((t - started).total_seconds() / 3600 * 0.4, 2)
            data: dict[str, Any] = {"on_time": not late, "checklist": kind.closing, "work_hours": hours}
            if not w.move("complete", t, S.COMPLETED, unit=lead, reason=rng.choice(RESULTS), data=data):
                return
            case.completed_at = t
            t += self.hours(1, 30)
            if rng.random() < 0.03:
                if not w.move(
                    "verify", t, S.IN_PROGRESS, unit=lead, reason="现场核查未整改到位", data={"passed": False}
                ):
                    return
                case.completed_at = None
                started = t
                continue
            if not w.move("verify", t, S.VERIFIED, unit=lead, data={"passed": True}):
                return
            if not case.reporter_phone:  # nobody to call back: the desk closes it
                t += self.hours(2, 72)
                if w.move("close", t, S.CLOSED, unit=case.desk_unit_id):
                    case.closed_at = t
                return
            w.move("request_rating", t, S.AWAITING_RATING, unit=lead)
            t += self.hours(1, 96)
            if rng.random() < 0.12:
                if w.move("close", t, S.CLOSED, unit=case.desk_unit_id, reason="回访未接通"):
                    case.closed_at = t
                return
            score = rng.choices((5, 4, 3, 2, 1), cum_weights=_SCORE_CUM)[0]
            satisfied = score >= 3
            can_reopen = case.reopen_count < self.max_reopens
            closes = satisfied or not can_reopen
            rating = {"score": score, "callback": bool(case.reporter_phone), "satisfied": satisfied}
            rating["round"] = case.reopen_count
            if not w.move("rate", t, S.CLOSED if closes else None, unit=lead, data=rating):
                return
            case.rating, case.rated_round = score, case.reopen_count
            if closes:
                case.closed_at = t
                return
            case.reopen_count += 1
            w.move(
                "reopen",
                t,
                S.IN_PROGRESS,
                unit=lead,
                reason=f"群众评价不满意（{score} 分），重新办理",
                data={"round": case.reopen_count},
            )
            case.closed_at = case.completed_at = None
            case.accepted_at = started = t

    def _work(self, w: _Walk, t: dt.datetime, lead: int | None) -> dt.datetime:
        """Progress notes, urging, supervision, a suspension and the SLA marks while in progress."""
        rng, case = self.rng, w.case
        for _ in range(rng.choices((0, 1, 2), cum_weights=_PROGRESS_CUM)[0]):
            t += self.hours(0.5, 24)
            if not w.move("progress", t, unit=lead, reason=rng.choice(NOTES)):
                return t
        if rng.random() < 0.05:
            t += self.hours(4, 48)
            case.urge_count += 1
            if not w.move("urge", t, unit=lead, reason="请加快办理", data={"n": case.urge_count}):
                return t
        if rng.random() < 0.03:
            t += self.hours(4, 48)
            due = t + dt.timedelta(days=3)
            case.supervised = True
            if not w.move("supervise", t, unit=lead, reason="督办", data={"due": self.local_iso(due)}):
                return t
        if rng.random() < 0.04:
            t += self.hours(2, 24)
            if not w.move(
                "suspend", t, S.SUSPENDED, unit=lead, reason="等待第三方", data={"resume_to": "in_progress"}
            ):
                return t
            case.resume_status = _STATUS_TEXT[S.IN_PROGRESS]
            t += self.hours(24, 240)
            if not w.move("resume", t, S.IN_PROGRESS, unit=lead):
                return t
            case.resume_status = ""
        roll = rng.random()
        if roll < 0.10:
            t += self.hours(8, 40)
            due = t + dt.timedelta(hours=8)
            mark = {"clock": "unit", "phase": "handle", "due": self.local_iso(due)}
            if not w.move("sla_warning", t, unit=lead, data=mark):
                return t
            case.warned = True
            if roll < 0.06:
                t = due
                if not w.move("sla_overdue", t, unit=lead, data=mark):
                    return t
                case.overdue = True
                if roll < 0.015:
                    due = t + dt.timedelta(hours=2)
                    w.move(
                        "sla_overdue", t, unit=lead, data={"clock": "resident", "due": self.local_iso(due)}
                    )
                    case.resident_overdue = True
        return t


# -- writing -----------------------------------------------------------------------------------------

# Events per transaction (about 12 K cases): few round trips and commits, bounded memory. Days are
# grouped whole, so a batch is some days, each complete or absent (what ``resume`` relies on).
BATCH_EVENTS = 100_000
EVENTS_PER_CASE = 8.5  # what the walker writes on average: only to size the batches
COPY_CHUNK = 5_000  # rows per write to the COPY stream


def _columns(model: type[models.Model]) -> list[models.Field]:
    return list(model._meta.concrete_fields)


def _defaults(model: type[models.Model], **given: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for f in _columns(model):
        default = f.get_default() if f.has_default() else None
        if default is None and not f.null and isinstance(f, models.CharField | models.TextField):
            default = ""
        out[f.attname] = default
    out.update(given)
    return out


CASE_DEFAULTS = _defaults(Case)
_CASE_FIELDS = [f.name for f in dataclasses.fields(_CaseRow)]
_CASE_COLUMN = {f.attname: f.column for f in _columns(Case)}
assert set(_CASE_FIELDS) <= set(_CASE_COLUMN), set(_CASE_FIELDS) - set(_CASE_COLUMN)
# Columns the walk never sets: the same default text on every generated case.
_CASE_CONSTANT = [a for a in _CASE_COLUMN if a not in _CASE_FIELDS]
CASE_COPY_COLUMNS = [_CASE_COLUMN[a] for a in (*_CASE_FIELDS, *_CASE_CONSTANT)]
_case_values = operator.attrgetter(*_CASE_FIELDS)

# COPY's text format: tab between columns, \N for NULL, backslash escapes.
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
_NULL = "\\N"


def _copy_text(value: str) -> str:
    return value.translate(_COPY_ESCAPES)


def _text(value: Any) -> str:
    """One value as COPY text; a naive datetime is UTC (the walk's times)."""
    if value is None:
        return _NULL
    kind = type(value)
    if kind is str:
        return value.translate(_COPY_ESCAPES)
    if kind is int or kind is float:
        return str(value)
    if kind is bool:
        return "t" if value else "f"
    if kind is dt.datetime:
        return value.isoformat() + "Z" if value.tzinfo is None else value.isoformat()
    if isinstance(value, str):  # a str subclass (a TextChoices member)
        return str.translate(value, _COPY_ESCAPES)
    if isinstance(value, int):
        return int.__repr__(value)
    if isinstance(value, dict | list):
        return _copy_text(json.dumps(value, ensure_ascii=False))
    return _copy_text(str(value))


_CASE_CONSTANT_TEXT = "".join("\t" + _text(CASE_DEFAULTS[a]) for a in _CASE_CONSTANT) + "\n"


def _case_line(case: _CaseRow) -> str:
    return "\t".join(map(_text, _case_values(case))) + _CASE_CONSTANT_TEXT


def _event_copy_line(
    case_id: int,
    seq: int,
    at_text: str,
    action: str,
    from_status: str,
    to_status: str,
    actor_id: int | None,
    unit_id: int | None,
    reason: str,
    data_json: str,
    prev_hash: str,
    digest: str,
) -> str:
    """One trail row as a COPY text line (``at_text``: the UTC time text, ``data_json``: the
    canonical JSON text of ``data``)."""
    if "\\" in data_json:  # JSON has no raw tab or newline: only its backslashes need escaping
        data_json = _copy_text(data_json)
    return (
        f"{case_id}\t{seq}\t{at_text}\t{action}\t{from_status}\t{to_status}\t"
        f"{_NULL if actor_id is None else actor_id}\t{_NULL if unit_id is None else unit_id}\t"
        f"{_copy_text(reason) if reason else ''}\t{data_json}\t{prev_hash}\t{digest}\tt\n"
    )


def _event_line(e: _Event) -> str:
    at = e.at if e.at.tzinfo is None else e.at.astimezone(UTC).replace(tzinfo=None)
    return _event_copy_line(
        e.case_id, e.seq, at.isoformat(timespec="microseconds") + "Z", e.action, e.from_status,
        e.to_status, e.actor_id, e.unit_id, e.reason, e.data, e.prev_hash, e.hash,
    )  # fmt: skip


EVENT_COLUMNS = (
    "case_id", "seq", "at", "action", "from_status", "to_status", "actor_id", "unit_id", "reason", "data",
    "prev_hash", "hash", "keyed",
)  # fmt: skip
LINK_COLUMNS = ("case_id", "unit_id", "role", "is_active", "added_at")
_LEAD = str(CaseUnitRole.LEAD)


def _copy(table: str, columns: list[str] | tuple[str, ...], lines: list[str]) -> None:
    """PostgreSQL: stream ready-made text lines through ``COPY … FROM STDIN``, in chunks so the
    server parses while the rest is sent."""
    if not lines:
        return
    qn = connection.ops.quote_name
    names = ", ".join(qn(c) for c in columns)
    with connection.cursor() as cursor, cursor.cursor.copy(f"COPY {qn(table)} ({names}) FROM STDIN") as copy:
        for i in range(0, len(lines), COPY_CHUNK):
            copy.write("".join(lines[i : i + COPY_CHUNK]))


def _insert(table: str, columns: list[str] | tuple[str, ...], rows: list[tuple[Any, ...]]) -> None:
    """SQLite: one ``executemany``."""
    if not rows:
        return
    qn = connection.ops.quote_name
    sql = f"INSERT INTO {qn(table)} ({', '.join(qn(c) for c in columns)}) VALUES ({', '.join(['%s'] * len(columns))})"
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


def _db_value(value: Any) -> Any:
    """SQLite: a value as the database takes it (naive datetimes are UTC)."""
    if isinstance(value, dt.datetime):
        return connection.ops.adapt_datetimefield_value(value if value.tzinfo else value.replace(tzinfo=UTC))
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return value


def _write_events(events: list[_Event]) -> None:
    """The trail rows, numbered by the database in the order given (time order)."""
    table = CaseEvent._meta.db_table
    if connection.vendor == "postgresql":
        _copy(table, EVENT_COLUMNS, list(map(_event_line, events)))
        return
    _insert(
        table,
        EVENT_COLUMNS,
        [
            (e.case_id, e.seq, _db_value(e.at), e.action, e.from_status, e.to_status, e.actor_id, e.unit_id,
             e.reason, e.data, e.prev_hash, e.hash, True)
            for e in events
        ],
    )  # fmt: skip


def _reserve(model: type[models.Model], n: int) -> list[int]:
    """``n`` new primary keys for ``model`` (PostgreSQL: from its sequence, safe next to other
    writers; SQLite: above the highest, inside the write transaction)."""
    table = model._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)", [table, n]
            )
            return sorted(row[0] for row in cursor.fetchall())
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {connection.ops.quote_name(table)}")
        top = int(cursor.fetchone()[0])
        return list(range(top + 1, top + n + 1))


def _day_times(rng: random.Random, day: dt.date, n: int) -> list[dt.datetime]:
    tz = timezone.get_current_timezone()
    hours = rng.choices(range(24), weights=HOUR_WEIGHT, k=n)
    out = [
        dt.datetime(day.year, day.month, day.day, h, rng.randrange(60), rng.randrange(60), tzinfo=tz)
        for h in hours
    ]
    out.sort()
    return out


def existing(start: dt.datetime, end: dt.datetime) -> tuple[int, dt.datetime | None]:
    qs = Case.objects.filter(registered_at__gte=start, registered_at__lt=end)
    last = qs.aggregate(m=models.Max("registered_at"))["m"]
    return (qs.count() if last is not None else 0), last


def _batches(plan: list[tuple[dt.date, int]]) -> list[list[tuple[dt.date, int]]]:
    """Consecutive days grouped into transactions of about ``BATCH_EVENTS`` events."""
    out: list[list[tuple[dt.date, int]]] = []
    size = 0.0
    for day, n in plan:
        if not out or size + n * EVENTS_PER_CASE > BATCH_EVENTS:
            out.append([])
            size = 0.0
        out[-1].append((day, n))
        size += n * EVENTS_PER_CASE
    return out


def _naive_utc(at: dt.datetime) -> dt.datetime:
    return at.astimezone(UTC).replace(tzinfo=None)


@dataclass
class _Batch:
    """Some whole days, generated: their case, event and lead-unit rows, ready to write (COPY text
    lines on PostgreSQL, row tuples on SQLite)."""

    cases: list[Any]
    events: list[Any]
    links: list[Any]
    days: int


def _walk_days(
    world: World, days: list[tuple[dt.date, int]], seed: int, now: dt.datetime, ids: list[int], lines: bool
) -> _Batch:
    """Walk every case of ``days`` (ids given in time order) and turn them into rows."""
    end = _naive_utc(now)
    ids_iter = iter(ids)
    walks: list[_Walk] = []
    days_done = 0
    for day, n in days:
        # Each day draws from its own generator (seed and day): the same day comes out the same
        # whatever the batching.
        rng = random.Random(f"{seed}:{day.isoformat()}")
        times = [_naive_utc(t) for t in _day_times(rng, day, n) if t <= now]
        days_done += bool(times)
        walker = Walker(world, rng, end, lines=lines)
        walks.extend(walker.walk(next(ids_iter), at) for at in times)
    events = [e for w in walks for e in w.events]
    # Ids follow time as they would have when the actions wrote them (seq order kept).
    for w in walks:
        _finish(w.case, end)
    if lines:
        events.sort()  # (at, case_id, seq, line): never compares the lines, (case_id, seq) is unique
        event_rows: list[Any] = [e[3] for e in events]
    else:
        events.sort(key=_EVENT_ORDER)
        event_rows = events
    case_rows, links = _case_rows([w.case for w in walks], lines)
    return _Batch(case_rows, event_rows, links, days_done)


def _case_rows(cases: list[_CaseRow], lines: bool) -> tuple[list[Any], list[Any]]:
    """The case rows and their lead-unit rows: COPY lines, or row tuples (SQLite)."""
    links: list[Any] = []
    if lines:
        for c in cases:
            if c.lead_unit_id is not None:
                links.append(f"{c.id}\t{c.lead_unit_id}\t{_LEAD}\tt\t{_text(c.registered_at)}\n")
        return [_case_line(c) for c in cases], links
    constant = tuple(_db_value(CASE_DEFAULTS[a]) for a in _CASE_CONSTANT)
    for c in cases:
        if c.lead_unit_id is not None:
            links.append((c.id, c.lead_unit_id, _LEAD, True, _db_value(c.registered_at)))
    return [(*map(_db_value, _case_values(c)), *constant) for c in cases], links


def _write_batch(batch: _Batch) -> None:
    case_table, link_table = Case._meta.db_table, CaseUnit._meta.db_table
    if connection.vendor == "postgresql":
        _copy(case_table, CASE_COPY_COLUMNS, batch.cases)
        _copy(CaseEvent._meta.db_table, EVENT_COLUMNS, batch.events)
        _copy(link_table, LINK_COLUMNS, batch.links)
        return
    _insert(case_table, CASE_COPY_COLUMNS, batch.cases)
    _write_events(batch.events)
    _insert(link_table, LINK_COLUMNS, batch.links)


# -- bulk load (PostgreSQL) ---------------------------------------------------------------------------

# While a bulk load runs, the secondary indexes, unique constraints and foreign keys of the case, event
# and case-unit tables are gone; their definitions wait in this table (written in the same transaction
# as the drops), so a load that dies half-way leaves a record of what to put back
# (``restore_indexes``, which every later ``jiceng generate --history`` runs first).
BULK_TABLE = "jiceng_history_bulk_pending"
_BULK_MODELS = (Case, CaseEvent, CaseUnit)
_RESTORE_ORDER = {"index": 0, "unique": 1, "foreign": 2}


def _bulk_tables() -> list[str]:
    return [m._meta.db_table for m in _BULK_MODELS]


def _check_deferred(cursor: Any) -> None:
    """Run the foreign-key checks still deferred in a caller's transaction (PostgreSQL alters no
    table with pending trigger events); the deferrable ones defer again afterwards."""
    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def pending_indexes() -> list[tuple[str, str]]:
    """(kind, SQL) of what a bulk load dropped and has not put back yet, in restore order."""
    return [(kind, sql) for kind, sql, _pos in _pending()]


def _pending() -> list[tuple[str, str, int]]:
    if connection.vendor != "postgresql" or BULK_TABLE not in connection.introspection.table_names():
        return []
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT kind, sql, pos FROM {BULK_TABLE}")
        rows = cursor.fetchall()
    return sorted(rows, key=lambda r: (_RESTORE_ORDER[r[0]], r[2]))


def drop_indexes() -> int:
    """Drop the secondary indexes, unique constraints and foreign keys of the case, event and
    case-unit tables (primary keys and checks stay), recording each definition in ``BULK_TABLE`` in
    the same transaction. Returns how many were dropped (0 on SQLite, where nothing is dropped)."""
    if connection.vendor != "postgresql":
        return 0
    tables = _bulk_tables()
    with transaction.atomic(), connection.cursor() as cursor:
        _check_deferred(cursor)
        cursor.execute(
            f"CREATE TABLE IF NOT EXISTS {BULK_TABLE} "
            "(pos serial PRIMARY KEY, kind text NOT NULL, name text NOT NULL, sql text NOT NULL)"
        )
        cursor.execute(
            """
            SELECT CASE contype WHEN 'f' THEN 'foreign' ELSE 'unique' END,
                   conrelid::regclass::text, quote_ident(conname), pg_get_constraintdef(oid)
            FROM pg_constraint
            WHERE conrelid = ANY(%s::regclass[]) AND contype IN ('f', 'u')
            ORDER BY contype = 'u', conname
            """,
            [tables],
        )
        constraints = cursor.fetchall()
        cursor.execute(
            """
            SELECT indexrelid::regclass::text, pg_get_indexdef(indexrelid)
            FROM pg_index i
            WHERE indrelid = ANY(%s::regclass[]) AND NOT indisprimary
              AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid
                              AND k.conrelid = i.indrelid)
            ORDER BY 1
            """,
            [tables],
        )
        indexes = cursor.fetchall()
        # Foreign keys first (a foreign key may lean on a unique constraint), then the rest.
        for kind, table, name, definition in constraints:
            cursor.execute(
                f"INSERT INTO {BULK_TABLE} (kind, name, sql) VALUES (%s, %s, %s)",
                [kind, name, f"ALTER TABLE {table} ADD CONSTRAINT {name} {definition}"],
            )
            cursor.execute(f"ALTER TABLE {table} DROP CONSTRAINT {name}")
        for name, definition in indexes:
            # A partitioned table's index prints as "ON ONLY parent": made that way it would cover
            # no partition, so it is recorded to be made on the whole table.
            definition = definition.replace(" ON ONLY ", " ON ", 1)
            cursor.execute(
                f"INSERT INTO {BULK_TABLE} (kind, name, sql) VALUES ('index', %s, %s)", [name, definition]
            )
            cursor.execute(f"DROP INDEX {name}")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
    return len(constraints) + len(indexes)


def restore_indexes() -> int:
    """Put back what ``drop_indexes`` dropped (indexes, then unique constraints, then foreign keys,
    each validated against the rows now there), one at a time, each in its own transaction with its
    record, and forget the record when all are back. On a history of tens of millions of cases this
    takes most of an hour: a restore that is killed or fails half-way keeps what it built, and the
    next one starts with what is still pending. Returns how many were restored; 0 when nothing was
    pending."""
    if connection.vendor != "postgresql" or BULK_TABLE not in connection.introspection.table_names():
        return 0
    rows = _pending()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_size_bytes(current_setting('maintenance_work_mem'))")
        memory = cursor.fetchone()[0]
    for _kind, sql, pos in rows:
        with transaction.atomic(), connection.cursor() as cursor:
            _check_deferred(cursor)
            if memory < 512 * 1024 * 1024:  # sorting for an index build; a larger setting stays
                cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
            cursor.execute(sql)
            cursor.execute(f"DELETE FROM {BULK_TABLE} WHERE pos = %s", [pos])
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE {BULK_TABLE}")
    with connection.cursor() as cursor:
        for table in _bulk_tables():
            cursor.execute(f"ANALYZE {connection.ops.quote_name(table)}")
    return len(rows)


def _day_count(seed: int, day: dt.date, n: int, now: dt.datetime) -> int:
    """How many of the day's ``n`` cases are registered by ``now`` (all but on the last day)."""
    if dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), timezone.get_current_timezone()) <= now:
        return n
    rng = random.Random(f"{seed}:{day.isoformat()}")
    return sum(1 for t in _day_times(rng, day, n) if t <= now)


def generate(
    *,
    years: float,
    cases: int | None = None,
    scale: str = "baoan",
    seed: int = 20,
    now: dt.datetime | None = None,
    resume: bool = False,
    bulk: bool = False,
    progress: Callable[[Report, dt.date, int], None] | None = None,
) -> Report:
    """Write ``cases`` cases (default: the scale's yearly volume × ``years``) registered over the
    ``years`` before ``now``, with their whole trails. Whole days per transaction (``BATCH_EVENTS``).

    ``bulk`` (PostgreSQL; an empty database, or ``resume``): the secondary indexes, unique
    constraints and foreign keys of the case, event and case-unit tables are dropped for the load
    and built again after it, also when it fails (``drop_indexes`` / ``restore_indexes``)."""
    if years <= 0:
        raise HistoryError("--history 须为正数（年）。")
    total = cases if cases is not None else int(SCALE_CASES_PER_YEAR[scale] * years)
    if total <= 0:
        raise HistoryError("--cases 须为正整数。")
    now = now or timezone.now()
    today = timezone.localdate(now)
    first = today - dt.timedelta(days=max(1, round(365 * years)))
    days = [first + dt.timedelta(days=i) for i in range((today - first).days + 1)]
    weights = [day_weight(d) for d in days]
    scale_f = total / sum(weights)
    tz = timezone.get_current_timezone()
    window = (dt.datetime.combine(first, dt.time(), tz), now)
    found, last = existing(*window)
    if found:
        if not resume:
            raise HistoryError(
                f"{first} 至今已有 {found} 件工单：历史数据已存在。加 --resume 从最后一天之后接着生成，"
                "或换一个空库。"
            )
        assert last is not None
        skip_to = timezone.localtime(last).date() + dt.timedelta(days=1)
    else:
        skip_to = first
    world = load_world()
    bulk = bulk and connection.vendor == "postgresql"
    if bulk and not resume and Case.objects.exists():
        raise HistoryError(
            "--bulk 会在写入期间删除工单、记录和承办单位表的索引与外键：只用于空库（或加 --resume 续写）。"
        )
    if not bulk:
        restore_indexes()  # a bulk load that died left them dropped
    # PostgreSQL: the events table's monthly partitions for the whole window, made before the first
    # write (else two years of events would pile up in the default partition).
    storage.ensure_partitions(first)
    plan: list[tuple[dt.date, int]] = []
    carry = 0.0
    for day, weight in zip(days, weights, strict=True):
        carry += weight * scale_f
        n = int(carry)
        carry -= n
        if day >= skip_to and n > 0:
            plan.append((day, n))
    report = Report()
    lines = connection.vendor == "postgresql"
    started = time.perf_counter()
    if bulk:
        drop_indexes()
    batches = _batches(plan)

    def written(made: _Batch, batch: list[tuple[dt.date, int]]) -> None:
        report.cases += len(made.cases)
        report.events += len(made.events)
        report.days += made.days
        report.seconds = time.perf_counter() - started
        if progress is not None:
            progress(report, batch[-1][0], len(days))

    try:
        if connection.vendor != "postgresql":  # SQLite numbers the cases above the highest written
            for batch in batches:
                with transaction.atomic():
                    ids = _reserve(Case, sum(_day_count(seed, day, n, now) for day, n in batch))
                    made = _walk_days(world, batch, seed, now, ids, lines)
                    _write_batch(made)
                written(made, batch)
        else:
            # PostgreSQL: the next batch is walked in a second thread (pure Python, no database)
            # while this one's COPY and commit run, so the server and the generator work at the same
            # time; every statement stays on this thread's connection, batches commit in order.
            with ThreadPoolExecutor(max_workers=1, thread_name_prefix="history-walk") as walker:

                def walk_in_zone(batch: list[tuple[dt.date, int]], ids: list[int]) -> _Batch:
                    with timezone.override(tz):  # the caller's time zone, active in this thread only
                        return _walk_days(world, batch, seed, now, ids, lines)

                def walk(batch: list[tuple[dt.date, int]]) -> Future[_Batch]:
                    ids = _reserve(Case, sum(_day_count(seed, day, n, now) for day, n in batch))
                    return walker.submit(walk_in_zone, batch, ids)

                ahead = walk(batches[0]) if batches else None
                for i, batch in enumerate(batches):
                    assert ahead is not None
                    made = ahead.result()
                    ahead = walk(batches[i + 1]) if i + 1 < len(batches) else None
                    with transaction.atomic():
                        _write_batch(made)
                    written(made, batch)
    finally:
        if bulk:
            restored = time.perf_counter()
            restore_indexes()
            report.index_seconds = time.perf_counter() - restored
    report.seconds = time.perf_counter() - started
    return report


_EVENT_ORDER = operator.itemgetter(0, 1, 2)  # (at, case_id, seq)


def _finish(case: _CaseRow, now: dt.datetime) -> None:
    """The cached columns the actions keep next to the trail, for the case's last state."""
    case.updated_at = now
    if case.status in (S.CLOSED, S.MERGED, S.INVALID):
        case.next_check_at = None
    else:
        case.next_check_at = now  # the SLA runner recomputes the clocks from the trail
