"""A generated case history at scale (PostgreSQL): how fast it is written, rebuilt into the rollups,
verified, and how fast the command-centre panels read the rollups rebuilt from it.

Sizes: ``--quick`` 20 K cases over two years; otherwise 100 K, or ``BENCH_HISTORY_CASES``; 1 M is
opt-in with ``BENCH_HISTORY_1M=1`` (about 8.5 M events: an hour or more on two shared cores); one
month at Bao'an's density (1.4 M cases over 31 days, about 10.7 M events, 5.4 GB: the month of the full
history that the rebuild's per-month cost is measured on) with ``BENCH_HISTORY_BAOAN_MONTH=1``; the full
Bao'an history (33 M cases, about 275 M events; many hours and ~100 GB of disk) with
``BENCH_HISTORY_33M=1``.

A history already written (33 M cases take hours, and may be written over several runs with
``jiceng generate … --resume``): ``BENCH_HISTORY_URL=postgres://…`` measures it instead — size, rebuild,
verify and panels; nothing is generated.

Read routing: a primary and a ``pg_basebackup`` hot standby of their own (``BENCH_REPLICA_CASES``, 5 K
cases under ``--quick``, else 20 K), the panels timed on the primary and then through
``DATABASE_REPLICA_URLS`` / ``using_replica`` on the standby.

The machine's load average is in every note: on a shared machine the wall-clock rates say more about
the neighbours than about the code, so generation is also given per CPU-second (the generating
process and its PostgreSQL backend, read from ``/proc``).
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

from bench.common import Context

AREA = "history"
BAOAN_CASES = 33_000_000
BAOAN_MONTH_DAYS = 31


def prepare(cases: int, years: float = 2) -> dict[str, Any]:
    import json

    from django.core.management import call_command

    from jiceng.cases import history
    from jiceng.org.models import User
    from jiceng.places.models import Division, Grid, Level
    from jiceng.testing import make_unit, unit_kind

    call_command("migrate", interactive=False, verbosity=0)
    district = Division.objects.create(code="440306", name="宝安区", level=Level.DISTRICT)
    gov = unit_kind("district_office", "区政府")
    office = unit_kind("street_office", "街道办事处")
    station = unit_kind("community_workstation", "社区工作站")
    make_unit("qu", "宝安区人民政府", gov, Level.DISTRICT, district)
    from jiceng.cases.models import EventType

    kinds = sorted(
        {k for pair in EventType.objects.values_list("lead_kind", "first_responder_kind") for k in pair if k}
        - {"district_office", "street_office", "community_workstation"}
    )
    grids = []
    for s in range(1, 11):
        street = Division.objects.create(
            code=f"440306{s:03d}", name=f"第{s}街道", level=Level.STREET, parent=district
        )
        make_unit(f"s{s}", f"第{s}街道办事处", office, Level.STREET, street)
        for k in kinds:
            make_unit(f"s{s}-{k}"[:32], f"第{s}街道{k}", unit_kind(k, k), Level.STREET, street)
        for c in range(1, 13 + (1 if s <= 4 else 0)):
            community = Division.objects.create(
                code=f"{street.code}{c:03d}",
                name=f"{street.name}{c}社区",
                level=Level.COMMUNITY,
                parent=street,
            )
            make_unit(f"c{s}-{c}", f"{community.name}工作站", station, Level.COMMUNITY, community)
            for g in range(1, 5 + (s % 3)):
                lng, lat = 113.75 + s * 0.02 + g * 0.004, 22.55 + c * 0.01
                ring = [
                    [lng, lat],
                    [lng + 0.004, lat],
                    [lng + 0.004, lat + 0.004],
                    [lng, lat + 0.004],
                    [lng, lat],
                ]
                grids.append(
                    Grid(
                        code=f"{community.code}{g:02d}", name=f"{community.name}第{g}网格", community=community,
                        polygon=json.dumps({"type": "Polygon", "coordinates": [ring]}),
                        min_lng=lng, max_lng=lng + 0.004, min_lat=lat, max_lat=lat + 0.004,
                        center_lng=lng + 0.002, center_lat=lat + 0.002,
                    )
                )  # fmt: skip
    Grid.objects.bulk_create(grids)
    User.objects.create_superuser("bench-admin", password="bench-pass")  # noqa: S106
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        backend = cursor.fetchone()[0]
    before = _cpu(), _cpu(backend)
    # A fresh database: the bulk load (indexes and foreign keys built after it, included in the
    # time); BENCH_HISTORY_BULK=0 times the plain load into the indexed tables.
    bulk = os.environ.get("BENCH_HISTORY_BULK", "1") == "1"
    report = history.generate(years=years, cases=cases, scale="baoan", bulk=bulk)
    return {
        "bulk": bulk,
        "index_seconds": report.index_seconds,
        "cases": report.cases,
        "events": report.events,
        "seconds": report.seconds,
        "grids": len(grids),
        "python_cpu": _cpu() - before[0],
        "server_cpu": _cpu(backend) - before[1],
        "load": load(),
    }


def _cpu(pid: int | None = None, children: bool = False) -> float:
    """CPU seconds (user + system) of this process (with ``children``, plus its finished child
    processes), or of ``pid`` (a backend on this machine)."""
    if pid is None:
        import resource

        usage = resource.getrusage(resource.RUSAGE_SELF)
        total = usage.ru_utime + usage.ru_stime
        if children:
            forked = resource.getrusage(resource.RUSAGE_CHILDREN)
            total += forked.ru_utime + forked.ru_stime
        return total
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:  # a server on another machine
        return float("nan")
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def load() -> str:
    """The 1-minute load average and the CPU count, for the notes."""
    return f"load {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs"


def rebuild() -> dict[str, Any]:
    from django.db import connection

    from jiceng.command import rebuild as set_based

    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    timing = set_based.rebuild()
    return {
        "events": timing.events,
        "seconds": timing.total,
        "stages": timing.seconds,
        "workers": set_based.workers(),
        "load": load(),
    }


def verify(jobs: int = 1) -> dict[str, Any]:
    """``trail.verify`` over the whole trail in ``jobs`` processes (``jiceng cases verify --jobs``),
    with the CPU time of this process and its workers (the PostgreSQL backends are not counted)."""
    from jiceng.cases import trail
    from jiceng.cases.models import CaseEvent

    events = CaseEvent.objects.count()
    before = _cpu(children=True)
    started = time.perf_counter()
    breaks = sum(1 for _ in trail.verify(chunk=2000, jobs=jobs))
    seconds = time.perf_counter() - started
    return {
        "events": events,
        "seconds": seconds,
        "breaks": breaks,
        "jobs": jobs,
        "python_cpu": _cpu(children=True) - before,
        "load": load(),
    }


def amplify(copies: int) -> dict[str, Any]:
    """PostgreSQL: ``copies`` more copies of every generated case with its trail and lead unit (new
    ids, the same days), so each month holds ``copies + 1`` times the events: a trail of many millions
    of events in minutes, to time the set-based rebuild and the panels at a size the generator would
    take hours to write. The copies' hash chains do not verify (a case's id is part of its events'
    hashes), so verify is measured before this step."""
    from django.db import connection, transaction

    from jiceng.cases.models import Case, CaseEvent, CaseUnit

    def columns(model: Any, shifted: dict[str, str]) -> tuple[str, str]:
        names = [f.column for f in model._meta.concrete_fields if f.column != "id" or "id" in shifted]
        values = [shifted.get(n, f"t.{n}") for n in names]
        return ", ".join(names), ", ".join(values)

    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {Case._meta.db_table}")
        top = cursor.fetchone()[0]
        step = 10 ** len(str(top))  # copy r of case n is n + r × step
        case_cols, case_vals = columns(
            Case,
            {
                "id": "t.id + r * %(step)s",
                "merged_into_id": "t.merged_into_id + r * %(step)s",
                "idempotency_key": "NULL",
            },
        )
        cursor.execute(
            f"INSERT INTO {Case._meta.db_table} ({case_cols}) SELECT {case_vals} "
            f"FROM {Case._meta.db_table} t CROSS JOIN generate_series(1, %(copies)s) r "
            "WHERE t.id <= %(top)s ORDER BY r, t.id",
            {"step": step, "copies": copies, "top": top},
        )
        for model in (CaseEvent, CaseUnit):
            cols, vals = columns(model, {"case_id": "t.case_id + r * %(step)s"})
            cursor.execute(
                f"INSERT INTO {model._meta.db_table} ({cols}) SELECT {vals} "
                f"FROM {model._meta.db_table} t CROSS JOIN generate_series(1, %(copies)s) r "
                "WHERE t.case_id <= %(top)s ORDER BY r, t.id",
                {"step": step, "copies": copies, "top": top},
            )
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    return {
        "cases": Case.objects.count(),
        "events": CaseEvent.objects.count(),
        "seconds": time.perf_counter() - started,
        "load": load(),
    }


def replica_panels(reps: int) -> dict[str, Any]:
    """The command-centre panels read through the replica routing (``using_replica``), with how many
    queries the standby served and whether it really is one (``pg_is_in_recovery``)."""
    from django.db import connections
    from django.test.utils import CaptureQueriesContext

    from bench.bench_command import time_panels
    from jiceng.core.replicas import replica_aliases, using_replica

    alias = replica_aliases()[0]
    with connections[alias].cursor() as cursor:
        cursor.execute("SELECT pg_is_in_recovery()")
        in_recovery = bool(cursor.fetchone()[0])
    with using_replica(alias), CaptureQueriesContext(connections[alias]) as served:
        timings = time_panels(reps)
    return {"in_recovery": in_recovery, "queries": len(served), "timings": timings, "load": load()}


REPLICA_PG_OPTIONS = "-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c shared_buffers=256MB"


def _replica_rows(ctx: Context, cases: int) -> None:
    """A primary and a ``pg_basebackup`` hot standby of their own, a generated history rebuilt on the
    primary, and the same panels timed on the primary and through the replica routing on the standby."""
    from jiceng.lib.pgcluster import ThrowawayPostgres, pg_bin

    if pg_bin() is None:
        ctx.row(AREA, "replica-routed panels", "skipped", "", note="PostgreSQL server binaries not installed")
        return
    reps = 5 if ctx.quick else 15
    primary = ThrowawayPostgres(ctx.workdir / "replica-primary", options=REPLICA_PG_OPTIONS)
    try:
        url = primary.create_database("bench_replica")
        made = ctx.in_django(url, "bench.bench_history:prepare", cases, timeout=6 * 3600)
        ctx.in_django(url, "bench.bench_history:rebuild", timeout=6 * 3600)
        standby = primary.standby(ctx.workdir / "replica-standby")
        try:
            standby.wait_replayed(primary, 300)
            direct = ctx.in_django(url, "bench.bench_command:time_panels", reps)
            routed = ctx.in_django(
                url,
                "bench.bench_history:replica_panels",
                reps,
                env={"DATABASE_REPLICA_URLS": standby.url("bench_replica")},
            )
        finally:
            standby.stop()
    finally:
        primary.stop()
    if not routed["in_recovery"] or not routed["queries"]:
        raise RuntimeError(f"the panels did not read from the standby: {routed}")
    on_primary = {(t["level"], t["panel"]): t["p99"] for t in direct}
    worst = max(routed["timings"], key=lambda t: t["p99"])
    for t in routed["timings"]:
        if t["level"] == "区·近30天" or t is worst:
            ctx.row(
                AREA,
                f"replica-routed panel {t['panel']} ({t['level']}) p99",
                t["p99"],
                "ms",
                "< 300 ms",
                f"primary {on_primary[(t['level'], t['panel'])]:.1f} ms",
            )
    ctx.row(
        AREA,
        "replica-routed panels: queries served by the standby",
        routed["queries"],
        "queries",
        note=f"hot standby (pg_basebackup -R), {made['cases']:,} cases rebuilt on the primary; {routed['load']}",
    )


def _rebuild_row(ctx: Context, url: str, name: str) -> tuple[dict[str, Any], float]:
    built = ctx.in_django(url, "bench.bench_history:rebuild", timeout=48 * 3600)
    speed = built["events"] / built["seconds"]
    stages = ", ".join(f"{k} {v:.1f}s" for k, v in built["stages"].items())
    ctx.row(
        AREA,
        name,
        built["seconds"],
        "s",
        note=f"{built['events']:,} events, {speed:,.0f} events/s, {built['workers']} workers; {stages}; "
        f"{built['load']}",
    )
    return built, speed


def size() -> dict[str, Any]:
    """How many cases and events the database holds, and its size in PostgreSQL's pages."""
    from django.db import connection

    from jiceng.cases.models import Case, CaseEvent

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_database_size(current_database())")
        nbytes = cursor.fetchone()[0]
    return {
        "cases": Case.objects.count(),
        "events": CaseEvent.objects.count(),
        "bytes": nbytes,
        "load": load(),
    }


