"""Time limits (办理时限): deadlines derived from the trail, cached on the case, and the sweep.

Two clocks run on a case:

- the **unit's clock** has phases: the desk's dispatch limit (from arriving at the desk), the unit's
  acceptance limit (from dispatch) and its handling limit (from acceptance, or from a reopen);
- the **resident's clock** runs from registration (or from a reopen) until the case is completed.

A suspension (挂起, an approved extension) stops both. Everything is computed from the events, so a
corrected calendar or catalogue recomputes every deadline (``refresh``); the results are cached in
indexed columns (``due_at``, ``warn_at``, ``resident_due_at``, ``next_check_at``) for lists and for
the sweep, which finds due work through ``next_check_at`` only.
"""

from __future__ import annotations

import contextlib
import contextvars
import logging
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, fields
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from jiceng.cases import storage, trail
from jiceng.cases.models import Case, CaseEvent, EventType, LimitUnit, Notification, Status
from jiceng.core.loop import Loop
from jiceng.lib.workdays import Calendar, CalendarMissing

logger = logging.getLogger(__name__)

DEFAULT_LIMITS = {
    "dispatch": (2.0, LimitUnit.WORKHOUR),
    "accept": (2.0, LimitUnit.WORKHOUR),
    "handle": (5.0, LimitUnit.WORKDAY),
    "resident": (7.0, LimitUnit.WORKDAY),
}
PHASE_OF_STATUS: dict[str, str] = {
    Status.PENDING_DISPATCH: "dispatch",
    Status.DISPATCHED: "accept",
    Status.IN_PROGRESS: "handle",
}
# Events that start a phase of the unit's clock.
PHASE_STARTS = {
    "route": "dispatch",
    "return": "dispatch",
    "escalate": "dispatch",
    "dispatch": "accept",
    "redispatch": "accept",
    "first_responder": "accept",
    "accept": "handle",
    "reopen": "handle",
}
RETRY_WITHOUT_CALENDAR = timedelta(hours=1)


_pinned: contextvars.ContextVar[Calendar | None] = contextvars.ContextVar(
    "jiceng_cases_calendar", default=None
)


def calendar() -> Calendar:
    """The calendar deadlines are counted with (one compiled per process, see core.calendar)."""
    pinned = _pinned.get()
    if pinned is not None:
        return pinned
    from jiceng.core.calendar import current_calendar

    return current_calendar()


@contextlib.contextmanager
def pinned_calendar(cal: Calendar | None = None) -> Iterator[Calendar]:
    """Use one calendar for a batch of actions (the demo, an import) instead of re-checking it each time."""
    cal = cal or calendar()
    token = _pinned.set(cal)
    try:
        yield cal
    finally:
        _pinned.reset(token)


def warning_fraction() -> float:
    return float(getattr(settings, "JICENG_SLA_WARNING_FRACTION", 0.8))


def limit(event_type: EventType | None, phase: str) -> tuple[float, str]:
    if event_type is None:
        return DEFAULT_LIMITS[phase]
    if phase == "resident":
        return event_type.resident_limit, event_type.handle_unit
    return getattr(event_type, f"{phase}_limit"), getattr(event_type, f"{phase}_unit")


@dataclass
class Clocks:
    phase: str | None = None
    phase_start: datetime | None = None
    due_at: datetime | None = None
    warn_at: datetime | None = None
    resident_start: datetime | None = None
    resident_due_at: datetime | None = None
    supervision_due_at: datetime | None = None
    warned: bool = False
    overdue: bool = False
    resident_overdue: bool = False
    supervision_overdue: bool = False
    next_check_at: datetime | None = None
    note: str = ""
    pauses: list[tuple[datetime, datetime]] = field(default_factory=list)
    missing_year: int | None = None


@dataclass(frozen=True)
class Step:
    """What the clocks need of one event."""

    action: str
    at: datetime
    to_status: str
    data: dict[str, Any]


def steps_of(case: Case) -> list[Step]:
    return [
        Step(a, at, to, data or {})
        for a, at, to, data in case.events.order_by("seq").values_list("action", "at", "to_status", "data")
    ]


