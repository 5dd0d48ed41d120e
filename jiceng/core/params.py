"""Dates and moments from query strings, checked once for every filter that takes them.

``date.fromisoformat`` and ``parse_datetime`` accept year 1 and year 9999; one day more or less (an
"until end of day" bound, a previous period for comparison) then overflows, and Beijing time before
1901 has an offset with seconds that no ISO client reads. Every date a filter takes is therefore
between 1901 and 2199, and anything else is a 400 with a message naming the parameter."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _

from jiceng.core.exceptions import JicengError

MIN_YEAR, MAX_YEAR = 1901, 2199


class BadParameter(JicengError):
    code = "invalid_parameter"
    status = 400


def _out_of_range(what: str) -> BadParameter:
    return BadParameter(
        _("%(what)s须在 %(lo)d–%(hi)d 年之间。") % {"what": what, "lo": MIN_YEAR, "hi": MAX_YEAR}
    )


def parse_day(text: str, what: str) -> dt.date:
    """A ``YYYY-MM-DD`` day between 1901 and 2199."""
    try:
        day = parse_date(text.strip())
    except ValueError:
        day = None
    if day is None:
        raise BadParameter(_("%(what)s日期格式应为 YYYY-MM-DD。") % {"what": what})
    if not MIN_YEAR <= day.year <= MAX_YEAR:
        raise _out_of_range(what)
    return day


def parse_moment(text: str, what: str) -> dt.datetime:
    """An ISO 8601 moment (Beijing time when it has no offset) between 1901 and 2199, timezone-aware."""
    try:
        moment = parse_datetime(text.strip())
    except ValueError:
        moment = None
    if moment is None:
        raise BadParameter(_("%(what)s应为 ISO 8601 时间。") % {"what": what})
    if not MIN_YEAR <= moment.year <= MAX_YEAR:
        raise _out_of_range(what)
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


def is_ascii_digits(text: str) -> bool:
    """``str.isdigit`` is also true for "²", "٤" and "４", which ``int()`` or a code column refuse."""
    return text.isascii() and text.isdigit()


def refuse_nul(params: Any) -> None:
    """PostgreSQL text cannot hold a NUL character: a query parameter with one is a 400 naming it,
    not a database error (SQLite stored and compared it; PostgreSQL refuses the query)."""
    for name in params:
        values = params.getlist(name) if hasattr(params, "getlist") else [params[name]]
        if "\x00" in name or any(isinstance(v, str) and "\x00" in v for v in values):
            raise BadParameter(_("参数 %(name)s 不能包含 NUL 字符。") % {"name": name.replace("\x00", "")})
