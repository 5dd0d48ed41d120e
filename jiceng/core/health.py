"""``/healthz`` (liveness) and ``/readyz`` (readiness): 200 or 503, JSON, and never a hang.

- ``/healthz`` answers from the process alone: a load balancer or container runtime restarts the web
  process only when it stops answering, never because the database is away.
- ``/readyz`` checks what serving needs, each check bounded in time: the database (connect timeout,
  a 2 s statement timeout on PostgreSQL), migrations not yet applied, the MQTT broker (a TCP connect,
  when ``MQTT_URL`` is configured) and the background workers' heartbeats (``core.WorkerBeat``): a
  running worker whose last beat is older than ``JICENG_WORKER_STALE_SECONDS`` is stale. Workers
  that stopped cleanly are listed but do not fail the check.
"""

from __future__ import annotations

import socket
import time
from datetime import timedelta
from typing import Any
from urllib.parse import urlparse

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connection, connections
from django.db.migrations.executor import MigrationExecutor
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache

STATEMENT_TIMEOUT_MS = 2000
BROKER_TIMEOUT_S = 1.0
# Building the migration graph costs ~0.1 s; a clean answer is remembered for a minute.
MIGRATIONS_CACHE_S = 60.0
_migrations_ok_at = 0.0


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


def check_database() -> dict[str, Any]:
    started = time.monotonic()
    try:
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                # Outside a transaction block: SET (not SET LOCAL) holds for this session, so reset it.
                cursor.execute("SET statement_timeout = %s", [STATEMENT_TIMEOUT_MS])
                try:
                    cursor.execute("SELECT 1")
                finally:
                    cursor.execute("RESET statement_timeout")
            else:
                cursor.execute("SELECT 1")
    except DatabaseError as exc:
        # A half-open connection must not be reused by the next request of this thread.
        connection.close_if_unusable_or_obsolete()
        return {
            "ok": False,
            "error": str(exc).strip().splitlines()[0][:200] if str(exc) else type(exc).__name__,
        }
    return {"ok": True, "vendor": connection.vendor, "ms": round((time.monotonic() - started) * 1000, 1)}


def check_migrations() -> dict[str, Any]:
    global _migrations_ok_at
    if time.monotonic() - _migrations_ok_at < MIGRATIONS_CACHE_S:
        return {"ok": True, "unapplied": []}
    try:
        executor = MigrationExecutor(connections[DEFAULT_DB_ALIAS])
        plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    except DatabaseError as exc:
        return {"ok": False, "error": str(exc)[:200]}
    unapplied = [f"{m.app_label}.{m.name}" for m, _backwards in plan]
    if not unapplied:
        _migrations_ok_at = time.monotonic()
    return {"ok": not unapplied, "unapplied": unapplied[:20]}


def check_broker() -> dict[str, Any] | None:
    if not getattr(settings, "JICENG_MQTT_CONFIGURED", False):
        return None
    url = urlparse(settings.JICENG_MQTT_URL)
    host, port = url.hostname or "127.0.0.1", url.port or (8883 if url.scheme == "mqtts" else 1883)
    try:
        with socket.create_connection((host, port), timeout=BROKER_TIMEOUT_S):
            pass
    except OSError as exc:
        return {"ok": False, "url": f"{host}:{port}", "error": str(exc)[:200]}
    return {"ok": True, "url": f"{host}:{port}"}


def check_workers() -> dict[str, Any]:
    from jiceng.core.models import WorkerBeat

    stale_after = timedelta(seconds=getattr(settings, "JICENG_WORKER_STALE_SECONDS", 120))
    now = timezone.now()
    workers: dict[str, Any] = {}
    stale: list[str] = []
    try:
        beats = list(WorkerBeat.objects.order_by("name"))
    except DatabaseError as exc:
        return {"ok": False, "error": str(exc)[:200]}
    for b in beats:
        age = (now - b.beat_at).total_seconds()
        is_stale = b.state == "running" and now - b.beat_at > stale_after
        if is_stale:
            stale.append(b.name)
        workers[b.name] = {
            "state": "stale" if is_stale else b.state,
            "age_s": round(age, 1),
            "host": b.host,
            "pid": b.pid,
        }
    return {"ok": not stale, "stale": stale, "workers": workers}


@never_cache
def readyz(request: HttpRequest) -> JsonResponse:
    checks: dict[str, Any] = {"database": check_database()}
    if checks["database"]["ok"]:
        checks["migrations"] = check_migrations()
        checks["workers"] = check_workers()
    broker = check_broker()
    if broker is not None:
        checks["broker"] = broker
    ok = all(c["ok"] for c in checks.values())
    return JsonResponse(
        {"status": "ok" if ok else "unavailable", "checks": checks}, status=200 if ok else 503
    )


PROBES = {"/healthz": healthz, "/readyz": readyz}


class ProbeMiddleware:
    """First in the chain: probes are answered before host validation, sessions or authentication,
    so a container runtime or proxy may probe ``http://127.0.0.1:8000/healthz`` whatever
    ``ALLOWED_HOSTS`` says, and a probe never touches the session table."""

    def __init__(self, get_response: Any) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> Any:
        probe = PROBES.get(request.path_info)
        if probe is not None and request.method in ("GET", "HEAD"):
            return probe(request)
        return self.get_response(request)
