"""Grid work: patrol coverage for a Bao'an-sized district over a month (PostgreSQL).

Generated directly with SQL (``generate_series``) in a database of its own: 1 district, 10 streets,
130 communities, 4,000 grids, 175,000 buildings (40 % urban village, weekly; 45 % residential,
monthly; 10 % commercial and 5 % industrial, fortnightly), and a month of building checks: each
building visited as its plan asks, except about one in seven, which is visited once less (≈ 330 K
checks). Then ``coverage.by_grid`` for the whole district (one set-based query), ``coverage.missed``
and ``coverage.by_worker`` are timed; p50 of repeated runs. Goal: < 2 s for the district's grids.

``--quick``: 400 grids and 17,500 buildings.
"""

from __future__ import annotations

import statistics
import time
from typing import Any

from bench.common import Context

GOAL_S = 2.0


def prepare(quick: bool) -> dict[str, Any]:
    import datetime as dt

    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", interactive=False, verbosity=0)
    grids = 400 if quick else 4000
    started = time.perf_counter()
    first = dt.date(2026, 3, 1)
    with connection.cursor() as cur:
        cur.execute(
            "INSERT INTO places_division (code, name, level, parent_id) VALUES ('440306', '宝安区', 'district', NULL)"
        )
        cur.execute(
            """
            INSERT INTO places_division (code, name, level, parent_id)
            SELECT '440306' || lpad(s::text, 3, '0'), '第' || s || '街道', 'street',
                   (SELECT id FROM places_division WHERE code = '440306')
            FROM generate_series(1, 10) s
            """
        )
        cur.execute(
            """
            INSERT INTO places_division (code, name, level, parent_id)
            SELECT d.code || lpad(c::text, 3, '0'), d.name || c || '社区', 'community', d.id
            FROM places_division d, generate_series(1, 13) c WHERE d.level = 'street'
            """
        )
        cur.execute(
            """
            INSERT INTO places_grid (code, name, community_id, polygon, center_lng, center_lat, updated_at)
            SELECT c.code || lpad(g::text, 2, '0'), c.name || '第' || g || '网格', c.id, '', 113.8, 22.6, now()
            FROM (SELECT id, code, name, row_number() OVER (ORDER BY code) AS n
                  FROM places_division WHERE level = 'community') c,
                 generate_series(1, 31) g
            WHERE (c.n - 1) * 31 + g <= %s
            """,
            [grids],
        )
        cur.execute(
            """
            INSERT INTO places_building (code, grid_id, address, address_key, lat, lng, floors, kind)
            SELECT g.code || lpad(b::text, 5, '0'), g.id, g.name || b || '栋', '', 22.6, 113.8, 6,
                   CASE WHEN b %% 20 < 8 THEN 'urban_village' WHEN b %% 20 < 17 THEN 'residential'
                        WHEN b %% 20 < 19 THEN 'commercial' ELSE 'industrial' END
            FROM (SELECT id, code, name, row_number() OVER (ORDER BY code) AS n FROM places_grid) g,
                 generate_series(1, 44) b
            WHERE (g.n - 1) * 44 + b <= %s * 44 AND ((g.n - 1) * 44 + b) %% 176 <> 0
            """,
            [grids],
        )
        cur.execute("SELECT count(*) FROM places_building")
        made_buildings = cur.fetchone()[0]
        cur.execute(
            """
            INSERT INTO org_user (username, password, display_name, phone, id_number, is_superuser, is_staff,
                                  is_active, first_name, last_name, email, date_joined)
            SELECT 'gw' || g.id, '!', '网格员' || g.id, '', '', false, false, true, '', '', '', now()
            FROM places_grid g
            """
        )
        cur.execute(
            """
            INSERT INTO gridwork_patrol (client_id, worker_id, grid_id, started_at, stopped_at, received_at)
            SELECT 'p' || g.id, u.id, g.id, %s::timestamptz, NULL, now()
            FROM places_grid g JOIN org_user u ON u.username = 'gw' || g.id
            """,
            [f"{first}T09:00:00+08:00"],
        )
        # Visits per building: urban village every 7 days (4 in 28), others as planned; one building
        # in seven is short by one visit.
        cur.execute(
            """
            INSERT INTO gridwork_buildingcheck (client_id, patrol_id, building_id, worker_id, at, day, items, note)
            SELECT 'c' || b.id || '-' || v, p.id, b.id, p.worker_id,
                   (%s::date + ((v - 1) * b.every + b.id %% b.every)::int) + time '10:00',
                   %s::date + ((v - 1) * b.every + b.id %% b.every)::int, '{}'::jsonb, ''
            FROM (SELECT id, grid_id,
                         CASE kind WHEN 'urban_village' THEN 7 WHEN 'residential' THEN 28 ELSE 14 END AS every
                  FROM places_building) b
            JOIN gridwork_patrol p ON p.grid_id = b.grid_id
            CROSS JOIN LATERAL generate_series(1, 28 / b.every - CASE WHEN b.id %% 7 = 0 THEN 1 ELSE 0 END) v
            """,
            [first, first],
        )
        cur.execute("SELECT count(*) FROM gridwork_buildingcheck")
        checks = cur.fetchone()[0]
        cur.execute("ANALYZE")
    return {
        "grids": grids,
        "buildings": made_buildings,
        "checks": checks,
        "seconds": round(time.perf_counter() - started, 1),
        "start": str(first),
    }


def time_coverage(start_text: str, repeats: int) -> dict[str, Any]:
    import datetime as dt

    from jiceng.gridwork import coverage

    start = dt.date.fromisoformat(start_text)
    end = start + dt.timedelta(days=27)
    prefixes = ("440306",)
    out: dict[str, Any] = {}
    for name, fn in (
        ("by_grid", lambda: coverage.by_grid(prefixes, start, end)),
        ("missed", lambda: coverage.missed(prefixes, start, end, limit=100)),
        ("by_worker", lambda: coverage.by_worker(prefixes, start, end)),
        ("street by_grid", lambda: coverage.by_grid(("440306001",), start, end)),
    ):
        times = []
        result: Any = None
        for _ in range(repeats):
            t0 = time.perf_counter()
            result = fn()
            times.append(time.perf_counter() - t0)
        out[name] = {"p50": statistics.median(times), "max": max(times)}
        if name == "by_grid":
            totals = coverage.totals(result)
            out["totals"] = totals
    return out


def run(ctx: Context) -> None:
    url = ctx.pg_url  # this module's own fresh database (bench_gridwork)
    made = ctx.in_django(url, "bench.bench_gridwork:prepare", ctx.quick)
    ctx.row(
        "gridwork",
        "generated district (PostgreSQL)",
        made["buildings"],
        "buildings",
        "",
        f"{made['grids']:,} grids, {made['checks']:,} building checks over 28 days; {made['seconds']} s",
    )
    timings = ctx.in_django(url, "bench.bench_gridwork:time_coverage", made["start"], 5)
    totals = timings.pop("totals")
    for name, t in timings.items():
        ctx.row(
            "gridwork",
            f"patrol coverage {name} ({'district' if 'street' not in name else 'one street'}, 28 days)",
            round(t["p50"], 3),
            "s p50",
            f"< {GOAL_S} s" if name == "by_grid" else "",
            f"max {t['max']:.3f} s"
            + (f"; {totals['covered']:,}/{totals['buildings']:,} covered" if name == "by_grid" else ""),
        )
