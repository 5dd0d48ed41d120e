"""Refusals of the party-building app, each with a stable code and a zh-Hans message."""

from __future__ import annotations

from jiceng.core.exceptions import Conflict, JicengError, NotFound, PermissionDenied


class PartyError(JicengError):
    code = "party_invalid"


class Missing(NotFound):
    pass


class NotAllowed(PermissionDenied):
    code = "party_forbidden"


class AlreadyTaken(Conflict):
    code = "already_taken"


class WrongState(Conflict):
    code = "wrong_state"
