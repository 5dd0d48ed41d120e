from __future__ import annotations

import io

import pytest

from jiceng.community import demo, ledger
from jiceng.community.models import MicroProject, Phase, Venue

pytestmark = pytest.mark.django_db


def test_the_demo_loads_portal_content_twice_without_duplicates(world):
    logins = demo.load("small", io.StringIO())
    demo.load("small", io.StringIO())
    assert len(logins) == 2
    assert Venue.objects.filter(community=world.communities["haiyu"]).count() == 2
    phases = set(MicroProject.objects.values_list("phase", flat=True))
    assert {Phase.PROPOSED, Phase.IMPLEMENTING, Phase.EVALUATING} <= phases
    assert ledger.reconcile().ok


def test_no_demo_resident_is_named_by_their_phone_number(world):
    from jiceng.org.models import User

    # given: a demo database from before, where a resident's username was their phone
    User.objects.create(username="13800000001", phone="13800000001", display_name="陈小梅")
    logins = demo.load("small", io.StringIO())
    assert logins and all(not login.username.isdigit() for login in logins)
    assert not User.objects.filter(username__regex=r"^1[0-9]{10}$").exists()
    assert User.objects.filter(phone="13800000001").count() == 1
