"""Address codes: structure, kind and parent checks; renumbering keeps a history."""

from __future__ import annotations

import pytest

from jiceng.lib import codes
from jiceng.lib.codes import CodeError, CodeKind
from jiceng.places.actions import check_change_code, resolve_code
from jiceng.places.exceptions import CodeChangeError
from jiceng.places.models import Building, CodeHistory, Room


@pytest.mark.parametrize(
    ("code", "kind"),
    [
        ("440306", CodeKind.DISTRICT),
        ("440306001", CodeKind.STREET),
        ("440306001002", CodeKind.COMMUNITY),
        ("44030600100201", CodeKind.GRID),
        ("4403060010020100001", CodeKind.BUILDING),
        ("4403060010020100001012003", CodeKind.ROOM),
    ],
)
def test_a_well_formed_code_is_recognised_by_its_length(code: str, kind: CodeKind) -> None:
    assert codes.parse(code).kind == kind
    assert codes.error_for(code, kind) is None


@pytest.mark.parametrize(
    ("code", "fragment"),
    [
        ("44030600100201000O1", "只能由数字组成"),
        ("４４０３０６", "只能由数字组成"),
        ("4403060010", "长度为 10 位"),
        ("440306000", "街道段"),
        ("44030600100200", "网格段"),
        ("4403060010020100000", "楼栋段"),
        ("4403060010020100001000000", "房屋段"),
    ],
)
def test_a_malformed_code_is_refused_with_a_chinese_reason(code: str, fragment: str) -> None:
    with pytest.raises(CodeError, match=fragment):
        codes.parse(code)


def test_a_code_of_the_wrong_kind_is_refused() -> None:
    reason = codes.error_for("44030600100201", CodeKind.BUILDING)
    assert reason is not None and "这里需要楼栋编码（19 位）" in reason


def test_a_code_under_another_parent_is_refused() -> None:
    assert codes.error_for("4403060010020100001", CodeKind.BUILDING, parent="44030600100201") is None
    reason = codes.error_for("4403060010020200001", CodeKind.BUILDING, parent="44030600100201")
    assert reason is not None and "不在上级" in reason


def test_the_parent_and_ancestors_come_from_the_code_itself() -> None:
    parsed = codes.parse("4403060010020100001012003")
    assert parsed.parent == "4403060010020100001"
    assert parsed.ancestor(CodeKind.STREET) == "440306001"
    assert codes.parent_of("440306") is None
    assert codes.is_within("4403060010020100001", "440306001")
    assert not codes.is_within("4403060020020100001", "440306001")


def test_a_prefix_range_covers_exactly_the_codes_under_it() -> None:
    assert codes.prefix_range("440306001") == ("440306001", "440306002")
    assert codes.prefix_range("999") == ("999", None)


@pytest.mark.django_db
def test_renumbering_a_building_renumbers_its_rooms_and_keeps_the_old_codes_resolvable(world) -> None:
    # given a building with a room
    building = world.buildings["haiyu1"]
    old_building, old_room = building.code, world.rooms["haiyu1"].code
    new_building = building.code[:14] + "00099"
    # when the building gets a new code
    changed = check_change_code(building, new_building, reason="网格重划")
    # then the building and its room carry the new prefix, and the old codes lead to the new ones
    assert changed == 2
    assert Building.objects.get(pk=building.pk).code == new_building
    assert Room.objects.get(pk=world.rooms["haiyu1"].pk).code == new_building + old_room[19:]
    assert resolve_code(old_building) == new_building
    assert resolve_code(old_room) == new_building + old_room[19:]
    assert CodeHistory.objects.filter(reason="网格重划").count() == 2


@pytest.mark.django_db
def test_a_new_code_under_another_grid_or_already_taken_is_refused(world) -> None:
    building = world.buildings["haiyu1"]
    with pytest.raises(CodeChangeError, match="上级不同"):
        check_change_code(building, world.grids["haiyu2"].code + "00001")
    other = Building.objects.create(code=building.code[:14] + "00002", grid=building.grid, address="另一栋")
    with pytest.raises(CodeChangeError, match="已被占用"):
        check_change_code(building, other.code)
    assert CodeHistory.objects.count() == 0
