"""The working-day calendar (工作日历) and deadline arithmetic for time limits (办理时限).

Framework-free: nothing here imports Django. Three units of time limit exist:

- ``"workday"`` — "N working days" ends at close of business (18:00 local) on the N-th working day
  *after* the day the clock starts, whatever hour it starts: a case accepted on Monday at 08:00 or at
  17:59 with a 1-working-day limit is due on Tuesday at 18:00. Official holidays are rest days and
  make-up working days (调休, usually a Saturday or Sunday) are working days. A fractional amount runs
  into the next working day by working hours: 0.5 working days after Monday is Tuesday 14:30 with the
  default hours (3 h 30 min of the 7 working hours).
- ``"workhour"`` — only working hours count (09:00–12:00 and 14:00–18:00 on working days); a clock
  that starts outside them begins at the next working period.
- ``"minute"`` — emergencies: wall-clock minutes, every day, every hour.

The calendar never guesses: a date in a year it has no data for raises :class:`CalendarMissing`,
because a wrong guess silently moves every deadline around the next Spring Festival.

Speed matters (an SLA sweep recomputes deadlines for a million cases), so the calendar is compiled
once into per-day lookup lists: ``add`` and ``elapsed`` are a handful of list look-ups, with no loop
over days whatever the amount.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, tzinfo
from typing import Final
from zoneinfo import ZoneInfo

from jiceng.core.exceptions import JicengError

SHANGHAI: Final = ZoneInfo("Asia/Shanghai")
UNITS: Final = ("workday", "workhour", "minute")
UNIT_LABELS: Final = {"workday": "工作日", "workhour": "工作小时", "minute": "分钟"}

_UNCOVERED, _REST, _WORK = 0, 1, 2


class CalendarMissing(JicengError):  # noqa: N818 - the name is part of the calendar's interface
    """A date falls in a year the calendar has no data for.

    Subclasses :class:`~jiceng.core.exceptions.JicengError` (itself framework-free) so the REST
    layer answers ``409 {"error": {"code": "calendar_missing", ...}}`` wherever it escapes.
    """

    code = "calendar_missing"
    status = 409

    def __init__(self, year: int, message: str | None = None) -> None:
        self.year = year
        super().__init__(
            message
            or f"缺少 {year} 年的工作日历（法定节假日与调休安排），无法计算期限；请管理员补录该年日历。"
        )


def _seconds(t: time) -> int:
    return t.hour * 3600 + t.minute * 60 + t.second


@dataclass(frozen=True)
class WorkingHours:
    """The working periods of a working day, and the close of business where whole days end."""

    periods: tuple[tuple[time, time], ...] = ((time(9, 0), time(12, 0)), (time(14, 0), time(18, 0)))
    close_of_business: time = time(18, 0)
    # Derived, in seconds since midnight: the periods, the working seconds before each period, and
    # the length of the working day.
    _spans: tuple[tuple[int, int], ...] = field(init=False, repr=False, compare=False)
    _before: tuple[int, ...] = field(init=False, repr=False, compare=False)
    day_seconds: int = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        spans = tuple((_seconds(a), _seconds(b)) for a, b in self.periods)
        if not spans:
            raise ValueError("工作时段不能为空。")
        previous_end = -1
        for start, end in spans:
            if start >= end or start < previous_end:
                raise ValueError("工作时段必须按时间先后排列且互不重叠。")
            previous_end = end
        before: list[int] = []
        total = 0
        for start, end in spans:
            before.append(total)
            total += end - start
        object.__setattr__(self, "_spans", spans)
        object.__setattr__(self, "_before", tuple(before))
        object.__setattr__(self, "day_seconds", total)

    @property
    def hours_per_day(self) -> float:
        return self.day_seconds / 3600

    def worked_by(self, second_of_day: float) -> float:
        """Working seconds of a working day that have passed at ``second_of_day``."""
        done = 0.0
        for start, end in self._spans:
            if second_of_day <= start:
                return done
            if second_of_day < end:
                return done + (second_of_day - start)
            done += end - start
        return done

    def moment_of(self, worked: float) -> float:
        """The earliest second of the day at which ``worked`` working seconds have passed (0 < worked)."""
        for (start, end), before in zip(self._spans, self._before, strict=True):
            if worked <= before + (end - start):
                return start + (worked - before)
        return float(self._spans[-1][1])


DEFAULT_HOURS: Final = WorkingHours()


class Calendar:
    """Which days are working days, for the years it has data for, and deadline arithmetic over them.

    ``days`` holds the exceptions: ``True`` marks a working day (a 调休 make-up Saturday), ``False`` a
    rest day (an official holiday). Any other day of a year in ``years`` is a working day from Monday
    to Friday and a rest day at the weekend. Overrides for dates outside ``years`` are ignored.
    """

    def __init__(
        self,
        days: Mapping[date, bool],
        years: set[int] | frozenset[int],
        hours: WorkingHours = DEFAULT_HOURS,
        tz: tzinfo = SHANGHAI,
    ) -> None:
        self.years = frozenset(years)
        self.hours = hours
        self.tz = tz
        self.overrides = {d: bool(v) for d, v in days.items() if d.year in self.years}
        self._day_seconds = hours.day_seconds
        self._day_end = hours.moment_of(hours.day_seconds)
        self._midnights: list[datetime] = []
        self._cobs: list[datetime] = []
        if not self.years:
            self._base = self._top = 0
            self._kind: list[int] = []
            self._work_before: list[int] = [0]
            self._gaps_before: list[int] = [0]
            self._workdays: list[int] = []
            return
        first, last = min(self.years), max(self.years)
        self._base = date(first, 1, 1).toordinal()
        self._top = date(last, 12, 31).toordinal()
        size = self._top - self._base + 1
        kind = [_UNCOVERED] * size
        for year in self.years:
            day = date(year, 1, 1)
            ordinal = day.toordinal()
            weekday = day.weekday()
            end = date(year, 12, 31).toordinal()
            while ordinal <= end:
                kind[ordinal - self._base] = _WORK if weekday < 5 else _REST
                ordinal += 1
                weekday = (weekday + 1) % 7
        for d, working in self.overrides.items():
            kind[d.toordinal() - self._base] = _WORK if working else _REST
        # work_before[i]: working days strictly before day i; gaps_before[i]: uncovered days before i.
        work_before = [0] * (size + 1)
        gaps_before = [0] * (size + 1)
        workdays: list[int] = []
        for i, k in enumerate(kind):
            work_before[i + 1] = work_before[i] + (k == _WORK)
            gaps_before[i + 1] = gaps_before[i] + (k == _UNCOVERED)
            if k == _WORK:
                workdays.append(i)
        self._kind = kind
        self._work_before = work_before
        self._gaps_before = gaps_before
        self._workdays = workdays
        # Per working day, its local midnight and close of business: a deadline is a look-up (whole
        # days) or a look-up plus an offset into the day (hours, fractions of a day).
        cob = timedelta(seconds=_seconds(hours.close_of_business))
        for i in workdays:
            d = date.fromordinal(self._base + i)
            midnight = datetime(d.year, d.month, d.day, tzinfo=tz)
            self._midnights.append(midnight)
            self._cobs.append(midnight + cob)

    # -- construction ------------------------------------------------------------------------------

    @classmethod
    def from_chinese_calendar(cls, first_year: int = 2004, last_year: int = 2026) -> Calendar:
        """The official calendar as published in the ``chinesecalendar`` package."""
        days = {d: working for d, (working, _name) in chinese_calendar_days(first_year, last_year).items()}
        return cls(days, set(range(first_year, last_year + 1)))

    def __repr__(self) -> str:
        span = f"{min(self.years)}–{max(self.years)}" if self.years else "无"
        return f"<Calendar years={span} ({len(self.years)}) overrides={len(self.overrides)}>"

    # -- days --------------------------------------------------------------------------------------

    def _missing_year(self, first: int, last: int) -> int:
        """The first year in ``first..last`` that has no data (``first`` when none is missing)."""
        for year in range(first, last + 1):
            if year not in self.years:
                return year
        return first

    def _index(self, d: date) -> int:
        i = d.toordinal() - self._base
        if i < 0 or i >= len(self._kind) or self._kind[i] == _UNCOVERED:
            raise CalendarMissing(d.year)
        return i

    def is_workday(self, d: date) -> bool:
        """Whether ``d`` is a working day; :class:`CalendarMissing` for a year with no data."""
        if isinstance(d, datetime):
            d = d.astimezone(self.tz).date() if d.tzinfo else d.date()
        return self._kind[self._index(d)] == _WORK

    def workdays_between(self, first: date, last: date) -> int:
        """Working days from ``first`` to ``last``, both included (0 when ``last < first``)."""
        if last < first:
            return 0
        i, j = self._index(first), self._index(last)
        if self._gaps_before[j + 1] != self._gaps_before[i]:
            raise CalendarMissing(self._missing_year(first.year, last.year))
        return self._work_before[j + 1] - self._work_before[i]

    def next_workday(self, d: date, n: int = 1) -> date:
        """The ``n``-th working day after ``d`` (``n`` ≥ 1)."""
        if n < 1:
            raise ValueError("n 必须为正整数。")
        i = self._index(d)
        return self._cob_of(self._work_before[i + 1] + n - 1, i).date()

    # -- working-time coordinates ------------------------------------------------------------------
    # A moment's "working position" is the number of working seconds from the start of the
    # calendar's first year to it. Deadlines are found by adding to a position and mapping back.

    def _local(self, moment: datetime) -> datetime:
        tz = moment.tzinfo
        if tz is self.tz:
            return moment
        if tz is None or moment.utcoffset() is None:
            raise ValueError("需要带时区的时间（aware datetime）。")
        return moment.astimezone(self.tz)

    def _day(self, local: datetime) -> int:
        """Index of a local moment's day; :class:`CalendarMissing` when its year has no data."""
        i = local.toordinal() - self._base
        if i < 0 or i >= len(self._kind) or self._kind[i] == _UNCOVERED:
            raise CalendarMissing(local.year)
        return i

    def _position(self, local: datetime) -> tuple[int, float]:
        """(day index, working position) of a local moment."""
        i = self._day(local)
        base = self._work_before[i] * self._day_seconds
        if self._kind[i] != _WORK:
            return i, float(base)
        second = local.hour * 3600 + local.minute * 60 + local.second + local.microsecond / 1e6
        return i, base + self.hours.worked_by(second)

    def _check_span(self, start: date, index: int) -> date:
        """The date of day ``index``, after checking no year without data lies between it and ``start``."""
        i = start.toordinal() - self._base
        if self._gaps_before[index] != self._gaps_before[i]:
            end = date.fromordinal(self._base + index)
            raise CalendarMissing(self._missing_year(start.year, end.year))
        return date.fromordinal(self._base + index)

    def _moment(self, position: float, i: int, whole_days_at_cob: bool) -> datetime:
        """The earliest local moment at working ``position``, counted from day ``i``.

        At an exact day boundary that is the end of the working day before it (its close of business
        when ``whole_days_at_cob``), not the start of the next one.
        """
        k, worked = divmod(position, self._day_seconds)
        k = int(k)
        if worked < 5e-7 and k > 0:
            k -= 1
            if whole_days_at_cob:
                moment = self._cob_of(k, i)
                return moment
            second = float(self._day_end)
        else:
            second = self.hours.moment_of(worked)
        if k >= len(self._workdays):
            raise CalendarMissing(max(self.years) + 1)
        j = self._workdays[k]
        if self._gaps_before[j] != self._gaps_before[i]:
            self._check_span(date.fromordinal(self._base + i), j)
        return self._midnights[k] + timedelta(seconds=second)

    def _cob_of(self, k: int, i: int) -> datetime:
        """Close of business of the ``k``-th working day, reached from day ``i``."""
        if k >= len(self._workdays):
            raise CalendarMissing(max(self.years) + 1)
        j = self._workdays[k]
        if self._gaps_before[j] != self._gaps_before[i]:
            self._check_span(date.fromordinal(self._base + i), j)
        return self._cobs[k]

    # -- deadlines ---------------------------------------------------------------------------------

    def add(self, start: datetime, amount: float, unit: str) -> datetime:
        """The deadline of a clock of ``amount`` ``unit`` started at ``start`` (aware, local tz out)."""
        local = self._local(start)
        if amount < 0:
            raise ValueError("时限不能为负数。")
        if unit == "workday":
            i = self._day(local)
            if amount == 0:
                return local
            first = self._work_before[i + 1]  # working days up to and including the start day
            if amount == int(amount):
                return self._cob_of(first + int(amount) - 1, i)
            return self._moment((first + amount) * self._day_seconds, i, True)
        if unit == "workhour":
            i, origin = self._position(local)
            if amount == 0:
                return local
            return self._moment(origin + amount * 3600, i, False)
        if unit == "minute":
            # Real elapsed minutes: arithmetic on timestamps, so a zone with daylight saving stays right.
            return datetime.fromtimestamp(local.timestamp() + amount * 60, self.tz)
        raise ValueError(f"未知的时限单位：{unit}")

    def elapsed(self, start: datetime, end: datetime, unit: str) -> float:
        """How much of a clock started at ``start`` has run by ``end``, in ``unit``; 0 when end <= start.

        The inverse of :meth:`add`: ``elapsed(s, e, u) >= amount`` exactly when ``e >= add(s, amount, u)``
        (for moments within working hours). For ``"workday"`` the day the clock starts does not count.
        """
        if unit not in UNITS:
            raise ValueError(f"未知的时限单位：{unit}")
        a, b = self._local(start), self._local(end)
        if b <= a:
            return 0.0
        if unit == "minute":
            return (b.timestamp() - a.timestamp()) / 60
        if unit == "workday":
            i = self._day(a)
            j, position = self._position(b)
            if self._gaps_before[j] != self._gaps_before[i]:
                raise CalendarMissing(self._missing_year(a.year, b.year))
            origin = self._work_before[i + 1] * self._day_seconds
            return max(0.0, (position - origin) / self._day_seconds)
        i, p = self._position(a)
        j, q = self._position(b)
        if self._gaps_before[j] != self._gaps_before[i]:
            raise CalendarMissing(self._missing_year(a.year, b.year))
        return (q - p) / 3600

    def working_seconds(self, start: datetime, end: datetime) -> float:
        """Working seconds between two moments (0 when end <= start)."""
        return self.elapsed(start, end, "workhour") * 3600

    def extend(self, deadline: datetime, pauses: Iterable[tuple[datetime, datetime]], unit: str) -> datetime:
        """Push ``deadline`` by the time the clock stood still (挂起、延期审批期间).

        Overlapping pauses count once. For ``"minute"`` a pause counts its wall-clock length; for
        ``"workday"`` and ``"workhour"`` only the working time inside it, added to the deadline in
        working time (a pause over two whole working days moves a 18:00 deadline two working days on).
        """
        if unit not in UNITS:
            raise ValueError(f"未知的时限单位：{unit}")
        local = self._local(deadline)
        # Each pause becomes an interval on a line (timestamps, or working positions); overlapping
        # intervals are merged there, since both mappings keep the order of moments.
        spans: list[tuple[float, float]] = []
        for a, b in pauses:
            a, b = self._local(a), self._local(b)
            if b <= a:
                continue
            if unit == "minute":
                spans.append((a.timestamp(), b.timestamp()))
                continue
            i, p = self._position(a)
            j, q = self._position(b)
            if self._gaps_before[j] != self._gaps_before[i]:
                raise CalendarMissing(self._missing_year(a.year, b.year))
            if q > p:
                spans.append((p, q))
        total = 0.0
        reach = float("-inf")
        for p, q in sorted(spans):
            if q <= reach:
                continue
            total += q - max(p, reach)
            reach = q
        if total <= 0:
            return local
        if unit == "minute":
            return self.add(local, total / 60, "minute")
        i, origin = self._position(local)
        return self._moment(origin + total, i, unit == "workday")

    # -- listing -----------------------------------------------------------------------------------

    def special_days(self, year: int) -> list[tuple[date, bool]]:
        """The year's holidays on weekdays and working weekend days, in date order."""
        if year not in self.years:
            raise CalendarMissing(year)
        out = []
        for d, working in sorted(self.overrides.items()):
            if d.year == year and working != (d.weekday() < 5):
                out.append((d, working))
        return out

    def covered_years(self) -> list[int]:
        return sorted(self.years)


