"""Loading a generated history fast: ``--bulk`` (indexes, unique constraints and foreign keys dropped
for the load and rebuilt after it, also when it fails or was killed), the case rows as COPY text, and
the next batch walked while the current one is written."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.utils import ProgrammingError
from django.utils import timezone

from jiceng.cases import history, trail
from jiceng.cases.models import Case, CaseEvent, CaseUnit, EventType
from jiceng.cases.tests.conftest import at
from jiceng.places.models import Grid
from jiceng.testing import World

NOW = at(2026, 6, 30, 18)
TABLES = ("cases_case", "cases_caseevent", "cases_caseunit")


def schema() -> set[tuple[str, str]]:
    """Every index and constraint of the case, event and case-unit tables, as the database states
    them (PostgreSQL; SQLite: its index list, which a bulk load leaves alone)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT tablename, indexdef FROM pg_indexes WHERE tablename = ANY(%s) "
                "UNION ALL SELECT conrelid::regclass::text, conname || ' ' || pg_get_constraintdef(oid) "
                "FROM pg_constraint WHERE conrelid = ANY(%s::regclass[])",
                [list(TABLES), list(TABLES)],
            )
        else:
            cursor.execute(
                "SELECT tbl_name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name IN (%s, %s, %s)",
                list(TABLES),
            )
        return {(t, d or "") for t, d in cursor.fetchall()}


def shape() -> list[tuple[object, ...]]:
    return list(
        Case.objects.order_by("registered_at", "pk").values_list(
            "registered_at", "status", "trail_length", "level", "rating", "closed_at"
        )
    )


def wipe() -> None:
    CaseEvent.objects.all().delete()
    CaseUnit.objects.all().delete()
    Case.objects.update(merged_into=None)
    Case.objects.all().delete()


def test_a_bulk_load_writes_the_same_history_and_puts_every_index_and_constraint_back(cw: World) -> None:
    before = schema()
    plain = history.generate(years=0.05, cases=400, now=NOW)
    whole = shape()
    wipe()
    bulk = history.generate(years=0.05, cases=400, now=NOW, bulk=True)
    assert (bulk.cases, bulk.events, bulk.days) == (plain.cases, plain.events, plain.days)
    assert shape() == whole
    assert schema() == before
    assert history.pending_indexes() == []
    assert list(trail.verify()) == []
    if connection.vendor == "postgresql":
        assert bulk.index_seconds > 0
        assert len(before) > 20  # the indexes, unique keys and foreign keys were really there


