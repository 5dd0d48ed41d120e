"""Rebuilding the rollups from the whole trail with set-based SQL, not event by event.

``rollup.catch_up`` folds events into deltas in Python (about 2,000 events/s); a rebuild of a
200-million-event trail that way takes more than a day. Here the cases are first copied into a narrow
table of what the figures need of them (``_cases_sql``); then the trail is read in ranges of whole
local days, each range once, joined with that table, into a temporary table of the finest grouping
every figure is a sum of — (local day, community, category, event's unit, case's type) — with all the
counts of one group as aggregates of one ``GROUP BY`` (``_fine_sql``); the range's day rows and topic
days are small ``GROUP BY``s over it, final since no day spans two ranges. Month rows are the sums of
the day rows, made at the end. On PostgreSQL the ranges run side by side in ``COMMAND_REBUILD_WORKERS``
sessions (default: the number of CPUs), each taking the next range; hash aggregates (no sorts) with
``COMMAND_REBUILD_WORK_MEM_MB`` of memory each. A range's groups are a month's at most, so they stay in
memory however long the trail is. The same rules as ``rollup._Deltas.add``, written as SQL:

- ``AreaFigure`` day rows: received (submit), dispatched (dispatch, first_responder), escalated,
  completed (+ on time), overdue (``sla_overdue`` on the unit clock), rated/satisfied/rating_sum,
  closed (a move into ``closed``), sensitive and alarms of received cases; month rows are the sums
  of the day rows (exactly what the follower adds to both);
- ``UnitFigure``: the counted actions with a unit (``evaluation.COUNTED``), same split;
- ``TopicDay``: received and sensitive submits per type and day;
- ``LiveCase``: the cases whose last status move (into an open status from outside, or into a
  final one from outside) opened them; overdue/escalated when an ``sla_overdue``/``escalate`` event
  follows that move; ``FeedItem``: submits and escalations of the last ``FEED_DAYS``;
  ``WorkerPosition``: each patrol reporter's latest located report;
- then the coarser copies (``rollup.refill_totals``) and the care groups.

Everything up to the highest event id at the start (the new watermark) is counted; the ids missing
just below it are left to the follower as gaps, as ``catch_up`` does, so a case action committed
during the rebuild is applied once and only once. Local days are the ``TIME_ZONE`` days: PostgreSQL
converts with ``AT TIME ZONE``; SQLite calls a Python function registered on the connection.
"""

from __future__ import annotations

import datetime as dt
import os
import queue
import threading
import time
import zoneinfo
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from jiceng.cases.evaluation import COUNTED, RECEIVE
from jiceng.cases.models import Case, CaseEvent, Channel, EventType, Status
from jiceng.command import rollup
from jiceng.command.models import (
    AREA_COUNTS,
    DAY,
    MONTH,
    UNIT_COUNTS,
    AreaFigure,
    FeedItem,
    LiveCase,
    RollupState,
    TopicDay,
    UnitFigure,
    WorkerPosition,
)


@dataclass
class Timing:
    events: int = 0
    ranges: int = 0
    watermark: int = 0
    gaps: int = 0
    seconds: dict[str, float] = field(default_factory=dict)

    @property
    def total(self) -> float:
        return sum(self.seconds.values())


def _pg() -> bool:
    return connection.vendor == "postgresql"


def _in(values: Any) -> str:
    return "(" + ", ".join(f"'{v}'" for v in sorted(str(x) for x in values)) + ")"


