"""Command centre: every panel's query on rollups at Bao'an scale (PostgreSQL), and the rollup job.

33 M cases through the real actions would take days on a small machine, so the rollup tables are
generated directly (SQL ``generate_series``) at the cardinality 33 M cases over ~2 years would give:

- divisions: 1 district, 10 streets, 124 communities, 4,000 grids (square polygons);
- ``AreaFigure`` day rows: 730 days × 124 communities × every catalogue category (21), ~45 K cases a
  day in all (33 M / 730), plus the month rows summed from them;
- ``UnitFigure`` day rows: two handling units per community × category × day (300 units), plus month
  rows;
- ``TopicDay``: the last 31 days (older rows are trimmed by the job), ~80 event types per community
  a day;
- ``LiveCase``: 200 K open cases; ``FeedItem``: 8 days of new cases (360 K); 4,000 grid workers'
  positions; 100 K building × care-group rows;
- the coarser copies the panels read (street/district area figures, unit totals over categories,
  open-case counters per area, care totals) recomputed from those rows by ``rollup.refill_totals``;
- a sample of raw trail: cases with three events each (submit, dispatch, complete) bulk-inserted,
  then applied by ``rollup.catch_up`` to measure the incremental job (events/s).

``--quick``: 120 days, one unit per combination, 20 K open cases, 2 K sample cases.
Each panel is timed at the district (30 days and the year so far), a street and a community
(30 days): p50 and p99 over repeated runs; goal < 300 ms.
"""

from __future__ import annotations

import time
from typing import Any

from bench.common import Context

GOAL_MS = 300