def compute(
    event_type: EventType | None,
    status: str,
    steps: Iterable[Step],
    cal: Calendar,
    now: datetime | None = None,
) -> Clocks:
    """Replay the trail into the current clocks. Pure: no queries."""
    now = now or timezone.now()
    c = Clocks()
    resident_running = False
    supervise_at: datetime | None = None
    pause_start: datetime | None = None
    pauses: list[tuple[datetime, datetime]] = []
    for step in steps:
        if step.action == "submit" or step.action == "reopen":
            c.resident_start, resident_running = step.at, True
            c.resident_overdue = False
        elif step.action == "complete":
            resident_running = False
        elif step.action == "verify" and step.to_status == Status.IN_PROGRESS:
            resident_running = True  # the result failed its check: the resident is still waiting
        if step.action in PHASE_STARTS:
            c.phase, c.phase_start = PHASE_STARTS[step.action], step.at
            c.warned = c.overdue = False
        if step.action == "suspend":
            pause_start = step.at
        elif step.action == "resume" and pause_start is not None:
            pauses.append((pause_start, step.at))
            pause_start = None
        elif step.action == "supervise":
            due = parse_datetime(str(step.data.get("due") or ""))
            if due is not None:
                c.supervision_due_at, supervise_at, c.supervision_overdue = due, step.at, False
        elif step.action in ("sla_warning", "sla_overdue"):
            clock = step.data.get("clock", "unit")
            if clock == "resident":
                c.resident_overdue = c.resident_overdue or step.action == "sla_overdue"
            elif step.data.get("phase") == c.phase:
                c.warned = True
                c.overdue = c.overdue or step.action == "sla_overdue"
        elif step.action == "supervision_overdue" and supervise_at is not None:
            c.supervision_overdue = True
    c.pauses = pauses
    if status not in PHASE_OF_STATUS:
        # Suspended, completed or final: the clocks stand still. Only a formal supervision of a
        # suspended or completed case keeps its own deadline.
        c.due_at = c.warn_at = c.resident_due_at = None
        if status not in (Status.SUSPENDED, Status.COMPLETED):
            c.supervision_due_at = None
        c.next_check_at = _next(c)
        return c
    c.phase = PHASE_OF_STATUS[status]
    try:
        if c.phase and c.phase_start is not None:
            amount, unit = limit(event_type, c.phase)
            relevant = [(max(a, c.phase_start), b) for a, b in pauses if b > c.phase_start]
            c.due_at = cal.extend(cal.add(c.phase_start, amount, unit), relevant, unit)
            c.warn_at = warning_moment(cal, c.phase_start, amount, unit, relevant)
        if resident_running and c.resident_start is not None:
            amount, unit = limit(event_type, "resident")
            relevant = [(max(a, c.resident_start), b) for a, b in pauses if b > c.resident_start]
            c.resident_due_at = cal.extend(cal.add(c.resident_start, amount, unit), relevant, unit)
    except CalendarMissing as exc:
        c.missing_year = exc.year
        c.note = exc.message[:200]
        c.due_at = c.warn_at = c.resident_due_at = None
        c.next_check_at = now + RETRY_WITHOUT_CALENDAR
        return c
    c.next_check_at = _next(c)
    return c


def warning_moment(
    cal: Calendar, start: datetime, amount: float, unit: str, pauses: list[tuple[datetime, datetime]]
) -> datetime:
    """When the warning fraction of this clock's own time has run.

    A working-day limit ends at close of business however late in its first day the clock started,
    so its time is the working time from the start to that deadline, and the warning comes at the
    fraction of *that*: a case accepted at 17:00 warns later than one accepted at 09:00 with the same
    deadline, and cases of one type that started on one day do not all warn at one moment. Working
    hours and wall-clock minutes are counted from the start already.
    """
    fraction = warning_fraction()
    if unit == LimitUnit.WORKDAY:
        hours = cal.working_seconds(start, cal.add(start, amount, unit)) / 3600
        return cal.extend(cal.add(start, hours * fraction, LimitUnit.WORKHOUR), pauses, LimitUnit.WORKHOUR)
    return cal.extend(cal.add(start, amount * fraction, unit), pauses, unit)


def _next(c: Clocks) -> datetime | None:
    candidates = []
    if c.warn_at is not None and not (c.warned or c.overdue):
        candidates.append(c.warn_at)
    if c.due_at is not None and not c.overdue:
        candidates.append(c.due_at)
    if c.resident_due_at is not None and not c.resident_overdue:
        candidates.append(c.resident_due_at)
    if c.supervision_due_at is not None and not c.supervision_overdue:
        candidates.append(c.supervision_due_at)
    return min(candidates) if candidates else None


CACHED = (
    "due_at",
    "warn_at",
    "resident_due_at",
    "supervision_due_at",
    "next_check_at",
    "warned",
    "overdue",
    "resident_overdue",
)


