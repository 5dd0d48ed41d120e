"""Cases: intake throughput next to a raw insert, and the SLA sweep, with 1 M existing cases.

For SQLite and PostgreSQL: a small named district (``jiceng.testing.build_world``) and 1 M existing
open cases bulk-inserted (case + one event each, not through actions). Then, in the same run:

- intake through the action layer (``actions.check_submit_case``: validation, location, routing,
  dispatch, hash-chained events, SLA deadlines) — cases/s and p99 per case;
- intake through HTTP (``POST /api/v1/cases/`` with DRF's test client: the full middleware, auth,
  serializer and response stack, in process);
- a raw insert of the same rows (one case + one event in one transaction) — the ceiling; goal: actions
  ≥ 25 % of raw;
- the SLA sweep over the 1 M open cases: an idle pass (nothing due) and a pass with 1,000 cases due
  (each claimed by compare-and-set and marked) — goal < 2 s per pass.
"""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

from bench.common import Context

INTAKE = 400
QUICK_EXISTING = 20_000
FULL_EXISTING = 1_000_000
DUE = 1_000


def prepare(existing: int) -> dict[str, Any]:
    """Migrate, build the world, bulk-insert ``existing`` open cases with one event each."""
    import random

    from django.core.management import call_command
    from django.utils import timezone

    from jiceng.cases import trail
    from jiceng.cases.models import Case, CaseEvent, EventType, Status
    from jiceng.testing import build_world

    call_command("migrate", interactive=False, verbosity=0)
    world = build_world()
    grids = list(world.grids.values())
    types = list(EventType.objects.filter(lead_kind="chengguan")[:20])
    unit = world.units["xinan_chengguan"]
    now = timezone.now()
    rng = random.Random(7)
    started = time.perf_counter()
    batch = 5000
    made = 0
    from django.db import connection
    from django.db.models import Max

    next_id = (Case.objects.aggregate(m=Max("pk"))["m"] or 0) + 1
    while made < existing:
        size = min(batch, existing - made)
        cases = []
        events = []
        for i in range(size):
            grid = grids[(made + i) % len(grids)]
            at = now - dt.timedelta(minutes=rng.randint(60, 60 * 24 * 300))
            # Ids are given up front so the hash chain (which covers the case id) is built before
            # the insert, with no update afterwards.
            case = Case(
                id=next_id + made + i,
                title="存量工单",
                description="历史数据",
                channel="hotline",
                event_type=types[(made + i) % len(types)],
                status=Status.IN_PROGRESS,
                grid=grid,
                grid_code=grid.code,
                community_code=grid.code[:12],
                street_code=grid.code[:9],
                level="street",
                lead_unit=unit,
                registered_at=at,
                accepted_at=at,
                due_at=now + dt.timedelta(days=30),
                next_check_at=now + dt.timedelta(days=rng.randint(1, 60)),
            )
            events.append(
                trail.new_event(case, action="submit", at=at, from_status="", to_status=Status.REGISTERED)
            )
            cases.append(case)
        Case.objects.bulk_create(cases, batch_size=batch)
        CaseEvent.objects.bulk_create(events, batch_size=batch)
        made += size
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT setval(pg_get_serial_sequence('cases_case', 'id'), (SELECT max(id) FROM cases_case))"
            )
            cursor.execute("ANALYZE cases_case")
            cursor.execute("ANALYZE cases_caseevent")
    return {"existing": made, "seconds": round(time.perf_counter() - started, 1)}


def _rows(n: int) -> list[dict[str, Any]]:
    from jiceng.places.models import Room

    rooms = list(Room.objects.values_list("code", flat=True))
    return [
        {
            "description": f"小区门口垃圾堆放第{i}次反映",
            "type_code": "SR01",
            "location_code": rooms[i % len(rooms)],
        }
        for i in range(n)
    ]


def _stats(latencies: list[float]) -> tuple[float, float]:
    latencies = sorted(latencies)
    total = sum(latencies)
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
    return len(latencies) / total, p99 * 1000


