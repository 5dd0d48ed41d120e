"""The case trail's storage on PostgreSQL: ``cases_caseevent`` partitioned by month on ``at``.

Migration ``cases 0012`` turns the events table into a range-partitioned table (one partition a month,
``cases_caseevent_YYYYMM``, and ``cases_caseevent_default`` for any row no month covers). A case's
events may lie in several partitions — the chain is per case, ordered by ``seq``, so ``jiceng cases
verify`` reads it the same way whatever partitions hold it. The primary key is ``(id, at)`` and the
unique key ``(case_id, seq, at)``: PostgreSQL requires the partition key in every unique index of a
partitioned table. That a case's ``seq`` is not reused is kept by the actions (each append holds the
case's row lock or wins its version compare-and-set), as before; the unique key now catches only an
exact repeat.

Partitions are made ahead: the SLA runner (``jiceng sla run``) hourly for last month to two months
on, ``jiceng generate --history`` for the months it writes, ``jiceng cases partitions`` by hand. On
SQLite (the demo) all of this is a no-op.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from jiceng.lib.partitions import ensure_months, month_start

TABLE = "cases_caseevent"
AHEAD_MONTHS = 2


def ensure_partitions(
    first: dt.date | None = None,
    last: dt.date | None = None,
    *,
    ahead: int = AHEAD_MONTHS,
    connection: Any = None,
) -> list[str]:
    """Create the events table's monthly partitions from ``first``'s month (default: last month) to
    ``last``'s (default: ``ahead`` months on); return the names created."""
    today = timezone.localdate()
    first = first or month_start(today, -1)
    last = last or month_start(today, ahead)
    return ensure_months(TABLE, "at", first, last, connection=connection)
