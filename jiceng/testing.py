"""A small named world for tests: one district, two streets, their communities and grids, units of
the kinds cases need, and a cast of people — a resident, a grid worker, community staff, a street
dispatcher, a department handler, a supervisor, a leader, an admin, and the outsider (a grid worker of
another community) whose tests prove what must stay hidden.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from jiceng.org.models import Membership, Role, Unit, UnitCategory, UnitKind, User
from jiceng.places.models import Building, Division, Grid, Level, Room

DISTRICT = "440306"
PASSWORD = "jiceng-test-pass"  # noqa: S105


def square(lng: float, lat: float, half: float = 0.004) -> str:
    ring = [
        [lng - half, lat - half],
        [lng + half, lat - half],
        [lng + half, lat + half],
        [lng - half, lat + half],
    ]
    ring.append(ring[0])
    return json.dumps({"type": "Polygon", "coordinates": [ring]})


def make_grid(community: Division, suffix: str, lng: float, lat: float, half: float = 0.004) -> Grid:
    return Grid.objects.create(
        code=community.code + suffix,
        name=f"{community.name}第{int(suffix)}网格",
        community=community,
        polygon=square(lng, lat, half),
        min_lng=lng - half,
        max_lng=lng + half,
        min_lat=lat - half,
        max_lat=lat + half,
        center_lng=lng,
        center_lat=lat,
    )


def make_building(grid: Grid, suffix: str, address: str, floors: int = 6) -> Building:
    return Building.objects.create(
        code=grid.code + suffix,
        grid=grid,
        address=address,
        address_key=address,
        lat=grid.center_lat,
        lng=grid.center_lng,
        floors=floors,
    )


def make_room(building: Building, suffix: str, room_no: str, floor: int = 1) -> Room:
    return Room.objects.create(
        code=building.code + suffix, building=building, room_no=room_no, floor=floor, area_m2=Decimal("60.00")
    )


def make_user(
    username: str,
    name: str,
    role: str,
    unit: Unit | None = None,
    grids: list[Grid] | None = None,
    division: Division | None = None,
    phone: str = "",
    id_number: str = "",
) -> User:
    user = User.objects.create_user(
        username=username,
        password=PASSWORD,
        display_name=name,
        phone=phone,
        id_number=id_number,
        is_staff=role == Role.ADMIN,
        is_superuser=role == Role.ADMIN,
    )
    membership = Membership.objects.create(user=user, unit=unit, role=role, division=division)
    if grids:
        membership.grids.set(grids)
    return user


def unit_kind(code: str, name: str, category: str = UnitCategory.DEPARTMENT) -> UnitKind:
    kind, _ = UnitKind.objects.get_or_create(code=code, defaults={"name": name, "category": category})
    return kind


def make_unit(
    code: str,
    name: str,
    kind: UnitKind,
    level: str,
    division: Division,
    jurisdiction: list[Division] | None = None,
) -> Unit:
    unit = Unit.objects.create(code=code, name=name, kind=kind, level=level, division=division)
    unit.jurisdiction.set(jurisdiction or [division])
    return unit


def restore_reference_data() -> None:
    """Put back the reference rows the data migrations load (unit kinds, the working-day calendar, the
    event catalogue). Transactional tests flush every table between tests, these rows included."""
    from jiceng.org.kinds import ensure_unit_kinds

    ensure_unit_kinds()
    from jiceng.core.models import CalendarYear

    if not CalendarYear.objects.exists():
        from jiceng.core.calendar import Actor, seed_from_package
        from jiceng.core.models import CalendarChange, CalendarDay, CalendarState
        from jiceng.lib.workdays import package_years

        seed_from_package(CalendarYear, CalendarDay, CalendarChange, Actor("migration"), *package_years())
        CalendarState.objects.update_or_create(id=1, defaults={"version": "restored"})
    from jiceng.cases.models import EventType

    if not EventType.objects.exists():
        from jiceng.cases.catalogue import apply_rows, default_rows, validate_row
        from jiceng.cases.models import CatalogueChange, Category

        rows = [validate_row(row, None)[0] for row in default_rows()]
        apply_rows(rows, Category, EventType, CatalogueChange, source="migration")


@dataclass
class World:
    district: Division
    streets: dict[str, Division] = field(default_factory=dict)
    communities: dict[str, Division] = field(default_factory=dict)
    grids: dict[str, Grid] = field(default_factory=dict)
    buildings: dict[str, Building] = field(default_factory=dict)
    rooms: dict[str, Room] = field(default_factory=dict)
    units: dict[str, Unit] = field(default_factory=dict)
    people: dict[str, User] = field(default_factory=dict)


def build_world() -> World:
    """新安街道 (A) with 海裕社区 and 上川社区, 西乡街道 (B) with 固戍社区; two grids each."""
    district = Division.objects.create(code=DISTRICT, name="宝安区", level=Level.DISTRICT)
    world = World(district=district)
    xinan = Division.objects.create(code="440306001", name="新安街道", level=Level.STREET, parent=district)
    xixiang = Division.objects.create(code="440306002", name="西乡街道", level=Level.STREET, parent=district)
    world.streets = {"xinan": xinan, "xixiang": xixiang}
    haiyu = Division.objects.create(code="440306001001", name="海裕社区", level=Level.COMMUNITY, parent=xinan)
    shangchuan = Division.objects.create(
        code="440306001002", name="上川社区", level=Level.COMMUNITY, parent=xinan
    )
    gushu = Division.objects.create(
        code="440306002001", name="固戍社区", level=Level.COMMUNITY, parent=xixiang
    )
    world.communities = {"haiyu": haiyu, "shangchuan": shangchuan, "gushu": gushu}
    centers = {"haiyu": (113.88, 22.55), "shangchuan": (113.90, 22.56), "gushu": (113.85, 22.60)}
    for key, community in world.communities.items():
        lng, lat = centers[key]
        for n in (1, 2):
            grid = make_grid(community, f"{n:02d}", lng + (n - 1) * 0.008, lat)
            world.grids[f"{key}{n}"] = grid
            building = make_building(grid, "00001", f"广东省深圳市宝安区{community.name}{n}号楼")
            world.buildings[f"{key}{n}"] = building
            world.rooms[f"{key}{n}"] = make_room(building, "000101", "101", 1)

    gov = unit_kind("district_office", "区政府", UnitCategory.GOVERNMENT)
    street_office = unit_kind("street_office", "街道办事处", UnitCategory.GOVERNMENT)
    workstation = unit_kind("community_workstation", "社区工作站", UnitCategory.GOVERNMENT)
    chengguan = unit_kind("chengguan", "城管执法")
    zhujian = unit_kind("zhujian", "住房建设")
    u = world.units
    u["district"] = make_unit("qu-zhengfu", "宝安区人民政府", gov, Level.DISTRICT, district)
    u["district_chengguan"] = make_unit(
        "qu-chengguan", "宝安区城市管理和综合执法局", chengguan, Level.DISTRICT, district
    )
    u["district_zhujian"] = make_unit("qu-zhujian", "宝安区住房和建设局", zhujian, Level.DISTRICT, district)
    u["xinan"] = make_unit("xinan-jiedao", "新安街道办事处", street_office, Level.STREET, xinan)
    u["xixiang"] = make_unit("xixiang-jiedao", "西乡街道办事处", street_office, Level.STREET, xixiang)
    u["xinan_chengguan"] = make_unit("xinan-chengguan", "新安街道综合执法队", chengguan, Level.STREET, xinan)
    u["xixiang_chengguan"] = make_unit(
        "xixiang-chengguan", "西乡街道综合执法队", chengguan, Level.STREET, xixiang
    )
    for key, community in world.communities.items():
        u[key] = make_unit(f"{key}-gzz", f"{community.name}工作站", workstation, Level.COMMUNITY, community)

    p = world.people
    p["resident"] = make_user("resident", "李居民", Role.RESIDENT, division=haiyu, phone="13800138000")
    p["grid_worker"] = make_user(
        "gridworker", "王网格", Role.GRID_WORKER, unit=u["haiyu"], grids=[world.grids["haiyu1"]]
    )
    p["community_staff"] = make_user("communitystaff", "赵社区", Role.COMMUNITY_STAFF, unit=u["haiyu"])
    p["dispatcher"] = make_user("dispatcher", "钱分拨", Role.DISPATCHER, unit=u["xinan"])
    p["handler"] = make_user("handler", "孙执法", Role.HANDLER, unit=u["xinan_chengguan"])
    p["supervisor"] = make_user("supervisor", "周督办", Role.SUPERVISOR, unit=u["district"])
    p["leader"] = make_user("leader", "吴领导", Role.LEADER, unit=u["xinan"])
    p["admin"] = make_user("admin", "郑管理", Role.ADMIN, unit=u["district"])
    p["outsider"] = make_user(
        "outsider", "冯外人", Role.GRID_WORKER, unit=u["gushu"], grids=[world.grids["gushu1"]]
    )
    return world


def client_for(user: User | None) -> Any:
    """A Django test client signed in as ``user`` (anonymous for None) that answers 500s as responses."""
    from django.test import Client

    client = Client(raise_request_exception=False)
    if user is not None:
        client.force_login(user)
    return client
