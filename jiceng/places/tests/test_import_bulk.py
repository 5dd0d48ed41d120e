"""Bulk room loads: keys and indexes rebuilt after the load, ids drawn from one reserved block."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.test import override_settings

from jiceng.places.importers import IMPORTERS
from jiceng.places.models import Building, Room

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("bulk_from_one_row")]

HEADER = "code,room_no,floor,area_m2,use\n"


@pytest.fixture
def bulk_from_one_row() -> Any:
    with override_settings(PLACES_BULK_MIN_ROWS=1):
        yield


def rooms_file(tmp_path: Path, building: Building, floors: range, extra: str = "") -> Path:
    lines = [
        f"{building.code}{f:03d}{k:03d},{f}{k:02d},{f},50,residence" for f in floors for k in range(1, 9)
    ]
    path = tmp_path / "rooms.csv"
    path.write_text(HEADER + "\n".join(lines) + "\n" + extra, encoding="utf-8")
    return path


def schema() -> dict[str, Any]:
    """Every constraint and index of the room table and of the tables whose keys point at rooms."""
    tables = {"places_room"} | {rel.related_model._meta.db_table for rel in Room._meta.related_objects}  # type: ignore[union-attr]
    with connection.cursor() as cursor:
        return {table: connection.introspection.get_constraints(cursor, table) for table in sorted(tables)}


def empty_room_table() -> None:
    Room.objects.all().delete()


def test_ids_after_a_bulk_load_into_an_empty_table_continue_past_the_loaded_rooms(
    world, tmp_path: Path
) -> None:
    # given an empty room table and a file large enough for a bulk load
    empty_room_table()
    # when it is imported and a room is then created the ordinary way
    report = IMPORTERS["rooms"](rooms_file(tmp_path, world.buildings["haiyu2"], range(2, 12)))
    later = Room.objects.create(
        code=world.buildings["haiyu1"].code + "099001", building=world.buildings["haiyu1"], room_no="x"
    )
    # then the new room's id follows every imported id
    assert report.ok and report.created == 80
    ids = list(Room.objects.exclude(pk=later.pk).values_list("id", flat=True))
    assert len(set(ids)) == 80
    assert later.id > max(ids)


def test_ids_after_a_bulk_load_next_to_existing_rooms_continue_past_the_loaded_rooms(
    world, tmp_path: Path
) -> None:
    # given the world's rooms, fewer than the file brings
    before = max(Room.objects.values_list("id", flat=True))
    # when a file is bulk loaded and a room is then created the ordinary way
    report = IMPORTERS["rooms"](rooms_file(tmp_path, world.buildings["haiyu2"], range(2, 12)))
    later = Room.objects.create(
        code=world.buildings["haiyu1"].code + "099001", building=world.buildings["haiyu1"], room_no="x"
    )
    # then loaded ids come after the old ones and the new room's after those
    loaded = list(
        Room.objects.filter(building=world.buildings["haiyu2"], floor__gte=2).values_list("id", flat=True)
    )
    assert report.ok and len(loaded) == 80
    assert before < min(loaded) and max(loaded) < later.id


def test_a_bulk_load_into_an_empty_table_puts_back_every_key_and_index(world, tmp_path: Path) -> None:
    empty_room_table()
    expected = schema()
    report = IMPORTERS["rooms"](rooms_file(tmp_path, world.buildings["haiyu2"], range(2, 12)))
    assert report.ok and report.created == 80
    assert schema() == expected


def test_a_bad_row_in_a_bulk_load_into_an_empty_table_leaves_it_empty_with_its_keys_and_indexes(
    world, tmp_path: Path
) -> None:
    # given an empty room table and a large file whose last row names an unknown building
    empty_room_table()
    expected = schema()
    building = world.buildings["haiyu2"]
    path = rooms_file(
        tmp_path, building, range(2, 12), extra=f"{building.code[:14]}99999002001,201,2,50,residence\n"
    )
    # when it is imported
    report = IMPORTERS["rooms"](path)
    # then the row is reported, nothing is written and the table is as it was
    assert [(e.row, e.column) for e in report.errors] == [(82, "code")]
    assert Room.objects.count() == 0
    assert schema() == expected


def test_a_bad_row_in_a_bulk_load_next_to_existing_rooms_leaves_them_and_the_indexes_intact(
    world, tmp_path: Path
) -> None:
    # given the world's rooms and a large file with one bad floor
    before = sorted(Room.objects.values_list("id", "code"))
    expected = schema()
    path = rooms_file(
        tmp_path,
        world.buildings["haiyu2"],
        range(2, 12),
        extra=f"{world.buildings['haiyu2'].code}099001,x,九,50,residence\n",
    )
    # when it is imported
    report = IMPORTERS["rooms"](path)
    # then the row is reported and the table, its keys and its indexes are unchanged
    assert [(e.row, e.column) for e in report.errors] == [(82, "floor")]
    assert sorted(Room.objects.values_list("id", "code")) == before
    assert schema() == expected
