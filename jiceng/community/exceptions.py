"""Refusals of the residents' portal, each with a stable code and a zh-Hans message."""

from __future__ import annotations

from jiceng.core.exceptions import Conflict, JicengError, NotFound, PermissionDenied


class CommunityError(JicengError):
    code = "community_invalid"


class SmsCodeError(CommunityError):
    code = "sms_code"


class NotConfirmed(PermissionDenied):
    code = "residency_not_confirmed"


class NotStaff(PermissionDenied):
    code = "not_community_staff"


class Missing(NotFound):
    pass


class AlreadyDone(Conflict):
    code = "already_done"


class Full(Conflict):
    code = "full"


class OutOfStock(Conflict):
    code = "out_of_stock"


class InsufficientBalance(Conflict):
    code = "insufficient_balance"


class LedgerError(CommunityError):
    code = "ledger"


class PhaseError(Conflict):
    code = "phase"
