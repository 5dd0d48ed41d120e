"""Demo organisation for the demo district: a unit of every kind with its jurisdiction, a week of
duty shifts for every community workstation, and one login per role (shared password).

Runs after the places demo, which creates the district, its streets, communities and grids. Loading
twice gives the same result: units and people are matched by code and username, and the coming
week's shifts are replaced.
"""

from __future__ import annotations

import datetime as dt
from typing import TextIO

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.utils import timezone

from jiceng.core.plugins import DemoLogin
from jiceng.lib.identity import make_resident_id
from jiceng.org.kinds import ensure_unit_kinds
from jiceng.org.models import DutyShift, Membership, Role, Unit, UnitKind, User
from jiceng.places.models import Division, Grid, Level

PASSWORD = "jiceng2026"  # noqa: S105 — the demo's published shared password

# District bureaus and district-wide services, by unit kind.
DISTRICT_UNITS: list[tuple[str, str]] = [
    ("district_office", "{d}人民政府"),
    ("chengguan", "{d}城市管理和综合执法局"),
    ("zhujian", "{d}住房和建设局"),
    ("shuiwu", "{d}水务局"),
    ("jiaotong", "深圳市交通运输局{d}管理局"),
    ("shengtai", "深圳市生态环境局{d}管理局"),
    ("shichang", "深圳市市场监督管理局{d}监管局"),
    ("weijian", "{d}卫生健康局"),
    ("jiaoyu", "{d}教育局"),
    ("renshe", "{d}人力资源局"),
    ("minzheng", "{d}民政局"),
    ("yingji", "{d}应急管理局"),
    ("xiaofang", "{d}消防救援大队"),
    ("guihua", "深圳市规划和自然资源局{d}管理局"),
    ("gengxin", "{d}城市更新和土地整备局"),
    ("xinfang", "{d}信访局"),
    ("wenti", "{d}文化广电旅游体育局"),
    ("zhengshu", "{d}政务服务数据管理局"),
    ("fayuan", "{d}人民法院"),
    ("zongzhi", "{d}社会治理综合服务中心"),
    ("fulian", "{d}妇女联合会"),
    ("tuanwei", "共青团{d}委员会"),
    ("canlian", "{d}残疾人联合会"),
    ("gongdian", "深圳供电局{d}供电局"),
    ("ranqi", "深圳市燃气集团{d}分公司"),
    ("gongshui", "{d}水务集团供水分公司"),
    ("tongxin", "中国电信{d}分公司"),
]
# Street-level units, one per street: the street office and the units that sit in every street.
STREET_UNITS: list[tuple[str, str]] = [
    ("street_office", "{s}办事处"),
    ("chengguan", "{s}综合行政执法队"),
    ("paichusuo", "{d}公安分局{short}派出所"),
    ("sifasuo", "{d}司法局{short}司法所"),
    ("zongzhi", "{s}综治中心"),
]
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐许韩冯邓曹彭曾肖田董潘袁蔡蒋余于杜叶程魏苏吕丁任沈姚卢"
)
GIVEN = [
    "伟",
    "芳",
    "娜",
    "敏",
    "静",
    "丽",
    "强",
    "磊",
    "洋",
    "艳",
    "勇",
    "军",
    "杰",
    "娟",
    "涛",
    "明",
    "超",
    "秀英",
    "霞",
    "平",
    "刚",
    "桂英",
    "建华",
    "志强",
    "海燕",
    "晓东",
]


def _unit(code: str, name: str, kind: UnitKind, level: str, division: Division, parent: Unit | None) -> Unit:
    unit, _created = Unit.objects.update_or_create(
        code=code,
        defaults={
            "name": name,
            "kind": kind,
            "level": level,
            "division": division,
            "parent": parent,
            "is_active": True,
        },
    )
    unit.jurisdiction.set([division])
    return unit


def _short(name: str) -> str:
    return name.removesuffix("街道")


def build_units(district: Division) -> dict[str, Unit]:
    """Every unit of the demo district, keyed ``<division code>-<kind code>``."""
    ensure_unit_kinds()
    kinds = {k.code: k for k in UnitKind.objects.all()}
    units: dict[str, Unit] = {}
    d = district.name
    for kind, template in DISTRICT_UNITS:
        code = f"{district.code}-{kind}"
        units[code] = _unit(code, template.format(d=d), kinds[kind], Level.DISTRICT, district, None)
    gov = units[f"{district.code}-district_office"]
    streets = list(Division.objects.filter(parent=district, level=Level.STREET).order_by("code"))
    for street in streets:
        for kind, template in STREET_UNITS:
            code = f"{street.code}-{kind}"
            parent = gov if kind == "street_office" else units.get(f"{district.code}-{kind}")
            name = template.format(s=street.name, d=d, short=_short(street.name))
            units[code] = _unit(code, name, kinds[kind], Level.STREET, street, parent)
    communities = Division.objects.filter(parent__in=streets, level=Level.COMMUNITY).order_by("code")
    for community in communities:
        code = f"{community.code}-community_workstation"
        parent = units[f"{community.code[:9]}-street_office"]
        units[code] = _unit(
            code,
            f"{community.name}工作站",
            kinds["community_workstation"],
            Level.COMMUNITY,
            community,
            parent,
        )
    return units


def _person(n: int) -> tuple[str, str, str]:
    """A stable synthetic name, mobile number and ID number for the n-th demo person."""
    name = SURNAMES[n % len(SURNAMES)] + GIVEN[(n * 7) % len(GIVEN)]
    phone = f"139{n:08d}"[-11:]
    birth = dt.date(1970 + n % 30, 1 + n % 12, 1 + n % 28)
    return name, phone, make_resident_id("440306", birth, 100 + n)