class _Sql:
    """The vendor's spelling of the few expressions that differ."""

    def __init__(self, pg: bool) -> None:
        self.pg = pg
        self.tz = settings.TIME_ZONE

    def day(self, col: str) -> str:
        if self.pg:
            return f"(({col}) AT TIME ZONE '{self.tz}')::date"
        return f"jiceng_local_date({col})"

    def month(self, col: str) -> str:
        # (``%%``: the statement goes through the driver's parameter formatting)
        return f"date_trunc('month', {col})::date" if self.pg else f"strftime('%%Y-%%m-01', {col})"

    def text(self, key: str) -> str:
        return f"(e.data ->> '{key}')" if self.pg else f"json_extract(e.data, '$.{key}')"

    def true(self, key: str) -> str:
        """``bool(data.get(key))`` for the booleans the actions write."""
        if self.pg:
            return f"(e.data -> '{key}') = 'true'::jsonb"
        return f"(json_type(e.data, '$.{key}') = 'true')"

    def has(self, key: str) -> str:
        return f"(e.data ? '{key}')" if self.pg else f"(json_type(e.data, '$.{key}') IS NOT NULL)"

    def number(self, key: str) -> str:
        if self.pg:
            return f"(CASE WHEN jsonb_typeof(e.data -> '{key}') = 'number' THEN (e.data ->> '{key}')::float8 END)"
        return f"(CASE WHEN json_type(e.data, '$.{key}') IN ('integer', 'real') THEN json_extract(e.data, '$.{key}') END)"

    def score(self) -> str:
        return f"COALESCE(CAST({self.number('score')} AS INTEGER), 0)"

    def satisfied(self) -> str:
        return (
            f"(CASE WHEN {self.has('satisfied')} THEN {self.true('satisfied')} ELSE {self.score()} >= 3 END)"
        )

    def unit_clock(self) -> str:
        return f"COALESCE({self.text('clock')}, 'unit') = 'unit'"

    def flag(self, cond: str) -> str:
        return f"CASE WHEN {cond} THEN 1 ELSE 0 END"


def _tables() -> dict[str, str]:
    return {
        "ev": CaseEvent._meta.db_table,
        "case": Case._meta.db_table,
        "type": EventType._meta.db_table,
    }


# What the figures need of each case, in a narrow table read once: each range of the trail joins it
# instead of the (wide) cases table.
CASES = "rebuild_case"


def _cases_sql(sql: _Sql, shared: bool) -> str:
    """The narrow copy of the cases. ``shared``: an unlogged table other connections can read (the
    ranges run in several sessions), else a temporary one."""
    t = _tables()
    kind = "UNLOGGED" if shared else "TEMPORARY"
    return (
        f"CREATE {kind} TABLE {CASES} AS SELECT c.id, SUBSTR(c.grid_code, 1, 12) AS community, "
        "c.event_type_id AS type_id, COALESCE(et.category_id, 0) AS category_id, c.sensitive, c.channel "
        f"FROM {t['case']} c LEFT JOIN {t['type']} et ON et.id = c.event_type_id"
    )


# A range of the trail is read once, into the finest grouping every figure is a sum of: (local day,
# community, category, event's unit, case's type), with every count of the three figure tables as an
# aggregate over the group. The day rows of ``AreaFigure``/``UnitFigure`` and ``TopicDay`` are then
# small ``GROUP BY``s over this table; the month rows are the sums of the day rows, made at the end.
FINE = "rebuild_fine"


def _fine_columns(sql: _Sql) -> dict[str, str | tuple[str, str]]:
    """Each column of the fine table: the condition counted, or (condition, value summed)."""
    closed = f"e.to_status = '{Status.CLOSED}' AND e.from_status <> '{Status.CLOSED}'"
    overdue = f"e.action = 'sla_overdue' AND {sql.unit_clock()}"
    counted = [a for a in COUNTED if a != "sla_overdue"]
    area_relevant = (
        "e.action IN ('submit', 'dispatch', 'first_responder', 'escalate', 'complete', 'rate') "
        f"OR ({overdue}) OR ({closed})"
    )
    unit_relevant = f"e.unit_id IS NOT NULL AND (e.action IN {_in(counted)} OR ({overdue}))"
    return {
        # AreaFigure (and TopicDay: received, sensitive)
        "received": "e.action = 'submit'",
        "dispatched": "e.action IN ('dispatch', 'first_responder')",
        "escalated": "e.action = 'escalate'",
        "completed": "e.action = 'complete'",
        "completed_on_time": f"e.action = 'complete' AND {sql.true('on_time')}",
        "closed": closed,
        "overdue": overdue,
        "sensitive": "e.action = 'submit' AND c.sensitive",
        "alarms": f"e.action = 'submit' AND c.channel = '{Channel.SENSOR}'",
        "rated": "e.action = 'rate'",
        "satisfied": f"e.action = 'rate' AND {sql.satisfied()}",
        "rating_sum": ("e.action = 'rate'", sql.score()),
        # UnitFigure only (completed, on time, overdue, rated, satisfied: the same as above)
        "unit_received": f"e.action IN {_in(RECEIVE)}",
        "accepted": "e.action = 'accept'",
        "accepted_on_time": f"e.action = 'accept' AND {sql.true('on_time')}",
        "returned": "e.action = 'return'",
        "reopened": "e.action = 'reopen'",
        "hours_count": f"e.action = 'complete' AND {sql.number('work_hours')} IS NOT NULL",
        "hours_total": ("e.action = 'complete'", f"COALESCE({sql.number('work_hours')}, 0)"),
        "_relevant": f"({area_relevant}) OR ({unit_relevant})",
    }


