"""Sensing fixtures: the named world plus a few devices in 海裕社区 and one in 固戍社区 (the outsider's)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.utils import timezone

from jiceng.testing import World


@dataclass
class Sensors:
    world: World
    devices: dict[str, Any] = field(default_factory=dict)
    elder: Any = None


def make_sensors(world: World) -> Sensors:
    from jiceng.registry.models import CareTag, Occupancy, Person
    from jiceng.sensing.actions import do_register_device
    from jiceng.sensing.defaults import ensure_defaults

    ensure_defaults()
    sensors = Sensors(world)
    elder = Person.objects.create(name="陈阿婆", care_tags=[CareTag.ELDERLY_ALONE], phones=["13500135000"])
    Occupancy.objects.create(person=elder, room=world.rooms["haiyu1"])
    sensors.elder = elder
    family = [{"name": "陈女儿", "phone": "13600136000"}]
    d = sensors.devices
    d["breaker"], _ = do_register_device(
        "BRK-001", "breaker", location_code=world.rooms["haiyu1"].code, name="海裕1号楼空开", contacts=family
    )
    d["wearable"], _ = do_register_device(
        "WR-001",
        "wearable",
        location_code=world.rooms["haiyu1"].code,
        name="陈阿婆手环",
        contacts=family,
        person=elder,
        care_worker=world.people["grid_worker"],
    )
    d["door"], _ = do_register_device("DOOR-001", "door", location_code=world.buildings["haiyu1"].code)
    d["water"], _ = do_register_device(
        "WL-001",
        "water_level",
        lat=world.grids["haiyu2"].center_lat,
        lng=world.grids["haiyu2"].center_lng,
        name="海裕积水点",
        contacts=[{"name": "联系人一", "phone": "13700137001"}, {"name": "联系人二", "phone": "13700137002"}],
    )
    d["outsider_breaker"], _ = do_register_device(
        "BRK-GS-1", "breaker", location_code=world.rooms["gushu1"].code
    )
    return sensors


@pytest.fixture
def sensors(world: World) -> Sensors:
    return make_sensors(world)


def ts(seconds: float = 0, base: dt.datetime | None = None) -> str:
    return (
        (base or timezone.now().replace(microsecond=0) - dt.timedelta(minutes=5))
        + dt.timedelta(seconds=seconds)
    ).isoformat()
