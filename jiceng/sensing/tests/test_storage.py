"""Telemetry storage: monthly partitions on PostgreSQL with a retention; the simulator's direct path."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection

from jiceng.sensing import storage
from jiceng.sensing.models import Receipt, Telemetry


def partitions() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
            "JOIN pg_class p ON p.oid = i.inhparent WHERE p.relname = 'sensing_telemetry'"
        )
        return {row[0] for row in cursor.fetchall()}


@pytest.mark.postgres
def test_telemetry_is_partitioned_by_month_and_old_months_are_dropped(db):
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only")
    created = storage.ensure_partitions(today=dt.date(2031, 5, 17))
    assert set(created) == {f"sensing_telemetry_2031{m:02d}" for m in (4, 5, 6, 7)}
    # 13 months kept on 2032-06-01: May 2031 onwards; April 2031 and older go.
    dropped = storage.drop_old_partitions(months=13, today=dt.date(2032, 6, 1))
    assert "sensing_telemetry_203104" in dropped and "sensing_telemetry_203105" not in dropped
    assert {"sensing_telemetry_203105", "sensing_telemetry_203106"} <= partitions()


def test_on_sqlite_partition_upkeep_does_nothing(db):
    if connection.vendor == "postgresql":
        pytest.skip("SQLite only")
    assert storage.ensure_partitions() == [] and storage.drop_old_partitions() == []


def test_the_simulator_without_a_broker_goes_through_the_ingestion_entry(sensors):
    out = StringIO()
    call_command(
        "sensing", "simulate", "--devices", "5", "--rate", "20", "--minutes", "0.2", "--faults", stdout=out
    )
    assert "未指定 --mqtt" in out.getvalue()
    assert Telemetry.objects.exists()
    assert Receipt.objects.count() == Telemetry.objects.count()
