"""The set-based rebuild and the incremental follower agree exactly on a history built through the
real actions and the history generator."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from jiceng.cases import actions, history
from jiceng.cases.models import CaseEvent, Channel
from jiceng.command import rebuild, rollup
from jiceng.command.models import (
    AreaFigure,
    AreaTotal,
    CommandEvent,
    FeedItem,
    LiveCase,
    LiveCount,
    RollupState,
    TopicDay,
    UnitFigure,
    UnitTotal,
    WorkerPosition,
)
from jiceng.command.tests.helpers import handled, submit
from jiceng.testing import World

TABLES = (
    AreaFigure,
    AreaTotal,
    UnitFigure,
    UnitTotal,
    TopicDay,
    LiveCase,
    LiveCount,
    FeedItem,
    WorkerPosition,
)


def snapshot() -> dict[str, set[tuple[Any, ...]]]:
    """Every rollup row (floats to 6 places: sums in another order differ in the last bits; the
    open-case counters without rows that went back to zero, which read as no row)."""
    out = {}
    for model in TABLES:
        fields = [f.attname for f in model._meta.concrete_fields if f.attname != "id"]
        rows = set()
        for row in model.objects.values_list(*fields):
            values = tuple(round(v, 6) if isinstance(v, float) else v for v in row)
            if model is LiveCount and not any(v for v in values[2:]):
                continue
            rows.add(values)
        out[model.__name__] = rows
    return out


def a_history(cw: World) -> None:
    """Cases through the real actions (recent: in the live feed, one patrol report with a position,
    one escalated and one overdue), and a generated year of trail around them."""
    now = timezone.now()
    history.generate(years=1, cases=1500, now=now - dt.timedelta(days=2))
    handled(cw, now - dt.timedelta(days=1), score=5)
    handled(cw, now - dt.timedelta(days=1, hours=2), score=1)
    open_case = submit(cw, at=now - dt.timedelta(hours=5))
    actions.do_escalate(open_case.pk, reason="需街道协调", at=now - dt.timedelta(hours=4))
    patrol = submit(
        cw, who="grid_worker", channel=Channel.PATROL, at=now - dt.timedelta(hours=3), lat=22.55, lng=113.88
    )
    assert patrol.channel == Channel.PATROL


def test_the_set_based_rebuild_agrees_exactly_with_the_incremental_follower(cw: World) -> None:
    # given: the follower has applied the whole history in small batches
    a_history(cw)
    rollup.catch_up(batch=700)
    followed = snapshot()
    assert len(followed["AreaFigure"]) > 500 and followed["LiveCase"] and followed["FeedItem"]
    # when: the rollups are rebuilt from the trail with set-based SQL
    timing = rebuild.rebuild(parallel=1)
    # then: every table holds exactly the same rows
    rebuilt = snapshot()
    for name, rows in followed.items():
        assert rebuilt[name] == rows, name
    state = RollupState.objects.get(pk=1)
    assert state.watermark == CaseEvent.objects.order_by("-pk").first().pk
    assert timing.events == state.events_applied == CaseEvent.objects.count()


def test_a_trail_with_months_without_events_rebuilds_as_the_follower_counts_it(cw: World) -> None:
    # given: cases on a few days months apart (most of the rebuild's ranges of days hold no event),
    # one of them still open, and the follower's figures
    now = timezone.now()
    for days in (400, 250, 40):
        handled(cw, now - dt.timedelta(days=days), score=4)
    submit(cw, at=now - dt.timedelta(days=3))
    rollup.catch_up(batch=7)
    followed = snapshot()
    assert len(followed["AreaFigure"]) >= 8 and len(followed["LiveCase"]) == 1
    # when: rebuilt in ranges of days, most of them empty
    timing = rebuild.rebuild(parallel=2)
    # then: the same rows
    assert timing.ranges >= 8
    assert snapshot() == followed


def test_after_a_rebuild_the_follower_applies_only_what_came_later(cw: World) -> None:
    a_history(cw)
    rollup.rebuild()
    before = AreaFigure.objects.filter(period="d").count()
    case = handled(cw, timezone.now() - dt.timedelta(minutes=30), score=4)
    done = rollup.catch_up()
    assert done.events == case.events.count()  # that case's trail, nothing counted twice
    rollup.catch_up(batch=700)
    incremental = snapshot()
    rebuild.rebuild(parallel=1)
    assert snapshot() == incremental
    assert AreaFigure.objects.filter(period="d").count() >= before


def test_the_stats_command_rebuilds_set_based_and_audits_it(cw: World) -> None:
    a_history(cw)
    call_command("stats", "rollup", "--rebuild")
    assert AreaFigure.objects.exists() and LiveCase.objects.exists()
    assert CommandEvent.objects.filter(verb="rebuild_rollups").exists()


@pytest.mark.django_db(transaction=True)
def test_on_postgresql_the_months_read_in_several_sessions_give_the_same_result(cw: World) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("the months run in several sessions on PostgreSQL only")
    history.generate(years=1, cases=800)
    rebuild.rebuild(parallel=1)
    serial = snapshot()
    assert serial["AreaFigure"] and serial["UnitFigure"] and serial["TopicDay"]

    def sessions() -> int:
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()")
            return int(cursor.fetchone()[0])

    before = sessions()
    for processes in (2, 3):
        timing = rebuild.rebuild(parallel=processes)
        assert timing.ranges > processes
        assert snapshot() == serial, processes
    # the months' sessions are closed, and the narrow copy of the cases is gone
    assert sessions() == before
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s)", [rebuild.CASES])
        assert cursor.fetchone()[0] is None


def test_a_case_closed_after_the_watermark_is_open_at_it(cw: World) -> None:
    # given: a case handled to the end, and a watermark just below the event that closed it (the case
    # row already says closed, as when an action commits during a rebuild)
    case = handled(cw, timezone.now() - dt.timedelta(hours=6), score=4)
    assert case.status in rollup.FINAL
    trail = list(case.events.order_by("id"))
    closing = next(e for e in trail if e.to_status in rollup.FINAL and e.from_status not in rollup.FINAL)
    top = closing.pk - 1
    opened = [
        e for e in trail if e.pk <= top and e.to_status in rollup.OPEN and e.from_status not in rollup.OPEN
    ]
    # when: the open cases are computed up to that watermark
    LiveCase.objects.all().delete()
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        rebuild._register_sqlite(connection.connection)
    with connection.cursor() as cursor:
        cursor.execute(rebuild._live_sql(rebuild._Sql(connection.vendor == "postgresql")), [top, top])
    # then: the case is open, since the move that opened it
    live = LiveCase.objects.get(case_id=case.pk)
    assert live.opened_at == opened[-1].at
    assert not live.overdue and not live.escalated


def test_on_postgresql_the_rebuilds_planner_settings_end_with_it(cw: World) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("planner settings are PostgreSQL's")
    history.generate(years=1, cases=200)
    read = "SELECT " + ", ".join(f"current_setting('{name}')" for name in rebuild._PLANNER)
    with connection.cursor() as cursor:
        cursor.execute(read)
        before = cursor.fetchone()
    # inside the test's transaction: the rebuild's blocks are savepoints, their settings outlive them
    # unless put back
    rebuild.rebuild(parallel=2)
    with connection.cursor() as cursor:
        cursor.execute(read)
        assert cursor.fetchone() == before
    assert AreaFigure.objects.exists()