def package_years() -> tuple[int, int]:
    """First and last year the installed ``chinesecalendar`` package has official data for."""
    from chinese_calendar import constants

    years = [d.year for d in constants.holidays] + [d.year for d in constants.workdays]
    return min(years), max(years)


def chinese_calendar_days(first_year: int, last_year: int) -> dict[date, tuple[bool, str]]:
    """Official holidays and make-up working days from the ``chinesecalendar`` package.

    ``{date: (is_workday, name)}``, the name in Chinese (国庆节, 春节…; make-up days carry the name of
    the holiday they make up for). Raises :class:`CalendarMissing` for a year the package lacks.
    """
    from chinese_calendar import constants

    first, last = package_years()
    for year in (first_year, last_year):
        if not first <= year <= last:
            raise CalendarMissing(
                year, f"chinesecalendar 软件包没有 {year} 年的节假日数据（仅有 {first}–{last} 年）。"
            )
    chinese = {h.value: h.chinese for h in constants.Holiday}
    out: dict[date, tuple[bool, str]] = {}
    for d, name in constants.holidays.items():
        if first_year <= d.year <= last_year:
            out[d] = (False, chinese.get(name, name or ""))
    for d, name in constants.workdays.items():
        if first_year <= d.year <= last_year:
            out[d] = (True, chinese.get(name, name or "") + "调休" if name else "调休上班")
    return out


__all__ = [
    "SHANGHAI",
    "UNITS",
    "Calendar",
    "CalendarMissing",
    "WorkingHours",
    "chinese_calendar_days",
    "package_years",
]
