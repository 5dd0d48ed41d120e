"""The address library at Bao'an scale: importing 3.6 M rooms, and point → grid lookups.

The rooms file (and the divisions, grids and buildings it needs) is generated once. Each database
then runs in its own process: migrate, import the parents, time the rooms import through the real
importer. On PostgreSQL the same rows are then loaded twice more with a raw ``COPY``, in the same
run on the same server, as the two comparators of the import's speed:

- like-for-like (the goal's comparator): a table made with ``CREATE TABLE … (LIKE places_room
  INCLUDING ALL)`` plus the same deferrable foreign key to buildings — the same primary key and
  identity, unique code index, other indexes, defaults and CHECK constraints — fed the rows as they
  are stored (code, building id, room number, floor, area, use), so the work left is exactly what a
  plain ``COPY`` into the real table costs;
- bare: the rooms file as it is, into a table of the same five columns with no key, no index and
  no constraint — the floor no importer can reach, shown so the gap to it stays visible.

A CHECKPOINT precedes each timed load so one does not pay for the previous one's dirty pages.
"""

from __future__ import annotations

import random
import time
from pathlib import Path
from typing import Any

from bench.common import Context

GOAL_RATIO = "≥ 50%"


def run(ctx: Context) -> None:
    from jiceng.places import generate

    scale = "district" if ctx.quick else "baoan"
    data = ctx.workdir / f"places-{scale}"
    started = time.perf_counter()
    generate.write(scale, data, progress=False)
    ctx.row("places", f"generate --scale {scale}", time.perf_counter() - started, "s", note="4 files")

    sqlite = ctx.in_django(ctx.sqlite_url("places"), "bench.bench_places:import_all", str(data), False)
    pg = ctx.in_django(ctx.pg_url, "bench.bench_places:import_all", str(data), True)
    rooms = pg["rooms"]
    ctx.row("places", f"import buildings ({pg['buildings']:,}) SQLite", sqlite["buildings_s"], "s")
    ctx.row("places", f"import buildings ({pg['buildings']:,}) PostgreSQL", pg["buildings_s"], "s")
    ctx.row(
        "places",
        f"import rooms ({rooms:,}) SQLite",
        sqlite["rooms"] / sqlite["rooms_s"],
        "rows/s",
        note=f"{sqlite['rooms_s']:.1f} s",
    )
    ctx.row(
        "places",
        f"import rooms ({rooms:,}) PostgreSQL",
        rooms / pg["rooms_s"],
        "rows/s",
        note=f"{pg['rooms_s']:.1f} s",
    )
    ctx.row(
        "places",
        "raw COPY of the same rows into a table like places_room, PostgreSQL",
        rooms / pg["copy_like_s"],
        "rows/s",
        note=f"{pg['copy_like_s']:.1f} s; same keys, indexes, checks, FK",
    )
    ctx.row(
        "places",
        "raw COPY of the rooms file into a bare table, PostgreSQL",
        rooms / pg["copy_bare_s"],
        "rows/s",
        note=f"{pg['copy_bare_s']:.1f} s; no key, no index, no constraint",
    )
    ctx.row(
        "places",
        "rooms import / raw COPY like places_room, PostgreSQL",
        f"{pg['copy_like_s'] / pg['rooms_s']:.0%}",
        "",
        goal=GOAL_RATIO,
        note="the goal's (like-for-like) comparator; same run, same server",
    )
    ctx.row(
        "places",
        "rooms import / raw COPY into a bare table, PostgreSQL",
        f"{pg['copy_bare_s'] / pg['rooms_s']:.0%}",
        "",
        note="floor comparator, no goal; same run, same server",
    )
    ctx.row("places", f"point → grid ({pg['grids']:,} grids), index build", pg["index_s"], "s")
    ctx.row(
        "places",
        "point → grid id (STRtree)",
        pg["lookups_per_s"],
        "lookups/s",
        note="random points in Bao'an",
    )
    ctx.row(
        "places", "point → Grid row (locate_point)", pg["rows_per_s"], "lookups/s", note="tree + one query"
    )


