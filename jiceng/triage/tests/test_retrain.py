"""Retraining from the desk's decisions plus the catalogue corpus replaces the live model only when it
does better on the most recent decided cases, refuses when there are too few of them, and runs on a
schedule as a worker.

The installed catalogue is narrowed to a dozen active types so a model builds in seconds; the live
model is then the catalogue model the service builds for them, as on a site that edited its catalogue.
"""

from __future__ import annotations

import datetime as dt
import re
import threading
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from jiceng.cases import actions
from jiceng.cases.models import EventType
from jiceng.core.models import WorkerBeat
from jiceng.testing import World
from jiceng.triage import service
from jiceng.triage.classifier import TextModel
from jiceng.triage.models import TriageEvent
from jiceng.triage.retrain import (
    WORKER,
    RetrainLoop,
    decided_cases,
    parse_at,
    parse_every,
    retrain_from_cases,
)

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
ACTIVE = {"SR01", "SR05", "SR07", "SR13", "SZ01", "SZ03", "SZ04", "SZ12", "WJ01", "WJ03", "YL01", "YL02"}


@pytest.fixture
def site(world: World, shipped_model: None) -> World:
    EventType.objects.exclude(code__in=ACTIVE).update(is_active=False)
    return world


def decided(world: World, n: int) -> None:
    """``n`` cases in this site's own words, typed and dispatched: its residents call street vendors'
    carts "鸡公车" (SR05) and sheds "蓝皮屋" (WJ03) — words the catalogue corpus does not hold."""
    for i in range(n):
        place = PLACES[i % len(PLACES)]
        if i % 2:
            code, text = "SR05", f"{place}那边的鸡公车又来了，一排排堵着（{i}）"
        else:
            code, text = "WJ03", f"{place}旁边的蓝皮屋越搭越多（{i}）"
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


@pytest.mark.usefixtures("shipped_model")
def test_the_newest_decisions_are_learnt_oldest_first_and_other_types_left_out(world: World) -> None:
    decided(world, 6)
    actions.check_submit_case(
        world.people["resident"],
        description="小区的垃圾桶满了溢出来",
        type_code="SR02",
        location_code=world.rooms["haiyu1"].code,
    )
    rows = decided_cases(ACTIVE, limit=3)
    assert [code for _, code in rows] == ["SR05", "WJ03", "SR05"]
    assert rows[-1][0].endswith("（5）")
    assert len(decided_cases(ACTIVE)) == 6 and len(decided_cases()) == 7


def test_too_few_decided_cases_are_refused_in_chinese(site: World, tmp_path: Path) -> None:
    decided(site, 4)
    with pytest.raises(CommandError, match="已分拨的工单只有 4 件，至少需要 10 件"):
        run("--min", "10", "--out", str(tmp_path / "new.npz"))
    assert not (tmp_path / "new.npz").exists()


def test_a_model_that_learnt_the_sites_words_replaces_the_live_one_and_an_equal_one_does_not(
    site: World,
) -> None:
    # given 30 decisions in the site's words, and the live catalogue model that does not know them
    decided(site, 30)
    live_before = service.current_model()
    assert live_before is not None and set(live_before.classes) == ACTIVE

    # when the desk's decisions are learnt
    out = run("--min", "20")

    # then the new model gets the 6 newest decisions right (at most one of them wrong: the corpus
    # still pulls a "地铁站" message its own way) where the live one did not, and replaces it
    figures = re.search(
        r"训练 24 件（另加事项目录语料，12 类），留出最近 6 件：新模型 top-1 ([0-9.]+)，现用模型 top-1 ([0-9.]+)",
        out,
    )
    assert figures is not None, out
    new_top1, live_top1 = float(figures[1]), float(figures[2])
    assert new_top1 >= 5 / 6 - 0.001 and live_top1 < new_top1
    assert "已写入" in out
    live = service.current_model()
    assert live is not None and live.meta["source"] == "cases" and live.meta["desk"] == 24
    # the corpus keeps every active type known, not only the two the desk decided
    assert set(live.classes) == ACTIVE
    [built] = TriageEvent.objects.filter(verb=TriageEvent.Verb.MODEL_BUILT, detail__source="cases")
    assert built.detail["replaced"] is True and built.detail["top1"] == pytest.approx(new_top1, abs=0.001)
    assert built.detail["live_top1"] < built.detail["top1"]

    # and retrained again on the same decisions, the new model is no better than the live one
    out = run("--min", "20")
    assert f"现用模型 top-1 {new_top1:.3f}" in out and "现用模型保持不变" in out
    assert TriageEvent.objects.filter(detail__source="cases", detail__replaced=False).count() == 1


