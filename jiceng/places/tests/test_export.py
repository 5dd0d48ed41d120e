"""Exports use the import columns, so an exported file imports back unchanged."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from jiceng.places.exporters import EXPORTERS
from jiceng.places.importers import COLUMNS, IMPORTERS
from jiceng.places.models import Building, Division, Grid, Room

pytestmark = pytest.mark.django_db


def snapshot() -> dict[str, list[tuple]]:
    return {
        "divisions": list(Division.objects.values_list("code", "name", "level", "parent__code")),
        "grids": [
            (code, name, round(min_lng, 9), round(max_lat, 9), round(center_lng, 9))
            for code, name, min_lng, max_lat, center_lng in Grid.objects.values_list(
                "code", "name", "min_lng", "max_lat", "center_lng"
            )
        ],
        # Excel keeps 15 significant digits, so coordinates compare to a nanodegree.
        "buildings": [
            (code, address, round(lat, 9), round(lng, 9), floors, kind)
            for code, address, lat, lng, floors, kind in Building.objects.values_list(
                "code", "address", "lat", "lng", "floors", "kind"
            )
        ],
        "rooms": list(Room.objects.values_list("code", "room_no", "floor", "area_m2", "use")),
    }


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_every_kind_exports_and_imports_back_unchanged(world, tmp_path: Path, suffix: str) -> None:
    # given the world's address library
    before = snapshot()
    # when each kind is exported and imported back, parents first
    for kind in ("divisions", "grids", "buildings", "rooms"):
        path = tmp_path / f"{kind}{suffix}"
        assert EXPORTERS[kind](path) == len(before[kind])
        report = IMPORTERS[kind](path)
        # then every row is an update of the same code and nothing changes
        assert (report.ok, report.created, report.updated) == (True, 0, len(before[kind])), report.errors[:3]
    assert snapshot() == before


def test_a_csv_export_has_the_import_columns_and_codes_as_text(world, tmp_path: Path) -> None:
    path = tmp_path / "rooms.csv"
    EXPORTERS["rooms"](path)
    with path.open(encoding="utf-8-sig") as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == COLUMNS["rooms"]
    assert rows[1][0] == world.rooms["haiyu1"].code and rows[1][3] == "60.00"
