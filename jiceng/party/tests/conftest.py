"""A party world on top of the named test world: a district committee down to haiyu's and gushu's
community party committees, a district bureau's organisation paired with haiyu, members with accounts,
service posts, and residents signed up and confirmed through the portal's real actions."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest

from jiceng.community import actions as portal
from jiceng.community.tests.conftest import sign_up
from jiceng.org.models import Role
from jiceng.party import actions
from jiceng.party.models import PartyMember, PartyOrg, ServicePost
from jiceng.testing import World, make_user


@pytest.fixture(autouse=True)
def _media(tmp_path: Any, settings: Any) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


@dataclass
class Party:
    world: World
    orgs: dict[str, PartyOrg] = field(default_factory=dict)
    staff: dict[str, Any] = field(default_factory=dict)
    posts: dict[str, ServicePost] = field(default_factory=dict)
    members: dict[str, PartyMember] = field(default_factory=dict)
    users: dict[str, Any] = field(default_factory=dict)


def member_user(party: Party, key: str, org: str, name: str) -> Any:
    user = make_user(
        key, name, Role.RESIDENT, division=party.orgs[org].division, phone=f"1370000{len(party.users):04d}"
    )
    party.members[key] = actions.check_add_member(
        party.world.people["admin"], org_id=party.orgs[org].pk, name=name, phone=user.phone, user_id=user.pk
    )
    party.users[key] = user
    return user


@pytest.fixture
def party(world: World) -> Party:
    admin = world.people["admin"]
    p = Party(world=world)
    p.staff = {"haiyu": world.people["community_staff"]}
    p.staff["gushu"] = make_user(
        "staff-gushu", "固戍工作人员", Role.COMMUNITY_STAFF, unit=world.units["gushu"]
    )
    o = p.orgs
    o["district"] = actions.check_create_org(
        admin, code="qw", name="宝安区委", kind="district", division_code=world.district.code
    )
    o["xinan"] = actions.check_create_org(
        admin,
        code="xinan-dgw",
        name="新安街道党工委",
        kind="street",
        parent_id=o["district"].pk,
        division_code="440306001",
    )
    o["xixiang"] = actions.check_create_org(
        admin,
        code="xixiang-dgw",
        name="西乡街道党工委",
        kind="street",
        parent_id=o["district"].pk,
        division_code="440306002",
    )
    o["haiyu"] = actions.check_create_org(
        admin,
        code="haiyu-dw",
        name="海裕社区党委",
        kind="community",
        parent_id=o["xinan"].pk,
        division_code=world.communities["haiyu"].code,
    )
    o["gushu"] = actions.check_create_org(
        admin,
        code="gushu-dw",
        name="固戍社区党委",
        kind="community",
        parent_id=o["xixiang"].pk,
        division_code=world.communities["gushu"].code,
    )
    o["bureau"] = actions.check_create_org(
        admin,
        code="zhujian-dz",
        name="区住建局机关党委",
        kind="department",
        unit_code=world.units["district_zhujian"].code,
    )
    o["chengguan"] = actions.check_create_org(
        admin,
        code="chengguan-dz",
        name="区城管局机关党委",
        kind="department",
        unit_code=world.units["district_chengguan"].code,
    )
    for key in ("haiyu", "gushu"):
        p.posts[key] = ServicePost.objects.create(community=world.communities[key], title="文明劝导员")
        p.posts[f"{key}-elderly"] = ServicePost.objects.create(
            community=world.communities[key], title="助老服务"
        )
    # a bureau cadre living in haiyu; a gushu community member
    member_user(p, "cadre", "bureau", "陈干部")
    member_user(p, "gushu_member", "gushu", "林党员")
    return p


@pytest.fixture
def resident_of(world: World, party: Party) -> Callable[..., Any]:
    def make(key: str = "haiyu", name: str = "居民") -> Any:
        community = world.communities[key]
        user = sign_up(community.code, name)
        portal.check_confirm_residency(
            party.staff[key], user.resident_profile.pk, approve=True, room_code=world.rooms[f"{key}1"].code
        )
        portal.forget(user)
        return user

    return make