# A row exists only where the follower counted an event (``_Deltas.add``), and every event it counts
# adds 1 to at least one of these columns: the groups with a row are those where their sum is not 0.
# (Every other column counts a subset of these events, so a month row, the sum of its day rows, is
# the sum over the same events.)
AREA_ANY = "received + dispatched + escalated + completed + closed + overdue + rated"
UNIT_ANY = "unit_received + accepted + completed + returned + reopened + rated + overdue"


def _fine_sql(sql: _Sql) -> str:
    """The fine table of one range of the trail (parameters: the watermark, the range's start and
    end, the lowest and highest case id among its events: only that part of the narrow cases table is
    read, through its index — cases are numbered as they come in, so a range's events belong to a
    small part of a long history's cases). Counts are 4-byte integers, so their sums stay integers
    (a sum of ``bigint`` is a ``numeric`` on PostgreSQL, much slower to add up)."""
    columns = _fine_columns(sql)
    relevant = columns.pop("_relevant")
    aggregates = []
    for name, expr in columns.items():
        if isinstance(expr, tuple):
            summed = f"COALESCE(SUM({expr[1]}) FILTER (WHERE {expr[0]}), 0)"
            aggregates.append(
                f"{summed} AS {name}" if name == "hours_total" else f"CAST({summed} AS INTEGER) AS {name}"
            )
        else:
            aggregates.append(f"CAST(COUNT(*) FILTER (WHERE {expr}) AS INTEGER) AS {name}")
    day = sql.day("e.at")
    return (
        f"CREATE TEMPORARY TABLE {FINE} AS SELECT {day} AS day, c.community, c.category_id, e.unit_id, "
        f"c.type_id, {', '.join(aggregates)} FROM {_tables()['ev']} e JOIN {CASES} c ON c.id = e.case_id "
        f"WHERE e.id <= %s AND e.at >= %s AND e.at < %s AND c.id BETWEEN %s AND %s AND ({relevant}) "
        f"GROUP BY {day}, c.community, c.category_id, e.unit_id, c.type_id"
    )


def _day_sql() -> list[str]:
    """The day rows of the figure tables from a range's fine table."""
    area_cols = ", ".join(AREA_COUNTS)
    area_sums = ", ".join(f"SUM({c})" for c in AREA_COUNTS)
    unit_cols = (*UNIT_COUNTS, "hours_total")
    unit_sums = ", ".join(f"SUM({'unit_received' if c == 'received' else c})" for c in unit_cols)
    return [
        f"INSERT INTO {AreaFigure._meta.db_table} (period, start, community_code, category_id, {area_cols}) "
        f"SELECT '{DAY}', day, community, category_id, {area_sums} FROM {FINE} "
        f"GROUP BY day, community, category_id HAVING SUM({AREA_ANY}) > 0",
        f"INSERT INTO {UnitFigure._meta.db_table} (period, start, community_code, category_id, unit_id, "
        f"{', '.join(unit_cols)}) SELECT '{DAY}', day, community, category_id, unit_id, {unit_sums} "
        f"FROM {FINE} WHERE unit_id IS NOT NULL GROUP BY day, community, category_id, unit_id "
        f"HAVING SUM({UNIT_ANY}) > 0",
        f"INSERT INTO {TopicDay._meta.db_table} (start, community_code, type_id, received, sensitive) "
        f"SELECT day, community, type_id, SUM(received), SUM(sensitive) FROM {FINE} "
        "WHERE type_id IS NOT NULL GROUP BY day, community, type_id HAVING SUM(received) > 0",
    ]


