"""Case fixtures: the shared ``world`` plus handling units of the catalogue's kinds and a few photos."""

from __future__ import annotations

import struct
import zlib
from datetime import datetime
from typing import Any

import pytest

from jiceng.cases import actions
from jiceng.cases.models import Case
from jiceng.lib.workdays import SHANGHAI
from jiceng.org.models import Role
from jiceng.places.models import Level
from jiceng.testing import World, make_unit, make_user, unit_kind


def at(y: int, m: int, d: int, hh: int = 0, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=SHANGHAI)


def png(width: int = 4, height: int = 3) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    raw = b"".join(b"\x00" + b"\x00\x00\x00" * width for _ in range(height))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


def jpeg(width: int = 640, height: int = 480) -> bytes:
    app0 = b"\xff\xe0" + struct.pack(">H", 16) + b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    sof = b"\xff\xc0" + struct.pack(">HBHHB", 11, 8, height, width, 1) + b"\x01\x11\x00"
    return b"\xff\xd8" + app0 + sof + b"\xff\xda\x00\x08\x01\x01\x00\x00\x3f\x00" + b"\x00" * 16 + b"\xff\xd9"


@pytest.fixture
def cw(world: World) -> World:
    """The world plus a street-level water unit and a community handler, for routing across kinds."""
    shuiwu = unit_kind("shuiwu", "水务")
    world.units["xinan_shuiwu"] = make_unit(
        "xinan-shuiwu", "新安街道水务所", shuiwu, Level.STREET, world.streets["xinan"]
    )
    world.people["handler2"] = make_user("handler2", "吴协办", Role.HANDLER, unit=world.units["xinan_shuiwu"])
    world.people["xixiang_handler"] = make_user(
        "xxhandler", "陈执法", Role.HANDLER, unit=world.units["xixiang_chengguan"]
    )
    world.people["xixiang_dispatcher"] = make_user(
        "xxdispatcher", "蒋分拨", Role.DISPATCHER, unit=world.units["xixiang"]
    )
    world.people["district_dispatcher"] = make_user(
        "qudispatcher", "沈分拨", Role.DISPATCHER, unit=world.units["district"]
    )
    world.people["community_handler"] = make_user(
        "gzzhandler", "韩社区", Role.HANDLER, unit=world.units["haiyu"]
    )
    return world


def submit(world: World, who: str = "resident", **kw: Any) -> Case:
    kw.setdefault("description", "小区门口垃圾堆放三天没人清运")
    kw.setdefault("location_code", world.rooms["haiyu1"].code)
    kw.setdefault("type_code", "SR01")
    return actions.check_submit_case(world.people[who], **kw)


def in_progress(world: World, **kw: Any) -> Case:
    case = submit(world, **kw)
    return actions.check_accept(world.people["handler"], case.pk)


def completed(world: World, **kw: Any) -> Case:
    case = in_progress(world, **kw)
    assert case.event_type is not None
    conditions = case.event_type.closing_conditions
    return actions.check_complete(world.people["handler"], case.pk, note="已清运完毕", checklist=conditions)


def awaiting_rating(world: World, **kw: Any) -> Case:
    case = completed(world, **kw)
    return actions.check_verify(world.people["dispatcher"], case.pk, note="现场核查已整治")
