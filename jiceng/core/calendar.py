"""The working-day calendar kept in the database, and the actions that change it.

``current_calendar()`` is what every deadline is computed with. It compiles the database's complete
years into a :class:`jiceng.lib.workdays.Calendar` once and keeps it in the process; each call costs
one primary-key read of ``CalendarState.version`` (a random token replaced on every change, by the
actions below and by post_save/post_delete signals) and recompiles only when the token moved. A process
that computes deadlines in bulk (the SLA sweep) calls it once per batch and reuses the result;
``JICENG_CALENDAR_RECHECK_SECONDS`` (default 0) lets it skip the token read for that many seconds —
changes made in the same process are still seen at once.

Changes go through ``check_*`` (permission and validation) and ``do_*`` (one transaction, one
``CalendarChange`` audit row each); the admin, the ``jiceng calendar`` command and the data migration
all use them (the migration through the same seeding function on historical models).
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
import uuid
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jiceng.core.exceptions import JicengError, PermissionDenied
from jiceng.core.models import (
    CalendarAction,
    CalendarChange,
    CalendarDay,
    CalendarSource,
    CalendarState,
    CalendarYear,
)
from jiceng.lib.workdays import Calendar, CalendarMissing, chinese_calendar_days, package_years

logger = logging.getLogger(__name__)

__all__ = [
    "Calendar",
    "CalendarMissing",
    "calendar_alert",
    "check_delete_day",
    "check_set_day",
    "check_set_year",
    "current_calendar",
    "do_delete_day",
    "do_seed_from_package",
    "do_set_day",
    "do_set_year",
    "invalidate",
]


# -- the compiled calendar, cached per process ------------------------------------------------------

_lock = threading.Lock()
_cached: tuple[str | None, Calendar] | None = None
_checked_at = 0.0
_dirty = False


def _version() -> str | None:
    # Raw SQL: this read runs on every call, and the ORM's queryset machinery costs ten times the
    # query itself (≈500 µs against ≈40 µs on SQLite).
    table = connection.ops.quote_name(CalendarState._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT version FROM {table} WHERE id = 1")  # noqa: S608 - no user input
        row = cursor.fetchone()
    return row[0] if row else None


def bump_version() -> None:
    """Give the calendar a new version token (every process recompiles at its next look)."""
    # One UPDATE: this runs for every saved or deleted calendar row (signals), so keep it cheap.
    token = uuid.uuid4().hex
    if not CalendarState.objects.filter(id=1).update(version=token):
        CalendarState.objects.get_or_create(id=1, defaults={"version": token})
    invalidate()


def invalidate() -> None:
    """Forget this process's compiled calendar."""
    global _dirty
    _dirty = True


def _build() -> Calendar:
    years = set(CalendarYear.objects.filter(complete=True).values_list("year", flat=True))
    if not years and not CalendarYear.objects.exists():
        # No year at all: the rows the data migration seeded are gone (a flushed test database, a
        # restore of the schema alone). The package's official data is what the migration would
        # have put there; use it rather than stop every clock, and say so.
        first, last = package_years()
        logger.warning("工作日历数据表为空，暂用 chinesecalendar 软件包的 %s–%s 年数据。", first, last)
        return Calendar.from_chinese_calendar(first, last)
    days = dict(CalendarDay.objects.filter(date__year__in=years).values_list("date", "is_workday"))
    return Calendar(days, years)


def current_calendar() -> Calendar:
    """The calendar to count deadlines with: the database's complete years, compiled and cached."""
    global _cached, _checked_at, _dirty
    cached = _cached
    recheck = float(getattr(settings, "JICENG_CALENDAR_RECHECK_SECONDS", 0))
    now = time.monotonic()
    if cached is not None and not _dirty and recheck > 0 and now - _checked_at < recheck:
        return cached[1]
    version = _version()
    if cached is not None and not _dirty and cached[0] == version:
        _checked_at = now
        return cached[1]
    with _lock:
        _dirty = False
        calendar = _build()
        _cached = (version, calendar)
        _checked_at = now
    return calendar