def apply(case: Case, clocks: Clocks) -> None:
    for name in CACHED:
        setattr(case, name, getattr(clocks, name))
    case.sla_note = clocks.note


def refresh(
    case: Case,
    steps: list[Step] | None = None,
    now: datetime | None = None,
    cal: Calendar | None = None,
) -> Clocks:
    """Recompute the case's clocks from its trail and cache them on the (unsaved) case."""
    clocks = compute(
        case.event_type, case.status, steps if steps is not None else steps_of(case), cal or calendar(), now
    )
    apply(case, clocks)
    if clocks.missing_year is not None:
        alert_missing_calendar(clocks.missing_year, case)
    return clocks


_logged: set[tuple[int, Any]] = set()


def alert_missing_calendar(year: int, case: Case | None = None) -> None:
    """A logged alert (once per process and day) and one outbox row per missing year and day:
    deadlines are never guessed."""
    today = timezone.localdate()
    if (year, today) not in _logged:
        _logged.add((year, today))
        logger.error("工作日历缺少 %s 年数据，相关工单期限暂无法计算。", year)
    if not Notification.objects.filter(
        kind="calendar_missing", data__year=year, created_at__date=today
    ).exists():
        Notification.objects.create(
            kind="calendar_missing",
            role="admin",
            message=f"缺少 {year} 年的工作日历，工单期限暂停计算；请管理员补录。",
            data={"year": year, "case": case.pk if case is not None else None},
        )


def recompute_all(queryset: Any = None, batch: int = 500) -> int:
    """Recompute cached deadlines of open cases (after a calendar or catalogue correction)."""
    from jiceng.cases.models import OPEN_STATUSES

    qs = (queryset if queryset is not None else Case.objects.filter(status__in=OPEN_STATUSES)).order_by("pk")
    cal = calendar()
    done = 0
    last = 0
    while True:
        ids = list(qs.filter(pk__gt=last).values_list("pk", flat=True)[:batch])
        if not ids:
            return done
        for pk in ids:
            with transaction.atomic():
                case = Case.objects.select_for_update(of=("self",)).select_related("event_type").get(pk=pk)
                refresh(case, cal=cal)
                case.version += 1
                case.save(update_fields=[*CACHED, "sla_note", "version"])
                done += 1
        last = ids[-1]


# -- the sweep --------------------------------------------------------------------------------------


@dataclass
class SweepReport:
    claimed: int = 0
    skipped: int = 0
    warnings: int = 0
    overdue: int = 0
    first_responder: int = 0
    supervision_overdue: int = 0
    errors: int = 0
    # The pass stopped at its size limit: more may be due now, and the runner goes again at once,
    # from ``last`` (the position of the last case it listed) so cases that failed are not met again
    # until the backlog is done.
    full: bool = False
    last: tuple[datetime, int] | None = None

    def add(self, other: SweepReport) -> None:
        """Add another pass's counts (every ``int`` field) to these."""
        for f in fields(self):
            if f.type == "int":
                setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))

    def __str__(self) -> str:
        return (
            f"处理 {self.claimed} 件（跳过 {self.skipped}）：预警 {self.warnings}，超期 {self.overdue}，"
            f"首问负责转派 {self.first_responder}，督办超期 {self.supervision_overdue}，错误 {self.errors}"
        )


def _after(qs: Any, after: tuple[datetime, int] | None) -> Any:
    """Keyset paging past ``after`` (next_check_at, id), so a case whose check failed is not met
    again within one pass. A row comparison, which the ``(next_check_at, id)`` index answers as a
    range: a backlog of cases all due at one moment is read in index order a batch at a time."""
    if after is None:
        return qs
    from django.db import connection
    from django.db.models import BooleanField
    from django.db.models.expressions import RawSQL

    table = connection.ops.quote_name(Case._meta.db_table)
    # Fixed SQL (the table's own name); the values are parameters.
    beyond = RawSQL(  # noqa: S611
        f"({table}.next_check_at, {table}.id) > (%s, %s)",
        (connection.ops.adapt_datetimefield_value(after[0]), after[1]),
        output_field=BooleanField(),
    )
    return qs.filter(beyond)


def due_rows(
    now: datetime, batch: int = 500, after: tuple[datetime, int] | None = None
) -> list[tuple[int, int, datetime]]:
    """(id, version, next_check_at) of cases whose check has come, oldest first, through the index."""
    qs = _after(Case.objects.filter(next_check_at__lte=now).order_by("next_check_at", "pk"), after)
    return [
        (pk, v, at)
        for pk, v, at in qs.values_list("pk", "version", "next_check_at")[:batch]
        if at is not None
    ]


