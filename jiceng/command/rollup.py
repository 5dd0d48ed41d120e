"""Keeping the rollups up to date from the case trail, incrementally, by a watermark on event ids.

Why a watermark and not a ``post_save`` receiver: case actions write their events with
``bulk_create`` (no signals), a receiver would add work and a failure point to every action's
transaction, and a batch applies thousands of events in a few statements. So ``catch_up()`` reads
the events with ``id > watermark`` in id order, folds them into deltas in memory and applies them
with increment-upserts (``INSERT … ON CONFLICT … DO UPDATE SET x = x + excluded.x``, the same SQL on
PostgreSQL and SQLite), then moves the watermark — all in one transaction, so a crash repeats a
batch or none of it.

Ids are handed out when an event is inserted but become visible when its transaction commits, so a
slow transaction can commit id 10 after id 11 was applied. Ids skipped by a batch are remembered as
*gaps* and looked for again on every run until they appear or are older than ``GAP_TTL`` (rolled
back). Only one ``catch_up`` runs at a time: it starts by updating the state row, which takes the
row lock on PostgreSQL and the write lock on SQLite before anything is read.

Who runs it: ``jiceng stats rollup --follow`` (a loop), ``jiceng stats rollup`` (once, e.g. from
cron), and the stats API itself when the rollups are more than ``COMMAND_ROLLUP_MAX_AGE`` seconds
old (setting, default 10; 0 turns reading-time catch-up off), so a small installation needs no
extra process.
"""

from __future__ import annotations

import logging
import time
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from jiceng.cases.evaluation import COUNTED, RECEIVE
from jiceng.cases.models import FINAL_STATUSES, OPEN_STATUSES, CaseEvent, Channel, Status
from jiceng.command.models import (
    AREA_COUNTS,
    AREA_TOTAL_LENGTHS,
    DAY,
    LIVE_COUNTS,
    LIVE_LENGTHS,
    MONTH,
    UNIT_COUNTS,
    UNIT_TOTAL_LENGTHS,
    AreaFigure,
    AreaTotal,
    CareArea,
    CareBuilding,
    CareBuildingTotal,
    FeedItem,
    LiveCase,
    LiveCount,
    RollupState,
    TopicDay,
    UnitFigure,
    UnitTotal,
    WorkerPosition,
)

logger = logging.getLogger(__name__)

BATCH = 5000
GAP_TTL = 600.0  # seconds: no case transaction stays open that long; older gaps were rolled back
MAX_GAPS = 5000
FEED_DAYS = 8
CARE_AREA_LENGTHS = (6, 9, 12)
OPEN = frozenset(str(s) for s in OPEN_STATUSES)
FINAL = frozenset(str(s) for s in FINAL_STATUSES)

_FIELDS = (
    "id",
    "case_id",
    "at",
    "action",
    "from_status",
    "to_status",
    "unit_id",
    "actor_id",
    "data",
    "case__grid_code",
    "case__event_type__category_id",
    "case__event_type_id",
    "case__channel",
    "case__sensitive",
    "case__title",
    "case__priority",
    "case__lat",
    "case__lng",
)


@dataclass
class Progress:
    events: int = 0
    batches: int = 0
    watermark: int = 0
    gaps: int = 0


# Every table computed from the trail (what a rebuild empties and fills again).
TRAIL_ROLLUPS = (
    AreaFigure,
    AreaTotal,
    UnitFigure,
    UnitTotal,
    TopicDay,
    LiveCase,
    LiveCount,
    FeedItem,
    WorkerPosition,
)


def _state() -> RollupState:
    state = RollupState.objects.filter(pk=1).first()
    if state is None:
        state, _created = RollupState.objects.get_or_create(pk=1)
    return state