def _existing_rows(ctx: Context, url: str) -> None:
    """A history already in the database at ``BENCH_HISTORY_URL`` (``jiceng generate --scale baoan
    --history 2 --bulk``, resumed with ``--resume`` as often as it took): its size, the set-based
    rebuild, ``cases verify --jobs N`` (``BENCH_HISTORY_VERIFY_JOBS``, default 2) and the panels on the
    rollups rebuilt from it. Nothing is generated or dropped."""
    held = ctx.in_django(url, "bench.bench_history:size", timeout=6 * 3600)
    ctx.row(
        AREA,
        "existing history: cases",
        held["cases"],
        "cases",
        note=f"{held['events']:,} events; {held['bytes'] / 1e9:,.1f} GB in PostgreSQL's pages; {held['load']}",
    )
    built, _speed = _rebuild_row(ctx, url, "set-based rebuild of the existing history")
    ctx.row(AREA, "set-based rebuild of the existing history", built["seconds"] / 60, "min", "< 30 min")
    jobs = int(os.environ.get("BENCH_HISTORY_VERIFY_JOBS", "2"))
    checked = ctx.in_django(url, "bench.bench_history:verify", jobs, timeout=48 * 3600)
    ctx.row(
        AREA,
        f"jiceng cases verify --jobs {jobs}, existing history",
        checked["seconds"] / 3600,
        "h",
        note=f"{checked['events']:,} events, {checked['events'] / checked['seconds']:,.0f} events/s, "
        f"{checked['breaks']} breaks; {checked['load']}",
    )
    timings = ctx.in_django(url, "bench.bench_command:time_panels", 5 if ctx.quick else 15)
    worst = max(timings, key=lambda t: t["p99"])
    for t in timings:
        if t["level"] == "区·近30天" or t is worst:
            ctx.row(
                AREA, f"existing history: panel {t['panel']} ({t['level']}) p99", t["p99"], "ms", "< 300 ms"
            )


