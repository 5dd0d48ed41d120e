"""Refusals of the case engine. Each has a stable ``code`` for scripts and a zh-Hans message."""

from __future__ import annotations

from jiceng.core.exceptions import Conflict, JicengError, NotFound, PermissionDenied


class CaseError(JicengError):
    code = "case_invalid"


class CaseNotFound(NotFound):
    code = "case_not_found"


class UnknownType(CaseError):
    code = "unknown_type"


class LocationError(CaseError):
    code = "bad_location"


class OutsideDistrict(LocationError):
    code = "outside_district"


class PhotoError(CaseError):
    code = "bad_photo"


class PhotoTooLarge(PhotoError):
    code = "photo_too_large"


class WrongState(Conflict):
    code = "wrong_state"


class AlreadyRated(Conflict):
    code = "already_rated"


class NoDownward(CaseError):
    """One-way escalation: an escalated case never goes back to a lower level."""

    code = "escalated_no_downward"
    status = 409


class FirstResponderNoReturn(CaseError):
    code = "first_responder_no_return"
    status = 409


class ReasonRequired(CaseError):
    code = "reason_required"


class NoUnit(CaseError):
    code = "no_unit"


class TooManyReopens(Conflict):
    code = "max_reopens"


class ActionForbidden(PermissionDenied):
    code = "forbidden"


__all__ = [
    "ActionForbidden",
    "AlreadyRated",
    "CaseError",
    "CaseNotFound",
    "FirstResponderNoReturn",
    "LocationError",
    "NoDownward",
    "NoUnit",
    "OutsideDistrict",
    "PhotoError",
    "PhotoTooLarge",
    "ReasonRequired",
    "TooManyReopens",
    "UnknownType",
    "WrongState",
]
