"""``jiceng generate``: departments' records (records.csv) with the truth beside them (records_truth.csv).

People live in the rooms of places' buildings.csv/rooms.csv when those files are in the output
directory (places writes them first), otherwise in a synthetic address library of our own.
"""

from __future__ import annotations

import csv
from pathlib import Path

from jiceng.registry import synth

# Records per scale. Bao'an has 5.6 M people; five departments' full exports would be ~15 M rows,
# so the generated "baoan" file is a 1 M-row sample.
SCALES = {"small": 2_000, "district": 100_000, "baoan": 1_000_000}
RECORDS_PER_PERSON = 2.6


def _library(out_dir: Path, rooms_wanted: int) -> list[synth.BuildingSpec]:
    buildings_csv, rooms_csv = out_dir / "buildings.csv", out_dir / "rooms.csv"
    if buildings_csv.exists() and rooms_csv.exists():
        with buildings_csv.open(encoding="utf-8-sig") as fh:
            buildings = [(r["code"], r["address"]) for r in csv.DictReader(fh)]
        with rooms_csv.open(encoding="utf-8-sig") as fh:
            rooms = [(r["code"], r["room_no"], int(r.get("floor") or 1)) for r in csv.DictReader(fh)]
        library = synth.library_from_rows(buildings, rooms)
        if library:
            return library
    return synth.address_library(rooms_wanted)


def write(scale: str, out_dir: Path, progress: bool = False) -> list[Path]:
    n = SCALES.get(scale, SCALES["small"])
    people = int(n / RECORDS_PER_PERSON)
    library = _library(Path(out_dir), max(50, int(people / 2.2)))
    persons = synth.population(library, people)
    records_path, truth_path = Path(out_dir) / "records.csv", Path(out_dir) / "records_truth.csv"
    with (
        records_path.open("w", encoding="utf-8", newline="") as fh,
        truth_path.open("w", encoding="utf-8", newline="") as th,
    ):
        writer, truth = csv.writer(fh), csv.writer(th)
        writer.writerow(synth.Row.COLUMNS)
        truth.writerow(["source", "record_id", "person", "room_code"])
        rows = list(synth.person_records(persons, library))
        rows += list(synth.entity_records(library, max(5, n // 20)))
        for row in rows:
            writer.writerow(row.values())
            truth.writerow([row.source, row.record_id, row.true_person, row.true_room])
    return [records_path, truth_path]