def prepare(quick: bool) -> dict[str, Any]:
    import datetime as dt
    import json

    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from jiceng.org.models import Unit, UnitKind, User
    from jiceng.places.models import Division, Grid, Level

    call_command("migrate", interactive=False, verbosity=0)
    started = time.perf_counter()
    district = Division.objects.create(code="440306", name="宝安区", level=Level.DISTRICT)
    streets, communities, grids = [], [], []
    for s in range(1, 11):
        street = Division(code=f"440306{s:03d}", name=f"第{s}街道", level=Level.STREET, parent=district)
        streets.append(street)
    Division.objects.bulk_create(streets)
    n = 0
    for street in streets:
        for c in range(1, 13 + (1 if int(street.code[-3:]) <= 4 else 0)):
            communities.append(
                Division(
                    code=f"{street.code}{c:03d}",
                    name=f"{street.name}{c}社区",
                    level=Level.COMMUNITY,
                    parent=street,
                )
            )
    Division.objects.bulk_create(communities)
    per = 4000 // len(communities) + 1
    for ci, community in enumerate(communities):
        for g in range(1, per + 1):
            if n >= 4000:
                break
            n += 1
            lng = 113.75 + (ci % 12) * 0.03 + (g % 6) * 0.004
            lat = 22.55 + (ci // 12) * 0.03 + (g // 6) * 0.004
            ring = [
                [lng, lat],
                [lng + 0.004, lat],
                [lng + 0.004, lat + 0.004],
                [lng, lat + 0.004],
                [lng, lat],
            ]
            grids.append(
                Grid(
                    code=f"{community.code}{g:02d}",
                    name=f"{community.name}第{g}网格",
                    community=community,
                    polygon=json.dumps({"type": "Polygon", "coordinates": [ring]}),
                    min_lng=lng,
                    max_lng=lng + 0.004,
                    min_lat=lat,
                    max_lat=lat + 0.004,
                    center_lng=lng + 0.002,
                    center_lat=lat + 0.002,
                )
            )
    Grid.objects.bulk_create(grids, batch_size=1000)
    kind, _created = UnitKind.objects.get_or_create(code="chengguan", defaults={"name": "城管执法"})
    Unit.objects.bulk_create(
        [
            Unit(
                code=f"u{i:03d}",
                name=f"承办单位{i:03d}",
                kind=kind,
                level=Level.STREET,
                division=streets[i % 10],
            )
            for i in range(300)
        ]
    )
    User.objects.bulk_create(
        [User(username=f"gw{i:04d}", display_name=f"网格员{i:04d}", password="!") for i in range(len(grids))],
        batch_size=1000,
    )
    User.objects.create_superuser("bench-admin", password="bench-pass")  # noqa: S106
    today = timezone.localdate()
    days = 120 if quick else 730
    first = today - dt.timedelta(days=days - 1)
    units_per = 1 if quick else 2
    live = 20_000 if quick else 200_000
    feed = 50_000 if quick else 360_000
    with connection.cursor() as cur:
        # ~45 K cases a day over 124 communities and 21 categories ≈ 17 per row, varied.
        cur.execute(
            """
            INSERT INTO command_areafigure (period, start, community_code, category_id, received, dispatched,
                escalated, completed, completed_on_time, closed, overdue, sensitive, alarms, rated, satisfied,
                rating_sum)
            SELECT 'd', d, code, cat, r, r - r / 20, r / 50, r - r / 10, (r - r / 10) * 9 / 10, r - r / 8, r / 25,
                   (r %% 7 = 0)::int, r / 30, r / 2, r * 9 / 20, r
            FROM (SELECT d::date AS d, c.code, k.id AS cat, (4 + floor(random() * 27))::int AS r
                  FROM generate_series(%s::date, %s::date, '1 day') d,
                       (SELECT code FROM places_division WHERE level = 'community') c,
                       (SELECT id FROM cases_category) k) x
            """,
            [first, today],
        )
        cur.execute(
            """
            INSERT INTO command_areafigure (period, start, community_code, category_id, received, dispatched,
                escalated, completed, completed_on_time, closed, overdue, sensitive, alarms, rated, satisfied,
                rating_sum)
            SELECT 'm', date_trunc('month', start)::date, community_code, category_id, sum(received),
                   sum(dispatched), sum(escalated), sum(completed), sum(completed_on_time), sum(closed),
                   sum(overdue), sum(sensitive), sum(alarms), sum(rated), sum(satisfied), sum(rating_sum)
            FROM command_areafigure WHERE period = 'd' GROUP BY 2, 3, 4
            """
        )
        cur.execute(
            """
            INSERT INTO command_unitfigure (period, start, unit_id, community_code, category_id, received,
                accepted, accepted_on_time, completed, completed_on_time, overdue, returned, reopened, rated,
                satisfied, hours_total, hours_count)
            SELECT 'd', a.start, u.id, a.community_code, a.category_id, a.received / %s, a.received / %s,
                   a.received / %s - 1, a.completed / %s, a.completed_on_time / %s, a.overdue / %s, 0, 0,
                   a.rated / %s, a.satisfied / %s, 20.0 * a.completed / %s, a.completed / %s
            FROM command_areafigure a
            CROSS JOIN generate_series(1, %s) k
            CROSS JOIN (SELECT array_agg(id ORDER BY id) AS ids FROM org_unit) ua
            CROSS JOIN LATERAL (
                SELECT ua.ids[1 + (abs(hashtext(a.community_code || a.category_id::text)) + k) %% 300] AS id
            ) u
            WHERE a.period = 'd'
            """,
            [units_per] * 10 + [units_per],
        )
        cur.execute(
            """
            INSERT INTO command_unitfigure (period, start, unit_id, community_code, category_id, received,
                accepted, accepted_on_time, completed, completed_on_time, overdue, returned, reopened, rated,
                satisfied, hours_total, hours_count)
            SELECT 'm', date_trunc('month', start)::date, unit_id, community_code, category_id, sum(received),
                   sum(accepted), sum(accepted_on_time), sum(completed), sum(completed_on_time), sum(overdue),
                   sum(returned), sum(reopened), sum(rated), sum(satisfied), sum(hours_total), sum(hours_count)
            FROM command_unitfigure WHERE period = 'd' GROUP BY 2, 3, 4, 5
            """
        )
        cur.execute(
            """
            INSERT INTO command_topicday (start, community_code, type_id, received, sensitive)
            SELECT d::date, c.code, t.id, (1 + floor(random() * 8))::int, (random() < 0.02)::int
            FROM generate_series(%s::date - 30, %s::date, '1 day') d,
                 (SELECT code FROM places_division WHERE level = 'community') c,
                 (SELECT id FROM cases_eventtype ORDER BY id LIMIT 80) t
            """,
            [today, today],
        )
        cur.execute(
            """
            INSERT INTO command_livecase (case_id, grid_code, category_id, channel, sensitive, overdue, escalated,
                opened_at)
            SELECT i, g.code, k.ids[1 + i %% array_length(k.ids, 1)],
                   CASE WHEN i %% 40 = 0 THEN 'sensor' ELSE 'hotline' END, i %% 200 = 0, i %% 12 = 0,
                   i %% 50 = 0, now() - (i %% 1000) * interval '10 minutes'
            FROM generate_series(1, %s) i
            JOIN (SELECT code, row_number() OVER (ORDER BY code) - 1 AS k FROM places_grid) g
              ON g.k = i %% 4000
            CROSS JOIN (SELECT array_agg(id ORDER BY id) AS ids FROM cases_category) k
            """,
            [live],
        )
        cur.execute(
            """
            INSERT INTO command_feeditem (event_id, at, kind, case_id, grid_code, category_id, type_id, title,
                channel, sensitive, priority)
            SELECT i, now() - (%s - i) * interval '1.9 seconds', CASE WHEN i %% 50 = 0 THEN 'escalated' ELSE 'new' END,
                   i, g.code, 1, 1, '群众反映小区门口垃圾堆放', 'hotline', i %% 200 = 0, 0
            FROM generate_series(1, %s) i
            JOIN (SELECT code, row_number() OVER (ORDER BY code) - 1 AS k FROM places_grid) g ON g.k = i %% 4000
            """,
            [feed, feed],
        )
        cur.execute(
            """
            INSERT INTO command_workerposition (user_id, lat, lng, at, grid_code, case_id)
            SELECT u.id, g.center_lat, g.center_lng, now() - interval '2 hours', g.code, u.id
            FROM (SELECT id, row_number() OVER (ORDER BY id) AS k FROM org_user WHERE username LIKE 'gw%%') u
            JOIN (SELECT code, center_lat, center_lng, row_number() OVER (ORDER BY code) AS k FROM places_grid) g
              ON g.k = u.k
            """,
            [],
        )
        cur.execute(
            """
            INSERT INTO command_carebuilding (building_code, tag, people)
            SELECT g.code || lpad(b::text, 5, '0'), t.tag, 1 + (b %% 5)
            FROM places_grid g, generate_series(1, 15) b,
                 (VALUES ('独居老人'), ('残障'), ('高龄')) t(tag)
            WHERE (b + length(t.tag)) %% 3 <> 0
            """,
            [],
        )
    # The street/district copies, unit totals, open-case counters and care totals, from the fine rows
    # (what the incremental job keeps in step; see jiceng/command/tests/test_totals.py).
    from jiceng.command import rollup

    rollup.refill_totals()
    with connection.cursor() as cur:
        cur.execute("ANALYZE")
        counts = {}
        for table in (
            "areafigure",
            "areatotal",
            "unitfigure",
            "unittotal",
            "livecount",
            "topicday",
            "livecase",
            "feeditem",
            "workerposition",
            "carebuilding",
        ):
            cur.execute(f"SELECT count(*) FROM command_{table}")  # noqa: S608 — fixed table names
            counts[table] = cur.fetchone()[0]
    counts["seconds"] = round(time.perf_counter() - started, 1)
    return counts


def time_panels(reps: int) -> list[dict[str, Any]]:
    import statistics

    from django.conf import settings

    from jiceng.command import stats
    from jiceng.org.models import User

    settings.COMMAND_ROLLUP_MAX_AGE = 0
    admin = User.objects.get(username="bench-admin")
    levels = [
        ("区·近30天", {"division": "440306", "period": "30d"}),
        ("区·本年", {"division": "440306", "period": "year"}),
        ("街道·近30天", {"division": "440306001", "period": "30d"}),
        ("社区·近30天", {"division": "440306001001", "period": "30d"}),
    ]
    panels: list[tuple[str, Any]] = [
        ("kpis", stats.kpis),
        ("trend", stats.trend),
        ("map(open)", lambda f: stats.map_values(f, "open")),
        ("map(overdue)", lambda f: stats.map_values(f, "overdue")),
        ("geo", stats.geo),
        ("rankings", stats.rankings),
        ("feed", stats.feed),
        ("hot-topics", stats.hot_topics),
        ("workers", stats.workers),
        ("care", stats.care),
        ("safety-index", stats.safety_index),
    ]
    out = []
    for level, params in levels:
        f = stats.filters_for(admin, params)
        for name, fn in panels:
            fn(f)  # warm (and fill the geometry cache, as a running screen would)
            samples = []
            for _ in range(reps):
                t0 = time.perf_counter()
                fn(f)
                samples.append((time.perf_counter() - t0) * 1000)
            samples.sort()
            p99 = samples[min(len(samples) - 1, int(round(0.99 * (len(samples) - 1))))]
            out.append({"level": level, "panel": name, "p50": statistics.median(samples), "p99": p99})
    return out


def rollup_sample(cases: int) -> dict[str, Any]:
    """Bulk-insert ``cases`` cases with three events each, then time the incremental job over them."""
    import datetime as dt
    import random

    from django.utils import timezone

    from jiceng.cases.models import Case, CaseEvent, EventType, Status
    from jiceng.command import rollup
    from jiceng.org.models import Unit
    from jiceng.places.models import Grid

    grids = list(Grid.objects.all()[:4000])
    types = list(EventType.objects.all()[:60])
    units = list(Unit.objects.all()[:300])
    rng = random.Random(3)
    now = timezone.now()
    made = 0
    while made < cases:
        size = min(2000, cases - made)
        batch = []
        for i in range(size):
            grid = grids[(made + i) % len(grids)]
            at = now - dt.timedelta(minutes=rng.randint(10, 60 * 24 * 7))
            batch.append(
                Case(
                    title="巡查发现垃圾堆放",
                    description="样本",
                    channel="hotline",
                    event_type=types[(made + i) % len(types)],
                    status=Status.COMPLETED,
                    grid=grid,
                    grid_code=grid.code,
                    community_code=grid.code[:12],
                    street_code=grid.code[:9],
                    lead_unit=units[(made + i) % len(units)],
                    registered_at=at,
                )
            )
        Case.objects.bulk_create(batch)
        events = []
        for case in batch:
            at = case.registered_at
            for seq, (action, frm, to, data) in enumerate(
                (
                    ("submit", "", "registered", {"channel": "hotline"}),
                    ("dispatch", "registered", "dispatched", {}),
                    ("complete", "in_progress", "completed", {"on_time": True, "work_hours": 3.5}),
                ),
                start=1,
            ):
                events.append(
                    CaseEvent(
                        case=case,
                        seq=seq,
                        at=at + dt.timedelta(hours=seq),
                        action=action,
                        from_status=frm,
                        to_status=to,
                        unit=case.lead_unit if seq > 1 else None,
                        data=data,
                        hash=f"{case.pk}-{seq}",
                    )
                )
        CaseEvent.objects.bulk_create(events, batch_size=5000)
        made += size
    t0 = time.perf_counter()
    done = rollup.catch_up()
    seconds = time.perf_counter() - t0
    return {"events": done.events, "seconds": seconds, "rate": done.events / seconds if seconds else 0.0}


def run(ctx: Context) -> None:
    url = ctx.pg_url
    counts = ctx.in_django(url, "bench.bench_command:prepare", ctx.quick)
    ctx.row(
        "command",
        "generated rollups (PostgreSQL)",
        counts["areafigure"] + counts["unitfigure"],
        "rows",
        "",
        f"area {counts['areafigure']:,} (+{counts['areatotal']:,} street/district), unit "
        f"{counts['unitfigure']:,} (+{counts['unittotal']:,} totals), open counters {counts['livecount']:,}, topics {counts['topicday']:,}, "
        f"open {counts['livecase']:,}, feed {counts['feeditem']:,}, care {counts['carebuilding']:,}; "
        f"{'120 days (quick)' if ctx.quick else '730 days ≈ 33 M cases'}; {counts['seconds']} s",
    )
    timings = ctx.in_django(url, "bench.bench_command:time_panels", 5 if ctx.quick else 15)
    worst = 0.0
    for t in timings:
        worst = max(worst, t["p99"])
        ctx.row(
            "command",
            f"{t['level']} {t['panel']}",
            round(t["p50"], 1),
            "ms p50",
            f"< {GOAL_MS} ms",
            f"p99 {t['p99']:.1f} ms",
        )
    ctx.row(
        "command",
        "slowest panel p99",
        round(worst, 1),
        "ms",
        f"< {GOAL_MS} ms",
        "ok" if worst < GOAL_MS else "SLOW",
    )
    sample = ctx.in_django(url, "bench.bench_command:rollup_sample", 2_000 if ctx.quick else 20_000)
    ctx.row(
        "command",
        "rollup catch-up (incremental job)",
        round(sample["rate"]),
        "events/s",
        "",
        f"{sample['events']:,} events in {sample['seconds']:.1f} s; a 33 M-case trail (~6 events each) "
        f"rebuilds in ≈ {33e6 * 6 / max(sample['rate'], 1) / 3600:.1f} h",
    )
