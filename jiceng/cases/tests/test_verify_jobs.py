"""``jiceng cases verify --jobs N``: the case ids split into ranges read side by side give the same
report, in the same order, as one process; and the rows ``verify`` reads hash as the events did."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from jiceng.cases import history, trail
from jiceng.cases.models import Case, CaseEvent, CaseUnit
from jiceng.cases.tests.conftest import at
from jiceng.testing import World

NOW = at(2026, 6, 30, 18)


def test_ranges_cover_every_case_id_once_in_order() -> None:
    for low, high, parts in [(1, 100, 7), (5, 5, 3), (10, 12, 8), (1, 1_000_003, 16), (3, 40, 1)]:
        ranges = trail.split_ranges(low, high, parts)
        assert ranges[0][0] == low and ranges[-1][1] == high
        assert all(a[1] + 1 == b[0] for a, b in zip(ranges, ranges[1:], strict=False))
        assert all(start <= end for start, end in ranges)
        assert len(ranges) == min(parts, high - low + 1)
        sizes = [end - start + 1 for start, end in ranges]
        assert max(sizes) - min(sizes) <= 1


def _tamper(tmp_path: Path) -> tuple[dict[int, tuple[int, str]], list[int]]:
    """A generated history with a checkpoint, then breaks at range boundaries: the last case of a
    range and the first of the next edited, an event deleted inside a range, a case's length
    changed, and two checkpointed cases removed (one inside the ids, the highest one)."""
    history.generate(years=0.25, cases=240, now=NOW)
    trail.write_checkpoint(tmp_path)
    ids = list(Case.objects.order_by("pk").values_list("pk", flat=True))
    assert len(ids) > 100
    ranges = trail.split_ranges(ids[0], ids[-1], 6)
    end, start = ranges[1][1], ranges[2][0]  # the two sides of a boundary
    last_of = CaseEvent.objects.filter(case_id=end).order_by("-seq")[0]
    CaseEvent.objects.filter(pk=last_of.pk).update(reason="改写的原因")
    CaseEvent.objects.filter(case_id=start, seq=1).update(data={"channel": "改写"})
    middle = ids[len(ids) // 2]
    CaseEvent.objects.filter(case_id=middle, seq=2).delete()
    Case.objects.filter(pk=ids[10]).update(trail_length=99)
    removed = [ids[30], ids[-1]]
    for pk in removed:
        CaseEvent.objects.filter(case_id=pk).delete()
        CaseUnit.objects.filter(case_id=pk).delete()
        Case.objects.filter(pk=pk).delete()
    heads, problems = trail.read_checkpoints(tmp_path)
    assert problems == []
    return heads, [end, start, middle, ids[10], *removed]


def _report(breaks: list[trail.Break]) -> list[str]:
    return [str(b) for b in breaks]


def test_a_tampered_history_gives_the_same_report_in_ranges_as_in_one(cw: World, tmp_path: Path) -> None:
    heads, touched = _tamper(tmp_path)
    one = list(trail.verify(checkpoints=heads))
    assert {b.case_id for b in one} == set(touched)
    # the chains' breaks in case order, then the checkpointed cases no longer there
    gone = [b.case_id for b in one if "已不在数据库中" in b.problem]
    assert gone == sorted(touched[-2:])
    chains = [b.case_id for b in one if "已不在数据库中" not in b.problem]
    assert chains == sorted(chains) and one[-2:] == [b for b in one if b.case_id in gone]
    for jobs, ranges in [(2, None), (2, 6), (3, 7), (2, 250)]:
        assert _report(list(trail.verify(checkpoints=heads, jobs=jobs, ranges=ranges))) == _report(one), (
            jobs,
            ranges,
        )
    # small chunks: a range is read several chunks at a time, and chunks end inside ranges
    assert _report(list(trail.verify(chunk=7, checkpoints=heads, jobs=2, ranges=5))) == _report(one)
    # only some cases (--case): the ranges run over their ids
    some = Case.objects.filter(pk__in=touched[:4])
    listed = _report(list(trail.verify(some, checkpoints=heads)))
    assert len(listed) >= 4
    assert _report(list(trail.verify(some, checkpoints=heads, jobs=2, ranges=3))) == listed


def test_the_command_with_jobs_reports_as_with_one(
    cw: World, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _tamper(tmp_path)
    outputs = []
    for jobs in ("1", "2", "0"):
        with pytest.raises(CommandError) as failed:
            call_command("cases", "verify", "--checkpoint-dir", str(tmp_path), "--jobs", jobs)
        outputs.append((str(failed.value), capsys.readouterr().err))
    assert outputs[0][1].count("\n") >= 6
    assert outputs[1] == outputs[0] and outputs[2] == outputs[0]
    with pytest.raises(CommandError):
        call_command("cases", "verify", "--jobs", "-1")


def test_unusual_events_hash_the_same_when_read_back(cw: World) -> None:
    # whole seconds (SQLite stores no fraction), a date before 1000, non-ASCII text, floats and nested
    # data, no actor or unit (unkeyed events: test_trail)
    history.generate(years=0.1, cases=20, now=NOW)
    case = Case.objects.order_by("pk")[0]
    case = Case.objects.get(pk=case.pk)
    odd: list[tuple[dt.datetime, dict[str, Any], str]] = [
        (
            dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC),
            {"β": 1.5, "a": [1, {"z": None, "é": "中"}]},
            "原因\n\t\"'",
        ),
        (dt.datetime(999, 1, 2, 3, 4, 5, 6, tzinfo=dt.UTC), {}, ""),
        (at(2026, 6, 30, 23, 59), {"due": "2026-07-01T08:00:00+08:00", "n": 10**18}, "\\u00e9"),
    ]
    for when, data, reason in odd:
        event = trail.new_event(
            case, action="progress", at=when, from_status=case.status, to_status=case.status,
            reason=reason, data=data,
        )  # fmt: skip
        event.save()
    Case.objects.filter(pk=case.pk).update(trail_head=case.trail_head, trail_length=case.trail_length)
    assert list(trail.verify()) == []
    assert list(trail.verify(jobs=2, ranges=3)) == []
    CaseEvent.objects.filter(case=case, seq=case.trail_length).update(reason="x")
    assert [(b.case_id, b.seq) for b in trail.verify(jobs=2)] == [(case.pk, case.trail_length)]


@pytest.mark.django_db(transaction=True)
def test_jobs_read_their_ranges_in_processes_of_their_own(cw: World, tmp_path: Path) -> None:
    # committed rows, so other sessions see them: on PostgreSQL (and a SQLite file) the ranges are
    # read by forked processes, each on its own connection
    heads, _touched = _tamper(tmp_path)
    one = _report(list(trail.verify(checkpoints=heads)))
    if connection.vendor == "postgresql":
        assert trail.can_fork()

    def sessions() -> int:
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()")
            return int(cursor.fetchone()[0])

    before = sessions() if connection.vendor == "postgresql" else 0
    for jobs, ranges in [(2, None), (3, 11)]:
        assert _report(list(trail.verify(checkpoints=heads, jobs=jobs, ranges=ranges))) == one
    if connection.vendor == "postgresql":
        import time

        deadline = time.monotonic() + 10
        while sessions() > before and time.monotonic() < deadline:
            time.sleep(0.1)
        assert sessions() == before  # the workers' connections are closed


def _worker_query(_: int) -> tuple[bool, int]:
    from django.db import connection as worker
    from django.db import connections

    fresh = worker.connection is None  # the parent's open connection was set aside
    try:
        with worker.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            return fresh, int(cursor.fetchone()[0])
    finally:
        connections.close_all()  # as verify's workers do after each range


@pytest.mark.django_db(transaction=True)
def test_a_worker_never_writes_on_a_connection_its_parent_left_open() -> None:
    import multiprocessing

    if connection.vendor != "postgresql":
        pytest.skip("the forked workers' own connections are a PostgreSQL matter")
    with connection.cursor() as cursor:  # the parent's connection, open at the fork
        cursor.execute("SELECT pg_backend_pid()")
        parent = int(cursor.fetchone()[0])
    ctx = multiprocessing.get_context("fork")
    with ctx.Pool(2, initializer=trail._forget_inherited_connections) as pool:
        seen = pool.map(_worker_query, range(6))
    assert all(fresh for fresh, _pid in seen)
    assert parent not in {pid for _fresh, pid in seen}
    with connection.cursor() as cursor:  # and the parent's own session is undisturbed
        cursor.execute("SELECT pg_backend_pid()")
        assert int(cursor.fetchone()[0]) == parent
