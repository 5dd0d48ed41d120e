"""The coarser copies (street/district figures, unit totals, open-case counters, care totals) agree
with the fine rows: after incremental runs, after a rebuild, and in every panel that reads them."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from jiceng.cases import actions, sla
from jiceng.command import rollup, stats
from jiceng.command.models import AreaTotal, CareArea, CareBuildingTotal, LiveCount, UnitTotal
from jiceng.command.tests.helpers import handled, submit
from jiceng.registry.actions import check_collect_person
from jiceng.testing import World


def recent(days_ago: int, hour: int = 9) -> dt.datetime:
    return timezone.localtime().replace(hour=hour, minute=0, second=0, microsecond=0) - dt.timedelta(
        days=days_ago
    )


def snapshot() -> dict[str, set[tuple[Any, ...]]]:
    """Every coarser table's rows (open-case counters that fell back to zero left out)."""
    out: dict[str, set[tuple[Any, ...]]] = {}
    for model in (AreaTotal, UnitTotal, CareArea, CareBuildingTotal):
        fields = [f.name for f in model._meta.fields if f.name != "id"]
        out[model.__name__] = set(model.objects.values_list(*fields))
    out["LiveCount"] = {
        row
        for row in LiveCount.objects.values_list(
            "code", "category_id", "open", "overdue", "sensitive", "alarms", "escalated"
        )
        if any(row[2:])
    }
    return out


def history(world: World) -> None:
    """Cases in both streets over several months, caught up in several runs between changes."""
    handled(world, recent(70), score=5)
    handled(world, recent(40, 10), score=2)
    handled(world, recent(3), score=4, location_code=world.rooms["shangchuan1"].code)
    rollup.catch_up()
    waiting = submit(world, at=recent(2, 10), location_code=world.rooms["haiyu2"].code)
    submit(world, at=recent(2, 11), location_code=world.rooms["gushu1"].code)
    submit(world, at=recent(1, 11), location_code=world.rooms["shangchuan1"].code)
    rollup.catch_up()
    # Late cases are marked overdue; one is escalated; a new one is completed in the same run.
    sla.sweep(now=timezone.now() + dt.timedelta(days=20))
    actions.check_escalate(world.people["dispatcher"], waiting.pk, reason="久拖未决")
    handled(world, recent(0, 1), score=None)
    rollup.catch_up()
    for n, room in enumerate(("haiyu1", "haiyu2", "gushu1")):
        check_collect_person(
            world.people["admin"], world.rooms[room].code, f"老人{n}", care_tags=["独居老人", "高龄"][: n + 1]
        )
    rollup.refresh_care()


def test_the_coarser_tables_after_incremental_runs_equal_a_recount_of_the_fine_rows(cw: World) -> None:
    history(cw)
    kept = snapshot()
    assert kept["AreaTotal"] and kept["UnitTotal"] and kept["LiveCount"] and kept["CareArea"]
    rollup.refill_totals()
    assert snapshot() == kept


def test_a_rebuild_gives_the_same_coarser_tables_as_the_incremental_runs(cw: World) -> None:
    history(cw)
    kept = snapshot()
    rollup.rebuild()
    assert snapshot() == kept


def test_the_open_case_counters_fall_back_when_a_case_is_finished(cw: World) -> None:
    case = submit(cw, at=recent(1))
    rollup.catch_up()
    assert LiveCount.objects.get(code="440306", category_id=case.event_type.category_id).open == 1
    actions.check_invalidate(cw.people["dispatcher"], case.pk, reason="重复上报")
    rollup.catch_up()
    assert LiveCount.objects.get(code="440306", category_id=case.event_type.category_id).open == 0


PANELS = {
    "kpis": stats.kpis,
    "trend": stats.trend,
    "map-open": lambda f: stats.map_values(f, "open"),
    "map-overdue": lambda f: stats.map_values(f, "overdue"),
    "map-sensitive": lambda f: stats.map_values(f, "sensitive"),
    "map-alarms": lambda f: stats.map_values(f, "alarms"),
    "rankings": stats.rankings,
    "care": stats.care,
    "safety-index": stats.safety_index,
}


SCREENS = [
    ("admin", {"division": "440306"}),
    ("admin", {"division": "440306", "period": "year"}),
    ("admin", {"division": "440306001"}),
    ("admin", {"division": "440306001001"}),
    ("admin", {"division": "440306002", "period": "quarter"}),
    ("leader", {"division": "440306"}),  # narrowed to the leader's street
    ("admin", {"division": "440306", "category": "SR"}),
]


def test_every_panel_reads_the_same_from_the_coarser_tables_as_from_the_fine_ones(
    cw: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    history(cw)
    start = (timezone.localdate() - dt.timedelta(days=80)).isoformat()
    for who, params in SCREENS:
        for extra in ({}, {"start": start, "period": "custom"}):
            f = stats.filters_for(cw.people[who], {**params, **extra})
            coarse = {name: panel(f) for name, panel in PANELS.items()}
            monkeypatch.setattr(stats, "USE_TOTALS", False)
            fine = {name: panel(f) for name, panel in PANELS.items()}
            monkeypatch.setattr(stats, "USE_TOTALS", True)
            assert coarse == fine, (who, params, extra)
    district = stats.filters_for(cw.people["admin"], {"division": "440306"})
    now = stats.kpis(district)["now"]
    assert now["open"] and now["overdue"] and now["escalated"]