def intake(n: int) -> dict[str, Any]:
    from django.db import connection, transaction
    from django.utils import timezone
    from rest_framework.test import APIClient

    from jiceng.cases import actions, sla, trail
    from jiceng.cases.models import Case, EventType, Status
    from jiceng.org.models import User
    from jiceng.places.models import Room

    resident = User.objects.get(username="resident")
    rows = _rows(n)
    out: dict[str, Any] = {"vendor": connection.vendor}
    # Warm up as a running server would be: calendar compiled, URLconf and serializers loaded.
    sla.calendar()
    from rest_framework.authtoken.models import Token

    token, _ = Token.objects.get_or_create(user=resident)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    for row in _rows(5):
        actions.check_submit_case(resident, **row)
        client.post("/api/v1/cases/", row, format="json")

    # Through the action layer.
    latencies = []
    for row in rows:
        started = time.perf_counter()
        actions.check_submit_case(resident, **row)
        latencies.append(time.perf_counter() - started)
    out["actions_per_s"], out["actions_p99_ms"] = _stats(latencies)

    # Through HTTP (DRF test client, token auth).
    latencies = []
    for row in rows:
        started = time.perf_counter()
        response = client.post("/api/v1/cases/", row, format="json")
        latencies.append(time.perf_counter() - started)
        assert response.status_code == 201, response.content
    out["http_per_s"], out["http_p99_ms"] = _stats(latencies)

    # Raw: the same case row and one event, one transaction each, no checks.
    event_type = EventType.objects.get(code="SR01")
    room_grid = {
        code: (grid_id, grid_code)
        for code, grid_id, grid_code in Room.objects.values_list(
            "code", "building__grid_id", "building__grid__code"
        )
    }
    latencies = []
    for row in rows:
        started = time.perf_counter()
        grid_id, grid_code = room_grid[row["location_code"]]
        with transaction.atomic():
            now = timezone.now()
            case = Case.objects.create(
                title=row["description"][:40],
                description=row["description"],
                channel="portal",
                event_type=event_type,
                status=Status.REGISTERED,
                grid_id=grid_id,
                grid_code=grid_code,
                community_code=grid_code[:12],
                street_code=grid_code[:9],
                location_code=row["location_code"],
                reporter=resident,
                registered_at=now,
            )
            event = trail.new_event(
                case, action="submit", at=now, from_status="", to_status=Status.REGISTERED
            )
            event.save()
        latencies.append(time.perf_counter() - started)
    out["raw_per_s"], out["raw_p99_ms"] = _stats(latencies)
    return out


def sweep(due: int) -> dict[str, Any]:
    from django.utils import timezone

    from jiceng.cases import sla
    from jiceng.cases.models import Case

    cal = sla.calendar()
    now = timezone.now()
    started = time.perf_counter()
    idle = sla.sweep(now=now, cal=cal)
    idle_s = time.perf_counter() - started
    ids = list(Case.objects.filter(status="in_progress").order_by("pk").values_list("pk", flat=True)[:due])
    # Accepted long ago with a short limit: each will be marked overdue (both clocks).
    Case.objects.filter(pk__in=ids).update(next_check_at=now - dt.timedelta(minutes=1))
    started = time.perf_counter()
    report = sla.sweep(now=now, cal=cal)
    busy_s = time.perf_counter() - started
    return {
        "idle_s": idle_s,
        "idle_claimed": idle.claimed,
        "busy_s": busy_s,
        "claimed": report.claimed,
        "overdue": report.overdue,
        "open": Case.objects.filter(status="in_progress").count(),
    }


def run(ctx: Context) -> None:
    existing = QUICK_EXISTING if ctx.quick else FULL_EXISTING
    n = 100 if ctx.quick else INTAKE
    for label, url in (("SQLite", ctx.sqlite_url("cases")), ("PostgreSQL", ctx.pg_url)):
        prepared = ctx.in_django(url, "bench.bench_cases:prepare", existing, timeout=7200)
        note = f"{prepared['existing']:,} 件存量工单（批量写入 {prepared['seconds']} s）"
        result = ctx.in_django(url, "bench.bench_cases:intake", n)
        share = result["actions_per_s"] / result["raw_per_s"]
        ctx.row("cases", f"intake via actions ({label})", result["actions_per_s"], "cases/s", note=note)
        ctx.row("cases", f"intake via actions p99 ({label})", result["actions_p99_ms"], "ms")
        ctx.row("cases", f"intake via HTTP ({label})", result["http_per_s"], "cases/s")
        ctx.row("cases", f"intake via HTTP p99 ({label})", result["http_p99_ms"], "ms")
        ctx.row("cases", f"raw insert case+event ({label})", result["raw_per_s"], "cases/s")
        ctx.row("cases", f"actions vs raw ({label})", f"{share:.0%}", "", goal="≥ 25%")
        swept = ctx.in_django(url, "bench.bench_cases:sweep", DUE)
        ctx.row(
            "cases",
            f"SLA sweep idle pass ({label})",
            swept["idle_s"],
            "s",
            goal="< 2 s",
            note=f"{swept['open']:,} 件在办",
        )
        ctx.row(
            "cases",
            f"SLA sweep pass, {swept['claimed']} due ({label})",
            swept["busy_s"],
            "s",
            goal="< 2 s",
            note=f"超期标记 {swept['overdue']}",
        )