def _user(username: str, n: int, password_hash: str, superuser: bool = False, name: str = "") -> User:
    display, phone, id_number = _person(n)
    user, _created = User.objects.update_or_create(
        username=username,
        defaults={
            "display_name": name or display,
            "phone": phone,
            "id_number": id_number,
            "password": password_hash,
            "is_active": True,
            "is_staff": superuser,
            "is_superuser": superuser,
        },
    )
    return user


def _post(
    user: User,
    role: str,
    unit: Unit | None = None,
    division: Division | None = None,
    grids: list[Grid] | None = None,
) -> Membership:
    membership, _created = Membership.objects.update_or_create(
        user=user, unit=unit, role=role, defaults={"division": division, "is_active": True}
    )
    if grids is not None:
        membership.grids.set(grids)
    return membership


def build_roster(
    units: dict[str, Unit], password_hash: str, start: dt.datetime, first_staff: User | None
) -> int:
    """Three people per community workstation take eight-hour shifts round the clock for seven days
    from ``start`` (the 24-hour 找书记 rota)."""
    workstations = [u for code, u in sorted(units.items()) if code.endswith("-community_workstation")]
    DutyShift.objects.filter(unit__in=workstations, ends_at__gt=start).delete()
    shifts: list[DutyShift] = []
    for index, unit in enumerate(workstations):
        community_code = unit.division.code
        crew: list[User] = []
        if index == 0 and first_staff is not None:
            crew.append(first_staff)
        for i in range(1, 4 - len(crew)):
            person = _user(f"zb{community_code}_{i}", 1000 + index * 3 + i, password_hash)
            _post(person, Role.COMMUNITY_STAFF, unit=unit)
            crew.append(person)
        for slot in range(7 * 3):
            begins = start + dt.timedelta(hours=8 * slot)
            title = "值班书记" if slot % 3 == 0 else "值班员"
            shifts.append(
                DutyShift(
                    unit=unit,
                    user=crew[slot % len(crew)],
                    starts_at=begins,
                    ends_at=begins + dt.timedelta(hours=8),
                    title=title,
                )
            )
    DutyShift.objects.bulk_create(shifts, batch_size=1000)
    return len(shifts)


def load(scale: str, out: TextIO) -> list[DemoLogin]:
    district = Division.objects.filter(code=settings.JICENG_DISTRICT_CODE, level=Level.DISTRICT).first()
    if district is None:
        out.write(
            f"组织演示数据：未找到区划 {settings.JICENG_DISTRICT_CODE}，已跳过（请先载入地址库演示数据）。\n"
        )
        return []
    units = build_units(district)
    password_hash = make_password(PASSWORD)
    logins: list[DemoLogin] = []

    def login(user: User, role: str, where: str) -> None:
        logins.append(DemoLogin(user.username, PASSWORD, role, where))

    gov = units[f"{district.code}-district_office"]
    admin = _user("admin", 1, password_hash, superuser=True, name="系统管理员")
    _post(admin, Role.ADMIN, unit=gov)
    login(admin, "系统管理员", district.name)
    leader = _user("leader", 2, password_hash)
    _post(leader, Role.LEADER, unit=gov)
    login(leader, "领导（脱敏查看）", district.name)
    supervisor = _user("supervisor", 3, password_hash)
    _post(supervisor, Role.SUPERVISOR, unit=gov)
    login(supervisor, "督办人员", district.name)
    qu_dispatcher = _user("qu_dispatcher", 4, password_hash)
    _post(qu_dispatcher, Role.DISPATCHER, unit=gov)
    login(qu_dispatcher, "区分拨员", district.name)

    street = Division.objects.filter(parent=district, level=Level.STREET).order_by("code").first()
    community_staff = None
    if street is not None:
        street_dispatcher = _user("xinan_dispatcher", 5, password_hash)
        _post(street_dispatcher, Role.DISPATCHER, unit=units[f"{street.code}-street_office"])
        login(street_dispatcher, "街道分拨员", street.name)
        handler = _user("handler", 6, password_hash)
        _post(handler, Role.HANDLER, unit=units[f"{street.code}-chengguan"])
        login(handler, "承办人员（城管执法）", units[f"{street.code}-chengguan"].name)
        community = Division.objects.filter(parent=street, level=Level.COMMUNITY).order_by("code").first()
        if community is not None:
            workstation = units[f"{community.code}-community_workstation"]
            community_staff = _user("community_staff", 7, password_hash)
            _post(community_staff, Role.COMMUNITY_STAFF, unit=workstation)
            login(community_staff, "社区工作人员", community.name)
            grid = Grid.objects.filter(community=community).order_by("code").first()
            if grid is not None:
                grid_worker = _user("gridworker", 8, password_hash)
                _post(grid_worker, Role.GRID_WORKER, unit=workstation, grids=[grid])
                login(grid_worker, "网格员", grid.name)
            resident = _user("resident", 9, password_hash)
            _post(resident, Role.RESIDENT, division=community)
            login(resident, "居民", community.name)
            building_head = _user("building_head", 10, password_hash)
            _post(building_head, Role.BUILDING_HEAD, division=community)
            login(building_head, "楼栋长", community.name)

    start = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    shift_count = build_roster(units, password_hash, start, community_staff)
    out.write(f"组织演示数据：{len(units)} 个单位，{shift_count} 个值班班次。\n")
    return logins
