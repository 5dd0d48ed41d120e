"""Rebuilding the rollups from the whole trail with set-based SQL, not event by event.

``rollup.catch_up`` folds events into deltas in Python (about 2,000 events/s); a rebuild of a
200-million-event trail that way takes more than a day. Here the trail is read once, joined with the
cases, into a temporary table of the finest grouping every figure is a sum of — (local day,
community, event's unit, case's type), a few rows per thousand events — with all the counts of one
group as aggregates of one ``GROUP BY`` (``_fine_sql``); day rows, month rows and topic days are small
``GROUP BY``s over that table. On PostgreSQL the events table is cut into ``COMMAND_REBUILD_WORKERS``
block ranges (default: the number of CPUs) aggregated in parallel processes and summed; hash
aggregates (no sorts), ``COMMAND_REBUILD_WORK_MEM_MB`` of memory for them. The same rules as
``rollup._Deltas.add``, written as SQL:

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
    months: int = 0
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


def _source(sql: _Sql) -> str:
    """The trail up to the watermark joined with the cases (and their types' categories)."""
    t = _tables()
    return (
        f"FROM {t['ev']} e JOIN {t['case']} c ON c.id = e.case_id "
        f"LEFT JOIN {t['type']} et ON et.id = c.event_type_id WHERE e.id <= %s"
    )


# The whole trail is read once, into the finest grouping every figure is a sum of: (local day,
# community, category, event's unit, case's type), with every count of the three figure tables as an
# aggregate over the group. The day and month rows of ``AreaFigure``/``UnitFigure`` and ``TopicDay``
# are then small ``GROUP BY``s over this table (a few rows per thousand events).
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


FINE_KEYS = ("day", "community", "unit_id", "type_id")
# A row exists only where the follower counted an event (``_Deltas.add``), and every event it counts
# adds 1 to at least one of these columns: the groups with a row are those where their sum is not 0.
AREA_ANY = "received + dispatched + escalated + completed + closed + overdue + rated"
UNIT_ANY = "unit_received + accepted + completed + returned + reopened + rated + overdue"


def _fine_sql(sql: _Sql, slices: list[str] | None = None) -> str:
    """The fine table from the trail up to the watermark (parameter: the watermark, once per slice).

    ``slices``: PostgreSQL, predicates splitting the events table into parts (block ranges) that are
    each aggregated on their own and then summed: a parallel plan runs the parts in separate processes
    (``Parallel Append``), each with its own hash aggregate. A single aggregate over a parallel scan
    would aggregate in one process (the planner expects about as many groups as events, so it does
    not aggregate in the workers)."""
    columns = _fine_columns(sql)
    relevant = columns.pop("_relevant")
    aggregates = []
    for name, expr in columns.items():
        if isinstance(expr, tuple):
            aggregates.append(f"COALESCE(SUM({expr[1]}) FILTER (WHERE {expr[0]}), 0) AS {name}")
        else:
            aggregates.append(f"COUNT(*) FILTER (WHERE {expr}) AS {name}")
    day = sql.day("e.at")
    community = "SUBSTR(c.grid_code, 1, 12)"
    keys = f"{day}, {community}, e.unit_id, c.event_type_id"

    def part(where: str) -> str:
        return (
            f"SELECT {day} AS day, {community} AS community, e.unit_id, c.event_type_id AS type_id, "
            + ", ".join(aggregates)
            + f" {_source(sql)}{where} AND ({relevant}) GROUP BY {keys}"
        )

    create = f"CREATE TEMPORARY TABLE {FINE} AS "
    if not slices or len(slices) == 1:
        return create + part(f" AND {slices[0]}" if slices else "")
    sums = ", ".join(
        f"SUM({name}) AS {name}"
        if isinstance(expr, tuple) and name == "hours_total"
        else f"SUM({name})::bigint AS {name}"
        for name, expr in columns.items()
    )
    parts = " UNION ALL ".join(f"({part(f' AND {where}')})" for where in slices)
    return f"{create}SELECT {', '.join(FINE_KEYS)}, {sums} FROM ({parts}) p GROUP BY {', '.join(FINE_KEYS)}"


def _fill_sql(sql: _Sql) -> list[str]:
    """The figure tables from the fine table: day rows, month rows (the sums of the day rows, exactly
    what the follower adds to both), topic days."""
    t = _tables()
    typed = f"{FINE} f LEFT JOIN {t['type']} et ON et.id = f.type_id"
    category = "COALESCE(et.category_id, 0)"
    area_cols = ", ".join(AREA_COUNTS)
    area_sums = ", ".join(f"SUM({c})" for c in AREA_COUNTS)
    unit_cols = (*UNIT_COUNTS, "hours_total")
    unit_sums = ", ".join(f"SUM({'unit_received' if c == 'received' else c})" for c in unit_cols)
    out = []
    for period, start in ((DAY, "day"), (MONTH, sql.month("day"))):
        out.append(
            f"INSERT INTO {AreaFigure._meta.db_table} (period, start, community_code, category_id, {area_cols}) "
            f"SELECT '{period}', {start}, community, {category}, {area_sums} FROM {typed} "
            f"GROUP BY {start}, community, {category} HAVING SUM({AREA_ANY}) > 0"
        )
        out.append(
            f"INSERT INTO {UnitFigure._meta.db_table} (period, start, community_code, category_id, unit_id, "
            f"{', '.join(unit_cols)}) SELECT '{period}', {start}, community, {category}, unit_id, {unit_sums} "
            f"FROM {typed} WHERE unit_id IS NOT NULL GROUP BY {start}, community, {category}, unit_id "
            f"HAVING SUM({UNIT_ANY}) > 0"
        )
    out.append(
        f"INSERT INTO {TopicDay._meta.db_table} (start, community_code, type_id, received, sensitive) "
        f"SELECT day, community, type_id, SUM(received), SUM(sensitive) FROM {FINE} "
        "WHERE type_id IS NOT NULL GROUP BY day, community, type_id HAVING SUM(received) > 0"
    )
    return out


def _live_sql(sql: _Sql) -> str:
    """Open cases: those whose last status move (up to the watermark) opened them. Only the cases not
    in a final status, and those with events after the watermark, can be: an action writes the case's
    status with its event, so a case whose last move opened it is either not final or has moved since
    (with a later event). Their trails are read through the (case, seq) index; the flags are set when
    an ``sla_overdue``/``escalate`` event follows that move."""
    t = _tables()
    open_ = _in(rollup.OPEN)
    final = _in(rollup.FINAL)
    moves = (
        f"((e.to_status IN {open_} AND e.from_status NOT IN {open_}) OR "
        f"(e.to_status IN {final} AND e.from_status NOT IN {final}))"
    )
    return (
        f"INSERT INTO {LiveCase._meta.db_table} (case_id, grid_code, category_id, channel, sensitive, "
        "overdue, escalated, opened_at) "
        f"SELECT c.id, c.grid_code, COALESCE(et.category_id, 0), c.channel, c.sensitive, "
        "COALESCE(m.overdue > m.moved, FALSE), COALESCE(m.escalated > m.moved, FALSE), o.at "
        f"FROM (SELECT e.case_id, MAX(CASE WHEN {moves} THEN e.id END) AS moved, "
        "MAX(CASE WHEN e.action = 'sla_overdue' THEN e.id END) AS overdue, "
        "MAX(CASE WHEN e.action = 'escalate' THEN e.id END) AS escalated "
        f"FROM {t['ev']} e WHERE e.id <= %s AND e.case_id IN ("
        f"SELECT id FROM {t['case']} WHERE status NOT IN {final} "
        f"UNION SELECT case_id FROM {t['ev']} WHERE id > %s) GROUP BY e.case_id) m "
        f"JOIN {t['ev']} o ON o.id = m.moved AND o.to_status IN {open_} "
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


def _months(first: dt.datetime, last: dt.datetime) -> list[tuple[dt.datetime, dt.datetime]]:
    """Local calendar months covering ``first`` … ``last``, as aware bounds."""
    tz = timezone.get_current_timezone()
    start = timezone.localtime(first, tz).date().replace(day=1)
    end = timezone.localtime(last, tz).date()
    out = []
    while start <= end:
        nxt = (start + dt.timedelta(days=32)).replace(day=1)
        out.append((dt.datetime.combine(start, dt.time(), tz), dt.datetime.combine(nxt, dt.time(), tz)))
        start = nxt
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


def _slices(cursor: Any, processes: int) -> list[str]:
    """PostgreSQL: the events table cut into ``processes`` ranges of blocks (the last one open, for
    rows written since); every row version is in exactly one of them (in each partition, when the
    table is partitioned)."""
    if processes < 2:
        return []
    table = CaseEvent._meta.db_table
    # Partitioned by month (``jiceng.cases.storage``): each partition numbers its own blocks from 0,
    # and a ``ctid`` range applies to every partition, so the cuts are made over the largest one.
    cursor.execute(
        "SELECT COALESCE(max(pg_relation_size(c.oid)), 0) / current_setting('block_size')::int "
        "FROM pg_class c WHERE c.oid = %s::regclass "
        "OR c.oid IN (SELECT inhrelid FROM pg_inherits WHERE inhparent = %s::regclass)",
        [table, table],
    )
    blocks = int(cursor.fetchone()[0])
    if blocks < processes:
        return []
    cuts = [blocks * i // processes for i in range(1, processes)]
    out = []
    low = None
    for cut in [*cuts, None]:
        parts = []
        if low is not None:
            parts.append(f"e.ctid >= '({low},0)'::tid")
        if cut is not None:
            parts.append(f"e.ctid < '({cut},0)'::tid")
        out.append(" AND ".join(parts))
        low = cut
    return out


def _figures(sql: _Sql, top: int, processes: int) -> None:
    """The fine table in one pass over the trail, then the figure tables from it."""
    with transaction.atomic(), connection.cursor() as cursor, _session(cursor, sql, processes):
        slices = _slices(cursor, processes) if sql.pg else []
        cursor.execute(_fine_sql(sql, slices), [top] * max(1, len(slices)))
        if sql.pg:
            cursor.execute(f"ANALYZE {FINE}")
        for statement in _fill_sql(sql):
            cursor.execute(statement, [])
        # Inside a caller's transaction the block is a savepoint, not a commit: drop it here.
        cursor.execute(f"DROP TABLE {FINE}")


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
        # Fresh statistics: a trail just loaded in bulk (or a test's few rows) otherwise gets
        # nested-loop plans that scan the events once per case.
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {CaseEvent._meta.db_table}, {Case._meta.db_table}")
    with transaction.atomic():
        rollup._claim()
        for model in rollup.TRAIL_ROLLUPS:
            with connection.cursor() as cursor:
                cursor.execute(f"DELETE FROM {model._meta.db_table}")
        top = CaseEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        bounds = CaseEvent.objects.filter(pk__lte=top).order_by("at").values_list("at", flat=True)
        first = bounds.first()
        last = CaseEvent.objects.filter(pk__lte=top).order_by("-at").values_list("at", flat=True).first()
        RollupState.objects.filter(pk=1).update(
            watermark=top, gaps=[], events_applied=0, rebuilt_at=timezone.now(), updated_at=timezone.now()
        )
    lap("prepare", started)

    months = _months(first, last) if first is not None and last is not None else []
    timing.months = len(months)
    started = time.perf_counter()
    _figures(sql, top, parallel if parallel is not None else workers())
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
