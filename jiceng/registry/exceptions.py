"""Registry's domain errors (zh-Hans messages)."""

from __future__ import annotations

from jiceng.core.exceptions import Conflict, JicengError, NotFound


class RegistryError(JicengError):
    code = "registry"


class TaskClosed(Conflict):
    code = "task_closed"


class NothingFound(NotFound):
    code = "not_found"