def test_a_bulk_load_that_fails_half_way_still_rebuilds_them(
    cw: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = schema()
    monkeypatch.setattr(history, "BATCH_EVENTS", 300)
    write = history._write_batch
    calls = []

    def failing(batch: history._Batch) -> None:
        calls.append(1)
        if len(calls) == 3:
            raise RuntimeError("disk full")
        write(batch)

    monkeypatch.setattr(history, "_write_batch", failing)
    with pytest.raises(RuntimeError, match="disk full"):
        history.generate(years=0.05, cases=400, now=NOW, bulk=True)
    assert schema() == before
    assert history.pending_indexes() == []
    # The two batches written before the failure are whole days, in order: resume takes it from there.
    written = Case.objects.count()
    assert 0 < written < 400
    monkeypatch.setattr(history, "_write_batch", write)
    history.generate(years=0.05, cases=400, now=NOW, bulk=True, resume=True)
    assert list(trail.verify()) == []
    assert schema() == before


def test_a_killed_bulk_load_leaves_a_record_and_the_next_run_restores_first(cw: World) -> None:
    before = schema()
    dropped = history.drop_indexes()  # what a bulk load does first; the process then dies
    if connection.vendor == "postgresql":
        assert dropped > 20
        assert len(history.pending_indexes()) == dropped
        assert schema() != before
        kinds = {kind for kind, _sql in history.pending_indexes()}
        assert kinds == {"index", "unique", "foreign"}
    else:
        assert dropped == 0 and history.pending_indexes() == []
    call_command("generate", "--restore-indexes")
    assert schema() == before
    assert history.pending_indexes() == []
    # A killed load again; this time a plain run puts them back before writing.
    history.drop_indexes()
    history.generate(years=0.05, cases=100, now=NOW)
    assert schema() == before
    assert list(trail.verify()) == []


def test_bulk_is_refused_on_a_database_that_holds_cases(cw: World) -> None:
    history.generate(years=0.05, cases=100, now=NOW - dt.timedelta(days=60))
    before = schema()
    if connection.vendor == "postgresql":
        with pytest.raises(history.HistoryError, match="--bulk"):
            history.generate(years=0.05, cases=100, now=NOW, bulk=True)
    assert schema() == before


def test_the_bulk_flag_runs_through_the_command(cw: World) -> None:
    before = schema()
    call_command("generate", "--history", "0.02", "--cases", "60", "--bulk", "--no-progress")
    assert Case.objects.count() > 0
    assert schema() == before
    assert list(trail.verify()) == []


def test_a_case_row_written_as_copy_text_reads_back_exactly(cw: World) -> None:
    registered = dt.datetime(2026, 3, 1, 1, 2, 3, 4)  # naive UTC, as the walk holds times
    grid = Grid.objects.order_by("code").first()
    assert grid is not None
    row = history._CaseRow(
        id=9_000_001,
        registered_at=registered,
        updated_at=registered + dt.timedelta(hours=5),
        title="路灯\t不亮\n第二行 \\ 完",
        description="“引号” 与 \r 回车",
        channel="hotline",
        event_type_id=EventType.objects.values_list("pk", flat=True).first(),
        priority=1,
        sensitive=True,
        grid_id=grid.pk,
        grid_code=grid.code,
        community_code=grid.code[:12],
        street_code=grid.code[:9],
        lat=22.5512345,
        lng=None,
        reporter_phone="13800001234",
        status="closed",
        level="street",
        floor_level="street",
        escalated=True,
        urge_count=2,
        reopen_count=1,
        rating=4,
        rated_round=1,
        resume_status="",
        accepted_at=registered + dt.timedelta(minutes=30),
        completed_at=None,
        closed_at=registered + dt.timedelta(days=2, microseconds=7),
        next_check_at=None,
        warned=True,
        version=5,
        trail_head="ab" * 32,
        trail_length=5,
    )
    cases, links = history._case_rows([row], connection.vendor == "postgresql")
    history._write_batch(history._Batch(cases, [], links, 1))
    stored = Case.objects.get(pk=row.id)
    for name in history._CASE_FIELDS:
        want = getattr(row, name)
        if isinstance(want, dt.datetime):
            want = want.replace(tzinfo=dt.UTC)
        assert getattr(stored, name) == want, name
    fresh = Case()
    for name in history._CASE_CONSTANT:
        if name not in ("id", "registered_at", "updated_at"):
            assert getattr(stored, name) == getattr(fresh, name), name


def test_an_error_while_walking_ahead_stops_the_run_after_the_batches_before_it(
    cw: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(history, "BATCH_EVENTS", 300)
    walk = history._walk_days
    calls = []

    def failing(*args: object) -> history._Batch:
        calls.append(1)
        if len(calls) == 4:
            raise ValueError("walk failed")
        return walk(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(history, "_walk_days", failing)
    with pytest.raises(ValueError, match="walk failed"):
        history.generate(years=0.05, cases=400, now=NOW)
    days = sorted(Case.objects.dates("registered_at", "day"))
    assert days  # the first three batches are written, whole and in order
    wipe()
    monkeypatch.setattr(history, "_walk_days", walk)
    history.generate(years=0.05, cases=400, now=NOW)
    complete = sorted(Case.objects.dates("registered_at", "day"))
    assert days == complete[: len(days)]


def test_the_walk_uses_the_callers_time_zone_in_its_thread(cw: World) -> None:
    with timezone.override(ZoneInfo("UTC")):
        history.generate(years=0.05, cases=400, now=NOW)
    hours = [r.astimezone(dt.UTC).hour for r in Case.objects.values_list("registered_at", flat=True)]
    office = sum(1 for h in hours if 8 <= h < 20)
    assert office > 0.7 * len(hours)  # office hours in UTC, the zone active when it was called
    assert list(trail.verify()) == []


def test_a_restore_that_fails_half_way_keeps_what_it_built_and_the_next_one_finishes(cw: World) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("SQLite keeps its indexes through a load: nothing is dropped or restored")
    before = schema()
    dropped = history.drop_indexes()
    broken = "ALTER TABLE cases_case ADD CONSTRAINT broken CHECK (no_such_column > 0)"
    with connection.cursor() as cursor:  # a step that fails, restored last
        cursor.execute(
            f"INSERT INTO {history.BULK_TABLE} (kind, name, sql) VALUES ('foreign', 'broken', %s)", [broken]
        )
    with pytest.raises(ProgrammingError, match="no_such_column"):
        history.restore_indexes()
    # Everything before the failing step is back and no longer pending; only that step waits.
    assert history.pending_indexes() == [("foreign", broken)]
    assert schema() == before
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {history.BULK_TABLE} WHERE name = 'broken'")
    assert history.restore_indexes() == 0 and history.pending_indexes() == []
    assert dropped > 20
