"""Rebuilding the rollups from the whole trail with set-based SQL, not event by event.

``rollup.catch_up`` folds events into deltas in Python (about 2,000 events/s); a rebuild of a
200-million-event trail that way takes more than a day. Here each rollup is one ``INSERT … SELECT …
GROUP BY`` over the trail joined with the cases, one month of events at a time (months are
independent: a day or month row only ever sums events of its own month), so memory stays bounded
and, on PostgreSQL, several months run at once on separate connections (``COMMAND_REBUILD_WORKERS``,
default: the number of CPUs). The same rules as ``rollup._Deltas.add``, written as SQL:

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
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import connection, connections, transaction
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
    """The month's events with their cases: joined in place (SQLite), or read from the month's staged
    table (PostgreSQL, ``_stage_sql``) under the same aliases, so the statements read alike."""
    if sql.pg:
        return (
            f"FROM {STAGE} e CROSS JOIN LATERAL (SELECT e.c_grid_code AS grid_code, e.c_sensitive AS "
            "sensitive, e.c_channel AS channel, e.c_event_type_id AS event_type_id) c "
            "CROSS JOIN LATERAL (SELECT e.et_category_id AS category_id) et WHERE TRUE"
        )
    t = _tables()
    return (
        f"FROM {t['ev']} e JOIN {t['case']} c ON c.id = e.case_id "
        f"LEFT JOIN {t['type']} et ON et.id = c.event_type_id "
        "WHERE e.id <= %s AND e.at >= %s AND e.at < %s"
    )


# PostgreSQL: a month's events joined with their cases once, in a temporary table the month's three
# statements read. Joined in each of them, every statement hashed the whole cases table again
# (three times a month); at 5.3 M events this halves the month statements' time.
STAGE = "rebuild_month"


def _stage_sql() -> str:
    t = _tables()
    return (
        f"CREATE TEMPORARY TABLE {STAGE} ON COMMIT DROP AS SELECT e.at, e.action, e.from_status, "
        "e.to_status, e.unit_id, e.data, c.grid_code AS c_grid_code, c.sensitive AS c_sensitive, "
        "c.channel AS c_channel, c.event_type_id AS c_event_type_id, et.category_id AS et_category_id "
        f"FROM {t['ev']} e JOIN {t['case']} c ON c.id = e.case_id "
        f"LEFT JOIN {t['type']} et ON et.id = c.event_type_id "
        "WHERE e.id <= %s AND e.at >= %s AND e.at < %s"
    )


def _area_sql(sql: _Sql) -> str:
    f = sql.flag
    closed = f"e.to_status = '{Status.CLOSED}' AND e.from_status <> '{Status.CLOSED}'"
    exprs = {
        "received": f("e.action = 'submit'"),
        "dispatched": f("e.action IN ('dispatch', 'first_responder')"),
        "escalated": f("e.action = 'escalate'"),
        "completed": f("e.action = 'complete'"),
        "completed_on_time": f(f"e.action = 'complete' AND {sql.true('on_time')}"),
        "closed": f(closed),
        "overdue": f(f"e.action = 'sla_overdue' AND {sql.unit_clock()}"),
        "sensitive": f("e.action = 'submit' AND c.sensitive"),
        "alarms": f(f"e.action = 'submit' AND c.channel = '{Channel.SENSOR}'"),
        "rated": f("e.action = 'rate'"),
        "satisfied": f(f"e.action = 'rate' AND {sql.satisfied()}"),
        "rating_sum": f"CASE WHEN e.action = 'rate' THEN {sql.score()} ELSE 0 END",
    }
    relevant = (
        "(e.action IN ('submit', 'dispatch', 'first_responder', 'escalate', 'complete', 'rate') "
        f"OR (e.action = 'sla_overdue' AND {sql.unit_clock()}) OR ({closed}))"
    )
    day = sql.day("e.at")
    community = "SUBSTR(c.grid_code, 1, 12)"
    category = "COALESCE(et.category_id, 0)"
    return (
        f"INSERT INTO {AreaFigure._meta.db_table} (period, start, community_code, category_id, "
        f"{', '.join(AREA_COUNTS)}) SELECT '{DAY}', {day}, {community}, {category}, "
        + ", ".join(f"SUM({exprs[c]})" for c in AREA_COUNTS)
        + f" {_source(sql)} AND {relevant} GROUP BY {day}, {community}, {category}"
    )


def _unit_sql(sql: _Sql) -> str:
    f = sql.flag
    receive = _in(RECEIVE)
    exprs = {
        "received": f(f"e.action IN {receive}"),
        "accepted": f("e.action = 'accept'"),
        "accepted_on_time": f(f"e.action = 'accept' AND {sql.true('on_time')}"),
        "completed": f("e.action = 'complete'"),
        "completed_on_time": f(f"e.action = 'complete' AND {sql.true('on_time')}"),
        "overdue": f(f"e.action = 'sla_overdue' AND {sql.unit_clock()}"),
        "returned": f("e.action = 'return'"),
        "reopened": f("e.action = 'reopen'"),
        "rated": f("e.action = 'rate'"),
        "satisfied": f(f"e.action = 'rate' AND {sql.satisfied()}"),
        "hours_count": f(f"e.action = 'complete' AND {sql.number('work_hours')} IS NOT NULL"),
        "hours_total": f"CASE WHEN e.action = 'complete' THEN COALESCE({sql.number('work_hours')}, 0) ELSE 0 END",
    }
    counted = [a for a in COUNTED if a != "sla_overdue"]
    relevant = f"(e.action IN {_in(counted)} OR (e.action = 'sla_overdue' AND {sql.unit_clock()}))"
    day = sql.day("e.at")
    community = "SUBSTR(c.grid_code, 1, 12)"
    category = "COALESCE(et.category_id, 0)"
    columns = (*UNIT_COUNTS, "hours_total")
    return (
        f"INSERT INTO {UnitFigure._meta.db_table} (period, start, community_code, category_id, unit_id, "
        f"{', '.join(columns)}) SELECT '{DAY}', {day}, {community}, {category}, e.unit_id, "
        + ", ".join(f"SUM({exprs[c]})" for c in columns)
        + f" {_source(sql)} AND e.unit_id IS NOT NULL AND {relevant} "
        f"GROUP BY {day}, {community}, {category}, e.unit_id"
    )


def _topic_sql(sql: _Sql) -> str:
    day = sql.day("e.at")
    community = "SUBSTR(c.grid_code, 1, 12)"
    return (
        f"INSERT INTO {TopicDay._meta.db_table} (start, community_code, type_id, received, sensitive) "
        f"SELECT {day}, {community}, c.event_type_id, COUNT(*), SUM({sql.flag('c.sensitive')}) "
        f"{_source(sql)} AND e.action = 'submit' AND c.event_type_id IS NOT NULL "
        f"GROUP BY {day}, {community}, c.event_type_id"
    )


def _month_sql(sql: _Sql) -> list[str]:
    """Month rows as the sums of the day rows of the month."""
    out = []
    for model, keys, counts in (
        (AreaFigure, ("community_code", "category_id"), AREA_COUNTS),
        (UnitFigure, ("community_code", "category_id", "unit_id"), (*UNIT_COUNTS, "hours_total")),
    ):
        month = sql.month("start")
        out.append(
            f"INSERT INTO {model._meta.db_table} (period, start, {', '.join(keys)}, {', '.join(counts)}) "
            f"SELECT '{MONTH}', {month}, {', '.join(keys)}, {', '.join(f'SUM({c})' for c in counts)} "
            f"FROM {model._meta.db_table} WHERE period = '{DAY}' AND start >= %s AND start < %s "
            f"GROUP BY {month}, {', '.join(keys)}"
        )
    return out


def _live_sql(sql: _Sql) -> str:
    t = _tables()
    open_ = _in(rollup.OPEN)
    final = _in(rollup.FINAL)
    moves = (
        f"((e.to_status IN {open_} AND e.from_status NOT IN {open_}) OR "
        f"(e.to_status IN {final} AND e.from_status NOT IN {final}))"
    )
    flag = "MAX(CASE WHEN x.action = '{action}' THEN 1 ELSE 0 END) = 1"
    return (
        f"INSERT INTO {LiveCase._meta.db_table} (case_id, grid_code, category_id, channel, sensitive, "
        "overdue, escalated, opened_at) "
        f"SELECT c.id, c.grid_code, COALESCE(et.category_id, 0), c.channel, c.sensitive, "
        f"{flag.format(action='sla_overdue')}, {flag.format(action='escalate')}, o.at "
        f"FROM (SELECT e.case_id, MAX(e.id) AS id FROM {t['ev']} e WHERE e.id <= %s AND {moves} "
        "GROUP BY e.case_id) m "
        f"JOIN {t['ev']} o ON o.id = m.id AND o.to_status IN {open_} "
        f"JOIN {t['case']} c ON c.id = m.case_id LEFT JOIN {t['type']} et ON et.id = c.event_type_id "
        f"LEFT JOIN {t['ev']} x ON x.case_id = m.case_id AND x.id > m.id AND x.id <= %s "
        "AND x.action IN ('sla_overdue', 'escalate') "
        "GROUP BY c.id, c.grid_code, et.category_id, c.channel, c.sensitive, o.at"
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
    """Month workers: 1 on SQLite, and inside a caller's transaction (other connections would not
    see its rows, and would wait on its locks); else ``COMMAND_REBUILD_WORKERS`` or the CPU count."""
    if not _pg() or connection.in_atomic_block:
        return 1
    configured = int(getattr(settings, "COMMAND_REBUILD_WORKERS", 0) or 0)
    return max(1, configured or (os.cpu_count() or 1))


def _month_work(sql: _Sql, top: int, bounds: tuple[dt.datetime, dt.datetime]) -> None:
    """One month's day rows and month rows, in one transaction."""
    start, end = bounds
    # As the database stores them: on SQLite, naive UTC text. An aware local bound compared as text
    # ("…00:00:00+08:00") would put the first eight hours of a month into the month before.
    at = connection.ops.adapt_datetimefield_value
    bounds_params = [top, at(start), at(end)]
    with transaction.atomic(), connection.cursor() as cursor:
        if sql.pg:
            cursor.execute(_stage_sql(), bounds_params)
        for statement in (_area_sql(sql), _unit_sql(sql), _topic_sql(sql)):
            cursor.execute(statement, [] if sql.pg else bounds_params)
        if sql.pg:
            # Inside a caller's transaction the block is a savepoint, not a commit: drop it here.
            cursor.execute(f"DROP TABLE {STAGE}")
        day_start, day_end = start.date(), end.date()
        for statement in _month_sql(sql):
            cursor.execute(statement, [day_start, day_end])


def _month_thread(sql: _Sql, top: int, bounds: tuple[dt.datetime, dt.datetime]) -> None:
    """A month on a pool thread, on that thread's own connection (closed with its work)."""
    try:
        _month_work(sql, top, bounds)
    finally:
        connections.close_all()


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
    n = parallel if parallel is not None else workers()
    if n > 1 and len(months) > 1:
        with ThreadPoolExecutor(max_workers=n) as pool:
            for _ in pool.map(lambda b: _month_thread(sql, top, b), months):
                pass
    else:
        for b in months:
            _month_work(sql, top, b)
    lap("figures", started)

    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
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
