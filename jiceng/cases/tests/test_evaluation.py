"""Evaluation figures per unit, computed from the trail, and the .xlsx export."""

from __future__ import annotations

import datetime as dt

from openpyxl import load_workbook

from jiceng.cases import actions, sla
from jiceng.cases.evaluation import evaluate, write_xlsx
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
