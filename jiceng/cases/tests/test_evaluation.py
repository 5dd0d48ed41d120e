"""Evaluation figures per unit, computed from the trail, and the .xlsx export."""

from __future__ import annotations

import datetime as dt

import pytest
from openpyxl import load_workbook

from jiceng.cases import actions, evaluation, sla
from jiceng.cases.evaluation import evaluate, write_xlsx
from jiceng.cases.models import CaseEvent
from jiceng.cases.tests.conftest import at, submit
from jiceng.testing import World


def handled(world: World, start: dt.datetime, score: int | None, late: bool = False) -> None:
    case = submit(world, at=start)
    actions.check_accept(world.people["handler"], case.pk, at=start + dt.timedelta(minutes=30))
    done = start + (dt.timedelta(days=6) if late else dt.timedelta(hours=3))
    if late:
        sla.sweep(now=done - dt.timedelta(hours=1))
    actions.check_complete(
        world.people["handler"], case.pk, note="好", checklist=case.event_type.closing_conditions, at=done
    )
    actions.check_verify(world.people["dispatcher"], case.pk, at=done)
    if score is not None:
        actions.check_rate(world.people["resident"], case.pk, score=score, at=done)


def test_the_evaluation_counts_each_figure_for_the_unit(cw: World) -> None:
    # given: four cases at the street enforcement team, one late, one returned, one rated badly
    handled(cw, at(2026, 3, 10, 9), score=5)
    handled(cw, at(2026, 3, 10, 9), score=2)
    handled(cw, at(2026, 3, 2, 9), score=4, late=True)
    returned = submit(cw, at=at(2026, 3, 10, 9))
    actions.check_return(cw.people["handler"], returned.pk, reason="非本单位", at=at(2026, 3, 10, 10))
    # when
    rows = {r.unit_code: r for r in evaluate(dt.date(2026, 3, 1), dt.date(2026, 3, 31))}
    row = rows["xinan-chengguan"]
    # then
    assert (row.received, row.accepted, row.completed) == (4, 3, 3)
    assert (row.completed_on_time, row.overdue, row.returned, row.reopened) == (2, 1, 1, 1)
    assert (row.rated, row.satisfied) == (3, 2)
    assert row.overdue_rate == 0.25 and row.return_rate == 0.25
    assert row.satisfaction_rate == round(2 / 3, 4) and row.reopen_rate == round(1 / 3, 4)
    assert row.mean_handling_hours is not None and row.mean_handling_hours > 2


def test_the_period_limits_the_events_counted(cw: World) -> None:
    handled(cw, at(2026, 3, 10, 9), score=5)
    assert evaluate(dt.date(2026, 4, 1), dt.date(2026, 4, 30)) == []


def test_the_evaluation_exports_to_xlsx(cw: World, tmp_path) -> None:  # type: ignore[no-untyped-def]
    handled(cw, at(2026, 3, 10, 9), score=5)
    path = tmp_path / "kaoping.xlsx"
    write_xlsx(evaluate(), path)
    sheet = load_workbook(path).active
    assert sheet.cell(1, 2).value == "单位名称" and sheet.cell(2, 1).value == "xinan-chengguan"


def test_the_export_verb_writes_the_evaluation_workbook(cw: World, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from django.core.management import call_command

    handled(cw, at(2026, 3, 10, 9), score=5)
    path = tmp_path / "eval.xlsx"
    call_command("export", "evaluation", str(path))
    assert load_workbook(path).active.max_row == 2


def _by_hand(events: list[tuple[int, str, int, dict]]) -> dict[int, dict[str, float]]:
    """The evaluation's definition (module docstring) applied event by event, as a reader of the trail
    would: the oracle the grouped query is checked against."""
    rows: dict[int, dict[str, float]] = {}
    overdue: dict[int, set[int]] = {}
    for unit, action, case_id, data in events:
        r = rows.setdefault(unit, dict.fromkeys(FIGURES, 0))
        done = {"accept": "accepted", "complete": "completed", "return": "returned", "reopen": "reopened"}
        if action in evaluation.RECEIVE:
            r["received"] += 1
        elif action in done:
            r[done[action]] += 1
            if action in ("accept", "complete"):
                r[f"{done[action]}_on_time"] += data.get("on_time") is True
            hours = data.get("work_hours")
            if action == "complete" and isinstance(hours, int | float) and not isinstance(hours, bool):
                r["handling_hours_total"] += hours
                r["handling_hours_count"] += 1
        elif action == "rate":
            r["rated"] += 1
            r["satisfied"] += data["satisfied"] is True if "satisfied" in data else data.get("score", 0) >= 3
        elif action == "sla_overdue" and data.get("clock", "unit") == "unit":
            overdue.setdefault(unit, set()).add(case_id)
    for unit, cases in overdue.items():
        rows[unit]["overdue"] = len(cases)
    return rows


FIGURES = [
    "received",
    "accepted",
    "accepted_on_time",
    "completed",
    "completed_on_time",
    "returned",
    "reopened",
    "rated",
    "satisfied",
    "overdue",
    "handling_hours_total",
    "handling_hours_count",
]


def test_the_grouped_figures_equal_the_trail_read_event_by_event(cw: World) -> None:
    from jiceng.cases import history

    history.generate(years=0.2, cases=600, now=at(2026, 6, 30, 18))
    # A few marks the generator does not write: a rating without ``satisfied``, a resident-clock
    # overdue mark, a completion whose hours are text.
    low, high = evaluation._bounds(dt.date(2026, 5, 1), dt.date(2026, 6, 15))
    period = CaseEvent.objects.filter(at__gte=low, at__lt=high, unit__isnull=False)
    some = list(period.filter(action="rate").order_by("pk")[:3])
    CaseEvent.objects.filter(pk=some[0].pk).update(data={"score": 4})
    CaseEvent.objects.filter(pk=some[1].pk).update(data={"score": 2})
    CaseEvent.objects.filter(pk=some[2].pk).update(data={"score": 5, "satisfied": False})
    overdue = period.filter(action="sla_overdue").order_by("pk").first()
    if overdue is not None:
        CaseEvent.objects.filter(pk=overdue.pk).update(data={"clock": "resident"})
    done = period.filter(action="complete").order_by("pk").first()
    assert done is not None
    CaseEvent.objects.filter(pk=done.pk).update(data={"on_time": True, "work_hours": "3.5"})
    trail = list(
        CaseEvent.objects.filter(
            action__in=evaluation.COUNTED, unit__isnull=False, at__gte=low, at__lt=high
        ).values_list("unit_id", "action", "case_id", "data")
    )
    assert len(trail) > 1000
    expected = _by_hand(trail)
    rows = {r.unit_id: r for r in evaluation.evaluate(dt.date(2026, 5, 1), dt.date(2026, 6, 15))}
    assert set(rows) == set(expected)
    for unit_id, figures in expected.items():
        got = {k: getattr(rows[unit_id], k) for k in FIGURES}
        assert got == pytest.approx(figures), unit_id
    assert sum(r.satisfied for r in rows.values()) < sum(r.rated for r in rows.values())
    assert sum(r.handling_hours_count for r in rows.values()) < sum(r.completed for r in rows.values())
