"""Address normalisation, rule by rule, and lookup by address."""

from __future__ import annotations

import pytest

from jiceng.places.addresses import chinese_to_int, find_by_address, normalise, register_alias
from jiceng.places.models import Building
from jiceng.testing import make_building, make_room

FULL = "广东省深圳市宝安区新安街道海裕社区创业路12号3栋"


def test_province_city_and_district_prefixes_may_be_left_out() -> None:
    assert (
        normalise(FULL) == normalise("海裕社区创业路12号3栋") == normalise("深圳宝安区海裕社区创业路12号3栋")
    )


def test_the_street_segment_is_not_part_of_the_key() -> None:
    assert normalise("新安街道海裕社区创业路12号3栋") == "海裕社区创业路12号3栋"


def test_full_width_digits_and_letters_become_half_width() -> None:
    assert normalise("海裕社区创业路１２号Ａ座") == "海裕社区创业路12号A栋"


def test_whitespace_and_punctuation_are_removed() -> None:
    assert normalise(" 海裕社区，创业路 12号（3栋）") == "海裕社区创业路12号3栋"


@pytest.mark.parametrize("written", ["3栋", "3座", "3幢", "3号楼", "三栋", "第三栋", "三号楼"])
def test_building_words_and_chinese_numerals_are_unified(written: str) -> None:
    assert normalise(f"海裕社区创业路12号{written}") == "海裕社区创业路12号3栋"


def test_chinese_numerals_in_front_of_building_words_become_digits() -> None:
    assert normalise("海裕社区十二栋") == "海裕社区12栋"
    assert chinese_to_int("一百零一") == 101
    assert chinese_to_int("二〇一") == 201


def test_numerals_inside_names_are_kept() -> None:
    assert normalise("三围社区九围一路5号") == "三围社区九围一路5号"


@pytest.mark.parametrize("written", ["1201室", "1201房", "1201户", "1201"])
def test_room_words_are_unified(written: str) -> None:
    assert normalise(f"{FULL}{written}") == "海裕社区创业路12号3栋1201室"


def test_an_alias_maps_to_its_canonical_name() -> None:
    register_alias("107国道", "广深公路")
    assert normalise("福永社区107国道8号") == normalise("福永社区广深公路8号")


@pytest.mark.django_db
def test_a_building_is_found_by_its_exact_and_by_a_differently_written_address(world) -> None:
    building = Building.objects.create(
        code=world.grids["haiyu1"].code + "00007",
        grid=world.grids["haiyu1"],
        address=FULL,
        address_key=normalise(FULL),
    )
    assert find_by_address(FULL) == building
    assert find_by_address("海裕社区 创业路１２号 三号楼") == building
    assert find_by_address("创业路12号3栋") == building


@pytest.mark.django_db
def test_a_room_is_found_by_its_building_address_and_room_number(world) -> None:
    building = make_building(world.grids["haiyu1"], "00007", FULL)
    Building.objects.filter(pk=building.pk).update(address_key=normalise(FULL))
    room = make_room(building, "012001", "1201", 12)
    assert find_by_address("新安街道海裕社区创业路12号3栋1201房") == room


@pytest.mark.django_db
def test_an_unknown_or_ambiguous_address_finds_nothing(world) -> None:
    for grid, suffix in ((world.grids["haiyu1"], "00007"), (world.grids["gushu1"], "00007")):
        Building.objects.create(code=grid.code + suffix, grid=grid, address="x", address_key="创业路99号1栋")
    assert find_by_address("创业路99号1栋") is None
    assert find_by_address("海裕社区不存在路1号") is None
    assert find_by_address("") is None