def raw_copies(folder: Path) -> dict[str, float]:
    """Time raw COPY loads of the imported rows into a table like places_room and into a bare table."""
    from django.db import connection

    stored = folder / "rooms-stored.csv"
    result: dict[str, float] = {}
    with connection.cursor() as cursor:
        # The rows as the import stored them (building resolved), in import order; not timed.
        with (
            cursor.cursor.copy(
                'COPY (SELECT code, building_id, room_no, "floor", area_m2, "use" FROM places_room '
                "ORDER BY id) TO STDOUT (FORMAT csv)"
            ) as pipe,
            stored.open("wb") as out,
        ):
            for block in pipe:
                out.write(block)
        cursor.execute("CREATE TABLE bench_rooms_like (LIKE places_room INCLUDING ALL)")
        cursor.execute(
            "ALTER TABLE bench_rooms_like ADD FOREIGN KEY (building_id) REFERENCES places_building (id) "
            "DEFERRABLE INITIALLY DEFERRED"
        )
        cursor.execute(
            "CREATE TABLE bench_rooms_bare (code varchar(25), room_no varchar(16), floor smallint, "
            "area_m2 numeric(9, 2), use varchar(16))"
        )
    # Each COPY runs as its own transaction (autocommit), deferred key checks included.
    result["copy_like_s"] = _timed_copy(
        'COPY bench_rooms_like (code, building_id, room_no, "floor", area_m2, "use") FROM STDIN (FORMAT csv)',
        stored,
    )
    result["copy_bare_s"] = _timed_copy(
        "COPY bench_rooms_bare FROM STDIN (FORMAT csv, HEADER true)", folder / "rooms.csv"
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT (SELECT count(*) FROM bench_rooms_like), (SELECT count(*) FROM bench_rooms_bare)"
        )
        like_rows, bare_rows = cursor.fetchone()
        cursor.execute("SELECT count(*) FROM places_room")
        if not like_rows == bare_rows == cursor.fetchone()[0]:
            raise RuntimeError(f"row counts differ: like {like_rows}, bare {bare_rows}")
        cursor.execute("DROP TABLE bench_rooms_like, bench_rooms_bare")
    stored.unlink()
    return result


def _timed_copy(statement: str, path: Path) -> float:
    from django.db import connection

    _checkpoint()
    with connection.cursor() as cursor:
        started = time.perf_counter()
        with cursor.cursor.copy(statement) as pipe, path.open("rb") as fh:
            while chunk := fh.read(1 << 20):
                pipe.write(chunk)
        return time.perf_counter() - started


def _checkpoint() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("CHECKPOINT")


def import_all(data: str, copy: bool) -> dict[str, Any]:
    """Run inside Django on the database under test (see Context.in_django)."""
    from django.core.management import call_command

    from jiceng.places import geo
    from jiceng.places.importers import IMPORTERS

    call_command("migrate", verbosity=0)
    folder = Path(data)
    result: dict[str, Any] = {}
    for kind in ("divisions", "grids", "buildings", "rooms"):
        if copy:
            _checkpoint()
        started = time.perf_counter()
        report = IMPORTERS[kind](folder / f"{kind}.csv")
        result[f"{kind}_s"] = time.perf_counter() - started
        if not report.ok:
            raise RuntimeError(f"{kind}: {report.errors[:5]}")
        result[kind] = report.rows
    if copy:
        result.update(raw_copies(folder))
    started = time.perf_counter()
    geo.invalidate()
    geo.locate_grid_id(113.86, 22.66)
    result["index_s"] = time.perf_counter() - started
    rng = random.Random(7)
    points = [(rng.uniform(113.75, 113.97), rng.uniform(22.53, 22.80)) for _ in range(20_000)]
    started = time.perf_counter()
    found = sum(geo.locate_grid_id(lng, lat) is not None for lng, lat in points)
    result["lookups_per_s"] = len(points) / (time.perf_counter() - started)
    result["found"] = found
    started = time.perf_counter()
    for lng, lat in points[:2000]:
        geo.locate_point(lng, lat)
    result["rows_per_s"] = 2000 / (time.perf_counter() - started)
    return result