def run(ctx: Context) -> None:
    existing = os.environ.get("BENCH_HISTORY_URL")
    if existing:
        _existing_rows(ctx, existing)
        return
    years = 2.0
    if os.environ.get("BENCH_HISTORY_33M") == "1":
        cases = BAOAN_CASES
    elif os.environ.get("BENCH_HISTORY_BAOAN_MONTH") == "1":
        # One month at Bao'an's density (33 M cases over 730 days): the figures are made a range of
        # days at a time, so a month of them costs what a month of the 33 M history would.
        years = BAOAN_MONTH_DAYS / 365
        cases = BAOAN_CASES * BAOAN_MONTH_DAYS // 730
    elif os.environ.get("BENCH_HISTORY_1M") == "1":
        cases = 1_000_000
    else:
        cases = int(os.environ.get("BENCH_HISTORY_CASES", "20000" if ctx.quick else "100000"))
    url = ctx.pg_url
    made = ctx.in_django(url, "bench.bench_history:prepare", cases, years, timeout=48 * 3600)
    rate = made["events"] / made["seconds"]
    per_case = made["events"] / made["cases"]
    note = (
        f"{made['cases']:,} cases over {round(years * 365)} days, {made['events']:,} events, "
        f"{made['grids']} grids; {made['load']}"
    )
    ctx.row(AREA, "generate history (COPY, hash chains)", rate, "events/s", "≥ 20,000", note=note)
    ctx.row(
        AREA,
        "generate history per CPU-second",
        made["events"] / made["python_cpu"],
        "events/s",
        note=(
            f"generator {made['python_cpu']:.1f} CPU-s, PostgreSQL backend {made['server_cpu']:.1f} CPU-s "
            f"({made['events'] / made['server_cpu']:,.0f} events/CPU-s)"
        ),
    )
    ctx.row(AREA, "generate 33 M cases (extrapolated, linear)", per_case * BAOAN_CASES / rate / 3600, "h")
    built, speed = _rebuild_row(ctx, url, "set-based rebuild")
    ctx.row(AREA, "set-based rebuild rate", speed, "events/s", note="event-by-event replay: ~2,000/s")
    total = per_case * BAOAN_CASES
    ctx.row(
        AREA,
        "rebuild 33 M cases (extrapolated, linear)",
        total / speed / 60,
        "min",
        "< 30 min",
        note=f"{total:,.0f} events at the rate above, measured on {round(years * 365)} days of trail",
    )
    rates = {}
    for jobs in (1, 2):
        checked = ctx.in_django(url, "bench.bench_history:verify", jobs, timeout=48 * 3600)
        rates[jobs] = checked["events"] / checked["seconds"]
        ctx.row(
            AREA,
            "jiceng cases verify" + (f" --jobs {jobs}" if jobs > 1 else ""),
            rates[jobs],
            "events/s",
            note=f"{checked['breaks']} breaks; verifier {checked['events'] / checked['python_cpu']:,.0f} "
            f"events/CPU-s; {checked['load']}",
        )
    for jobs, verify_rate in rates.items():
        ctx.row(
            AREA,
            "verify 33 M cases (extrapolated, linear)" + (f", --jobs {jobs}" if jobs > 1 else ""),
            total / verify_rate / 3600,
            "h",
        )
    timings = ctx.in_django(url, "bench.bench_command:time_panels", 5 if ctx.quick else 15)
    worst = max(timings, key=lambda t: t["p99"])
    for t in timings:
        if t["level"] == "区·近30天" or t is worst:
            ctx.row(AREA, f"panel {t['panel']} ({t['level']}) p99", t["p99"], "ms", "< 300 ms")
    copies = int(os.environ.get("BENCH_HISTORY_AMPLIFY", "0"))
    if copies > 0:
        _amplified_rows(ctx, url, copies)
    _replica_rows(ctx, int(os.environ.get("BENCH_REPLICA_CASES", "5000" if ctx.quick else "20000")))


