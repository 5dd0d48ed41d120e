"""The one base class of every domain error: a stable code and a message in the user's language."""

from __future__ import annotations


class JicengError(Exception):
    """A refusal the user can act on. ``code`` is stable for scripts; ``message`` is for people."""

    code = "invalid"
    status = 400

    def __init__(self, message: str, code: str | None = None, status: int | None = None) -> None:
        super().__init__(message)
        self.message = str(message)
        if code is not None:
            self.code = code
        if status is not None:
            self.status = status

    def as_dict(self) -> dict[str, dict[str, str]]:
        return {"error": {"code": self.code, "message": self.message}}


class NotFound(JicengError):
    """Missing and forbidden look the same, so a probe learns nothing about what exists."""

    code = "not_found"
    status = 404


class PermissionDenied(JicengError):
    code = "forbidden"
    status = 403


class Conflict(JicengError):
    code = "conflict"
    status = 409
