"""Plain rooms files take a fast lane; anything unusual in them gives the same result as the checked path."""

from __future__ import annotations

from pathlib import Path

import pytest

from jiceng.places.importers import IMPORTERS
from jiceng.places.models import Room

pytestmark = pytest.mark.django_db

HEADER = "code,room_no,floor,area_m2,use\n"


def write(tmp_path: Path, lines: list[str]) -> Path:
    path = tmp_path / "rooms.csv"
    path.write_text(HEADER + "\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_rooms_listed_out_of_code_order_are_imported(world, tmp_path: Path) -> None:
    building = world.buildings["haiyu2"]
    lines = [f"{building.code}{f:03d}001,{f}01,{f},40.5,residence" for f in (9, 3, 7, 2)]
    report = IMPORTERS["rooms"](write(tmp_path, lines))
    assert (report.ok, report.created) == (True, 4)
    assert sorted(Room.objects.filter(building=building, floor__gte=2).values_list("floor", flat=True)) == [
        2,
        3,
        7,
        9,
    ]


def test_a_code_repeated_in_an_otherwise_plain_file_is_reported(world, tmp_path: Path) -> None:
    building = world.buildings["haiyu2"]
    lines = [f"{building.code}002001,201,2,40,residence", f"{building.code}002001,201,2,40,residence"]
    before = Room.objects.count()
    report = IMPORTERS["rooms"](write(tmp_path, lines))
    assert [(e.row, e.column) for e in report.errors] == [(3, "code")]
    assert "与第 2 行相同" in report.errors[0].reason
    assert Room.objects.count() == before


def test_labels_blanks_and_padding_in_a_sorted_file_are_read_as_the_checked_path_reads_them(
    world, tmp_path: Path
) -> None:
    building = world.buildings["haiyu2"]
    lines = [f"{building.code}002001, 201 ,,  ,商铺", f"{building.code}002002,202, 2 ,60.25, "]
    report = IMPORTERS["rooms"](write(tmp_path, lines))
    assert report.ok and report.created == 2
    rooms = Room.objects.filter(code__startswith=f"{building.code}0020").order_by("code")
    assert [(r.room_no, r.floor, r.area_m2, r.use) for r in rooms] == [
        ("201", 1, None, "shop"),
        ("202", 2, pytest.approx(60.25), "residence"),
    ]
