"""The unit kinds that really handle cases in a Shenzhen district, by stable code.

The event catalogue names unit kinds by these codes ("城管执法 handles illegal street vending"), and the
dispatcher finds the unit of that kind whose jurisdiction covers the case's place. Codes never change;
names may. Migration ``0002_seed_unit_kinds`` holds a frozen copy of this list; a test checks both agree.
"""

from __future__ import annotations

from typing import NamedTuple


class KindSeed(NamedTuple):
    code: str
    name: str
    category: str  # a UnitCategory value
    handles_cases: bool = True


UNIT_KINDS: tuple[KindSeed, ...] = (
    # Government at each level: the district office, street offices, community workstations.
    KindSeed("district_office", "区政府", "government"),
    KindSeed("street_office", "街道办事处", "government"),
    KindSeed("community_workstation", "社区工作站", "government"),
    # Functional departments (district bureaus and their street-level teams).
    KindSeed("chengguan", "城管执法", "department"),
    KindSeed("zhujian", "住建", "department"),
    KindSeed("shuiwu", "水务", "department"),
    KindSeed("jiaotong", "交通", "department"),
    KindSeed("shengtai", "生态环境", "department"),
    KindSeed("shichang", "市场监管", "department"),
    KindSeed("weijian", "卫健", "department"),
    KindSeed("jiaoyu", "教育", "department"),
    KindSeed("renshe", "人社", "department"),
    KindSeed("minzheng", "民政", "department"),
    KindSeed("yingji", "应急管理", "department"),
    KindSeed("xiaofang", "消防", "department"),
    KindSeed("guihua", "规划自然资源", "department"),
    KindSeed("gengxin", "城市更新", "department"),
    KindSeed("xinfang", "信访", "department"),
    KindSeed("wenti", "文化广电旅游体育", "department"),
    KindSeed("zhengshu", "政务服务数据管理", "department"),
    # Law and order: police stations, justice offices, courts, the comprehensive governance centre.
    KindSeed("paichusuo", "公安派出所", "judicial"),
    KindSeed("sifasuo", "司法所", "judicial"),
    KindSeed("fayuan", "法院", "judicial"),
    KindSeed("zongzhi", "综治中心", "judicial"),
    # Mass organisations.
    KindSeed("fulian", "妇联", "mass"),
    KindSeed("tuanwei", "共青团", "mass"),
    KindSeed("canlian", "残联", "mass"),
    # Utilities that answer residents' requests about supply and outages.
    KindSeed("gongdian", "供电", "utility"),
    KindSeed("ranqi", "燃气", "utility"),
    KindSeed("gongshui", "供水", "utility"),
    KindSeed("tongxin", "通信", "utility"),
)

KIND_CODES = frozenset(k.code for k in UNIT_KINDS)


def ensure_unit_kinds() -> int:
    """Create any missing kinds (the migration seeds them; a flushed test database or an old install
    may lack some). Existing kinds keep their names. Returns how many were created."""
    from jiceng.org.models import UnitKind

    existing = set(UnitKind.objects.filter(code__in=KIND_CODES).values_list("code", flat=True))
    missing = [
        UnitKind(code=k.code, name=k.name, category=k.category, handles_cases=k.handles_cases)
        for k in UNIT_KINDS
        if k.code not in existing
    ]
    UnitKind.objects.bulk_create(missing)
    return len(missing)
