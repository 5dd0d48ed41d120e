"""Refusals of grid work, each with a stable code and a zh-Hans message."""

from __future__ import annotations

from jiceng.core.exceptions import Conflict, JicengError, NotFound


class GridworkError(JicengError):
    code = "gridwork_invalid"


class GridworkNotFound(NotFound):
    code = "not_found"


class PatrolClosed(Conflict):
    code = "patrol_closed"