def test_intake_proposes_the_learnt_type_at_once_after_a_retrain(site: World) -> None:
    decided(site, 30)
    retrain_from_cases(minimum=20)
    case = actions.check_submit_case(
        site.people["resident"],
        description="学校门口的鸡公车又来了，堵得走不动",
        location_code=site.rooms["haiyu2"].code,
        auto_dispatch=False,
    )
    assert case.event_type is not None and case.event_type.code == "SR05"


def test_a_model_file_replaced_by_another_process_is_read_without_a_restart(
    tmp_path: Path, settings: Any, catalogue_model: TextModel
) -> None:
    # given a process that has loaded the live model
    settings.JICENG_TRIAGE_MODEL = str(catalogue_model.save(tmp_path / "live.npz"))
    service._forget()
    first = service.current_model()
    assert first is not None and first.meta.get("note") is None
    # when another process (the retrain worker) writes a new model over the file
    other = TextModel.load(tmp_path / "live.npz")
    other.meta["note"] = "retrained"
    other.save(tmp_path / "live.npz")
    # then the next proposal uses the new model, with no restart and no cache reset
    again = service.current_model()
    assert again is not None and again.meta["note"] == "retrained"
    service._forget()


def test_the_schedule_reads_its_period_or_its_time_of_day() -> None:
    assert parse_every("24h") == 86400 and parse_every("30m") == 1800 and parse_every("1d") == 86400
    assert parse_at("03:00") == dt.time(3, 0)
    for bad in ("24", "h", "-1h", "abc"):
        with pytest.raises(ValueError, match="请写数字加单位"):
            parse_every(bad)
    with pytest.raises(ValueError, match="时:分"):
        parse_at("3点")


def test_a_bad_period_is_refused_in_chinese(site: World) -> None:
    with pytest.raises(CommandError, match="请写数字加单位"):
        run("--every", "daily")


def test_the_worker_retrains_when_due_and_not_again_until_the_period_is_over(site: World) -> None:
    # given decisions and no retrain so far
    decided(site, 30)
    loop = RetrainLoop(every=86400, minimum=20, interval=0.01)
    # when the worker passes once: it is due, it retrains and says so
    loop.run(once=True)
    assert len(loop.runs) == 1 and loop.runs[0].written is not None
    assert WorkerBeat.objects.get(name=WORKER).state == "stopped"
    # then a worker started again within the period does not retrain (it reads the last run)
    again = RetrainLoop(every=86400, minimum=20, interval=0.01)
    assert not again.due(timezone.now())
    assert again.due(timezone.now() + dt.timedelta(days=1, minutes=1))


def test_a_daily_time_is_due_once_it_has_passed_since_the_last_run(site: World) -> None:
    decided(site, 30)
    retrain_from_cases(minimum=20)
    last = TriageEvent.objects.get(detail__source="cases").at
    loop = RetrainLoop(at=dt.time(3, 0), minimum=20)
    local = timezone.localtime(last)
    next_three = (local + dt.timedelta(days=1)).replace(hour=3, minute=0, second=0, microsecond=0)
    if local.hour < 3:
        next_three -= dt.timedelta(days=1)
    assert not loop.due(next_three - dt.timedelta(minutes=1))
    assert loop.due(next_three + dt.timedelta(minutes=1))


def test_too_few_decisions_make_the_worker_wait_a_whole_period(site: World) -> None:
    decided(site, 4)
    out = StringIO()
    loop = RetrainLoop(every=3600, minimum=10, interval=0.01, out=out)
    loop.run(once=True)
    assert loop.runs == [] and "至少需要 10 件" in out.getvalue()
    assert not loop.due(timezone.now() + dt.timedelta(minutes=59))
    assert loop.due(timezone.now() + dt.timedelta(minutes=61))


def test_the_worker_stops_on_request_and_leaves_a_stopped_heartbeat(site: World) -> None:
    loop = RetrainLoop(every=3600, minimum=10, interval=30)
    timer = threading.Timer(0.5, loop.stop)
    timer.start()
    loop.run()  # not once: only the stop request ends it
    timer.join()
    assert WorkerBeat.objects.get(name=WORKER).state == "stopped"
