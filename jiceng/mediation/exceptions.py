"""Refusals of mediation actions, each with a stable code and a Chinese message."""

from __future__ import annotations

from jiceng.core.exceptions import JicengError, NotFound, PermissionDenied


class MediationError(JicengError):
    code = "mediation_invalid"


class DisputeNotFound(NotFound):
    code = "dispute_not_found"


class MediationForbidden(PermissionDenied):
    code = "mediation_forbidden"


class LegalNotFound(NotFound):
    code = "legal_not_found"
