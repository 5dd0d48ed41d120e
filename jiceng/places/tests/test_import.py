"""Importing divisions, grids, buildings and rooms: all-or-nothing, errors in Chinese, updates in place."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import IntegrityError, transaction
from django.test import override_settings

from jiceng.core.importing import ImportFileError
from jiceng.places.importers import IMPORTERS
from jiceng.places.models import Building, Division, Grid, Room

pytestmark = pytest.mark.django_db

HAIYU1 = "44030600100101"
SQUARE_WKT = "POLYGON((113.95 22.70,113.96 22.70,113.96 22.71,113.95 22.71,113.95 22.70))"


def write(tmp_path: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding=encoding)
    return path


def test_divisions_import_with_parents_earlier_in_the_same_file(db, tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "divisions.csv",
        "code,name,level,parent_code\n440306,宝安区,district,\n440306001,新安街道,街道,440306\n"
        "440306001001,海裕社区,community,\n",
    )
    report = IMPORTERS["divisions"](path)
    assert report.ok and report.created == 3
    assert Division.objects.get(code="440306001001").parent.code == "440306001"


def test_a_bad_division_row_names_file_row_column_and_reason_and_nothing_is_imported(
    db, tmp_path: Path
) -> None:
    path = write(
        tmp_path,
        "divisions.csv",
        "code,name,level,parent_code\n440306,宝安区,district,\n440306001,新安街道,street,440306\n"
        "440306002001,固戍社区,community,440306002\n440306003,,street,440306\n",
    )
    report = IMPORTERS["divisions"](path)
    assert not report.ok
    assert [(e.file, e.row, e.column) for e in report.errors] == [
        ("divisions.csv", 4, "parent_code"),
        ("divisions.csv", 5, "name"),
    ]
    assert "440306002 不存在" in report.errors[0].reason
    assert str(report.errors[1]) == "divisions.csv 第 5 行，列“name”：名称不能为空"
    assert Division.objects.count() == 0


def test_grids_import_from_wkt_and_geojson_filling_bounding_box_and_centre(world, tmp_path: Path) -> None:
    geojson = json.dumps(
        {
            "type": "Polygon",
            "coordinates": [[[113.97, 22.70], [113.98, 22.70], [113.98, 22.72], [113.97, 22.70]]],
        }
    ).replace('"', '""')
    path = write(
        tmp_path,
        "grids.csv",
        f'code,name,polygon\n44030600100109,新网格,"{SQUARE_WKT}"\n44030600100108,三角网格,"{geojson}"\n',
    )
    report = IMPORTERS["grids"](path)
    assert report.ok and report.created == 2
    grid = Grid.objects.get(code="44030600100109")
    assert (grid.min_lng, grid.min_lat, grid.max_lng, grid.max_lat) == (113.95, 22.70, 113.96, 22.71)
    assert (grid.center_lng, grid.center_lat) == pytest.approx((113.955, 22.705))
    assert json.loads(grid.polygon)["type"] == "Polygon"


def test_an_invalid_polygon_or_a_missing_community_is_refused(world, tmp_path: Path) -> None:
    bowtie = "POLYGON((113.95 22.70,113.96 22.71,113.96 22.70,113.95 22.71,113.95 22.70))"
    path = write(
        tmp_path,
        "grids.csv",
        f'code,name,polygon\n44030600100109,自交,"{bowtie}"\n44030600100107,点,POINT(113.9 22.6)\n'
        f'44030600900101,无社区,"{SQUARE_WKT}"\n',
    )
    report = IMPORTERS["grids"](path)
    assert [(e.row, e.column) for e in report.errors] == [(2, "polygon"), (3, "polygon"), (4, "code")]
    assert "无效" in report.errors[0].reason and "多边形" in report.errors[1].reason
    assert Grid.objects.filter(code__in=["44030600100109", "44030600100107"]).count() == 0


def test_buildings_import_with_chinese_kind_labels_and_a_normalised_address_key(
    world, tmp_path: Path
) -> None:
    path = write(
        tmp_path,
        "buildings.csv",
        "code,address,lat,lng,floors,kind\n"
        f"{HAIYU1}00009,广东省深圳市宝安区新安街道海裕社区创业路12号三栋,22.55,113.88,18,住宅\n"
        f"{HAIYU1}00010,海裕社区一坊2巷5号,22.551,113.881,6,urban_village\n",
    )
    report = IMPORTERS["buildings"](path)
    assert report.ok
    building = Building.objects.get(code=f"{HAIYU1}00009")
    assert (building.kind, building.floors, building.address_key) == (
        "residential",
        18,
        "海裕社区创业路12号3栋",
    )


def test_bad_building_numbers_and_kinds_are_reported_per_column(world, tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "buildings.csv",
        "code,address,lat,lng,floors,kind\n"
        f"{HAIYU1}00009,地址甲,22.55,113.88,十八,住宅\n"
        f"{HAIYU1}00010,地址乙,95,113.88,6,castle\n"
        f"{HAIYU1}00010,地址丙,22.5,113.88,6,public\n",
    )
    report = IMPORTERS["buildings"](path)
    assert [(e.row, e.column) for e in report.errors] == [(2, "floors"), (3, "lat"), (3, "kind"), (4, "code")]
    assert "重复" in report.errors[-1].reason
    assert not Building.objects.filter(code__in=[f"{HAIYU1}00009", f"{HAIYU1}00010"]).exists()


ROOMS_HEADER = "code,room_no,floor,area_m2,use\n"


def test_rooms_import_and_a_second_import_updates_them_in_place(world, tmp_path: Path) -> None:
    building = world.buildings["haiyu1"].code
    path = write(
        tmp_path,
        "rooms.csv",
        ROOMS_HEADER + f"{building}002001,201,2,75.5,residence\n{building}002002,202,2,,shop\n",
    )
    first = IMPORTERS["rooms"](path)
    assert (first.ok, first.created, first.updated) == (True, 2, 0)
    path = write(tmp_path, "rooms.csv", ROOMS_HEADER + f"{building}002001,201,2,80.25,办公\n")
    second = IMPORTERS["rooms"](path)
    assert (second.ok, second.created, second.updated) == (True, 0, 1)
    room = Room.objects.get(code=f"{building}002001")
    assert (str(room.area_m2), room.use, room.building_id) == (
        "80.25",
        "office",
        world.buildings["haiyu1"].id,
    )
    assert Room.objects.get(code=f"{building}002002").area_m2 is None


def test_rooms_with_quoted_values_and_extra_columns_are_imported(world, tmp_path: Path) -> None:
    building = world.buildings["haiyu1"].code
    path = write(
        tmp_path,
        "rooms.csv",
        f'note,use,code,room_no,floor,area_m2\n"备注, 带逗号",商铺,{building}001002," 102 ",1,30\n',
    )
    report = IMPORTERS["rooms"](path)
    assert report.ok and report.created == 1
    room = Room.objects.get(code=f"{building}001002")
    assert (room.room_no, room.use) == ("102", "shop")


def test_bad_room_rows_are_all_reported_and_no_room_is_written(world, tmp_path: Path) -> None:
    building = world.buildings["haiyu1"].code
    rows = [
        f"{building}003001,301,3,60,residence",  # good
        f"{building}003002,302,三,60,residence",  # floor
        f"{building}003003,303,3,60.555,residence",  # area
        f"{building}003004,304,3,60,castle",  # use
        f"{building[:14]}99999003005,305,3,60,residence",  # unknown building
        f"{building}003001,301,3,60,residence",  # duplicate of row 2
        f"{building}000000,000,3,60,residence",  # zero room segment
        f"{building}003008,,3,60,residence",  # room number
        f"{building}003009,309,3",  # columns
    ]
    path = write(tmp_path, "rooms.csv", ROOMS_HEADER + "\n".join(rows) + "\n")
    before = Room.objects.count()
    report = IMPORTERS["rooms"](path)
    assert [(e.row, e.column) for e in report.errors] == [
        (3, "floor"),
        (4, "area_m2"),
        (5, "use"),
        (6, "code"),
        (7, "code"),
        (8, "code"),
        (9, "room_no"),
        (10, ""),
    ]
    assert "与第 2 行相同" in report.errors[4].reason
    assert "不存在" in report.errors[3].reason
    assert Room.objects.count() == before


def test_an_xlsx_file_imports_like_csv(world, tmp_path: Path) -> None:
    from openpyxl import Workbook

    building = world.buildings["gushu1"].code
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["code", "room_no", "floor", "area_m2", "use"])
    sheet.append([f"{building}004001", "401", 4, 88.5, "居住"])
    sheet.append([f"{building}004002", "402", 4, None, "residence"])
    path = tmp_path / "rooms.xlsx"
    workbook.save(path)
    report = IMPORTERS["rooms"](path)
    assert report.ok and report.created == 2
    assert str(Room.objects.get(code=f"{building}004001").area_m2) == "88.50"


def test_a_gbk_file_is_refused_with_a_clear_message(world, tmp_path: Path) -> None:
    building = world.buildings["haiyu1"].code
    path = write(tmp_path, "rooms.csv", ROOMS_HEADER + f"{building}002001,二零一,2,75,居住\n", encoding="gbk")
    with pytest.raises(ImportFileError, match="不是 UTF-8 编码.*CSV UTF-8"):
        IMPORTERS["rooms"](path)
    assert not Room.objects.filter(code=f"{building}002001").exists()


def test_a_file_missing_a_column_is_refused_before_any_row(world, tmp_path: Path) -> None:
    path = write(tmp_path, "rooms.csv", "code,room_no,floor,use\n")
    with pytest.raises(ImportFileError, match="缺少列：area_m2"):
        IMPORTERS["rooms"](path)


@override_settings(PLACES_BULK_MIN_ROWS=1)
def test_a_bulk_room_load_rebuilds_the_indexes_it_drops_and_still_refuses_codes_it_would_duplicate(
    world, tmp_path: Path
) -> None:
    # given a rooms file large compared with the rooms already there (every room of the world)
    building = world.buildings["haiyu2"]
    lines = [
        f"{building.code}{f:03d}{k:03d},{f}{k:02d},{f},50,residence"
        for f in range(2, 12)
        for k in range(1, 9)
    ]
    path = write(tmp_path, "rooms.csv", ROOMS_HEADER + "\n".join(lines) + "\n")
    # when it is imported twice
    first = IMPORTERS["rooms"](path)
    second = IMPORTERS["rooms"](path)
    # then the first creates, the second updates, and the unique code index is back in force
    assert (first.created, second.created, second.updated) == (80, 0, 80)
    assert Room.objects.filter(building=building).count() == 81
    with pytest.raises(IntegrityError), transaction.atomic():
        Room.objects.create(code=lines[0][:25], building=building, room_no="x")


def test_the_import_command_fails_with_the_errors_in_chinese(world, tmp_path: Path) -> None:
    path = write(tmp_path, "rooms.csv", ROOMS_HEADER + "123,1,1,1,residence\n")
    with pytest.raises(CommandError, match="1 处错误，未导入任何数据"):
        call_command("import", "rooms", str(path))