def calendar_alert(today: dt.date | None = None) -> list[int]:
    """Years needed soon whose calendar is missing or incomplete: this year, and next year from
    ``JICENG_CALENDAR_NEXT_YEAR_FROM`` ("MM-DD", default "11-01"; the State Council usually publishes
    the next year's holidays in October–December). The SLA runner logs and alerts on these."""
    today = today or timezone.localdate()
    month, day = (
        int(x) for x in str(getattr(settings, "JICENG_CALENDAR_NEXT_YEAR_FROM", "11-01")).split("-")
    )
    needed = [today.year]
    if (today.month, today.day) >= (month, day):
        needed.append(today.year + 1)
    complete = current_calendar().years
    return [year for year in needed if year not in complete]


def alert_message(years: list[int]) -> str:
    return _("缺少 {years} 年的工作日历：请在管理后台录入法定节假日与调休并标记为完整。").format(
        years="、".join(str(y) for y in years)
    )


# -- actions ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Actor:
    """Who made a change: a user, or a named process (``jiceng calendar seed``, a migration)."""

    name: str
    id: int | None = None

    @classmethod
    def of(cls, user: Any) -> Actor:
        if user is None:
            return cls("system")
        return cls(user.get_username(), user.pk)


class CalendarError(JicengError):
    code = "calendar_invalid"


def _can_edit(user: Any) -> bool:
    return bool(
        getattr(user, "is_authenticated", False)
        and (
            user.is_superuser
            or user.has_perm("core.change_calendarday")
            and user.has_perm("core.change_calendaryear")
        )
    )


def _require_editor(user: Any) -> None:
    if not _can_edit(user):
        raise PermissionDenied(_("只有管理员可以修改工作日历。"))


def _day_state(day: CalendarDay | None) -> dict[str, Any] | None:
    if day is None:
        return None
    return {"is_workday": day.is_workday, "name": day.name, "source": day.source}


def _year_state(year: CalendarYear | None) -> dict[str, Any] | None:
    if year is None:
        return None
    return {"complete": year.complete, "source": year.source, "note": year.note}


def _audit(
    actor: Actor,
    action: str,
    year: int,
    *,
    day: dt.date | None = None,
    before: Any = None,
    after: Any = None,
    note: str = "",
) -> None:
    CalendarChange.objects.create(
        actor=actor.name[:150],
        actor_id=actor.id,
        action=action,
        year=year,
        date=day,
        before=before,
        after=after,
        note=note[:200],
    )


def check_set_day(user: Any, day: dt.date, is_workday: bool, name: str = "", note: str = "") -> CalendarDay:
    """Mark ``day`` as a holiday (``is_workday=False``) or a make-up working day, by an administrator."""
    _require_editor(user)
    if not 1949 <= day.year <= 2200:
        raise CalendarError(_("日期超出可录入范围。"))
    return do_set_day(Actor.of(user), day, is_workday, name.strip(), note=note)


def do_set_day(
    actor: Actor,
    day: dt.date,
    is_workday: bool,
    name: str = "",
    source: str = CalendarSource.MANUAL,
    note: str = "",
) -> CalendarDay:
    with transaction.atomic():
        existing = CalendarDay.objects.select_for_update().filter(date=day).first()
        before = _day_state(existing)
        row = existing or CalendarDay(date=day)
        row.is_workday = is_workday
        row.name = name
        row.source = source
        row.save()
        after = _day_state(row)
        if before != after:
            _audit(actor, CalendarAction.DAY_SET, day.year, day=day, before=before, after=after, note=note)
        bump_version()
    return row


def check_delete_day(user: Any, day: dt.date, note: str = "") -> None:
    """Remove an exception: the day falls back to "weekday works, weekend rests"."""
    _require_editor(user)
    do_delete_day(Actor.of(user), day, note=note)


def do_delete_day(actor: Actor, day: dt.date, note: str = "") -> None:
    with transaction.atomic():
        existing = CalendarDay.objects.select_for_update().filter(date=day).first()
        if existing is None:
            return
        before = _day_state(existing)
        existing.delete()
        _audit(actor, CalendarAction.DAY_DELETED, day.year, day=day, before=before, note=note)
        bump_version()