def process(
    pk: int,
    version: int,
    now: datetime,
    cal: Calendar,
    report: SweepReport,
    case: Case | None = None,
    steps: list[Step] | None = None,
) -> bool:
    """Claim one case by compare-and-set and run its checks; False when another runner had it first.

    ``case`` and ``steps`` may be read beforehand (the sweep reads a whole chunk in two queries): a
    successful claim on ``case.version`` proves nothing changed since, because every action bumps the
    version in the same transaction as its events. Runs in its own savepoint, so the caller groups
    many claims into one transaction (one commit per chunk); a failing case rolls back alone.
    """
    from jiceng.cases import actions

    if case is not None:
        version = case.version
    try:
        with transaction.atomic():
            # The claim: only one runner moves the version on; the loser sees 0 rows and leaves the
            # case to the winner. The update also holds the row lock until the transaction ends.
            if Case.objects.filter(pk=pk, version=version).update(version=version + 1) != 1:
                report.skipped += 1
                return False
            report.claimed += 1
            if case is None:
                case = Case.objects.select_related("event_type").get(pk=pk)
                steps = None
            else:
                case.version = version + 1
            actions.do_sla_check(case, now=now, cal=cal, report=report, steps=steps)
            return True
    except Exception:  # noqa: BLE001 — one bad case must not stop the sweep; log and go on.
        report.errors += 1
        logger.exception("SLA check of case %s failed", pk)
        return False


def _read_chunk(ids: list[int]) -> tuple[dict[int, Case], dict[int, list[Step]]]:
    """The chunk's cases, then their trails: two queries for the whole chunk."""
    cases = {c.pk: c for c in Case.objects.filter(pk__in=ids).select_related("event_type")}
    steps: dict[int, list[Step]] = {pk: [] for pk in ids}
    rows = (
        (case_id, Step(action, at, to, data or {}))
        for case_id, action, at, to, data in CaseEvent.objects.filter(case_id__in=ids)
        .order_by("case_id", "seq")
        .values_list("case_id", "action", "at", "to_status", "data")
    )
    for case_id, step in rows:
        steps[case_id].append(step)
    return cases, steps


# Statuses whose marks the cached deadlines fully describe: the unit's clock is in its accept or
# handle phase (a late *desk* hands the case over, which the per-case path does).
FAST_STATUSES = frozenset({Status.DISPATCHED, Status.IN_PROGRESS})
_FAST_COLUMNS = (
    "pk",
    "version",
    "next_check_at",
    "status",
    "title",
    "desk_unit_id",
    "lead_unit_id",
    "due_at",
    "warn_at",
    "resident_due_at",
    "supervision_due_at",
    "warned",
    "overdue",
    "resident_overdue",
    "sla_note",
    "trail_head",
    "trail_length",
)


@dataclass
class _Mark:
    """The marks one case gets in this pass, worked out from its cached deadlines alone."""

    pk: int
    version: int
    title: str
    head: str
    length: int
    warned: bool
    overdue: bool
    resident_overdue: bool
    next_check_at: datetime | None
    events: list[tuple[Any, ...]]  # rows in _EVENT_COLUMNS order
    notices: list[tuple[str, int | None]]  # (kind, unit id)


_EVENT_COLUMNS = (
    "case_id", "seq", "at", "action", "from_status", "to_status", "actor_id", "unit_id", "reason", "data",
    "prev_hash", "hash",
)  # fmt: skip
_NOTICE_COLUMNS = (
    "kind", "case_id", "unit_id", "role", "message", "data", "created_at", "sent_at",
    "state", "next_attempt_at", "attempts", "claimed_by", "last_error",
)  # fmt: skip


def _due_rows_full(
    now: datetime, batch: int, after: tuple[datetime, int] | None, lock: bool = False
) -> list[tuple[Any, ...]]:
    """The next ``batch`` due cases; with ``lock`` (PostgreSQL, inside a transaction) locked and
    without those another runner holds, so runners side by side take disjoint batches."""
    qs = _after(Case.objects.filter(next_check_at__lte=now).order_by("next_check_at", "pk"), after)
    if lock:
        qs = qs.select_for_update(skip_locked=True, of=("self",))
    rows = qs.values_list(*_FAST_COLUMNS)[:batch]
    from django.db import connection

    if connection.vendor != "postgresql" or not settings.USE_TZ or connection.timezone_name != "UTC":
        return list(rows)
    # PostgreSQL: the same statement, read with psycopg's C loader for timestamps. Django's own loader
    # (a Python subclass, to set the time zone) parsed four timestamps a row at a quarter of the
    # runner's own time; the connection's time zone is UTC, so the values are the same.
    sql, params = rows.query.get_compiler(using=rows.db).as_sql()
    with connection.cursor() as cursor:
        # On this cursor only; the statement still goes through Django's wrapper (logging, wrappers).
        cursor.cursor.adapters.register_loader("timestamptz", _c_timestamptz_loader())
        cursor.execute(sql, params)
        return [tuple(row) for row in cursor.fetchall()]


