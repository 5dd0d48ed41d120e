"""Telemetry storage on PostgreSQL: monthly partitions created ahead, old ones dropped.

``sensing_telemetry`` is partitioned by range on ``ts`` (migration 0002). The ingest worker calls
:func:`maintain` about once an hour: it creates this month's and the next months' partitions and drops
those older than ``JICENG_SENSING_RETENTION_MONTHS`` — dropping a partition is instant where deleting
millions of rows is not. On SQLite (the demo) both are no-ops; :func:`prune_receipts` runs everywhere.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from typing import Any

from django.conf import settings
from django.db import connection as default_connection
from django.utils import timezone

from jiceng.lib.partitions import ensure_months, month_start, partitions

logger = logging.getLogger(__name__)


def ensure_partitions(*, connection: Any = None, ahead: int = 2, today: dt.date | None = None) -> list[str]:
    """Create the monthly partitions from last month to ``ahead`` months on; return the new ones."""
    today = today or timezone.now().date()
    return ensure_months(
        "sensing_telemetry", "ts", month_start(today, -1), month_start(today, ahead), connection=connection
    )


def drop_old_partitions(
    *, connection: Any = None, months: int | None = None, today: dt.date | None = None
) -> list[str]:
    """Drop the monthly partitions wholly older than the retention; return their names."""
    connection = connection or default_connection
    if connection.vendor != "postgresql":
        return []
    months = months if months is not None else settings.JICENG_SENSING_RETENTION_MONTHS
    if months <= 0:
        return []
    cutoff = month_start(today or timezone.now().date(), -months)
    dropped = []
    with connection.cursor() as cursor:
        for name in partitions("sensing_telemetry", connection=connection):
            if not re.fullmatch(r"sensing_telemetry_[0-9]{6}", name):
                continue  # the default partition
            month = dt.date(int(name[-6:-2]), int(name[-2:]), 1)
            if month < cutoff:
                cursor.execute(f"DROP TABLE {name}")  # noqa: S608 - names read from the catalogue
                dropped.append(name)
    return dropped


def prune_receipts(days: int | None = None) -> int:
    """Forget message ids older than the dedupe window (a redelivery never comes that late)."""
    from jiceng.sensing.models import Receipt

    days = days if days is not None else settings.JICENG_SENSING_DEDUPE_DAYS
    cutoff = timezone.now() - dt.timedelta(days=days)
    deleted, _ = Receipt.objects.filter(received_at__lt=cutoff).delete()
    return deleted


def maintain() -> dict[str, Any]:
    report = {
        "created": ensure_partitions(),
        "dropped": drop_old_partitions(),
        "receipts_pruned": prune_receipts(),
    }
    if report["created"] or report["dropped"]:
        logger.info("telemetry partitions: %s", report)
    return report