def _month_sql(sql: _Sql) -> list[str]:
    """The month rows: the sums of the day rows (exactly what the follower adds to both)."""
    out = []
    month = sql.month("start")
    for model, keys, columns in (
        (AreaFigure, "community_code, category_id", AREA_COUNTS),
        (UnitFigure, "community_code, category_id, unit_id", (*UNIT_COUNTS, "hours_total")),
    ):
        out.append(
            f"INSERT INTO {model._meta.db_table} (period, start, {keys}, {', '.join(columns)}) "
            f"SELECT '{MONTH}', {month}, {keys}, {', '.join(f'SUM({c})' for c in columns)} "
            f"FROM {model._meta.db_table} WHERE period = '{DAY}' GROUP BY {month}, {keys}"
        )
    return out


def _live_sql(sql: _Sql) -> str:
    """Open cases: those whose last status move (up to the watermark) opened them. Only the cases not
    in a final status, and those with events after the watermark, can be: an action writes the case's
    status with its event, so a case whose last move opened it is either not final or has moved since
    (with a later event). Their events are read once into ``trail`` (the trail is partitioned by
    month, so looking an event up by id alone would search every month); the flags are set when an
    ``sla_overdue``/``escalate`` event follows that move."""
    t = _tables()
    open_ = _in(rollup.OPEN)
    final = _in(rollup.FINAL)
    moves = (
        f"((e.to_status IN {open_} AND e.from_status NOT IN {open_}) OR "
        f"(e.to_status IN {final} AND e.from_status NOT IN {final}))"
    )
    return (
        "WITH trail AS MATERIALIZED (SELECT e.case_id, e.id, e.at, e.action, e.to_status, "
        f"{moves} AS moves FROM {t['ev']} e WHERE e.id <= %s AND e.case_id IN ("
        f"SELECT id FROM {t['case']} WHERE status NOT IN {final} "
        f"UNION SELECT case_id FROM {t['ev']} WHERE id > %s)) "
        f"INSERT INTO {LiveCase._meta.db_table} (case_id, grid_code, category_id, channel, sensitive, "
        "overdue, escalated, opened_at) "
        f"SELECT c.id, c.grid_code, COALESCE(et.category_id, 0), c.channel, c.sensitive, "
        "COALESCE(m.overdue > m.moved, FALSE), COALESCE(m.escalated > m.moved, FALSE), o.at "
        "FROM (SELECT case_id, MAX(CASE WHEN moves THEN id END) AS moved, "
        "MAX(CASE WHEN action = 'sla_overdue' THEN id END) AS overdue, "
        "MAX(CASE WHEN action = 'escalate' THEN id END) AS escalated FROM trail GROUP BY case_id) m "
        f"JOIN trail o ON o.id = m.moved AND o.to_status IN {open_} "
        f"JOIN {t['case']} c ON c.id = m.case_id LEFT JOIN {t['type']} et ON et.id = c.event_type_id"
    )


def _feed_sql(sql: _Sql) -> str:
    t = _tables()
    return (
        f"INSERT INTO {FeedItem._meta.db_table} (event_id, at, kind, case_id, grid_code, category_id, "
        "type_id, title, channel, sensitive, priority) "
        f"SELECT e.id, e.at, CASE WHEN e.action = 'submit' THEN '{FeedItem.NEW}' ELSE '{FeedItem.ESCALATED}' END, "
        "e.case_id, c.grid_code, COALESCE(et.category_id, 0), COALESCE(c.event_type_id, 0), "
        "SUBSTR(c.title, 1, 200), c.channel, c.sensitive, c.priority "
        f"FROM {t['ev']} e JOIN {t['case']} c ON c.id = e.case_id "
        f"LEFT JOIN {t['type']} et ON et.id = c.event_type_id "
        "WHERE e.id <= %s AND e.at >= %s AND e.action IN ('submit', 'escalate')"
    )