def _c_timestamptz_loader() -> Any:
    """psycopg's own timestamptz loader (its C one when installed), not Django's override."""
    import psycopg
    from psycopg.pq import Format

    return psycopg.adapters.get_loader(psycopg.adapters.types["timestamptz"].oid, Format.TEXT)


def plan_marks(row: tuple[Any, ...], now: datetime, cal: Calendar) -> _Mark | None:
    """The warning / overdue marks a case is due, from its cached columns; None when only a replay
    of its trail can tell (desk phase, supervision, suspended or completed, missing calendar, or a
    cache that does not explain why the case is due)."""
    from jiceng.cases import lifecycle

    (pk, version, check_at, status, title, desk_id, lead_id, due_at, warn_at, resident_due_at,
     supervision_due_at, warned, overdue, resident_overdue, note, head, length) = row  # fmt: skip
    if status not in FAST_STATUSES or supervision_due_at is not None or note:
        return None
    cached = Clocks(
        due_at=due_at,
        warn_at=warn_at,
        resident_due_at=resident_due_at,
        warned=warned,
        overdue=overdue,
        resident_overdue=resident_overdue,
    )
    if check_at is None or _next(cached) != check_at:
        return None
    phase = PHASE_OF_STATUS[status]
    tz = getattr(cal, "tz", None) or timezone.get_current_timezone()
    marks: list[tuple[str, int | None, dict[str, Any]]] = []
    notices: list[tuple[str, int | None]] = []
    if due_at is not None and now >= due_at and not overdue:
        marks.append(
            (
                "sla_overdue",
                lead_id,
                {"clock": "unit", "phase": phase, "due": due_at.astimezone(tz).isoformat()},
            )
        )
        notices.append(("sla_overdue", lead_id))
        cached.warned = cached.overdue = True
    elif warn_at is not None and now >= warn_at and not (warned or overdue):
        due = due_at.astimezone(tz).isoformat() if due_at is not None else None
        marks.append(("sla_warning", lead_id, {"clock": "unit", "phase": phase, "due": due}))
        notices.append(("sla_warning", lead_id))
        cached.warned = True
    if resident_due_at is not None and now >= resident_due_at and not resident_overdue:
        marks.append(
            (
                "sla_overdue",
                lead_id or desk_id,
                {"clock": "resident", "due": resident_due_at.astimezone(tz).isoformat()},
            )
        )
        cached.resident_overdue = True
    if not marks:
        return None
    # The events as plain rows, chained here (as ``trail.new_event`` would): a close-of-business pass
    # can mark tens of thousands of cases, and model instances would cost more than the writes.
    events = []
    for action, unit_id, data in marks:
        to_status = lifecycle.check(action, status, lifecycle.SAME)
        seq = length + 1
        digest = trail.event_hash(
            case_id=pk, seq=seq, at=now, action=action, from_status=status, to_status=to_status,
            actor_id=None, unit_id=unit_id, reason="", data=data, prev_hash=head,
        )  # fmt: skip
        events.append((pk, seq, now, action, status, to_status, None, unit_id, "", data, head, digest))
        head, length = digest, seq
    return _Mark(
        pk,
        version,
        title,
        head,
        length,
        cached.warned,
        cached.overdue,
        cached.resident_overdue,
        _next(cached),
        events,
        notices,
    )