def check_set_year(user: Any, year: int, complete: bool, note: str = "") -> CalendarYear:
    """Add or update a year; marking it complete puts it into use for deadlines.

    A year is complete only once its holidays are entered: a year without a single holiday on a
    weekday would silently count Spring Festival as working days.
    """
    _require_editor(user)
    if not 1949 <= year <= 2200:
        raise CalendarError(_("年份超出可录入范围。"))
    if complete:
        holidays = CalendarDay.objects.filter(date__year=year, is_workday=False).values_list(
            "date", flat=True
        )
        if not any(d.weekday() < 5 for d in holidays):
            raise CalendarError(
                _("{year} 年还没有录入任何工作日放假的法定节假日，不能标记为完整。").format(year=year),
                code="calendar_incomplete",
            )
    return do_set_year(Actor.of(user), year, complete, note.strip())


def do_set_year(
    actor: Actor, year: int, complete: bool, note: str = "", source: str = CalendarSource.MANUAL
) -> CalendarYear:
    with transaction.atomic():
        existing = CalendarYear.objects.select_for_update().filter(year=year).first()
        before = _year_state(existing)
        row = existing or CalendarYear(year=year, source=source)
        row.complete = complete
        row.note = note
        if existing is None or existing.source != source and source == CalendarSource.SEEDED:
            row.source = source
        row.save()
        after = _year_state(row)
        if before != after:
            _audit(actor, CalendarAction.YEAR_SET, year, before=before, after=after)
        bump_version()
    return row


def check_delete_year(user: Any, year: int) -> None:
    _require_editor(user)
    do_delete_year(Actor.of(user), year)


def do_delete_year(actor: Actor, year: int) -> None:
    """Take a year out of use (its day rows stay, so it can be completed again)."""
    with transaction.atomic():
        existing = CalendarYear.objects.select_for_update().filter(year=year).first()
        if existing is None:
            return
        before = _year_state(existing)
        existing.delete()
        _audit(actor, CalendarAction.YEAR_DELETED, year, before=before)
        bump_version()


def seed_from_package(
    year_model: Any,
    day_model: Any,
    change_model: Any,
    actor: Actor,
    first_year: int,
    last_year: int,
    overwrite: bool = False,
) -> dict[int, int]:
    """Copy the package's official data for the years into the tables; returns {year: days written}.

    A year already in the database is left alone (it may carry an administrator's corrections)
    unless ``overwrite``; then its days are replaced by the package's. Works on historical models too,
    so the data migration seeds exactly as ``jiceng calendar seed`` does.
    """
    import chinese_calendar

    official = chinese_calendar_days(first_year, last_year)
    existing = set(
        year_model.objects.filter(year__range=(first_year, last_year)).values_list("year", flat=True)
    )
    note = f"chinesecalendar {chinese_calendar.__version__}"
    written: dict[int, int] = {}
    for year in range(first_year, last_year + 1):
        if year in existing and not overwrite:
            continue
        rows = [
            day_model(date=d, is_workday=working, name=name[:60], source=CalendarSource.SEEDED)
            for d, (working, name) in sorted(official.items())
            if d.year == year
        ]
        removed = day_model.objects.filter(date__year=year).delete()[0]
        day_model.objects.bulk_create(rows)
        year_model.objects.update_or_create(
            year=year, defaults={"complete": True, "source": CalendarSource.SEEDED, "note": note}
        )
        change_model.objects.create(
            actor=actor.name,
            actor_id=actor.id,
            action=CalendarAction.SEEDED,
            year=year,
            before={"days": removed} if year in existing else None,
            after={"days": len(rows), "complete": True},
            note=note,
        )
        written[year] = len(rows)
    return written


def do_seed_from_package(
    actor: Actor, first_year: int | None = None, last_year: int | None = None, overwrite: bool = False
) -> dict[int, int]:
    first, last = package_years()
    with transaction.atomic():
        written = seed_from_package(
            CalendarYear,
            CalendarDay,
            CalendarChange,
            actor,
            first if first_year is None else first_year,
            last if last_year is None else last_year,
            overwrite,
        )
        bump_version()
    return written


def check_seed_from_package(user: Any, years: list[int], overwrite: bool = True) -> dict[int, int]:
    _require_editor(user)
    written: dict[int, int] = {}
    for year in years:
        written.update(do_seed_from_package(Actor.of(user), year, year, overwrite))
    return written
