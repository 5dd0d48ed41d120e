"""The demo loader builds cases through the real actions: every state shows up and the trail verifies."""

from __future__ import annotations

import io

from jiceng.cases import demo, trail
from jiceng.cases.models import Case
from jiceng.cases.tests.conftest import submit
from jiceng.testing import World


def test_the_demo_loads_cases_in_many_states_with_an_intact_trail(cw: World) -> None:
    out = io.StringIO()
    demo.load("tiny", out)
    assert Case.objects.count() >= 30
    assert len(set(Case.objects.values_list("status", flat=True))) >= 5
    assert list(trail.verify()) == []
    assert "工单演示数据" in out.getvalue()


def test_the_demo_skips_itself_when_cases_exist(cw: World) -> None:
    submit(cw)
    before = Case.objects.count()
    out = io.StringIO()
    demo.load("tiny", out)
    assert Case.objects.count() == before and "跳过" in out.getvalue()
