"""The address library at Bao'an scale: importing 3.6 M rooms, and point → grid lookups.

The rooms file (and the divisions, grids and buildings it needs) is generated once. Each database
then runs in its own process: migrate, import the parents, time the rooms import through the real
importer; on PostgreSQL the same rows are also loaded with a raw ``COPY`` into a bare table of the
same columns (no keys, no indexes), the floor any importer can reach.
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
        "raw COPY of the same rows, PostgreSQL",
        rooms / pg["copy_s"],
        "rows/s",
        note=f"{pg['copy_s']:.1f} s, bare table",
    )
    ctx.row(
        "places",
        "rooms import / raw COPY, PostgreSQL",
        f"{pg['copy_s'] / pg['rooms_s']:.0%}",
        "",
        goal=GOAL_RATIO,
        note="same run, same server",
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


def import_all(data: str, copy: bool) -> dict[str, Any]:
    """Run inside Django on the database under test (see Context.in_django)."""
    from django.core.management import call_command
    from django.db import connection

    from jiceng.places import geo
    from jiceng.places.importers import IMPORTERS

    call_command("migrate", verbosity=0)
    folder = Path(data)
    result: dict[str, Any] = {}
    for kind in ("divisions", "grids", "buildings", "rooms"):
        started = time.perf_counter()
        report = IMPORTERS[kind](folder / f"{kind}.csv")
        result[f"{kind}_s"] = time.perf_counter() - started
        if not report.ok:
            raise RuntimeError(f"{kind}: {report.errors[:5]}")
        result[kind] = report.rows
    if copy:
        with connection.cursor() as cursor:
            cursor.execute(
                "CREATE TABLE bench_rooms_bare (code varchar(25), room_no varchar(16), floor smallint, "
                "area_m2 numeric(9, 2), use varchar(16))"
            )
            started = time.perf_counter()
            with (
                cursor.cursor.copy("COPY bench_rooms_bare FROM STDIN (FORMAT csv, HEADER true)") as pipe,
                (folder / "rooms.csv").open("rb") as fh,
            ):
                while chunk := fh.read(1 << 20):
                    pipe.write(chunk)
            result["copy_s"] = time.perf_counter() - started
            cursor.execute("DROP TABLE bench_rooms_bare")
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
