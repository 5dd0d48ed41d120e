"""Cases: intake throughput next to a raw insert, and the SLA sweep, with 1 M existing cases.

For SQLite and PostgreSQL: a small named district (``jiceng.testing.build_world``) and 1 M existing
open cases bulk-loaded (COPY on PostgreSQL, executemany on SQLite; not through actions), each with a
two-event hash-chained trail and cached deadlines that all lie ahead. Then, in the same run:

- intake through the action layer (``actions.check_submit_case``: validation, location, routing,
  dispatch, hash-chained events, SLA deadlines) — cases/s and p99 per case;
- intake through HTTP (``POST /api/v1/cases/`` with DRF's test client: the full middleware, auth,
  serializer and response stack, in process);
- a raw insert of the same rows (one case + one event in one transaction) — the ceiling; goal: actions
  ≥ 25 % of raw. Actions and raw inserts take turns in rounds of 20 cases, so drift during the run
  weighs on both alike;
- the SLA runner (what ``jiceng sla run`` does) over the open cases, goal < 2 s per pass: an idle pass
  (nothing due), then every pass the runner makes as the moments when cases come due arrive, up to
  close of business of the next working day. The open cases mix four time limits (2, 5, 15 and 30
  working days) in proportion to how long each stays open, registered over six weeks. Warnings come at
  80 % of each case's own working time, so they spread over the day; working-day deadlines all end at
  18:00, so every case of one type registered on one day comes due at once and the close-of-business
  pass meets them as one backlog, which the runner works off in back-to-back passes of at most
  ``JICENG_SLA_PASS_CASES`` (default 2,000). Every due case is claimed by compare-and-set and marked
  with a hash-chained event and an outbox row; the chains of marked cases are verified afterwards.
"""

from __future__ import annotations

import datetime as dt
import os
import time
from typing import Any

from bench.common import Context

INTAKE = 400
QUICK_EXISTING = 20_000
FULL_EXISTING = 1_000_000


