"""Parallel requests on PostgreSQL: no double booking, stock never negative, books still balance.

SQLite serialises every write, so these races only exist on PostgreSQL; there each thread is its own
connection, released together by a barrier.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection

from jiceng.community import actions, ledger
from jiceng.community.models import Booking, BookingStatus, Measure, Redemption
from jiceng.community.tests.factories import credit, slot
from jiceng.community.tests.threads import crowd

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
A = actions.Actor


@pytest.fixture(autouse=True)
def _postgres_only() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("concurrency races need PostgreSQL (SQLite serialises all writes)")


def race(calls: list[Callable[[], Any]]) -> tuple[list[Any], list[Exception]]:
    results, refused, failed = crowd(calls)
    assert failed == [], [f"{type(e).__name__}: {e}" for e in failed]
    return results, list(refused)


def test_parallel_bookings_never_exceed_the_slots_capacity(world, staff, resident_of):
    s = slot(staff["haiyu"], world.communities["haiyu"], capacity=3)
    residents = [resident_of() for _ in range(8)]
    results, errors = race([lambda r=r: actions.check_book_slot(A(r), s.pk) for r in residents])
    assert not errors
    held = Booking.objects.filter(slot=s, status=BookingStatus.CONFIRMED)
    assert held.count() == 3
    assert sorted(held.values_list("seat", flat=True)) == [1, 2, 3]
    assert Booking.objects.filter(slot=s, status=BookingStatus.WAITLISTED).count() == 5


def test_parallel_bookings_by_one_resident_give_one_booking(world, staff, resident_of):
    s = slot(staff["haiyu"], world.communities["haiyu"], capacity=5)
    r = resident_of()
    results, errors = race([lambda: actions.check_book_slot(A(r), s.pk) for _ in range(5)])
    assert Booking.objects.filter(slot=s, resident=r).count() == 1
    assert len(results) == 1 and len(errors) == 4


def test_parallel_redemptions_never_make_stock_negative(world, staff, resident_of):
    community = world.communities["haiyu"]
    residents = [resident_of() for _ in range(6)]
    for r in residents:
        credit(staff["haiyu"], community, r, hours="1")
    reward = actions.check_create_reward(staff["haiyu"], community, "大米", "5", 2)
    results, errors = race([lambda r=r: actions.check_redeem(A(r), reward.pk) for r in residents])
    reward.refresh_from_db()
    assert reward.stock == 0
    assert Redemption.objects.filter(reward=reward).count() == 2 and len(errors) == 4
    assert ledger.reconcile().ok


def test_parallel_redemptions_from_one_account_never_overdraw_it(world, staff, resident_of):
    community = world.communities["haiyu"]
    r = resident_of()
    credit(staff["haiyu"], community, r, hours="1")  # 10 points
    reward = actions.check_create_reward(staff["haiyu"], community, "纸巾", "4", 10)
    results, errors = race([lambda: actions.check_redeem(A(r), reward.pk) for _ in range(5)])
    balance = ledger.balance(ledger.resident_account(community, r), Measure.POINTS)
    assert len(results) == 2 and balance == Decimal("2")
    reward.refresh_from_db()
    assert reward.stock == 8
    assert ledger.reconcile().ok


def test_parallel_postings_with_one_idempotency_key_post_once(world, staff, resident_of):
    community = world.communities["haiyu"]
    r = resident_of()
    reward = actions.check_create_reward(staff["haiyu"], community, "纸巾", "1", 10)
    credit(staff["haiyu"], community, r, hours="1")
    results, errors = race(
        [lambda: actions.check_redeem(A(r), reward.pk, idempotency_key="tap-1") for _ in range(4)]
    )
    assert Redemption.objects.filter(resident=r).count() == 1
    assert ledger.reconcile().ok