def _claim_and_mark(marks: list[_Mark], now: datetime, updated: datetime) -> set[int]:
    """SQLite: one statement claims every case by compare-and-set and writes its new cached columns;
    the events and outbox rows of the cases won follow in bulk. Returns the ids won."""
    from django.db import connection

    ops = connection.ops
    table = ops.quote_name(Case._meta.db_table)
    columns = "id, version, head, length, warned, overdue, resident_overdue, next_check_at"
    rows = [
        (m.pk, m.version, m.head, m.length, m.warned, m.overdue, m.resident_overdue, m.next_check_at)
        for m in marks
    ]
    prefix = f"WITH v({columns}) AS (VALUES {', '.join(['(%s, %s, %s, %s, %s, %s, %s, %s)'] * len(rows))}) "
    params = [value for row in rows for value in row[:7] + (ops.adapt_datetimefield_value(row[7]),)]
    params.append(ops.adapt_datetimefield_value(updated))
    sql = (
        f"{prefix}UPDATE {table} SET version = v.version + 1, trail_head = v.head, trail_length = v.length, "
        "warned = v.warned, overdue = v.overdue, resident_overdue = v.resident_overdue, "
        "next_check_at = v.next_check_at, sla_note = '', updated_at = %s "
        f"FROM v WHERE {table}.id = v.id AND {table}.version = v.version RETURNING {table}.id"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        won = {row[0] for row in cursor.fetchall()}
    return won


# PostgreSQL: a batch's claims, cached columns, events and outbox rows in one statement. The rows
# travel as three JSON parameters (encoded in C, parsed by the server) instead of a parameter per
# value or a COPY row by row; the events and outbox rows are written only for the cases the
# compare-and-set UPDATE won, in the order planned (ids in that order).
_MARK_STATEMENT = """
WITH v AS (
    SELECT * FROM json_to_recordset(%s::json) AS v(
        id bigint, version integer, head varchar, length integer, warned boolean, overdue boolean,
        resident_overdue boolean, next_check_at timestamptz)
), won AS (
    UPDATE {case} AS c SET version = v.version + 1, trail_head = v.head, trail_length = v.length,
        warned = v.warned, overdue = v.overdue, resident_overdue = v.resident_overdue,
        next_check_at = v.next_check_at, sla_note = '', updated_at = %s
    FROM v WHERE c.id = v.id AND c.version = v.version
    RETURNING c.id
), events AS (
    INSERT INTO {event} (case_id, seq, at, action, from_status, to_status, actor_id, unit_id, reason,
        data, prev_hash, hash)
    SELECT e.case_id, e.seq, e.at, e.action, e.from_status, e.to_status, e.actor_id, e.unit_id,
        e.reason, e.data, e.prev_hash, e.hash
    FROM json_to_recordset(%s::json) AS e(
        n integer, case_id bigint, seq integer, at timestamptz, action varchar, from_status varchar,
        to_status varchar, actor_id bigint, unit_id bigint, reason text, data jsonb, prev_hash varchar,
        hash varchar)
    WHERE e.case_id IN (SELECT id FROM won)
    ORDER BY e.n
), notices AS (
    INSERT INTO {notice} (kind, case_id, unit_id, role, message, data, created_at, sent_at, state,
        next_attempt_at, attempts, claimed_by, last_error)
    SELECT o.kind, o.case_id, o.unit_id, '', o.message, '{{}}'::jsonb, %s, NULL, 'pending', %s, 0, '', ''
    FROM json_to_recordset(%s::json) AS o(n integer, kind varchar, case_id bigint, unit_id bigint,
        message varchar)
    WHERE o.case_id IN (SELECT id FROM won)
    ORDER BY o.n
)
SELECT id FROM won
"""


def _mark_in_one_statement(marks: list[_Mark], created: datetime, messages: dict[str, str]) -> set[int]:
    """PostgreSQL: claim, update, and write the events and outbox rows of the cases won, in one
    statement (``_MARK_STATEMENT``). Returns the ids won."""
    import json

    from django.db import connection

    def iso(at: datetime | None) -> str | None:
        return None if at is None else at.isoformat()

    cases: list[dict[str, Any]] = []
    events: list[dict[str, Any]] = []
    notices: list[dict[str, Any]] = []
    for m in marks:
        cases.append(
            {
                "id": m.pk,
                "version": m.version,
                "head": m.head,
                "length": m.length,
                "warned": m.warned,
                "overdue": m.overdue,
                "resident_overdue": m.resident_overdue,
                "next_check_at": iso(m.next_check_at),
            }  # fmt: skip
        )
        for (
            case_id,
            seq,
            at,
            action,
            from_status,
            to_status,
            actor_id,
            unit_id,
            reason,
            data,
            prev,
            digest,
        ) in m.events:
            events.append(
                {
                    "n": len(events),
                    "case_id": case_id,
                    "seq": seq,
                    "at": iso(at),
                    "action": action,
                    "from_status": from_status,
                    "to_status": to_status,
                    "actor_id": actor_id,
                    "unit_id": unit_id,
                    "reason": reason,
                    "data": data,
                    "prev_hash": prev,
                    "hash": digest,
                }  # fmt: skip
            )
        for kind, unit_id in m.notices:
            message = (messages[kind] % {"title": m.title})[:300]
            notices.append(
                {"n": len(notices), "kind": kind, "case_id": m.pk, "unit_id": unit_id, "message": message}
            )
    quote = connection.ops.quote_name
    sql = _MARK_STATEMENT.format(
        case=quote(Case._meta.db_table),
        event=quote(CaseEvent._meta.db_table),
        notice=quote(Notification._meta.db_table),
    )
    dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
    params: list[Any] = [dumps(cases), created, dumps(events), created, created, dumps(notices)]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {row[0] for row in cursor.fetchall()}


def _mark_in_bulk(marks: list[_Mark], now: datetime, report: SweepReport) -> None:
    from django.db import connection
    from django.utils.translation import gettext as _

    messages = {"sla_overdue": _("工单超期：%(title)s"), "sla_warning": _("工单即将超期：%(title)s")}
    created = timezone.now()
    with transaction.atomic():
        if connection.vendor == "postgresql":
            won = _mark_in_one_statement(marks, created, messages)
        else:
            won = _claim_and_mark(marks, now, created)
            events: list[tuple[Any, ...]] = []
            notices: list[tuple[Any, ...]] = []
            for m in marks:
                if m.pk not in won:
                    continue
                events += m.events
                for kind, unit_id in m.notices:
                    notices.append(
                        (kind, m.pk, unit_id, "", (messages[kind] % {"title": m.title})[:300], {}, created)
                        + (None, "pending", created, 0, "", "")  # due for ``jiceng notify run`` at once
                    )
            _insert_rows(CaseEvent._meta.db_table, _EVENT_COLUMNS, events, json_at=9, times_at=(2,))
            _insert_rows(Notification._meta.db_table, _NOTICE_COLUMNS, notices, json_at=5, times_at=(6, 7, 9))
    for m in marks:
        if m.pk not in won:
            report.skipped += 1
            continue
        report.claimed += 1
        for e in m.events:
            if e[3] == "sla_overdue":
                report.overdue += 1
            else:
                report.warnings += 1


def _insert_rows(
    table: str, columns: tuple[str, ...], rows: list[tuple[Any, ...]], json_at: int, times_at: tuple[int, ...]
) -> None:
    """Insert plain rows, their JSON column encoded and (for SQLite) their datetimes adapted."""
    import json

    from django.db import connection

    from jiceng.core.bulk import insert_rows

    if not rows:
        return
    ops = connection.ops
    pg = connection.vendor == "postgresql"
    prepared = []
    for row in rows:
        values = list(row)
        values[json_at] = json.dumps(values[json_at], ensure_ascii=False)
        if not pg:
            for i in times_at:
                values[i] = ops.adapt_datetimefield_value(values[i])
        prepared.append(values)
    insert_rows(table, columns, prepared)


def pass_size() -> int:
    return int(getattr(settings, "JICENG_SLA_PASS_CASES", 2000))


def sweep(
    now: datetime | None = None,
    batch: int = 1000,
    cal: Calendar | None = None,
    chunk: int = 100,
    most: int | None = None,
    after: tuple[datetime, int] | None = None,
) -> SweepReport:
    """One pass over the cases whose ``next_check_at`` has come, oldest first: all of them, or at
    most ``most`` (then ``report.full`` says the pass stopped at its size and more may be due, and
    ``report.last`` is where the next pass goes on: pass it as ``after``).

    Cases whose cached deadlines say what is due (a unit in its accept or handle phase, no
    supervision, a known calendar) are marked set-wise: one compare-and-set ``UPDATE … RETURNING``
    per batch claims them and writes their new cached columns, and their hash-chained events and
    outbox rows are inserted in bulk in the same transaction (on PostgreSQL all of it one statement). The rest go one by one through
    ``process`` (``chunk`` claims per commit), which replays each trail.
    """
    from django.db import connection

    now = now or timezone.now()
    cal = cal or calendar()
    report = SweepReport()
    seen = 0
    shared = connection.vendor == "postgresql"
    while True:
        size = batch if most is None else min(batch, most - seen)
        if size <= 0:
            report.full = True
            return report
        fast: list[_Mark] = []
        slow: list[tuple[int, int]] = []
        # PostgreSQL: the batch stays locked until its marks are written; a second runner's listing
        # skips it and takes the next one (several ``jiceng sla run`` share one backlog).
        with transaction.atomic() if shared else contextlib.nullcontext():
            rows = _due_rows_full(now, size, after, lock=shared)
            seen += len(rows)
            if rows:
                after = report.last = (rows[-1][2], rows[-1][0])
            for row in rows:
                mark = plan_marks(row, now, cal)
                if mark is not None:
                    fast.append(mark)
                else:
                    slow.append((row[0], row[1]))
            if fast:
                try:
                    _mark_in_bulk(fast, now, report)
                except Exception:  # noqa: BLE001 — fall back to one by one, where a bad case fails alone.
                    logger.exception("bulk SLA marks failed; checking the batch case by case")
                    slow = [(m.pk, m.version) for m in fast] + slow
        for start in range(0, len(slow), chunk):
            part = slow[start : start + chunk]
            cases, steps = _read_chunk([pk for pk, _v in part])
            with transaction.atomic():
                for pk, version in part:
                    case = cases.get(pk)
                    if case is None or case.next_check_at is None or case.next_check_at > now:
                        continue  # acted on since it was listed; its new check time is its own
                    process(pk, version, now, cal, report, case=case, steps=steps[pk])
        if len(rows) < size:
            return report


class Runner(Loop):
    """``jiceng sla run``: sweep, sleep, repeat — a :class:`~jiceng.core.loop.Loop`, so a database
    outage is waited out with backoff instead of ending the runner, SIGTERM/SIGINT finish the current
    pass and exit, and a heartbeat (``sla``) tells ``/readyz`` it is alive.

    A pass handles at most ``most`` cases (``JICENG_SLA_PASS_CASES``), so none runs long however many
    cases come due at one close of business; after a full pass the runner goes again without
    sleeping until the backlog is gone (``--once`` too: it stops when nothing due is left).
    """

    name = "sla"

    def __init__(
        self, interval: float = 30.0, batch: int = 1000, out: Any = None, most: int | None = None
    ) -> None:
        super().__init__(interval=interval, out=out)
        self.batch = batch
        self.most = most if most is not None else pass_size()
        self.once = False
        self.total = SweepReport()
        self._after: tuple[datetime, int] | None = None
        self._missing: list[int] = []
        self._alerted_at = 0.0
        self._checkpointed_at = 0.0
        self._partitioned_at = 0.0

    def check_calendar(self) -> None:
        """Alert (log + outbox) when a year the clocks need is missing: at start, then hourly."""
        from jiceng.core.calendar import alert_message, calendar_alert

        missing = calendar_alert()
        now = time.monotonic()
        if not missing or (missing == self._missing and now - self._alerted_at < 3600):
            self._missing = missing
            return
        self._missing, self._alerted_at = missing, now
        logger.error(alert_message(missing))
        for year in missing:
            alert_missing_calendar(year)
        if self.out is not None:
            self.out.write(alert_message(missing))

    def run(self, once: bool = False) -> SweepReport:  # type: ignore[override]
        self.once = once
        super().run(once=once)
        return self.total

    def checkpoint_trail(self) -> None:
        """Append signed chain heads to the external checkpoint file, every
        ``JICENG_TRAIL_CHECKPOINT_SECONDS`` (0 turns it off). A failure to write is logged, not fatal:
        the timers matter more, and ``jiceng cases checkpoint`` can catch up."""
        every = settings.JICENG_TRAIL_CHECKPOINT_SECONDS
        now = time.monotonic()
        if every <= 0 or (self._checkpointed_at and now - self._checkpointed_at < every):
            return
        self._checkpointed_at = now
        try:
            written = trail.write_checkpoint()
        except OSError:
            logger.exception("trail checkpoint could not be written")
            return
        if self.out is not None and written.cases:
            self.out.write(str(written))

    def make_partitions(self) -> None:
        """PostgreSQL: the trail's monthly partitions from last month to two months on, at start and
        then hourly (``jiceng.cases.storage``)."""
        now = time.monotonic()
        if self._partitioned_at and now - self._partitioned_at < 3600:
            return
        made = storage.ensure_partitions()
        self._partitioned_at = now
        if self.out is not None and made:
            self.out.write("新建记录分区：" + "、".join(made))

    def step(self) -> bool:
        self.check_calendar()
        self.checkpoint_trail()
        self.make_partitions()
        report = sweep(batch=self.batch, most=self.most, after=self._after)
        self.total.add(report)
        if self.out is not None and (report.claimed or self.once):
            self.out.write(str(report))
        # A backlog (a close-of-business burst): go on from where this pass stopped, at once,
        # unless asked to stop. A pass that was not full ends the backlog; the next starts over.
        self._after = report.last if report.full else None
        return report.full
