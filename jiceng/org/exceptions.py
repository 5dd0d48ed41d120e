"""Domain errors of the organisation app, with messages in Chinese."""

from __future__ import annotations

from jiceng.core.exceptions import Conflict, JicengError, PermissionDenied


class ShiftError(JicengError):
    code = "invalid_shift"


class ShiftOverlap(Conflict):
    code = "shift_overlap"


class RosterPermissionDenied(PermissionDenied):
    code = "roster_forbidden"
