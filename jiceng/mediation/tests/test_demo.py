"""The demo loads disputes in every state and risk level, visible to the leader."""

from __future__ import annotations

import io
from typing import Any

from jiceng.mediation import demo
from jiceng.mediation.models import Dispute
from jiceng.mediation.permissions import visible_disputes
from jiceng.testing import World


def test_the_demo_loads_disputes_in_every_state_and_risk_visible_to_the_leader(
    town: World, settings: Any, tmp_path: Any
) -> None:
    settings.MEDIA_ROOT = tmp_path
    out = io.StringIO()
    demo.load("small", out)
    assert Dispute.objects.count() >= 30
    assert set(Dispute.objects.values_list("risk", flat=True)) == {"high", "medium", "low"}
    states = set(Dispute.objects.values_list("status", flat=True))
    assert {"open", "mediating", "agreed", "partial", "failed", "withdrawn"} <= states
    assert Dispute.objects.filter(level="street").exists()
    assert Dispute.objects.filter(events__verb="reopened").exists()
    # the test world's leader sits in 新安街道; the demo district leader sees the whole district
    assert visible_disputes(town.people["supervisor"]).count() == Dispute.objects.count()
    assert "件纠纷" in out.getvalue()
    demo.load("small", io.StringIO())
    assert Dispute.objects.count() == Dispute.objects.filter(source_ref__startswith="DEMO-").count()
