"""The portal's staff pages show residents' names masked to leaders and administrators, in full to the
community's own staff."""

from __future__ import annotations

import pytest
from django.test import Client

from jiceng.community import actions

pytestmark = pytest.mark.django_db


def requests_page(world, who: str) -> str:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(world.people[who])
    return client.get(f"/community/staff/requests/?c={world.communities['haiyu'].code}").content.decode()


def test_a_leader_sees_the_requesting_residents_name_masked(world, resident_of) -> None:  # type: ignore[no-untyped-def]
    resident = resident_of("haiyu", name="欧阳小明")
    actions.check_submit_request(actions.Actor(resident), "楼道灯坏了很久了，晚上看不见", use_my_room=True)
    page = requests_page(world, "leader")
    assert "欧阳小明" not in page and "欧**明" in page


def test_community_staff_see_the_requesting_residents_name(world, resident_of) -> None:  # type: ignore[no-untyped-def]
    resident = resident_of("haiyu", name="欧阳小明")
    actions.check_submit_request(actions.Actor(resident), "楼道灯坏了很久了，晚上看不见", use_my_room=True)
    assert "欧阳小明" in requests_page(world, "community_staff")
