from jiceng.cases.registry_provider import provider
from jiceng.registry import hooks


def test_a_patrol_report_from_the_registry_becomes_a_case_at_that_room(world):
    # given a grid worker standing in a room of their grid
    room = world.rooms["haiyu1"]
    # when they file a patrol report through registry's hook with the case provider registered
    hooks.register_case_provider(provider)
    created = hooks.report_case(world.people["grid_worker"], room.code, "楼道堆放大量纸箱杂物，堵塞消防通道")
    # then a patrol case exists at that room and the one-key lookup lists it as open
    listed = hooks.open_cases([room.code])
    assert created["number"] in [c["number"] for c in listed]
    assert created["number"] in [c["number"] for c in hooks.open_cases([room.building.code])]
    assert created["number"] in [c["number"] for c in hooks.open_cases([room.building.grid.code])]
    assert hooks.open_cases([world.rooms["gushu1"].code]) == []


def test_the_cases_app_registers_its_provider_at_start_up():
    assert provider in hooks._case_providers
