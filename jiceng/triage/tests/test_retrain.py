"""Retraining from the desk's decisions replaces the live model only when it does better on the
most recent decided cases, and refuses when there are too few of them."""

from __future__ import annotations

from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from jiceng.cases import actions
from jiceng.testing import World
from jiceng.triage import service
from jiceng.triage.classifier import TextModel
from jiceng.triage.models import TriageEvent

PLACES = [
    "小区",
    "菜市场",
    "学校",
    "公园",
    "地铁站",
    "医院",
    "商场",
    "公交站",
    "村口",
    "桥头",
    "广场",
    "停车场",
]


pytestmark = pytest.mark.usefixtures("shipped_model")


def decided(world: World, n: int) -> None:
    """``n`` cases typed at intake and dispatched: rubbish left uncollected (SR01) or street vending (SR05)."""
    for i in range(n):
        place = PLACES[i % len(PLACES)]
        if i % 2:
            code, text = "SR05", f"{place}门口有人摆摊卖菜占道经营，行人走不过去（{i}）"
        else:
            code, text = "SR01", f"{place}旁边的垃圾{i % 5 + 2}天没人清运，臭气熏天（{i}）"
        actions.check_submit_case(
            world.people["resident"],
            description=text,
            type_code=code,
            location_code=world.rooms["haiyu1"].code,
        )


def run(*args: str) -> str:
    out = StringIO()
    call_command("triage", "retrain", "--from-cases", *args, stdout=out)
    return out.getvalue()


def test_too_few_decided_cases_are_refused_in_chinese(world: World, tmp_path: Path) -> None:
    decided(world, 4)
    with pytest.raises(CommandError, match="已分拨的工单只有 4 件，至少需要 10 件"):
        run("--min", "10", "--out", str(tmp_path / "new.npz"))
    assert not (tmp_path / "new.npz").exists()


def test_a_better_model_replaces_the_live_one_and_an_equal_one_does_not(
    world: World, settings: Any, tmp_path: Path, catalogue_model: TextModel
) -> None:
    decided(world, 30)
    # The live model knows other types only, so it gets none of the held-back cases right.
    settings.JICENG_TRIAGE_MODEL = str(catalogue_model.save(tmp_path / "live.npz"))
    service._forget()
    out = run("--min", "20")
    assert "训练 24 件，留出最近 6 件：新模型 top-1 1.000，现用模型 top-1 0.000" in out
    assert "已写入" in out
    live = TextModel.load(tmp_path / "live.npz")
    assert set(live.classes) == {"SR01", "SR05"} and live.meta["source"] == "cases"
    assert TriageEvent.objects.filter(verb=TriageEvent.Verb.MODEL_BUILT).count() == 1
    # Retrained again on the same decisions, the new model is no better than the one now live.
    out = run("--min", "20", "--out", str(tmp_path / "second.npz"))
    assert "现用模型 top-1 1.000" in out and "现用模型保持不变" in out
    assert not (tmp_path / "second.npz").exists()
