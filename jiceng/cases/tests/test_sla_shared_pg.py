"""Several ``jiceng sla run`` side by side on PostgreSQL split one backlog into disjoint batches.

A runner's batch stays locked (``FOR UPDATE SKIP LOCKED``) until its marks are written; a second
runner listing meanwhile passes over it and takes the next cases, instead of racing for the same ones
and losing the compare-and-set. SQLite runs one writer at a time, so this needs PostgreSQL.
"""

from __future__ import annotations

import threading
from collections import Counter
from typing import Any

import pytest
from django.db import connection, transaction

from jiceng.cases import sla
from jiceng.cases.models import Case, CaseEvent
from jiceng.cases.tests.conftest import at
from jiceng.cases.tests.test_sla import accepted
from jiceng.testing import World

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _postgres_only() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("skipping locked rows needs PostgreSQL (SQLite serialises all writes)")


def test_two_runners_split_one_backlog_and_no_case_is_marked_twice(cw: World) -> None:
    cases = [accepted(cw, at(2026, 3, 10, 9, minute)) for minute in range(8)]
    now = at(2026, 3, 12, 19)  # all eight are overdue
    listed = threading.Event()
    release = threading.Event()
    first: dict[str, Any] = {}

    def runner_a() -> None:
        try:
            # runner A has listed (and locked) the first three due cases and is still marking them
            with transaction.atomic():
                first["rows"] = [row[0] for row in sla._due_rows_full(now, 3, None, lock=True)]
                listed.set()
                release.wait(30)
            first["report"] = sla.sweep(now=now, batch=3)
        finally:
            connection.close()

    thread = threading.Thread(target=runner_a)
    thread.start()
    assert listed.wait(30)
    # runner B, meanwhile, takes the rest and leaves A's batch alone
    second = sla.sweep(now=now, batch=3)
    release.set()
    thread.join(60)

    assert first["rows"] == [c.pk for c in cases[:3]]
    assert second.claimed == 5 and second.skipped == 0
    assert first["report"].claimed == 3  # A then marks its own three
    marks = Counter(CaseEvent.objects.filter(action="sla_overdue").values_list("case_id", flat=True))
    assert marks == {c.pk: 1 for c in cases}
    assert not Case.objects.filter(pk__in=[c.pk for c in cases], overdue=False).exists()


def test_two_runners_at_once_both_work_and_mark_each_case_once(cw: World) -> None:
    cases = [accepted(cw, at(2026, 3, 10, 9, minute % 60)) for minute in range(40)]
    now = at(2026, 3, 12, 19)
    reports: list[sla.SweepReport] = []
    start = threading.Barrier(2)

    def runner() -> None:
        try:
            start.wait(10)
            reports.append(sla.sweep(now=now, batch=4))
        finally:
            connection.close()

    threads = [threading.Thread(target=runner) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert sum(r.claimed for r in reports) == 40
    marks = Counter(CaseEvent.objects.filter(action="sla_overdue").values_list("case_id", flat=True))
    assert marks == {c.pk: 1 for c in cases}
