"""PostgreSQL: the case trail partitioned by month — events land in their month's partition, chains that
span partitions verify, stragglers leave the default partition when their month is made, and the
migration keeps every event both ways."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from jiceng.cases import history, storage, trail
from jiceng.cases.models import CaseEvent
from jiceng.cases.tests.conftest import at
from jiceng.lib.partitions import month_start, partitions
from jiceng.testing import World

NOW = at(2026, 6, 30, 18)
DEFAULT = "cases_caseevent_default"


@pytest.fixture(autouse=True)
def _postgresql_only(db: None) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only: SQLite keeps one plain events table")


def _rows_by_partition() -> dict[str, int]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT tableoid::regclass::text, count(*) FROM cases_caseevent GROUP BY 1")
        return dict(cursor.fetchall())


def _cases_spanning_partitions() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM (SELECT case_id FROM cases_caseevent GROUP BY case_id "
            "HAVING count(DISTINCT tableoid) > 1) AS spanning"
        )
        return int(cursor.fetchone()[0])


def test_the_events_table_is_partitioned_by_month_with_a_default() -> None:
    made = partitions(storage.TABLE)
    assert made[DEFAULT] == "DEFAULT"
    this_month = f"cases_caseevent_{timezone.localdate():%Y%m}"
    assert this_month in made
    assert "FOR VALUES FROM" in made[this_month]


def test_a_generated_history_fills_monthly_partitions_and_chains_across_them_verify(cw: World) -> None:
    history.generate(years=0.5, cases=600, now=NOW)
    counts = _rows_by_partition()
    assert DEFAULT not in counts  # generation made the window's months first
    assert len(counts) >= 6
    assert sum(counts.values()) == CaseEvent.objects.count()
    assert _cases_spanning_partitions() > 0
    assert list(trail.verify()) == []


def test_events_in_the_default_partition_move_into_their_month_when_it_is_made(
    cw: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    old = at(2021, 3, 20, 18)
    # A history written while its months had no partitions: everything goes to the default one.
    monkeypatch.setattr(storage, "ensure_partitions", lambda *a, **k: [])
    history.generate(years=0.2, cases=150, now=old)
    monkeypatch.undo()
    total = CaseEvent.objects.count()
    assert _rows_by_partition() == {DEFAULT: total}
    made = storage.ensure_partitions(dt.date(2020, 12, 1), dt.date(2021, 3, 1))
    assert made == [f"cases_caseevent_{m}" for m in ("202012", "202101", "202102", "202103")]
    counts = _rows_by_partition()
    assert DEFAULT not in counts
    assert sum(counts.values()) == total
    assert list(trail.verify()) == []
    assert storage.ensure_partitions(dt.date(2020, 12, 1), dt.date(2021, 3, 1)) == []


def test_the_sla_runner_and_the_partitions_verb_make_the_coming_months(cw: World, capsys) -> None:  # type: ignore[no-untyped-def]
    coming = f"cases_caseevent_{month_start(timezone.localdate(), 2):%Y%m}"
    further = f"cases_caseevent_{month_start(timezone.localdate(), 4):%Y%m}"
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE {coming}")
    call_command("sla", "run", "--once")
    assert coming in partitions(storage.TABLE)
    call_command("cases", "partitions", "--ahead", "4")
    assert further in partitions(storage.TABLE)
    assert further in capsys.readouterr().out


def test_the_migration_keeps_every_event_both_ways(cw: World) -> None:
    history.generate(years=0.2, cases=120, now=NOW)
    before = list(CaseEvent.objects.order_by("id").values_list("id", "case_id", "seq", "hash"))
    call_command("migrate", "cases", "0011", verbosity=0)
    with connection.cursor() as cursor:
        cursor.execute("SELECT relkind FROM pg_class WHERE relname = 'cases_caseevent'")
        assert cursor.fetchone()[0] == "r"
    assert list(CaseEvent.objects.order_by("id").values_list("id", "case_id", "seq", "hash")) == before
    call_command("migrate", "cases", verbosity=0)
    assert list(CaseEvent.objects.order_by("id").values_list("id", "case_id", "seq", "hash")) == before
    assert DEFAULT in partitions(storage.TABLE)
    assert list(trail.verify()) == []
    # New events take ids after the copied ones.
    history.generate(years=0.05, cases=20, now=NOW + dt.timedelta(days=30))
    assert CaseEvent.objects.order_by("-id").first().id > before[-1][0]  # type: ignore[union-attr]
