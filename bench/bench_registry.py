"""Registry: record linkage against Splink, and one-key lookup latency on PostgreSQL.

Linkage: five departments' generated records with known truth (homophones, typos, mistyped and
transposed ID digits, missing fields, shared family phones, moves, address variants), linked by our
linker and by Splink (DuckDB backend) on the same records in the same run. Both get the same prepared
columns (name, pinyin, ID number, birth date from the ID, phone, and the room/building codes from our
address matching); our time includes address matching, Splink's does not. Each linker runs in its own
process so peak memory (max RSS) is its own. Two error profiles: "default" and "alt" (different
rates, traditional characters, more missing IDs and moves); and "gen2", records from the independent
generator ``synth2`` (other departments, other faults: swapped names, nicknames, old 15-digit IDs,
+86 phones, former road names, estate-only addresses, other date forms), never used for tuning. Every
row first goes through the records importer's own row check, as ``jiceng import records`` does:
kept and dropped rows are reported, and linkage runs on the cleaned values the import stores.

Lookup: a generated address library and registry on PostgreSQL, then p50/p99 of the lookup API's work
(``registry.lookup.lookup`` for room, building, grid and ID-number queries, each kind reported
separately). ``BENCH_REGISTRY_PARTS=lookup`` runs only this part.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from bench.common import ROOT, Context


def _prepare(n: int, profile: str, out: Path) -> Path:
    """Records with their truth. Profiles "default" and "alt" come from ``synth``; "gen2" from the
    independent ``synth2`` (other departments, other faults; never used to tune linkage)."""
    if profile == "gen2":
        from jiceng.registry import synth2

        town = synth2.town(max(50, int(n / 2.6 / 2.0)))
        rows2 = list(synth2.records(synth2.residents(town, int(n / 2.9))))
        data = {
            "buildings": [(b.code, b.address) for b in town],
            "rooms": [(code, room_no) for b in town for code, room_no, _ in b.rooms],
            "rows": [(*r.values(), r.true_person, r.true_room) for r in rows2],
        }
    else:
        from jiceng.registry import synth

        people = int(n / 2.6)
        library = synth.address_library(max(50, int(people / 2.2)))
        persons = synth.population(library, people)
        rows = list(synth.person_records(persons, library, profile))
        data = {
            "buildings": [(b.code, b.address) for b in library],
            "rooms": [(code, room_no) for b in library for code, room_no, _ in b.rooms],
            "rows": [(*r.values(), r.true_person, r.true_room) for r in rows],
        }
    path = out / f"linkage-{profile}-{n}.json"
    path.write_text(json.dumps(data, ensure_ascii=False))
    return path


_COLUMNS = ("source", "record_id", "kind", "name", "id_number", "uscc", "phone", "address", "observed_at")


def _imported(data: dict[str, Any]) -> tuple[list[tuple[Any, ...]], int, int]:
    """Each row through the records importer's own row check (``validate_record_row``), as
    ``jiceng import records`` does: (kept rows with their cleaned values and truth, kept, flagged).
    A kept row links on the cleaned values the import stores."""
    import django

    django.setup()
    from jiceng.registry.actions import validate_record_row

    kept: list[tuple[Any, ...]] = []
    flagged = 0
    for row in data["rows"]:
        raw = dict(zip(_COLUMNS, row[:9], strict=True))
        clean, errors, warnings = validate_record_row(raw, "")
        if errors:
            continue
        flagged += bool(warnings)
        kept.append(
            (clean["source"], clean["record_id"], clean["name"], clean["id_number"], clean["phone"],
             clean["address"], row[9], row[10])
        )  # fmt: skip
    return kept, len(kept), flagged


def _peak_mb() -> float:
    """Peak resident memory of this linker: its own high-water mark (VmHWM, which unlike ru_maxrss
    starts afresh at exec, so the bench parent's memory is not counted) or its largest child's."""
    own = 0.0
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            own = int(line.split()[1]) / 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return max(own, children)


def _cpu() -> float:
    """CPU seconds of this process (all threads) and its finished children (forked scorers)."""
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def _features(data: dict[str, Any]) -> tuple[list[Any], float, float]:
    """Address matching (timed) and the linkage records."""
    from jiceng.registry import linkage
    from jiceng.registry.addressing import AddressIndex

    started = time.perf_counter()
    index = AddressIndex.build(data["buildings"], data["rooms"])
    records = []
    hits = total = 0
    for source, _rid, name, idn, phone, address, _tp, true_room in data["kept"]:
        m = index.match(address)
        if address:
            total += 1
            hits += m.room_code == true_room
        records.append(
            linkage.Record(
                name=name,
                id_number=idn,
                phone=phone,
                room_code=m.room_code or "",
                building_code=m.building_code or "",
                options=m.options,
                source=source,
            )
        )
    return records, time.perf_counter() - started, hits / max(total, 1)


def run_ours(path: str) -> dict[str, Any]:
    from jiceng.registry import linkage

    data = json.loads(Path(path).read_text())
    data["kept"], kept, flagged = _imported(data)
    cpu = _cpu()
    records, address_seconds, room_accuracy = _features(data)
    started = time.perf_counter()
    result = linkage.link(records)
    seconds = time.perf_counter() - started + address_seconds
    cpu_seconds = _cpu() - cpu
    quality = linkage.pairwise_quality(result.cluster, [r[6] for r in data["kept"]])
    # Rooms as ``jiceng link`` stores them: an address without a room number completed from the
    # person's other records in the same building.
    filled = linkage.fill_rooms(records, result)
    with_address = [(room, r[7]) for room, r in zip(filled, data["kept"], strict=True) if r[5]]
    room_linked = sum(room == truth for room, truth in with_address) / max(len(with_address), 1)
    return {
        "room_accuracy_linked": room_linked,
        **quality,
        "rows": len(data["rows"]),
        "kept": kept,
        "flagged": flagged,
        "seconds": seconds,
        "cpu_seconds": cpu_seconds,
        "room_accuracy": room_accuracy,
        "peak_mb": _peak_mb(),
    }


def run_splink(path: str) -> dict[str, Any]:
    import duckdb
    import pyarrow as pa
    import splink.comparison_level_library as cll
    import splink.comparison_library as cl
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on

    from jiceng.registry import linkage

    data = json.loads(Path(path).read_text())
    data["kept"], _kept, _flagged = _imported(data)
    records, _address_seconds, _acc = _features(data)
    linkage.prepare(records)

    def nz(value: str) -> str | None:
        return value or None

    frame = pa.table(
        {
            "unique_id": list(range(len(records))),
            "name": [nz(r.name) for r in records],
            "name_py": [nz(r.pinyin.replace(" ", "")) for r in records],
            "id_number": [nz(r.id_number) for r in records],
            "birth": [nz(r.birth) for r in records],
            "phone": [nz(r.phone) for r in records],
            "room_code": [nz(r.room_code) for r in records],
            "building_code": [nz(r.building_code) for r in records],
        }
    )
    started = time.perf_counter()
    cpu = _cpu()
    con = duckdb.connect()
    con.register("people_arrow", frame)
    con.execute("CREATE TABLE people AS SELECT * FROM people_arrow")
    db_api = DuckDBAPI(con)
    name = cl.CustomComparison(
        comparison_levels=[
            cll.NullLevel("name"),
            cll.ExactMatchLevel("name").configure(tf_adjustment_column="name"),
            cll.ExactMatchLevel("name_py"),
            cll.JaroWinklerLevel("name_py", 0.9),
            cll.ElseLevel(),
        ],
        output_column_name="name",
    )
    phone = cl.CustomComparison(
        comparison_levels=[
            cll.NullLevel("phone"),
            cll.ExactMatchLevel("phone").configure(tf_adjustment_column="phone"),
            cll.LevenshteinLevel("phone", 1),
            cll.ElseLevel(),
        ],
        output_column_name="phone",
    )
    place = cl.CustomComparison(
        comparison_levels=[
            cll.NullLevel("room_code"),
            cll.ExactMatchLevel("room_code").configure(tf_adjustment_column="room_code"),
            cll.ExactMatchLevel("building_code"),
            cll.ElseLevel(),
        ],
        output_column_name="place",
    )
    settings = SettingsCreator(
        link_type="dedupe_only",
        unique_id_column_name="unique_id",
        comparisons=[
            cl.DamerauLevenshteinAtThresholds("id_number", [1, 2]),
            name,
            phone,
            place,
        ],
        blocking_rules_to_generate_predictions=[
            block_on("substr(id_number, 1, 12)"),
            block_on("substr(id_number, 7, 12)"),
            block_on("substr(id_number, 1, 6)", "substr(id_number, 13, 6)"),
            block_on("phone"),
            block_on("name_py", "birth"),
            block_on("name_py", "room_code"),
            block_on("name_py", "building_code"),
        ],
        retain_intermediate_calculation_columns=False,
    )
    df = db_api.register("people")
    linker = Linker(df, settings, log_level="WARNING")
    linker.training.estimate_probability_two_random_records_match([block_on("id_number")], recall=0.85)
    linker.training.estimate_u_using_random_sampling(max_pairs=2e6)
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("id_number"))
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("name_py", "birth"))
    predictions = linker.inference.predict(threshold_match_probability=0.05)
    clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(predictions, 0.5)
    table = con.execute(f"SELECT unique_id, cluster_id FROM {clusters.physical_name}").fetchall()
    seconds = time.perf_counter() - started
    cpu_seconds = _cpu() - cpu
    by_id = dict(table)
    predicted = [by_id.get(i, f"s{i}") for i in range(len(records))]
    quality = linkage.pairwise_quality(predicted, [r[6] for r in data["kept"]])
    return {
        **quality,
        "seconds": seconds,
        "cpu_seconds": cpu_seconds,
        "peak_mb": _peak_mb(),
    }


def _child(which: str, path: Path, timeout: int = 3600) -> dict[str, Any]:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "jiceng.settings"}
    proc = subprocess.run(
        [sys.executable, "-m", "bench.bench_registry", which, str(path)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"{which} failed:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def linkage_rows(ctx: Context, n: int, profile: str) -> None:
    path = _prepare(n, profile, ctx.workdir)
    label = f"{n // 1000}K {profile}"
    ours = _child("ours", path)
    try:
        theirs: dict[str, Any] | None = _child("splink", path)
    except Exception as exc:  # noqa: BLE001 — report Splink's failure, keep our figures
        print(exc, file=sys.stderr)
        theirs = None
    ctx.row(
        "registry",
        f"linkage F1 ({label}), ours",
        ours["f1"],
        "",
        "≥ Splink",
        f"P {ours['precision']:.3f} R {ours['recall']:.3f}",
    )
    if theirs:
        ctx.row(
            "registry",
            f"linkage F1 ({label}), Splink",
            theirs["f1"],
            "",
            "",
            f"P {theirs['precision']:.3f} R {theirs['recall']:.3f}",
        )
    ctx.row(
        "registry",
        f"linkage time ({label}), ours",
        ours["seconds"],
        "s",
        "≤ 0.5× Splink",
        "incl. address matching",
    )
    if theirs:
        ctx.row(
            "registry",
            f"linkage time ({label}), Splink",
            theirs["seconds"],
            "s",
            "",
            "DuckDB; train + predict + cluster",
        )
        ctx.row(
            "registry", f"time ratio ({label}) ours/Splink", ours["seconds"] / theirs["seconds"], "×", "≤ 0.5"
        )
        ctx.row(
            "registry",
            f"CPU time ({label}) ours / Splink",
            f"{ours['cpu_seconds']:.1f} / {theirs['cpu_seconds']:.1f}",
            "s",
            "",
            "all threads and processes; less sensitive to other load",
        )
    ctx.row("registry", f"peak memory ({label}), ours", ours["peak_mb"], "MB")
    if theirs:
        ctx.row("registry", f"peak memory ({label}), Splink", theirs["peak_mb"], "MB")
    ctx.row(
        "registry",
        f"room-code accuracy ({label})",
        ours["room_accuracy_linked"],
        "",
        "≥ 0.98",
        f"records with an address, after linkage; address alone {ours['room_accuracy']:.3f}",
    )
    ctx.row(
        "registry",
        f"records kept / dropped at import ({label})",
        f"{ours['kept']} / {ours['rows'] - ours['kept']}",
        "",
        "0 dropped",
        f"{ours['flagged']} kept with a flagged field",
    )
    path.unlink(missing_ok=True)


def run(ctx: Context) -> None:
    # BENCH_REGISTRY_PARTS=lookup (or linkage) runs one part; both by default.
    parts = set(os.environ.get("BENCH_REGISTRY_PARTS", "linkage,lookup").split(","))
    if "linkage" in parts:
        sizes = [20_000] if ctx.quick else [100_000]
        # 1 M records take about six minutes with Splink; BENCH_REGISTRY_1M=0 leaves them out.
        if not ctx.quick and os.environ.get("BENCH_REGISTRY_1M", "1") != "0":
            sizes.append(1_000_000)
        for n in sizes:
            linkage_rows(ctx, n, "default")
        linkage_rows(ctx, sizes[0], "alt")
        # The independent generator (synth2): other departments and faults, never tuned on.
        linkage_rows(ctx, sizes[0], "gen2")
    if "lookup" in parts:
        lookup_rows(ctx)


def lookup_rows(ctx: Context) -> None:
    lookup_scale = int(os.environ.get("BENCH_REGISTRY_PEOPLE", "20000" if ctx.quick else "5400000"))
    # BENCH_REGISTRY_REUSE=1 with BENCH_PG_URL: time again on a registry loaded by an earlier run.
    reuse = bool(os.environ.get("BENCH_REGISTRY_REUSE"))
    result = ctx.in_django(
        ctx.pg_url, "bench.bench_registry:lookup_latency", lookup_scale, reuse, timeout=7200
    )
    note = (
        f"{result['people']:,} people, {result['rooms']:,} rooms, {result['entities']:,} entities, "
        f"{result['grids']:,} grids; " + ("reused" if reuse else f"loaded in {result['load_seconds']:.0f} s")
    )
    ctx.row("registry", "lookup p50 (PostgreSQL)", result["p50_ms"], "ms", "", note)
    ctx.row("registry", "lookup p99 (PostgreSQL)", result["p99_ms"], "ms", "< 50 ms", note)
    for kind, figures in result["kinds"].items():
        kind_note = f"{figures['n']} lookups; {note}"
        ctx.row("registry", f"lookup {kind} p50 (PostgreSQL)", figures["p50_ms"], "ms", "", kind_note)
        ctx.row("registry", f"lookup {kind} p99 (PostgreSQL)", figures["p99_ms"], "ms", "< 50 ms", kind_note)


def lookup_latency(people: int, reuse: bool = False) -> dict[str, Any]:
    """Load a generated registry into the (PostgreSQL) database and time lookups."""
    from jiceng.registry.benchdata import load_and_time

    return load_and_time(people, reuse=reuse)


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    which, path = sys.argv[1], sys.argv[2]
    result = run_ours(path) if which == "ours" else run_splink(path)
    print(json.dumps(result))
