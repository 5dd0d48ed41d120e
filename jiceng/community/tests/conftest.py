"""Residents made the way real ones are: sign-up by phone with an SMS code, then staff confirmation."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.test import TestCase

from jiceng.community import actions
from jiceng.community.sms import ConsoleSmsBackend
from jiceng.org.models import Role
from jiceng.testing import PASSWORD, World, make_user

_counter = iter(range(10_000))


def sms_code(phone: str) -> str:
    message = ConsoleSmsBackend.last_to(phone)
    assert message is not None, f"no SMS sent to {phone}"
    return re.search(r"\d{6}", message.text).group(0)  # type: ignore[union-attr]


def sign_up(community_code: str, name: str = "居民", room_code: str = "") -> Any:
    phone = f"139{next(_counter):08d}"
    with TestCase.captureOnCommitCallbacks(execute=True):
        actions.check_send_signup_code(phone)
    return actions.check_signup(phone, sms_code(phone), PASSWORD, name, community_code, room_code)


@pytest.fixture
def staff(world: World) -> dict[str, Any]:
    """Community staff of each community (the world has haiyu's; add the others')."""
    people = {"haiyu": world.people["community_staff"]}
    for key in ("shangchuan", "gushu"):
        people[key] = make_user(f"staff-{key}", f"{key}工作人员", Role.COMMUNITY_STAFF, unit=world.units[key])
    return people


@pytest.fixture
def resident_of(world: World, staff: dict[str, Any]) -> Callable[..., Any]:
    """A confirmed resident of a community, signed up and confirmed through the real actions."""

    def make(key: str = "haiyu", name: str = "居民", room: bool = True) -> Any:
        community = world.communities[key]
        user = sign_up(community.code, name)
        profile = user.resident_profile
        actions.check_confirm_residency(
            staff[key], profile.pk, approve=True, room_code=world.rooms[f"{key}1"].code if room else ""
        )
        actions.forget(user)
        return user

    return make