def prepare(existing: int) -> dict[str, Any]:
    """Migrate, build the world, bulk-load ``existing`` open cases (COPY on PostgreSQL, executemany in
    big transactions on SQLite), each with a two-event hash-chained trail (submitted, accepted) and
    cached deadlines equal to a replay of that trail: all in the future, so nothing is due yet."""
    import random

    from django.core.management import call_command
    from django.db import connection, transaction
    from django.utils import timezone

    from jiceng.cases import sla, trail
    from jiceng.cases.models import Case, CaseEvent, EventType, Status
    from jiceng.core.bulk import insert_rows
    from jiceng.testing import build_world

    call_command("migrate", interactive=False, verbosity=0)
    world = build_world()
    grids = list(world.grids.values())
    # Open cases by time limit, in proportion to how long each kind stays open (arrivals × duration):
    # quick (2 working days), routine (5), long (15), statutory (30).
    mix = [("SR01", 3), ("WJ01", 4), ("MD01", 2), ("MD08", 1)]
    types = {code: EventType.objects.get(code=code) for code, _w in mix}
    unit = world.units["xinan_chengguan"]
    cal = sla.calendar()
    now = timezone.now().replace(second=0, microsecond=0)
    rng = random.Random(7)
    pg = connection.vendor == "postgresql"
    ops = connection.ops

    def db_time(value: Any) -> Any:
        return value if pg or value is None else ops.adapt_datetimefield_value(value)

    # A template row with every column's default, then the columns that vary per case.
    template = Case(
        title="存量工单",
        description="历史数据",
        channel="hotline",
        status=Status.IN_PROGRESS,
        level="street",
        floor_level="community",
        registered_at=now,
        updated_at=now,
    )
    fields = list(Case._meta.concrete_fields)
    columns = [f.column for f in fields]
    base = [f.get_db_prep_save(getattr(template, f.attname), connection) for f in fields]
    at = {c: i for i, c in enumerate(columns)}
    event_columns = [f.column for f in CaseEvent._meta.concrete_fields if f.column != "id"]
    keyed = event_columns.index("keyed")
    clocks_of: dict[
        tuple[str, int], Any
    ] = {}  # (type, minutes ago) -> clocks (deadlines only depend on the moments)

    def clocks(key: tuple[str, int]) -> Any:
        if key not in clocks_of:
            code, minutes = key
            registered = now - dt.timedelta(minutes=minutes)
            steps = [
                sla.Step("submit", registered, Status.REGISTERED, {"channel": "hotline"}),
                sla.Step("accept", registered + dt.timedelta(minutes=30), Status.IN_PROGRESS, {}),
            ]
            clocks_of[key] = (registered, sla.compute(types[code], Status.IN_PROGRESS, steps, cal, now))
        return clocks_of[key]

    # Registered in working hours over the last six weeks (every 10 minutes), accepted 30 minutes
    # later, with the warning still ahead (so the trail needs no marks yet). Working-day deadlines
    # end at 18:00, so the cases of one type registered on one day come due together.
    tz = getattr(cal, "tz", None) or timezone.get_current_timezone()
    choices: list[tuple[str, int]] = []
    for code, weight in mix:
        fitting = []
        for minutes in range(60, 42 * 24 * 60, 10):
            local = (now - dt.timedelta(minutes=minutes)).astimezone(tz)
            if local.weekday() < 5 and 9 * 60 <= local.hour * 60 + local.minute < 16 * 60 + 30:
                c = clocks((code, minutes))[1]
                if c.next_check_at is not None and c.next_check_at > now and c.next_check_at == c.warn_at:
                    fitting.append((code, minutes))
        # Each type gets its share of the cases whatever the number of its fitting moments.
        choices += fitting * (weight * 10_000 // max(len(fitting), 1) or 1)
    next_id = 1 + (Case.objects.order_by("-pk").values_list("pk", flat=True).first() or 0)
    started = time.perf_counter()
    batch = 20_000
    made = 0
    while made < existing:
        size = min(batch, existing - made)
        case_rows = []
        event_rows = []
        for i in range(size):
            pk = next_id + made + i
            grid = grids[pk % len(grids)]
            key = rng.choice(choices)
            registered, c = clocks(key)
            accepted = registered + dt.timedelta(minutes=30)
            assert c.next_check_at is not None and c.next_check_at > now
            data = {"channel": "hotline"}
            h1 = trail.event_hash(
                case_id=pk, seq=1, at=registered, action="submit", from_status="",
                to_status=Status.REGISTERED, actor_id=None, unit_id=None, reason="", data=data, prev_hash="",
            )  # fmt: skip
            h2 = trail.event_hash(
                case_id=pk, seq=2, at=accepted, action="accept", from_status=Status.DISPATCHED,
                to_status=Status.IN_PROGRESS, actor_id=None, unit_id=unit.pk, reason="", data={}, prev_hash=h1,
            )  # fmt: skip
            row = list(base)
            row[at["id"]] = pk
            row[at["event_type_id"]] = types[key[0]].pk
            row[at["grid_id"]] = grid.pk
            row[at["grid_code"]] = grid.code
            row[at["community_code"]] = grid.code[:12]
            row[at["street_code"]] = grid.code[:9]
            row[at["lead_unit_id"]] = unit.pk
            row[at["registered_at"]] = db_time(registered)
            row[at["accepted_at"]] = db_time(accepted)
            row[at["due_at"]] = db_time(c.due_at)
            row[at["warn_at"]] = db_time(c.warn_at)
            row[at["resident_due_at"]] = db_time(c.resident_due_at)
            row[at["next_check_at"]] = db_time(c.next_check_at)
            row[at["version"]] = 2
            row[at["trail_head"]] = h2
            row[at["trail_length"]] = 2
            case_rows.append(row)
            # case_id, seq, at, action, from_status, to_status, actor_id, unit_id, reason, data, prev, hash
            event_rows.append(
                [pk, 1, db_time(registered), "submit", "", Status.REGISTERED, None, None, "",
                 '{"channel": "hotline"}', "", h1]
            )  # fmt: skip
            event_rows.append(
                [pk, 2, db_time(accepted), "accept", Status.DISPATCHED, Status.IN_PROGRESS, None, unit.pk,
                 "", "{}", h1, h2]
            )  # fmt: skip
        for event_row in event_rows:  # the hashes above are keyed (HMAC)
            event_row.insert(keyed, True)
        with transaction.atomic():
            insert_rows("cases_case", columns, case_rows)
            insert_rows("cases_caseevent", event_columns, event_rows)
        made += size
    with connection.cursor() as cursor:
        if pg:
            cursor.execute(
                "SELECT setval(pg_get_serial_sequence('cases_case', 'id'), (SELECT max(id) FROM cases_case))"
            )
            cursor.execute(
                "SELECT setval(pg_get_serial_sequence('cases_caseevent', 'id'), "
                "(SELECT max(id) FROM cases_caseevent))"
            )
            # As after a bulk load in production: vacuum now, so autovacuum does not start on these
            # million-row tables in the middle of the timed intake.
            cursor.execute("VACUUM ANALYZE cases_case")
            cursor.execute("VACUUM ANALYZE cases_caseevent")
        else:
            cursor.execute("ANALYZE")
    return {
        "existing": made,
        "last_id": next_id + made - 1,
        "seconds": round(time.perf_counter() - started, 1),
    }


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

    # Raw: the same case row and one event, one transaction each, no checks.
    event_type = EventType.objects.get(code="SR01")
    room_grid = {
        code: (grid_id, grid_code)
        for code, grid_id, grid_code in Room.objects.values_list(
            "code", "building__grid_id", "building__grid__code"
        )
    }

    def raw(row: dict[str, Any]) -> None:
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

    # The action layer and the raw insert take turns in rounds of 20 cases, so whatever drifts during
    # the run (the database growing, a checkpoint, the page cache) weighs on both alike.
    actions_latencies: list[float] = []
    raw_latencies: list[float] = []
    for start in range(0, len(rows), 20):
        for row in rows[start : start + 20]:
            started = time.perf_counter()
            actions.check_submit_case(resident, **row)
            actions_latencies.append(time.perf_counter() - started)
        for row in rows[start : start + 20]:
            started = time.perf_counter()
            raw(row)
            raw_latencies.append(time.perf_counter() - started)
    out["actions_per_s"], out["actions_p99_ms"] = _stats(actions_latencies)

    # Through HTTP (DRF test client, token auth).
    latencies = []
    for row in rows:
        started = time.perf_counter()
        response = client.post("/api/v1/cases/", row, format="json")
        latencies.append(time.perf_counter() - started)
        assert response.status_code == 201, response.content
    out["http_per_s"], out["http_p99_ms"] = _stats(latencies)
    latencies = raw_latencies
    out["raw_per_s"], out["raw_p99_ms"] = _stats(latencies)
    return out


def _drain(moment_iso: str, most: int) -> dict[str, Any]:
    """One runner (its own process and connection) working off what is due at ``moment`` as ``jiceng
    sla run`` does: passes of at most ``most``, back to back while a pass was full. PostgreSQL's SKIP
    LOCKED gives runners side by side disjoint batches; a runner whose pass was not full goes on
    while cases are still due (the real one would look again after its interval)."""
    from django.db import connection

    from bench.bench_history import _cpu
    from jiceng.cases import sla
    from jiceng.cases.models import Case

    moment = dt.datetime.fromisoformat(moment_iso)
    cal = sla.calendar()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()" if connection.vendor == "postgresql" else "SELECT 0")
        backend = cursor.fetchone()[0]
    before = _cpu(), _cpu(backend) if backend else 0.0
    claimed = passes = warnings = overdue = 0
    times: list[float] = []
    after = None
    while True:
        t0 = time.perf_counter()
        report = sla.sweep(now=moment, cal=cal, most=most, after=after)
        times.append(time.perf_counter() - t0)
        passes += 1
        claimed += report.claimed
        warnings += report.warnings
        overdue += report.overdue
        if report.full:
            after = report.last
            continue
        if not report.claimed or not Case.objects.filter(next_check_at__lte=moment).exists():
            break
        after = None
    cpu = _cpu() - before[0], (_cpu(backend) if backend else 0.0) - before[1]
    connection.close()
    return {
        "claimed": claimed,
        "passes": passes,
        "times": times,
        "warnings": warnings,
        "overdue": overdue,
        "cpu": cpu[0],
        "server_cpu": cpu[1],
    }


# A moment with at least this many due cases is worked off by ``runners`` processes at once.
SPLIT_BACKLOG = 20_000


def sweep(last_id: int, most: int, runners: int = 1) -> dict[str, Any]:
    """The SLA runner over the next working days: an idle pass now, then the passes the runner makes
    as each moment when bulk-loaded cases (ids up to ``last_id``) come due arrives, up to close of
    business of the next working day (so at least one 18:00 burst). At each moment the runner does
    what ``jiceng sla run`` does: a pass of at most ``most`` cases, again at once while a pass was
    full. Every pass is timed; per moment, how long the backlog took to clear. With ``runners`` > 1
    (PostgreSQL), a backlog of ``SPLIT_BACKLOG`` or more is worked off by that many runners at once,
    each in its own process (``_drain``), timed from their start to the last one's end."""
    from django.utils import timezone

    from jiceng.cases import sla, trail
    from jiceng.cases.models import Case

    cal = sla.calendar()
    now = timezone.now()
    # The idle pass runs just before the first moment anything comes due: by now (minutes after the
    # load) the earliest warnings may already be due, and the passes below take them in turn.
    first = Case.objects.order_by("next_check_at").filter(next_check_at__isnull=False).first()
    if first is not None and first.next_check_at is not None and first.next_check_at <= now:
        now = first.next_check_at - dt.timedelta(microseconds=1)
    started = time.perf_counter()
    idle = sla.sweep(now=now, cal=cal, most=most)
    out: dict[str, Any] = {"idle_s": time.perf_counter() - started, "idle_claimed": idle.claimed}
    horizon = cal.add(timezone.now(), 1, "workday")
    passes: list[float] = []
    bursts: list[dict[str, Any]] = []
    warnings = overdue = 0
    moment: Any = now
    while True:
        # The next moment any case comes due (a warning marked now moves its check to its deadline,
        # so close-of-business moments appear as the runner goes, as they do for the real runner).
        moment = (
            Case.objects.filter(pk__lte=last_id, next_check_at__gt=moment)
            .order_by("next_check_at")
            .values_list("next_check_at", flat=True)
            .first()
        )
        if moment is None or moment > horizon:
            break
        begun = time.perf_counter()
        claimed = count = 0
        after = None
        due = Case.objects.filter(next_check_at__lte=moment).count() if runners > 1 else 0
        if due >= SPLIT_BACKLOG:
            import multiprocessing

            from django.db import connections

            connections.close_all()  # each forked runner opens its own connection
            with multiprocessing.get_context("fork").Pool(runners) as pool:
                drained = pool.starmap(_drain, [(moment.isoformat(), most)] * runners)
            for d in drained:
                passes.extend(d["times"])
                count += d["passes"]
                claimed += d["claimed"]
                warnings += d["warnings"]
                overdue += d["overdue"]
            bursts.append(
                {
                    "at": timezone.localtime(moment).strftime("%m-%d %H:%M"),
                    "claimed": claimed,
                    "passes": count,
                    "s": time.perf_counter() - begun,
                    "runners": runners,
                    "split": [d["claimed"] for d in drained],
                }
            )
            continue
        while True:
            t0 = time.perf_counter()
            report = sla.sweep(now=moment, cal=cal, most=most, after=after)
            passes.append(time.perf_counter() - t0)
            count += 1
            claimed += report.claimed
            warnings += report.warnings
            overdue += report.overdue
            if not report.full:
                break
            after = report.last
        bursts.append(
            {
                "at": timezone.localtime(moment).strftime("%m-%d %H:%M"),
                "claimed": claimed,
                "passes": count,
                "s": time.perf_counter() - begun,
            }
        )
    ordered = sorted(passes)
    out.update(
        {
            "moments": len(bursts),
            "passes": len(passes),
            "pass_max_s": ordered[-1] if ordered else 0.0,
            "pass_p50_s": ordered[len(ordered) // 2] if ordered else 0.0,
            "marked": sum(b["claimed"] for b in bursts),
            "marking_s": sum(passes),
            "warnings": warnings,
            "overdue": overdue,
            "biggest": sorted(bursts, key=lambda b: -b["claimed"])[:2],
            "horizon": timezone.localtime(horizon).strftime("%m-%d %H:%M"),
        }
    )
    marked = list(Case.objects.filter(warned=True).values_list("pk", flat=True)[:2000])
    out["verify_breaks"] = len(list(trail.verify(Case.objects.filter(pk__in=marked))))
    out["open"] = Case.objects.filter(status="in_progress").count()
    return out


def backlog(n: int, most: int, runners: int) -> dict[str, Any]:
    """A close of business at its worst: after the walk above, the first ``n`` cases in progress
    (by id) all come due at one moment before any other case's next check — warned already, the
    unit's deadline then — and ``runners`` processes work the backlog off together, as several
    ``jiceng sla run`` would. The table is vacuumed first, as autovacuum would have after the walk's
    writes. Timed from the runners' start to the last one's end; CPU of each runner and of its
    PostgreSQL backend from ``/proc``; the chains of a sample of the marked cases verified after."""
    import multiprocessing

    from django.db import connection, connections
    from django.db.models import Min

    from bench.bench_history import load
    from jiceng.cases import trail
    from jiceng.cases.models import Case

    # Just before the earliest next check of any case: only the chosen cases are due then.
    moment = Case.objects.aggregate(m=Min("next_check_at"))["m"] - dt.timedelta(seconds=1)
    chosen = Case.objects.filter(status="in_progress").order_by("pk").values_list("pk", flat=True)[n - 1 : n]
    last = chosen[0] if chosen else 0
    with connection.cursor() as cursor:
        table = connection.ops.quote_name(Case._meta.db_table)
        cursor.execute(
            f"UPDATE {table} SET warned = true, overdue = false, resident_overdue = false, due_at = %s, "  # noqa: S608
            "next_check_at = %s, resident_due_at = NULL, supervision_due_at = NULL, sla_note = '' "
            "WHERE status = 'in_progress' AND id <= %s",
            [moment, moment, last],
        )
        due = cursor.rowcount
        cursor.execute(f"VACUUM ANALYZE {table}")
    connections.close_all()
    at_start = load()
    begun = time.perf_counter()
    with multiprocessing.get_context("fork").Pool(runners) as pool:
        drained = pool.starmap(_drain, [(moment.isoformat(), most)] * runners)
    seconds = time.perf_counter() - begun
    claimed = sum(d["claimed"] for d in drained)
    marked = list(Case.objects.filter(pk__lte=last, overdue=True).values_list("pk", flat=True)[::97][:3000])
    breaks = len(list(trail.verify(Case.objects.filter(pk__in=marked))))
    return {
        "due": due,
        "claimed": claimed,
        "seconds": seconds,
        "split": [d["claimed"] for d in drained],
        "passes": sum(d["passes"] for d in drained),
        "runner_us": sum(d["cpu"] for d in drained) / max(claimed, 1) * 1e6,
        "server_us": sum(d["server_cpu"] for d in drained) / max(claimed, 1) * 1e6,
        "breaks": breaks,
        "load": f"{at_start}, then {load()}",
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
        most = int(os.environ.get("JICENG_SLA_PASS_CASES", "2000"))
        # PostgreSQL: runners side by side share a backlog (SKIP LOCKED); SQLite has one writer.
        runners = int(os.environ.get("BENCH_SLA_RUNNERS", "2")) if label == "PostgreSQL" else 1
        swept = ctx.in_django(
            url, "bench.bench_cases:sweep", prepared["last_id"], most, runners, timeout=7200
        )
        ctx.row(
            "cases",
            f"SLA sweep idle pass ({label})",
            swept["idle_s"],
            "s",
            goal="< 2 s",
            note=f"{swept['open']:,} 件在办，本遍到期 {swept['idle_claimed']} 件",
        )
        ctx.row(
            "cases",
            f"SLA sweep slowest pass until {swept['horizon']} ({label})",
            swept["pass_max_s"],
            "s",
            goal="< 2 s",
            note=(
                f"{swept['passes']:,} 遍（每遍至多 {most:,} 件），{swept['moments']:,} 个到期时刻；"
                f"中位 {swept['pass_p50_s']:.3f} s"
            ),
        )
        ctx.row(
            "cases",
            f"SLA marks until {swept['horizon']} ({label})",
            swept["marked"] / max(swept["marking_s"], 1e-9),
            "cases/s",
            note=(
                f"{swept['marked']:,} 件：预警 {swept['warnings']:,}，超期 {swept['overdue']:,}；"
                f"链校验断点 {swept['verify_breaks']}"
            ),
        )
        for b in swept["biggest"]:
            who = f"{b['runners']} runners" if b.get("runners", 1) > 1 else "1 runner"
            split = "（各 " + " / ".join(f"{n:,}" for n in b["split"]) + " 件）" if "split" in b else ""
            ctx.row(
                "cases",
                f"SLA backlog at {b['at']}, {b['claimed']:,} due, cleared in ({label}, {who})",
                b["s"],
                "s",
                goal="< 20 s" if b["claimed"] >= 200_000 else "",
                note=f"{b['passes']} 遍连续处理{split}",
            )
        wanted = int(os.environ.get("BENCH_SLA_BACKLOG", "0") or 0)
        if label == "PostgreSQL" and wanted:
            b = ctx.in_django(url, "bench.bench_cases:backlog", wanted, most, runners, timeout=3600)
            ctx.row(
                "cases",
                f"SLA backlog of {b['claimed']:,} due at one moment, cleared in ({label}, {runners} runners)",
                b["seconds"],
                "s",
                goal="< 20 s" if b["claimed"] >= 200_000 else "",
                note=(
                    f"{b['passes']} 遍，各 " + " / ".join(f"{n:,}" for n in b["split"]) + " 件；"
                    f"每件 CPU {b['runner_us']:.0f} + {b['server_us']:.0f} µs（runner + 数据库）；"
                    f"链校验断点 {b['breaks']}；{b['load']}"
                ),
            )
