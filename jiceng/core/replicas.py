"""Read routing to PostgreSQL streaming replicas (``DATABASE_REPLICA_URLS``).

Nothing is read from a replica unless a read path opts in: the command centre and its stats API,
the evaluations and their exports, and the one-key lookup (``REPLICA_VIEWS``, by URL name, GET and
HEAD only), or code wrapped in :func:`using_replica`. Everything else — every write, every read
inside a write, migrations, sessions, sign-in, the workers — stays on ``default``.

Read-your-writes: a request that changed something (a successful POST/PUT/PATCH/DELETE) leaves a
cookie for ``JICENG_REPLICA_STICKY_SECONDS``; while it is there, the same browser reads from the
primary, so whoever just acted sees it at once although the standby may lag a little behind. A lagging
replica only ever shows the others' latest actions a moment late.

Without replicas configured the router answers ``None`` everywhere and Django's default applies.
"""

from __future__ import annotations

import contextvars
import functools
import itertools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from django.conf import settings
from django.db import connections
from django.http import HttpRequest, HttpResponseBase

STICKY_COOKIE = "jiceng_primary"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

# The read paths that may be served by a replica (URL names as ``resolver_match.view_name``).
REPLICA_VIEWS: frozenset[str] = frozenset(
    {
        "command:home",
        "command:screen",
        "command:evaluation",
        "command:evaluation-xlsx",
        "api-stats-kpis",
        "api-stats-trend",
        "api-stats-map",
        "api-stats-geo",
        "api-stats-rankings",
        "api-stats-feed",
        "api-stats-hot-topics",
        "api-stats-workers",
        "api-stats-care",
        "api-stats-grid-cases",
        "api-stats-safety-index",
        "api-stats-evaluation",
        "api-stats-categories",
        "api-stats-weights",
        "cases:evaluation",
        "cases:evaluation-people",
        "registry:lookup",
        "registry:place",
        "registry-lookup",
    }
)

# Read from the primary even on an opted-in path: who is asking, and what may be asked.
PRIMARY_ONLY = frozenset(
    {"authtoken.token", "sessions.session", "org.user", "org.membership", "core.workerbeat"}
)

_reading: contextvars.ContextVar[str | None] = contextvars.ContextVar("jiceng_replica", default=None)
_turn = itertools.count()

F = TypeVar("F", bound=Callable[..., Any])


def replica_aliases() -> list[str]:
    return [alias for alias in settings.DATABASES if alias.startswith("replica")]


def pick_replica() -> str | None:
    """The next replica in turn, or None when there are none."""
    aliases = replica_aliases()
    return aliases[next(_turn) % len(aliases)] if aliases else None


def current_replica() -> str | None:
    return _reading.get()


@contextmanager
def using_replica(alias: str | None = None) -> Iterator[str | None]:
    """Reads inside the block go to a replica (writes still go to the primary)."""
    token = _reading.set(alias or pick_replica())
    try:
        yield _reading.get()
    finally:
        _reading.reset(token)


@contextmanager
def using_primary() -> Iterator[None]:
    """Reads inside the block go to the primary, even inside :func:`using_replica`."""
    token = _reading.set(None)
    try:
        yield
    finally:
        _reading.reset(token)


def reads_from_replica(view: F) -> F:
    """A view decorator: its GET/HEAD reads go to a replica unless the visitor just wrote."""

    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        if not may_read_replica(request):
            return view(request, *args, **kwargs)
        with using_replica():
            return view(request, *args, **kwargs)

    return wrapped  # type: ignore[return-value]


def sticky_seconds() -> int:
    return int(getattr(settings, "JICENG_REPLICA_STICKY_SECONDS", 10))


def may_read_replica(request: HttpRequest) -> bool:
    return bool(replica_aliases() and request.method in SAFE_METHODS and STICKY_COOKIE not in request.COOKIES)


class ReplicaRouter:
    """Reads go where :func:`using_replica` says (else the default); writes and migrations to the
    primary only. Objects from the replica and the primary may be related freely: it is one
    database, a moment apart."""

    def db_for_read(self, model: Any, **hints: Any) -> str | None:
        alias = _reading.get()
        if alias is None:
            return None
        if connections["default"].in_atomic_block:
            return None  # inside a write: read what it wrote, from the primary
        if model._meta.label_lower in PRIMARY_ONLY:
            return None  # who is asking: a token or session issued a moment ago must work
        return alias

    def db_for_write(self, model: Any, **hints: Any) -> str | None:
        return "default"

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool | None:
        return True

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool | None:
        return db == "default"


class ReplicaMiddleware:
    """Opts the :data:`REPLICA_VIEWS` in, and marks the writer for read-your-writes."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        token = None
        request._replica_token = None  # type: ignore[attr-defined]
        try:
            response = self.get_response(request)
        finally:
            token = getattr(request, "_replica_token", None)
            if token is not None:
                _reading.reset(token)
        if replica_aliases() and request.method not in SAFE_METHODS and response.status_code < 400:
            response.set_cookie(
                STICKY_COOKIE,
                "1",
                max_age=sticky_seconds(),
                httponly=True,
                samesite="Lax",
                secure=request.is_secure(),
            )
        return response

    def process_view(self, request: HttpRequest, view: Any, args: Any, kwargs: Any) -> None:
        match = request.resolver_match
        if match is not None and match.view_name in REPLICA_VIEWS and may_read_replica(request):
            user = getattr(request, "user", None)
            if user is not None:
                bool(user.is_authenticated)  # the session and the account come from the primary
            request._replica_token = _reading.set(pick_replica())  # type: ignore[attr-defined]
