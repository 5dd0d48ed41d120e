"""Time left on a case's clock, for the lists: counted the way the SLA engine counts (working hours
and working days of the working-day calendar; wall-clock for minute limits), red when overdue,
amber once the warning moment has passed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.utils.translation import gettext as _

from jiceng.cases import sla
from jiceng.cases.models import OPEN_STATUSES, Case, LimitUnit
from jiceng.core.exceptions import JicengError
from jiceng.lib.workdays import Calendar


@dataclass(frozen=True)
class Countdown:
    seconds: float  # working seconds left (negative: overdue by), wall-clock for minute limits
    unit: str
    state: str  # ok | warn | bad
    text: str
    due_at: datetime


def _span(seconds: float, unit: str, hours_per_day: float) -> str:
    minutes = int(abs(seconds) // 60)
    if unit == LimitUnit.MINUTE:
        hours, minutes = divmod(minutes, 60)
        return _("%(h)d小时%(m)d分") % {"h": hours, "m": minutes} if hours else _("%(m)d分") % {"m": minutes}
    day_minutes = max(1, int(hours_per_day * 60))
    days, rest = divmod(minutes, day_minutes)
    hours, minutes = divmod(rest, 60)
    if days:
        return _("%(d)d个工作日%(h)d小时") % {"d": days, "h": hours}
    if hours:
        return _("%(h)d工作小时%(m)d分") % {"h": hours, "m": minutes}
    return _("%(m)d工作分钟") % {"m": minutes}


def countdown(case: Case, now: datetime, cal: Calendar) -> Countdown | None:
    """The unit's clock of an open case with a deadline; None when no clock runs (suspended, done,
    or the calendar does not cover the span)."""
    if case.status not in OPEN_STATUSES or case.due_at is None or case.status not in sla.PHASE_OF_STATUS:
        return None
    _amount, unit = sla.limit(
        case.event_type if case.event_type_id else None, sla.PHASE_OF_STATUS[case.status]
    )
    try:
        if unit == LimitUnit.MINUTE:
            seconds = (case.due_at - now).total_seconds()
        elif case.due_at >= now:
            seconds = cal.working_seconds(now, case.due_at)
        else:
            seconds = -cal.working_seconds(case.due_at, now)
    except JicengError:
        return None
    overdue = case.overdue or case.due_at <= now
    if overdue:
        state, text = "bad", _("超期 %(span)s") % {"span": _span(seconds, unit, cal.hours.hours_per_day)}
    else:
        warned = case.warned or (case.warn_at is not None and case.warn_at <= now)
        state = "warn" if warned else "ok"
        text = _("剩余 %(span)s") % {"span": _span(seconds, unit, cal.hours.hours_per_day)}
    return Countdown(seconds, unit, state, text, case.due_at)


def decorate(cases: list[Any], now: datetime) -> None:
    """Set ``case.countdown`` on each case of a list (one calendar for the whole list)."""
    try:
        cal = sla.calendar()
    except JicengError:
        cal = None
    for case in cases:
        case.countdown = countdown(case, now, cal) if cal is not None else None