def _positions_sql(sql: _Sql) -> str:
    t = _tables()
    return (
        f"INSERT INTO {WorkerPosition._meta.db_table} (user_id, lat, lng, at, grid_code, case_id) "
        "SELECT actor_id, lat, lng, at, grid_code, case_id FROM ("
        "SELECT e.actor_id, c.lat, c.lng, e.at, c.grid_code, e.case_id, "
        "ROW_NUMBER() OVER (PARTITION BY e.actor_id ORDER BY e.at DESC, e.id DESC) AS n "
        f"FROM {t['ev']} e JOIN {t['case']} c ON c.id = e.case_id "
        f"WHERE e.id <= %s AND e.action = 'submit' AND c.channel = '{Channel.PATROL}' "
        "AND e.actor_id IS NOT NULL AND c.lat IS NOT NULL AND c.lng IS NOT NULL) p WHERE n = 1"
    )


# -- running it ---------------------------------------------------------------------------------------


def _register_sqlite(conn: Any) -> None:
    zone = zoneinfo.ZoneInfo(settings.TIME_ZONE)

    def local_date(text: str | None) -> str | None:
        if text is None:
            return None
        at = dt.datetime.fromisoformat(str(text))
        if at.tzinfo is None:
            at = at.replace(tzinfo=dt.UTC)
        return at.astimezone(zone).date().isoformat()

    conn.create_function("jiceng_local_date", 1, local_date, deterministic=True)


# Ranges of the trail worked on one at a time: whole local days (a day's rows are then final in one
# range), at most a month of them, and at least ``RANGES_PER_PROCESS`` ranges a process, so that the
# sessions finish together.
RANGES_PER_PROCESS = 4


