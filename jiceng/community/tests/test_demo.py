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
