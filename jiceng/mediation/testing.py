"""The agencies of joint mediation added to the shared test world: the police station, justice office
and women's federation of 新安街道, the district court, the street and district centres, one member of
each — and the police station of 西乡街道, an agency of another street that must see nothing of 新安's."""

from __future__ import annotations

from jiceng.org.models import Role, UnitCategory
from jiceng.places.models import Level
from jiceng.testing import World, make_unit, make_user, unit_kind


def add_agencies(world: World) -> World:
    xinan, xixiang, district = world.streets["xinan"], world.streets["xixiang"], world.district
    police = unit_kind("paichusuo", "公安派出所", UnitCategory.JUDICIAL)
    justice = unit_kind("sifasuo", "司法所", UnitCategory.JUDICIAL)
    court = unit_kind("fayuan", "法院", UnitCategory.JUDICIAL)
    centre = unit_kind("zongzhi", "综治中心", UnitCategory.JUDICIAL)
    women = unit_kind("fulian", "妇联", UnitCategory.MASS)
    u = world.units
    u["xinan_police"] = make_unit("xinan-pcs", "新安派出所", police, Level.STREET, xinan)
    u["xixiang_police"] = make_unit("xixiang-pcs", "西乡派出所", police, Level.STREET, xixiang)
    u["xinan_justice"] = make_unit("xinan-sfs", "新安司法所", justice, Level.STREET, xinan)
    u["xixiang_justice"] = make_unit("xixiang-sfs", "西乡司法所", justice, Level.STREET, xixiang)
    u["xinan_women"] = make_unit("xinan-fl", "新安街道妇联", women, Level.STREET, xinan)
    u["court"] = make_unit("qu-fy", "宝安区人民法院", court, Level.DISTRICT, district)
    u["xinan_centre"] = make_unit("xinan-zz", "新安街道综治中心", centre, Level.STREET, xinan)
    u["district_centre"] = make_unit("qu-zz", "宝安区社会治理综合服务中心", centre, Level.DISTRICT, district)
    p = world.people
    p["police"] = make_user("police", "陈民警", Role.HANDLER, unit=u["xinan_police"])
    p["other_police"] = make_user("otherpolice", "林民警", Role.HANDLER, unit=u["xixiang_police"])
    p["mediator"] = make_user("mediator", "何调解", Role.HANDLER, unit=u["xinan_justice"])
    p["women"] = make_user("women", "高妇联", Role.HANDLER, unit=u["xinan_women"])
    p["judge"] = make_user("judge", "罗法官", Role.HANDLER, unit=u["court"])
    p["centre"] = make_user("centre", "梁中心", Role.HANDLER, unit=u["xinan_centre"])
    p["other_justice"] = make_user("otherjustice", "邓司法", Role.HANDLER, unit=u["xixiang_justice"])
    p["neighbour"] = make_user(
        "neighbour", "黄居民", Role.RESIDENT, division=world.communities["haiyu"], phone="13800138001"
    )
    return world
