import csv
from pathlib import Path

import pytest
from django.core.management import call_command

from jiceng.registry.exporters import LINK_COLUMNS, export_links
from jiceng.registry.models import Link, Occupancy, Person, TaskKind, VerificationTask
from jiceng.registry.tests.factories import import_and_link, person_row, resident_id
from jiceng.testing import World

pytestmark = pytest.mark.django_db


def test_records_of_one_person_from_two_sources_become_one_person_in_the_right_room(
    world: World, tmp_path: Path
) -> None:
    idn = resident_id()
    import_and_link(
        tmp_path,
        [
            person_row("公安", "A1", "张伟", idn, "13812345678", "广东省深圳市宝安区海裕社区1号楼101室"),
            person_row("人社", "B1", "张玮", idn, "13812345678", "海裕社区一号楼101"),
        ],
    )
    person = Person.objects.get()
    assert person.id_number == idn and person.name in ("张伟", "张玮")
    assert set(Link.objects.values_list("room__code", flat=True)) == {world.rooms["haiyu1"].code}
    assert Occupancy.objects.get().room == world.rooms["haiyu1"]


def test_export_writes_one_row_per_record_with_cluster_room_score_and_status(
    world: World, tmp_path: Path
) -> None:
    idn = resident_id()
    import_and_link(
        tmp_path,
        [
            person_row("公安", "A1", "张伟", idn, address="海裕社区1号楼101室"),
            person_row("人社", "B1", "张伟", idn),
            person_row("卫健", "C1", "王五", address="罗湖区某路1号"),
        ],
    )
    out = tmp_path / "links.csv"
    assert export_links(out) == 3
    with out.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert list(rows[0]) == LINK_COLUMNS
    by_id = {r["record_id"]: r for r in rows}
    assert by_id["A1"]["cluster_id"] == by_id["B1"]["cluster_id"] != by_id["C1"]["cluster_id"]
    assert by_id["A1"]["room_code"] == world.rooms["haiyu1"].code
    assert by_id["C1"]["room_code"] == "" and by_id["C1"]["status"] == "unmatched"


def test_linking_twice_does_not_duplicate_people_or_tasks(world: World, tmp_path: Path) -> None:
    idn = resident_id()
    import_and_link(
        tmp_path,
        [
            person_row("公安", "A1", "张伟", idn, address="海裕社区1号楼101室"),
            person_row("人社", "B1", "张伟", idn),
        ],
    )
    call_command("link", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert Person.objects.count() == 1 and Occupancy.objects.count() == 1


def test_two_people_claiming_one_id_number_become_a_verification_task_for_the_rooms_grid(
    world: World, tmp_path: Path
) -> None:
    idn = resident_id()
    import_and_link(
        tmp_path,
        [
            person_row("公安", "A1", "张伟", idn, "13800000001", "海裕社区1号楼101室"),
            person_row("住建", "B1", "欧阳娜", idn, "13900000002", "海裕社区1号楼101室"),
        ],
    )
    task = VerificationTask.objects.get(kind=TaskKind.ID_CONFLICT)
    assert task.grid == world.grids["haiyu1"]


def test_a_person_reported_in_two_rooms_at_once_becomes_a_room_conflict_task(
    world: World, tmp_path: Path
) -> None:
    idn = resident_id()
    import_and_link(
        tmp_path,
        [
            person_row("公安", "A1", "张伟", idn, address="海裕社区1号楼101室", observed_at="2025-03-01"),
            person_row("住建", "B1", "张伟", idn, address="固戍社区1号楼101室", observed_at="2025-04-01"),
        ],
    )
    task = VerificationTask.objects.get(kind=TaskKind.ROOM_CONFLICT)
    assert task.room == world.rooms["gushu1"] and len(task.details["rooms"]) == 2


def test_an_address_that_fits_buildings_on_two_roads_takes_the_one_the_person_lives_in(
    world: World, tmp_path: Path
) -> None:
    from jiceng.testing import make_building, make_room

    grid = world.grids["haiyu1"]
    a = make_building(grid, "00091", "深圳市宝安区宝源路391号翠湖苑3栋")
    b = make_building(grid, "00092", "深圳市宝安区宝源大道57号翠湖苑3栋")
    room_a, room_b = make_room(a, "020001", "2001", 20), make_room(b, "020001", "2001", 20)
    idn = resident_id("19580116", "053")
    import_and_link(
        tmp_path,
        [
            person_row("公安", "A1", "陆玉", idn, "17327461554", "宝源大道57号翠湖苑3栋2001"),
            person_row("医保", "B1", "陸玉", idn, "", "翠湖苑3栋2001"),  # no road: two buildings fit
        ],
    )
    links = {link.record.record_id: link for link in Link.objects.select_related("record", "room")}
    assert links["B1"].room == room_b != room_a
    assert links["B1"].building_code == b.code