def _amplified_rows(ctx: Context, url: str, copies: int) -> None:
    """The rebuild and the panels again after ``amplify(copies)``: the same days, ``copies + 1`` times
    the events in each."""
    grown = ctx.in_django(url, "bench.bench_history:amplify", copies, timeout=24 * 3600)
    ctx.row(
        AREA,
        f"amplified history ({copies + 1}× each day)",
        grown["events"],
        "events",
        note=f"{grown['cases']:,} cases, copied by SQL in {grown['seconds']:.0f} s; {grown['load']}",
    )
    built, _speed = _rebuild_row(ctx, url, "set-based rebuild, amplified")
    per_event = built["seconds"] / built["events"]
    ctx.row(
        AREA,
        "rebuild 33 M cases (extrapolated from the amplified run)",
        per_event * BAOAN_CASES * grown["events"] / grown["cases"] / 60,
        "min",
        "< 30 min",
    )
    timings = ctx.in_django(url, "bench.bench_command:time_panels", 5 if ctx.quick else 15)
    worst = max(timings, key=lambda t: t["p99"])
    kpis = next(t for t in timings if t["panel"] == "kpis" and t["level"] == "区·近30天")
    for t in (kpis, worst):
        ctx.row(AREA, f"amplified: panel {t['panel']} ({t['level']}) p99", t["p99"], "ms", "< 300 ms")
