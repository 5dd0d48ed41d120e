"""Monthly range partitions on PostgreSQL (native declarative partitioning).

A table partitioned ``BY RANGE`` on a timestamp column has one partition a month, named
``<table>_YYYYMM``, and a ``<table>_default`` partition that takes any row no monthly partition covers
(a late straggler, a generated history older than the partitions), so an insert never fails for want
of a partition. :func:`ensure_months` creates the monthly partitions a range of months needs; rows
already sitting in the default partition for such a month are moved into the new partition in the same
transaction (PostgreSQL refuses to add a partition whose range the default partition already holds
rows for). On other databases (SQLite) every function here is a no-op.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import connection as default_connection
from django.db import transaction


def month_start(day: dt.date, offset: int = 0) -> dt.date:
    """The first day of ``day``'s month, moved by ``offset`` months."""
    index = day.year * 12 + day.month - 1 + offset
    return dt.date(index // 12, index % 12 + 1, 1)


def partition_name(table: str, month: dt.date) -> str:
    return f"{table}_{month:%Y%m}"


def partitions(table: str, *, connection: Any = None) -> dict[str, str]:
    """The partitions of ``table``: name → its bounds as PostgreSQL prints them ("DEFAULT" for the
    default partition)."""
    connection = connection or default_connection
    if connection.vendor != "postgresql":
        return {}
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname, pg_get_expr(c.relpartbound, c.oid) FROM pg_inherits i "
            "JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_class p ON p.oid = i.inhparent "
            "WHERE p.relname = %s ORDER BY c.relname",
            [table],
        )
        return dict(cursor.fetchall())


def is_partitioned(table: str, *, connection: Any = None) -> bool:
    connection = connection or default_connection
    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as cursor:
        cursor.execute("SELECT relkind FROM pg_class WHERE relname = %s AND relkind = 'p'", [table])
        return cursor.fetchone() is not None


def ensure_months(
    table: str, column: str, first: dt.date, last: dt.date, *, connection: Any = None
) -> list[str]:
    """Create the monthly partitions of ``table`` (partitioned on ``column``) for every month from
    ``first``'s to ``last``'s; return the names created. Rows of such a month found in the default
    partition move into the new partition."""
    connection = connection or default_connection
    if connection.vendor != "postgresql" or not is_partitioned(table, connection=connection):
        return []
    existing = set(partitions(table, connection=connection))
    default = f"{table}_default"
    created = []
    month = month_start(first)
    while month <= last:
        name = partition_name(table, month)
        if name not in existing:
            _create(connection, table, column, name, default if default in existing else None, month)
            created.append(name)
        month = month_start(month, 1)
    return created


def _create(connection: Any, table: str, column: str, name: str, default: str | None, month: dt.date) -> None:
    start, end = month.isoformat(), month_start(month, 1).isoformat()
    bounds = f"FOR VALUES FROM ('{start}') TO ('{end}')"
    # Table, column and partition names are ours (never user input); the bounds are dates.
    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        if default is None:
            cursor.execute(f"CREATE TABLE {name} PARTITION OF {table} {bounds}")  # noqa: S608
            return
        # The default partition may hold rows of this month: detach it, fill the new partition from
        # it, attach both again. ``LIKE`` copies the columns, defaults and check constraints; ATTACH
        # gives the new table the parent's indexes.
        cursor.execute(f"ALTER TABLE {table} DETACH PARTITION {default}")
        cursor.execute(f"CREATE TABLE {name} (LIKE {table} INCLUDING DEFAULTS INCLUDING CONSTRAINTS)")
        where = f"{column} >= %s AND {column} < %s"
        cursor.execute(f"INSERT INTO {name} SELECT * FROM {default} WHERE {where}", [start, end])  # noqa: S608
        cursor.execute(f"DELETE FROM {default} WHERE {where}", [start, end])  # noqa: S608
        cursor.execute(f"ALTER TABLE {table} ATTACH PARTITION {name} {bounds}")
        cursor.execute(f"ALTER TABLE {table} ATTACH PARTITION {default} DEFAULT")
