"""The rollups follow the case trail: incrementally, late commits included, and rebuilt the same."""

from __future__ import annotations

import datetime as dt
import time

from django.db.models import Sum

from jiceng.cases import actions
from jiceng.cases.evaluation import evaluate
from jiceng.cases.models import CaseEvent
from jiceng.cases.tests.conftest import at
from jiceng.command import rollup, stats
from jiceng.command.models import AreaFigure, LiveCase, RollupState, WorkerPosition
from jiceng.command.tests.helpers import handled, submit
from jiceng.testing import World

HAIYU = "440306001001"


def area_totals(**filters: object) -> dict[str, int]:
    rows = AreaFigure.objects.filter(period="d", **filters)
    sums = rows.aggregate(
        **{
            n: Sum(n)
            for n in (
                "received",
                "dispatched",
                "completed",
                "completed_on_time",
                "closed",
                "rated",
                "satisfied",
                "rating_sum",
            )
        }
    )
    return {k: int(v or 0) for k, v in sums.items()}


def test_the_rollup_counts_what_happened_to_a_communitys_cases(cw: World) -> None:
    # given: two handled cases (one rated badly, so reopened) and one still waiting
    handled(cw, at(2026, 3, 10, 9), score=5)
    handled(cw, at(2026, 3, 10, 10), score=2)
    submit(cw, at=at(2026, 3, 10, 11))
    # when
    rollup.catch_up()
    # then
    totals = area_totals(community_code=HAIYU, start=dt.date(2026, 3, 10))
    assert totals["received"] == 3
    assert totals["completed"] == 2 and totals["completed_on_time"] == 2
    assert totals["closed"] == 1
    assert (totals["rated"], totals["satisfied"], totals["rating_sum"]) == (2, 1, 7)


def test_month_rows_hold_the_same_sums_as_the_day_rows(cw: World) -> None:
    handled(cw, at(2026, 3, 10, 9))
    handled(cw, at(2026, 3, 20, 9))
    rollup.catch_up()
    month = AreaFigure.objects.filter(period="m", start=dt.date(2026, 3, 1)).aggregate(n=Sum("received"))["n"]
    assert month == 2 == area_totals()["received"]


def test_running_it_again_counts_nothing_twice(cw: World) -> None:
    handled(cw, at(2026, 3, 10, 9))
    rollup.catch_up()
    first = area_totals()
    rollup.catch_up()
    assert area_totals() == first


def test_events_after_the_watermark_are_added_on_the_next_run(cw: World) -> None:
    handled(cw, at(2026, 3, 10, 9))
    rollup.catch_up()
    handled(cw, at(2026, 3, 11, 9))
    rollup.catch_up()
    assert area_totals()["received"] == 2


def test_an_event_committed_late_below_the_watermark_is_still_applied(cw: World) -> None:
    # given: case B's events were skipped by a batch while B's transaction was still open
    submit(cw, at=at(2026, 3, 10, 9))
    rollup.catch_up()
    late = submit(cw, at=at(2026, 3, 10, 10))
    ids = list(CaseEvent.objects.filter(case=late).values_list("pk", flat=True))
    RollupState.objects.filter(pk=1).update(watermark=max(ids), gaps=[[i, time.time()] for i in ids])
    # when
    rollup.catch_up()
    # then
    assert area_totals()["received"] == 2
    assert RollupState.objects.get(pk=1).gaps == []


def test_gaps_older_than_the_limit_are_given_up(cw: World) -> None:
    submit(cw, at=at(2026, 3, 10, 9))
    rollup.catch_up()
    RollupState.objects.filter(pk=1).update(gaps=[[10**9, time.time() - rollup.GAP_TTL - 1]])
    rollup.catch_up()
    assert RollupState.objects.get(pk=1).gaps == []


def test_a_rebuild_gives_the_same_figures_as_the_incremental_runs(cw: World) -> None:
    handled(cw, at(2026, 3, 10, 9), score=2)
    rollup.catch_up()
    handled(cw, at(2026, 3, 12, 9), score=4)
    submit(cw, at=at(2026, 3, 12, 10))
    rollup.catch_up()
    before = (area_totals(), sorted(LiveCase.objects.values_list("case_id", "overdue")))
    rollup.rebuild()
    assert (area_totals(), sorted(LiveCase.objects.values_list("case_id", "overdue"))) == before


def test_unit_figures_agree_with_the_case_evaluation(cw: World) -> None:
    # given
    handled(cw, at(2026, 3, 10, 9), score=5)
    handled(cw, at(2026, 3, 11, 9), score=1)
    returned = submit(cw, at=at(2026, 3, 12, 9))
    actions.check_return(cw.people["handler"], returned.pk, reason="非本单位职责", at=at(2026, 3, 12, 10))
    rollup.catch_up()
    # when
    f = stats.filters_for(cw.people["admin"], {"start": "2026-03-01", "end": "2026-03-31"})
    mine = {r.unit_code: r.as_dict() for r in stats.ranking_rows(f)}
    truth = {r.unit_code: r.as_dict() for r in evaluate(dt.date(2026, 3, 1), dt.date(2026, 3, 31))}
    # then
    for row in truth.values():
        row.pop("unit_id")
    for row in mine.values():
        row.pop("unit_id")
    assert mine == truth


def test_open_cases_are_live_until_closed(cw: World) -> None:
    waiting = submit(cw, at=at(2026, 3, 10, 9))
    done = handled(cw, at(2026, 3, 10, 9), score=5)
    rollup.catch_up()
    assert set(LiveCase.objects.values_list("case_id", flat=True)) == {waiting.pk}
    assert done.status == "closed"


def test_a_patrol_report_with_coordinates_places_its_grid_worker(cw: World) -> None:
    grid = cw.grids["haiyu1"]
    actions.check_submit_case(
        cw.people["grid_worker"],
        description="路灯不亮",
        type_code="SR01",
        channel="patrol",
        lat=grid.center_lat,
        lng=grid.center_lng,
        at=at(2026, 3, 10, 9),
    )
    rollup.catch_up()
    position = WorkerPosition.objects.get(user=cw.people["grid_worker"])
    assert (position.grid_code, round(position.lat, 3)) == (grid.code, round(grid.center_lat, 3))
