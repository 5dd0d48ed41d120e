"""The demo loads every part of grid work through the real actions, and skips a second run."""

from __future__ import annotations

import io

from jiceng.gridwork import demo
from jiceng.gridwork.models import CollectionDraft, Finding, Hazard, Inspection, KeyPerson, Patrol
from jiceng.testing import World


def test_the_demo_loads_patrols_collection_inspections_and_key_persons(gw: World) -> None:
    out = io.StringIO()
    demo.load("small", out)
    assert Patrol.objects.count() == 7 and Finding.objects.count() == 1
    assert CollectionDraft.objects.count() == 2
    assert Inspection.objects.count() == 3 and Hazard.objects.filter(case__isnull=False).count() == 1
    assert KeyPerson.objects.count() == 3
    assert "网格工作演示" in out.getvalue()
    again = io.StringIO()
    demo.load("small", again)
    assert "跳过" in again.getvalue() and Patrol.objects.count() == 7