class _Deltas:
    """One batch of events folded into row deltas."""

    def __init__(self) -> None:
        self.area: dict[tuple[str, date, str, int], dict[str, int]] = defaultdict(lambda: defaultdict(int))
        self.unit: dict[tuple[str, date, str, int, int], dict[str, float]] = defaultdict(
            lambda: defaultdict(float)
        )
        # case_id -> new LiveCase row (opened in this batch) | None (closed in this batch)
        self.live: dict[int, dict[str, Any] | None] = {}
        self.flags: dict[str, set[int]] = {"overdue": set(), "escalated": set()}
        self.topics: dict[tuple[date, str, int], dict[str, int]] = defaultdict(lambda: defaultdict(int))
        self.feed: list[FeedItem] = []
        self.positions: dict[int, tuple[float, float, datetime, str, int]] = {}
        self.feed_since = timezone.now() - timedelta(days=FEED_DAYS)

    def _area(self, day: date, community: str, category: int, **counts: int) -> None:
        for key in ((DAY, day, community, category), (MONTH, day.replace(day=1), community, category)):
            row = self.area[key]
            for name, value in counts.items():
                row[name] += value

    def _unit(self, day: date, unit_id: int, community: str, category: int, **counts: float) -> None:
        for key in (
            (DAY, day, community, category, unit_id),
            (MONTH, day.replace(day=1), community, category, unit_id),
        ):
            row = self.unit[key]
            for name, value in counts.items():
                row[name] += value

    def add(self, row: tuple[Any, ...]) -> None:
        (
            event_id,
            case_id,
            at,
            action,
            from_status,
            to_status,
            unit_id,
            actor_id,
            data,
            grid_code,
            category,
            type_id,
            channel,
            sensitive,
            title,
            priority,
            lat,
            lng,
        ) = row
        data = data or {}
        day = timezone.localtime(at).date()
        community = grid_code[:12]
        category = category or 0
        area = self._area
        if action == "submit":
            area(
                day,
                community,
                category,
                received=1,
                sensitive=int(sensitive),
                alarms=int(channel == Channel.SENSOR),
            )
            if type_id:
                topic = self.topics[(day, community, type_id)]
                topic["received"] += 1
                topic["sensitive"] += int(sensitive)
            if at >= self.feed_since:
                self.feed.append(
                    FeedItem(
                        event_id=event_id,
                        at=at,
                        kind=FeedItem.NEW,
                        case_id=case_id,
                        grid_code=grid_code,
                        category_id=category,
                        type_id=type_id or 0,
                        title=title[:200],
                        channel=channel,
                        sensitive=sensitive,
                        priority=priority,
                    )
                )
            if channel == Channel.PATROL and actor_id and lat is not None and lng is not None:
                known = self.positions.get(actor_id)
                if known is None or known[2] <= at:
                    self.positions[actor_id] = (lat, lng, at, grid_code, case_id)
        elif action in ("dispatch", "first_responder"):
            area(day, community, category, dispatched=1)
        elif action == "escalate":
            area(day, community, category, escalated=1)
            self._flag(case_id, "escalated")
            if at >= self.feed_since:
                self.feed.append(
                    FeedItem(
                        event_id=event_id,
                        at=at,
                        kind=FeedItem.ESCALATED,
                        case_id=case_id,
                        grid_code=grid_code,
                        category_id=category,
                        type_id=type_id or 0,
                        title=title[:200],
                        channel=channel,
                        sensitive=sensitive,
                        priority=priority,
                    )
                )
        elif action == "complete":
            area(day, community, category, completed=1, completed_on_time=int(bool(data.get("on_time"))))
        elif action == "sla_overdue":
            if data.get("clock", "unit") == "unit":
                area(day, community, category, overdue=1)
            self._flag(case_id, "overdue")
        elif action == "rate":
            score = int(data.get("score", 0) or 0)
            satisfied = bool(data.get("satisfied", score >= 3))
            area(day, community, category, rated=1, satisfied=int(satisfied), rating_sum=score)
        if to_status == Status.CLOSED and from_status != Status.CLOSED:
            area(day, community, category, closed=1)

        # The open-case table follows the status: opened, reopened after closing, finished.
        if to_status in OPEN and from_status not in OPEN:
            self.live[case_id] = {
                "grid_code": grid_code,
                "category_id": category,
                "channel": channel,
                "sensitive": bool(sensitive),
                "overdue": False,
                "escalated": False,
                "opened_at": at,
            }
            self.flags["overdue"].discard(case_id)
            self.flags["escalated"].discard(case_id)
        elif to_status in FINAL and from_status not in FINAL:
            self.live[case_id] = None
            self.flags["overdue"].discard(case_id)
            self.flags["escalated"].discard(case_id)

        if unit_id and action in COUNTED:
            self._unit_event(day, unit_id, community, category, case_id, action, data)

    def _flag(self, case_id: int, name: str) -> None:
        if case_id not in self.live:
            self.flags[name].add(case_id)
        else:
            live = self.live[case_id]
            if live is not None:
                live[name] = True

    def _unit_event(
        self, day: date, unit_id: int, community: str, category: int, case_id: int, action: str, data: dict
    ) -> None:
        unit = self._unit
        if action in RECEIVE:
            unit(day, unit_id, community, category, received=1)
        elif action == "accept":
            unit(
                day, unit_id, community, category, accepted=1, accepted_on_time=int(bool(data.get("on_time")))
            )
        elif action == "complete":
            hours = data.get("work_hours")
            timed = isinstance(hours, int | float)
            unit(
                day,
                unit_id,
                community,
                category,
                completed=1,
                completed_on_time=int(bool(data.get("on_time"))),
                hours_total=float(hours) if isinstance(hours, int | float) else 0.0,
                hours_count=int(timed),
            )
        elif action == "return":
            unit(day, unit_id, community, category, returned=1)
        elif action == "reopen":
            unit(day, unit_id, community, category, reopened=1)
        elif action == "rate":
            score = int(data.get("score", 0) or 0)
            unit(
                day,
                unit_id,
                community,
                category,
                rated=1,
                satisfied=int(bool(data.get("satisfied", score >= 3))),
            )
        elif action == "sla_overdue" and data.get("clock", "unit") == "unit":
            # Counted per mark; the unit clock is marked once per case and phase.
            unit(day, unit_id, community, category, overdue=1)

    # -- writing ----------------------------------------------------------------------------------

    def _area_totals(self) -> dict[tuple[Any, ...], dict[str, int]]:
        """The community deltas summed per street and district."""
        out: dict[tuple[Any, ...], dict[str, int]] = defaultdict(lambda: defaultdict(int))
        for (period, start, community, category), counts in self.area.items():
            for code in dict.fromkeys(community[:n] for n in AREA_TOTAL_LENGTHS):
                row = out[(code, period, start, category)]
                for name, value in counts.items():
                    row[name] += value
        return out

    def _unit_totals(self) -> dict[tuple[Any, ...], dict[str, float]]:
        """The unit deltas summed over categories, per district, street and community."""
        out: dict[tuple[Any, ...], dict[str, float]] = defaultdict(lambda: defaultdict(float))
        for (period, start, community, _category, unit_id), counts in self.unit.items():
            for code in dict.fromkeys(community[:n] for n in UNIT_TOTAL_LENGTHS):
                row = out[(code, period, start, unit_id)]
                for name, value in counts.items():
                    row[name] += value
        return out

    def apply(self) -> None:
        _upsert_add(
            AreaFigure._meta.db_table,
            ("period", "start", "community_code", "category_id"),
            AREA_COUNTS,
            self.area,
        )
        _upsert_add(
            AreaTotal._meta.db_table,
            ("area_code", "period", "start", "category_id"),
            AREA_COUNTS,
            self._area_totals(),
        )
        _upsert_add(
            UnitFigure._meta.db_table,
            ("period", "start", "community_code", "category_id", "unit_id"),
            (*UNIT_COUNTS, "hours_total"),
            self.unit,
        )
        _upsert_add(
            UnitTotal._meta.db_table,
            ("area_code", "period", "start", "unit_id"),
            (*UNIT_COUNTS, "hours_total"),
            self._unit_totals(),
        )
        _upsert_add(
            TopicDay._meta.db_table,
            ("start", "community_code", "type_id"),
            ("received", "sensitive"),
            self.topics,
        )
        touched = sorted({*self.live, *self.flags["overdue"], *self.flags["escalated"]})
        before = _live_counts(touched)
        closed = [case_id for case_id, row in self.live.items() if row is None]
        opened = [LiveCase(case_id=case_id, **row) for case_id, row in self.live.items() if row is not None]
        for chunk in _chunks(closed, 500):
            LiveCase.objects.filter(case_id__in=chunk).delete()
        if opened:
            LiveCase.objects.bulk_create(
                opened,
                batch_size=500,
                update_conflicts=True,
                unique_fields=["case_id"],
                update_fields=[
                    "grid_code",
                    "category_id",
                    "channel",
                    "sensitive",
                    "overdue",
                    "escalated",
                    "opened_at",
                ],
            )
        for name, ids in self.flags.items():
            for chunk in _chunks(sorted(ids), 500):
                LiveCase.objects.filter(case_id__in=chunk).update(**{name: True})
        # The counters follow the open-case rows exactly: what the touched cases counted before is
        # taken away and what they count now is added.
        after = _live_counts(touched)
        for key, counts in before.items():
            row = after[key]
            for name, value in counts.items():
                row[name] -= value
        _upsert_add(
            LiveCount._meta.db_table,
            ("code", "category_id"),
            LIVE_COUNTS,
            {key: counts for key, counts in after.items() if any(counts.values())},
        )
        if self.feed:
            FeedItem.objects.bulk_create(self.feed, batch_size=500, ignore_conflicts=True)
        if self.positions:
            _upsert_positions(self.positions)


