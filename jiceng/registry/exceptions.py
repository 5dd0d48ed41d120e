"""Registry's domain errors (zh-Hans messages)."""

from __future__ import annotations

from jiceng.core.exceptions import Conflict, JicengError, NotFound


class RegistryError(JicengError):
    code = "registry"


class TaskClosed(Conflict):
    code = "task_closed"


class NothingFound(NotFound):
    code = "not_found"


class OutsideScope(NotFound):
    """A write names a person who lives outside the actor's scope: refused as if they did not exist
    (a 404), so the write never opens their record to the actor."""

    code = "person_outside_scope"
