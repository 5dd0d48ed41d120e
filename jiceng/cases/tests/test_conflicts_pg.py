"""Case actions on PostgreSQL when another transaction deadlocks with them: the action PostgreSQL picks
as the victim runs again (``core.retry.retry_conflicts``) and the request answers 200, never a 500.
A merge locks both cases, the lower id first."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
from django.db import connection, transaction

from jiceng.cases.models import Case, Status
from jiceng.cases.tests.conftest import submit
from jiceng.core.loop import close_connections
from jiceng.testing import World, client_for

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _postgres_only() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("deadlocks only exist on PostgreSQL (SQLite serialises all writes)")


def _waiting_for_a_lock(cursor: Any) -> bool:
    cursor.execute(
        "SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
        "WHERE NOT l.granted AND a.datname = current_database() AND l.pid <> pg_backend_pid()"
    )
    return bool(cursor.fetchone()[0])


def test_a_merge_picked_as_a_deadlock_victim_is_retried_and_answers_200(cw: World) -> None:
    first = submit(cw)
    second = submit(cw, description="门口的垃圾还在")
    low, high = sorted([first.pk, second.pk])
    holding = threading.Event()
    other: dict[str, Any] = {}

    def another_transaction() -> None:
        # holds the higher case, then wants the lower one once the merge waits for the higher one;
        # its long deadlock_timeout lets the merge's session find the cycle first and be the victim
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute("SET LOCAL deadlock_timeout = '20s'")
                cursor.execute("SELECT id FROM cases_case WHERE id = %s FOR UPDATE", [high])
                holding.set()
                deadline = time.monotonic() + 20
                while not _waiting_for_a_lock(cursor) and time.monotonic() < deadline:
                    time.sleep(0.05)
                cursor.execute("SELECT id FROM cases_case WHERE id = %s FOR UPDATE", [low])
                time.sleep(0.3)
            other["ok"] = True
        except Exception as exc:  # noqa: BLE001 — reported by the assertion below
            other["error"] = exc
        finally:
            close_connections()

    thread = threading.Thread(target=another_transaction)
    thread.start()
    assert holding.wait(10)
    response = client_for(cw.people["dispatcher"]).post(
        f"/api/v1/cases/{low}/merge/", {"into": high, "reason": "重复反映"}, content_type="application/json"
    )
    thread.join(30)
    assert response.status_code == 200, response.content
    assert other == {"ok": True}  # the other transaction was not the victim: the merge was, and ran again
    merged = Case.objects.get(pk=low)
    assert merged.status == Status.MERGED and merged.merged_into_id == high


def test_two_cases_merged_into_each_other_at_once_end_with_one_merge_and_no_500(cw: World) -> None:
    first = submit(cw)
    second = submit(cw, description="门口的垃圾还在")
    answers: list[int] = []

    def merge(case: Case, into: Case) -> None:
        try:
            response = client_for(cw.people["dispatcher"]).post(
                f"/api/v1/cases/{case.pk}/merge/",
                {"into": into.pk, "reason": "重复反映"},
                content_type="application/json",
            )
            answers.append(response.status_code)
        finally:
            close_connections()

    threads = [
        threading.Thread(target=merge, args=(first, second)),
        threading.Thread(target=merge, args=(second, first)),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(answers)[0] == 200 and sorted(answers)[1] in (400, 409), answers
    assert Case.objects.filter(pk__in=[first.pk, second.pk], status=Status.MERGED).count() == 1
