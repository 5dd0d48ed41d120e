from __future__ import annotations

from jiceng.core.exceptions import JicengError, NotFound


class NotifyError(JicengError):
    code = "notify"


class MessageNotFound(NotFound):
    """Another person's message and a missing one look the same."""