def _live_counts(case_ids: list[int]) -> dict[tuple[str, int], dict[str, int]]:
    """What the open-case rows of ``case_ids`` count, per area code (district … grid) and category."""
    out: dict[tuple[str, int], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for chunk in _chunks(case_ids, 500):
        for grid_code, category, channel, sensitive, overdue, escalated in LiveCase.objects.filter(
            case_id__in=chunk
        ).values_list("grid_code", "category_id", "channel", "sensitive", "overdue", "escalated"):
            for code in dict.fromkeys(grid_code[:n] for n in LIVE_LENGTHS):
                row = out[(code, category)]
                row["open"] += 1
                row["overdue"] += int(overdue)
                row["sensitive"] += int(sensitive)
                row["alarms"] += int(channel == Channel.SENSOR)
                row["escalated"] += int(escalated)
    return out


def _chunks(items: list[Any], size: int) -> Any:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def _upsert_add(
    table: str, keys: tuple[str, ...], counts: tuple[str, ...], rows: dict[tuple[Any, ...], dict[str, Any]]
) -> None:
    """``INSERT … ON CONFLICT (keys) DO UPDATE SET c = table.c + excluded.c`` in chunks."""
    if not rows:
        return
    qn = connection.ops.quote_name
    columns = (*keys, *counts)
    width = len(columns)
    # SQLite's default limit on bound parameters is 999; PostgreSQL takes 65,535.
    per_statement = max(1, (900 if connection.vendor == "sqlite" else 30000) // width)
    head = f"INSERT INTO {qn(table)} ({', '.join(qn(c) for c in columns)}) VALUES "
    tail = f" ON CONFLICT ({', '.join(qn(k) for k in keys)}) DO UPDATE SET " + ", ".join(
        f"{qn(c)} = {qn(table)}.{qn(c)} + excluded.{qn(c)}" for c in counts
    )
    placeholder = "(" + ", ".join(["%s"] * width) + ")"
    items = list(rows.items())
    with connection.cursor() as cursor:
        for chunk in _chunks(items, per_statement):
            params: list[Any] = []
            for key, values in chunk:
                params.extend(key)
                params.extend(values.get(c, 0) for c in counts)
            cursor.execute(head + ", ".join([placeholder] * len(chunk)) + tail, params)


def _upsert_positions(positions: dict[int, tuple[float, float, datetime, str, int]]) -> None:
    qn = connection.ops.quote_name
    table = qn(WorkerPosition._meta.db_table)
    sql = (
        f"INSERT INTO {table} (user_id, lat, lng, at, grid_code, case_id) VALUES (%s, %s, %s, %s, %s, %s) "
        f"ON CONFLICT (user_id) DO UPDATE SET lat = excluded.lat, lng = excluded.lng, at = excluded.at, "
        f"grid_code = excluded.grid_code, case_id = excluded.case_id WHERE excluded.at >= {table}.at"
    )
    with connection.cursor() as cursor:
        for user_id, (lat, lng, at, grid_code, case_id) in positions.items():
            cursor.execute(
                sql,
                [user_id, lat, lng, connection.ops.adapt_datetimefield_value(at), grid_code, case_id],
            )


def _claim() -> RollupState:
    """Lock the state row (row lock on PostgreSQL, write lock on SQLite) before reading anything."""
    _state()
    RollupState.objects.filter(pk=1).update(updated_at=timezone.now())
    return RollupState.objects.select_for_update().get(pk=1)


def catch_up_once(batch: int = BATCH) -> int:
    """Apply one batch of new events (plus any late ones from earlier gaps); return how many."""
    with transaction.atomic():
        state = _claim()
        now = time.time()
        gaps = {int(i): float(seen) for i, seen in state.gaps or [] if now - float(seen) < GAP_TTL}
        rows: list[tuple[Any, ...]] = []
        if gaps:
            rows.extend(CaseEvent.objects.filter(pk__in=list(gaps)).values_list(*_FIELDS))
            for row in rows:
                gaps.pop(row[0], None)
        fresh = list(
            CaseEvent.objects.filter(pk__gt=state.watermark).order_by("pk").values_list(*_FIELDS)[:batch]
        )
        if fresh:
            seen = {row[0] for row in fresh}
            top = fresh[-1][0]
            # A fresh start has no earlier ids to wait for; a huge jump is deletions, not open
            # transactions, so only the recent stretch below ``top`` is watched.
            low = state.watermark + 1 if state.watermark else fresh[0][0]
            low = max(low, top - 20 * batch)
            missing = [i for i in range(low, top) if i not in seen]
            if len(missing) > MAX_GAPS:
                logger.warning(
                    "command rollup: %d ids missing below %d; keeping the last %d",
                    len(missing),
                    top,
                    MAX_GAPS,
                )
                missing = missing[-MAX_GAPS:]
            for i in missing:
                gaps.setdefault(i, now)
            state.watermark = top
            rows.extend(fresh)
        rows.sort(key=lambda r: r[0])
        deltas = _Deltas()
        for row in rows:
            deltas.add(row)
        deltas.apply()
        state.gaps = sorted([i, seen] for i, seen in gaps.items())[-MAX_GAPS:]
        state.events_applied += len(rows)
        state.updated_at = timezone.now()
        state.save()
        return len(fresh)


def catch_up(batch: int = BATCH, limit: int | None = None) -> Progress:
    """Apply every pending event (at most ``limit``), one transaction per batch."""
    progress = Progress()
    while True:
        applied = catch_up_once(batch)
        progress.events += applied
        progress.batches += 1
        if applied < batch or (limit is not None and progress.events >= limit):
            break
    state = _state()
    progress.watermark, progress.gaps = state.watermark, len(state.gaps or [])
    return progress


def trim_feed(days: int = FEED_DAYS) -> int:
    """Drop feed items older than ``days`` and topic counts older than a month (the panels' horizon)."""
    deleted, _detail = FeedItem.objects.filter(at__lt=timezone.now() - timedelta(days=days)).delete()
    old_topics, _detail = TopicDay.objects.filter(
        start__lt=timezone.localdate() - timedelta(days=31)
    ).delete()
    return deleted + old_topics


def rebuild(progress: Any = None) -> Progress:
    """Empty every rollup and recompute it from the whole trail with set-based SQL
    (``jiceng.command.rebuild``); ``progress(stage, seconds)`` after each stage."""
    from jiceng.command import rebuild as set_based

    timing = set_based.rebuild(progress=progress)
    return Progress(events=timing.events, batches=timing.ranges, watermark=timing.watermark, gaps=timing.gaps)


def replay(batch: int = BATCH, progress: Any = None) -> Progress:
    """Empty every rollup and apply the whole trail again event by event, as the follower does
    (slow: kept to check the set-based rebuild against, and for ``--replay``)."""
    with transaction.atomic():
        _claim()
        for model in TRAIL_ROLLUPS:
            model.objects.all().delete()
        RollupState.objects.filter(pk=1).update(
            watermark=0, gaps=[], events_applied=0, rebuilt_at=timezone.now()
        )
    done = Progress()
    while True:
        applied = catch_up_once(batch)
        done.events += applied
        done.batches += 1
        if progress is not None and done.batches % 20 == 0:
            progress(done)
        if applied < batch:
            break
    refresh_care()
    state = _state()
    done.watermark, done.gaps = state.watermark, len(state.gaps or [])
    return done


def max_age() -> float:
    return float(getattr(settings, "COMMAND_ROLLUP_MAX_AGE", 10))


def ensure_fresh() -> None:
    """Catch up before a read when the rollups are older than ``COMMAND_ROLLUP_MAX_AGE`` seconds.

    A bounded amount of work (a few batches); a big backlog is left to ``jiceng stats rollup``.
    """
    age = max_age()
    if age <= 0:
        return
    state = RollupState.objects.filter(pk=1).only("updated_at", "care_refreshed_at").first()
    if state is not None and (timezone.now() - state.updated_at).total_seconds() < age:
        return
    catch_up(limit=4 * BATCH)
    care_age = float(getattr(settings, "COMMAND_CARE_MAX_AGE", 3600))
    state = _state()
    if (
        state.care_refreshed_at is None
        or (timezone.now() - state.care_refreshed_at).total_seconds() > care_age
    ):
        refresh_care()


# -- care groups ------------------------------------------------------------------------------------


def refresh_care() -> int:
    """Recount care-group residents per building from the registry (active occupancies).

    Care tags change slowly and the registry has no event stream to follow, so this is a full
    recount (one pass over tagged people), run by ``jiceng stats rollup`` at most hourly.
    Returns the number of rows, or 0 when the registry is not installed.
    """
    try:
        from jiceng.registry.models import Occupancy
    except ImportError:  # pragma: no cover — registry is part of the project; guard for partial installs
        return 0
    counts: dict[tuple[str, str], set[int]] = defaultdict(set)
    rows = (
        Occupancy.objects.filter(ended_on__isnull=True)
        .exclude(person__care_tags=[])
        .values_list("person_id", "person__care_tags", "room__building__code")
        .iterator(chunk_size=5000)
    )
    for person_id, tags, building_code in rows:
        for tag in tags or []:
            if isinstance(tag, str) and tag:
                counts[(building_code, tag[:16])].add(person_id)
    buildings: dict[str, int] = defaultdict(int)
    areas: dict[tuple[str, str], int] = defaultdict(int)
    for (building, tag), people in counts.items():
        buildings[building] += len(people)
        for code in dict.fromkeys(building[:n] for n in CARE_AREA_LENGTHS):
            areas[(code, tag)] += len(people)
    with transaction.atomic():
        for model in (CareBuilding, CareBuildingTotal, CareArea):
            model.objects.all().delete()
        CareBuilding.objects.bulk_create(
            [CareBuilding(building_code=b, tag=t, people=len(p)) for (b, t), p in counts.items()],
            batch_size=2000,
        )
        CareBuildingTotal.objects.bulk_create(
            [CareBuildingTotal(building_code=b, people=n) for b, n in buildings.items()], batch_size=2000
        )
        CareArea.objects.bulk_create(
            [CareArea(area_code=a, tag=t, people=n) for (a, t), n in areas.items()], batch_size=2000
        )
        _state()
        RollupState.objects.filter(pk=1).update(care_refreshed_at=timezone.now())
    return len(counts)


# -- the coarser copies, recomputed from the fine rows ---------------------------------------------------


def _fill_sql() -> list[str]:
    """``INSERT … SELECT`` statements filling the coarser tables from the fine ones (same SQL on
    PostgreSQL and SQLite)."""
    area = ", ".join(AREA_COUNTS)
    area_sums = ", ".join(f"SUM({c})" for c in AREA_COUNTS)
    unit = ", ".join((*UNIT_COUNTS, "hours_total"))
    unit_sums = ", ".join(f"SUM({c})" for c in (*UNIT_COUNTS, "hours_total"))
    live_sums = (
        "COUNT(*), SUM(CASE WHEN overdue THEN 1 ELSE 0 END), SUM(CASE WHEN sensitive THEN 1 ELSE 0 END), "
        f"SUM(CASE WHEN channel = '{Channel.SENSOR}' THEN 1 ELSE 0 END), "
        "SUM(CASE WHEN escalated THEN 1 ELSE 0 END)"
    )
    out = []
    for n in AREA_TOTAL_LENGTHS:
        out.append(
            f"INSERT INTO {AreaTotal._meta.db_table} (area_code, period, start, category_id, {area}) "
            f"SELECT SUBSTR(community_code, 1, {n}), period, start, category_id, {area_sums} "
            f"FROM {AreaFigure._meta.db_table} WHERE LENGTH(community_code) >= {n} GROUP BY SUBSTR(community_code, 1, {n}), period, start, category_id"
        )
    for n in UNIT_TOTAL_LENGTHS:
        out.append(
            f"INSERT INTO {UnitTotal._meta.db_table} (area_code, period, start, unit_id, {unit}) "
            f"SELECT SUBSTR(community_code, 1, {n}), period, start, unit_id, {unit_sums} "
            f"FROM {UnitFigure._meta.db_table} WHERE LENGTH(community_code) >= {n} GROUP BY SUBSTR(community_code, 1, {n}), period, start, unit_id"
        )
    for n in LIVE_LENGTHS:
        out.append(
            f"INSERT INTO {LiveCount._meta.db_table} (code, category_id, {', '.join(LIVE_COUNTS)}) "
            f"SELECT SUBSTR(grid_code, 1, {n}), category_id, {live_sums} "
            f"FROM {LiveCase._meta.db_table} WHERE LENGTH(grid_code) >= {n} "
            f"GROUP BY SUBSTR(grid_code, 1, {n}), category_id"
        )
    out.append(
        f"INSERT INTO {CareBuildingTotal._meta.db_table} (building_code, people) "
        f"SELECT building_code, SUM(people) FROM {CareBuilding._meta.db_table} GROUP BY building_code"
    )
    for n in CARE_AREA_LENGTHS:
        out.append(
            f"INSERT INTO {CareArea._meta.db_table} (area_code, tag, people) "
            f"SELECT SUBSTR(building_code, 1, {n}), tag, SUM(people) FROM {CareBuilding._meta.db_table} "
            f"WHERE LENGTH(building_code) >= {n} GROUP BY SUBSTR(building_code, 1, {n}), tag"
        )
    return out


def refill_totals() -> None:
    """Recompute every coarser table (street/district figures, unit totals, open-case counters, care
    totals) from the fine rows, e.g. after the fine rows were loaded in bulk."""
    with transaction.atomic():
        _claim()
        for model in (AreaTotal, UnitTotal, LiveCount, CareBuildingTotal, CareArea):
            model.objects.all().delete()
        with connection.cursor() as cursor:
            for sql in _fill_sql():
                cursor.execute(sql)