def _ranges(first: dt.datetime, last: dt.datetime, processes: int) -> list[tuple[dt.datetime, dt.datetime]]:
    """Runs of whole local days covering ``first`` … ``last``, as aware bounds."""
    tz = timezone.get_current_timezone()
    day = timezone.localtime(first, tz).date()
    end = timezone.localtime(last, tz).date()
    days = (end - day).days + 1
    length = max(1, min(31, -(-days // (RANGES_PER_PROCESS * max(1, processes)))))
    out = []
    while day <= end:
        nxt = day + dt.timedelta(days=length)
        out.append((dt.datetime.combine(day, dt.time(), tz), dt.datetime.combine(nxt, dt.time(), tz)))
        day = nxt
    return out


def workers() -> int:
    """Processes reading the trail at once (PostgreSQL parallel query: the statement's process and
    ``workers() - 1`` parallel workers): 1 on SQLite; else ``COMMAND_REBUILD_WORKERS`` or the CPU count."""
    if not _pg():
        return 1
    configured = int(getattr(settings, "COMMAND_REBUILD_WORKERS", 0) or 0)
    return max(1, configured or (os.cpu_count() or 1))


_PLANNER = (
    "work_mem",
    "max_parallel_workers_per_gather",
    "enable_sort",
    "parallel_setup_cost",
    "parallel_tuple_cost",
)


@contextmanager
def _session(cursor: Any, sql: _Sql, processes: int) -> Iterator[None]:
    """PostgreSQL, for the statements of the block: memory enough for hash joins and aggregates
    without sorting or spilling, and a parallel plan over ``processes`` when more than one. The
    settings are the transaction's (``set_config(…, true)``) and are put back after the block: inside a
    caller's transaction the block is a savepoint and they would otherwise outlive it."""
    if not sql.pg:
        yield
        return
    cursor.execute("SELECT " + ", ".join(f"current_setting('{name}')" for name in _PLANNER))
    before = dict(zip(_PLANNER, cursor.fetchone(), strict=True))
    # Hash aggregates: the planner expects about one group per event (it cannot know how few (day,
    # community, unit, type) combinations there are) and would sort the trail to group it.
    wanted = {
        "work_mem": f"{int(settings.COMMAND_REBUILD_WORK_MEM_MB)}MB",
        "max_parallel_workers_per_gather": str(max(0, processes - 1)),
        "enable_sort": "off",
    }
    if processes > 1:
        wanted |= {"parallel_setup_cost": "100", "parallel_tuple_cost": "0.01"}
    for name, value in wanted.items():
        cursor.execute("SELECT set_config(%s, %s, true)", [name, value])
    yield
    for name in wanted:
        cursor.execute("SELECT set_config(%s, %s, true)", [name, before[name]])


def _range_figures(sql: _Sql, top: int, start: dt.datetime, end: dt.datetime) -> None:
    """The day rows of one range of the trail, in one transaction of this thread's connection."""
    ops = connection.ops
    with transaction.atomic(), connection.cursor() as cursor, _session(cursor, sql, 1):
        bounds = [ops.adapt_datetimefield_value(start), ops.adapt_datetimefield_value(end)]
        cursor.execute(
            f"SELECT MIN(case_id), MAX(case_id) FROM {_tables()['ev']} WHERE id <= %s AND at >= %s AND at < %s",
            [top, *bounds],
        )
        low, high = cursor.fetchone()
        if low is None:  # no event in these days
            return
        cursor.execute(_fine_sql(sql), [top, *bounds, low, high])
        for statement in _day_sql():
            cursor.execute(statement, [])
        # Inside a caller's transaction the block is a savepoint, not a commit: drop it here.
        cursor.execute(f"DROP TABLE {FINE}")


def _in_threads(
    processes: int, ranges: list[tuple[dt.datetime, dt.datetime]], work: Callable[..., None]
) -> None:
    """``work(start, end)`` for every range, in ``processes`` threads, each with its own connection
    (and so its own PostgreSQL process) taking the next range until none is left. The first error is
    raised once every thread has stopped."""
    pending = queue.SimpleQueue[tuple[dt.datetime, dt.datetime]]()
    for bounds in ranges:
        pending.put(bounds)
    errors: list[BaseException] = []

    def run() -> None:
        try:
            while not errors:
                try:
                    start, end = pending.get_nowait()
                except queue.Empty:
                    return
                work(start, end)
        except BaseException as exc:  # noqa: BLE001 — handed to the calling thread
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, name=f"rebuild-{n}") for n in range(processes)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]


def _figures(sql: _Sql, top: int, ranges: list[tuple[dt.datetime, dt.datetime]], processes: int) -> None:
    """The figure tables, range by range of the trail: a range is whole local days, so its day rows
    are final; ranges run side by side in ``processes`` sessions on PostgreSQL when the rebuild is not
    inside a caller's transaction (other sessions could not see its rows). Then the month rows from
    the day rows."""
    shared = sql.pg and processes > 1 and len(ranges) > 1 and not connection.in_atomic_block
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {CASES}")
        cursor.execute(_cases_sql(sql, shared), [])
        cursor.execute(f"CREATE INDEX {CASES}_id ON {CASES} (id)")
        if sql.pg:
            cursor.execute(f"ANALYZE {CASES}")
    try:
        if shared:
            _in_threads(processes, ranges, lambda start, end: _range_figures(sql, top, start, end))
        else:
            for start, end in ranges:
                _range_figures(sql, top, start, end)
        with transaction.atomic(), connection.cursor() as cursor, _session(cursor, sql, processes):
            for statement in _month_sql(sql):
                cursor.execute(statement, [])
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {CASES}")


def _analyze_stale(cursor: Any) -> None:
    """Fresh statistics for the trail and the cases where they are missing or a tenth of the rows
    changed since: a trail just loaded in bulk (or a test's few rows) otherwise gets nested-loop plans
    that scan the events once per case. Tables already analyzed are not read again (on a trail of
    many partitions that is most of the preparation)."""
    events, cases = CaseEvent._meta.db_table, Case._meta.db_table
    cursor.execute(
        "SELECT relname, COALESCE(last_analyze, last_autoanalyze) IS NULL OR n_mod_since_analyze > n_live_tup / 10 "
        "FROM pg_stat_user_tables WHERE relid = %s::regclass OR relid = %s::regclass "
        "OR relid IN (SELECT inhrelid FROM pg_inherits WHERE inhparent = %s::regclass)",
        [events, cases, events],
    )
    stale = {name: bool(old) for name, old in cursor.fetchall()}
    if stale.get(events, True):  # never analyzed as a whole: the whole hierarchy at once
        cursor.execute(f"ANALYZE {events}, {cases}")
        return
    names = [name for name, old in stale.items() if old and name != events]
    if names:
        cursor.execute("ANALYZE " + ", ".join(connection.ops.quote_name(n) for n in sorted(names)))


def rebuild(progress: Callable[[str, float], None] | None = None, parallel: int | None = None) -> Timing:
    """Empty every rollup and recompute it from the trail with set-based SQL."""
    timing = Timing()
    pg = _pg()
    sql = _Sql(pg)
    if not pg:
        connection.ensure_connection()
        _register_sqlite(connection.connection)

    def lap(name: str, started: float) -> None:
        timing.seconds[name] = timing.seconds.get(name, 0.0) + time.perf_counter() - started
        if progress is not None:
            progress(name, timing.seconds[name])

    started = time.perf_counter()
    if pg:
        with connection.cursor() as cursor:
            _analyze_stale(cursor)
    with transaction.atomic():
        rollup._claim()
        tables = [model._meta.db_table for model in rollup.TRAIL_ROLLUPS]
        with connection.cursor() as cursor:
            if pg:  # fresh files: no dead rows for the inserts to step over
                # (a caller's transaction may have written rows with deferred checks still due:
                # they are made now, as at its commit, since TRUNCATE refuses pending ones)
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                cursor.execute(f"TRUNCATE {', '.join(tables)}")
                # back to the default: every deferrable constraint here (Django's foreign keys) is
                # initially deferred
                cursor.execute("SET CONSTRAINTS ALL DEFERRED")
            else:
                for table in tables:
                    cursor.execute(f"DELETE FROM {table}")
        top = CaseEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        bounds = CaseEvent.objects.filter(pk__lte=top).order_by("at").values_list("at", flat=True)
        first = bounds.first()
        last = CaseEvent.objects.filter(pk__lte=top).order_by("-at").values_list("at", flat=True).first()
        RollupState.objects.filter(pk=1).update(
            watermark=top, gaps=[], events_applied=0, rebuilt_at=timezone.now(), updated_at=timezone.now()
        )
    lap("prepare", started)

    processes = parallel if parallel is not None else workers()
    ranges = _ranges(first, last, processes) if first is not None and last is not None else []
    timing.ranges = len(ranges)
    started = time.perf_counter()
    _figures(sql, top, ranges, processes)
    lap("figures", started)

    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor, _session(cursor, sql, 1):
        cursor.execute(_live_sql(sql), [top, top])
        since = timezone.now() - dt.timedelta(days=rollup.FEED_DAYS)
        cursor.execute(_feed_sql(sql), [top, connection.ops.adapt_datetimefield_value(since)])
        cursor.execute(_positions_sql(sql), [top])
    lap("live", started)

    started = time.perf_counter()
    rollup.refresh_care()
    # (hash aggregates in memory: the planner would sort a million figure rows by their codes, on disk)
    with transaction.atomic(), connection.cursor() as cursor, _session(cursor, sql, 1):
        rollup.refill_totals()
    lap("totals", started)

    started = time.perf_counter()
    with transaction.atomic():
        state = rollup._claim()
        applied = CaseEvent.objects.filter(pk__lte=top).count()
        # The ids just below the watermark not visible yet (an action still committing) are gaps
        # the follower looks for, exactly as after one of its own batches.
        low = max(1, top - 20 * rollup.BATCH)
        seen = set(CaseEvent.objects.filter(pk__gte=low, pk__lte=top).values_list("pk", flat=True))
        now = time.time()
        gaps = [[i, now] for i in range(low, top) if i not in seen][-rollup.MAX_GAPS :]
        state.gaps = gaps if top else []
        state.events_applied = applied
        state.watermark = top
        state.updated_at = timezone.now()
        state.save()
    lap("state", started)
    timing.events, timing.watermark, timing.gaps = applied, top, len(state.gaps)
    return timing
