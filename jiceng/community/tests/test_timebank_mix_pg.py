"""The time bank under a mixed crowd for one resident, on PostgreSQL: redemptions, cancelled
redemptions, reversals and attendance confirmations at once. Every request gets an answer (a result
or a domain error, i.e. a 4xx) — none a deadlock or another database error (a 500) — and the books
balance afterwards."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection

from jiceng.community import actions, ledger
from jiceng.community.models import (
    ActivitySignup,
    Posting,
    PostingKind,
    Redemption,
    RedemptionStatus,
    SignupStatus,
)
from jiceng.community.tests.factories import activity, credit
from jiceng.community.tests.threads import crowd

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
A = actions.Actor


@pytest.fixture(autouse=True)
def _postgres_only() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("lock order and deadlocks only exist on PostgreSQL (SQLite serialises all writes)")


def test_a_mix_of_redemptions_reversals_and_confirmations_for_one_resident_never_fails(
    world, staff, resident_of
):
    # given a resident with credits, issued redemptions and pending sign-ups
    community, clerk = world.communities["haiyu"], staff["haiyu"]
    r = resident_of()
    for _ in range(8):
        credit(clerk, community, r, hours="2")  # 20 points each
    reward = actions.check_create_reward(clerk, community, "大米", "5", 100)
    issued = [actions.check_redeem(A(r), reward.pk) for _ in range(6)]
    pending = []
    for _ in range(10):
        task = activity(clerk, community, hours="1")
        pending.append(actions.check_signup_activity(A(r), task.pk))
    credits = list(Posting.objects.filter(kind=PostingKind.SERVICE).order_by("pk")[:5])

    # when they all happen at once (51 requests)
    calls: list[Callable[[], Any]] = []
    calls += [lambda: actions.check_redeem(A(r), reward.pk) for _ in range(24)]
    calls += [lambda s=s: actions.check_confirm_attendance(clerk, s.pk) for s in pending]
    calls += [lambda p=p: actions.check_reverse_posting(clerk, p.pk, "录入有误") for p in credits]
    calls += [lambda x=x: actions.check_cancel_redemption(clerk, x.pk, "居民放弃") for x in issued]
    calls += [lambda s=pending[0]: actions.check_confirm_attendance(clerk, s.pk) for _ in range(6)]
    assert len(calls) == 51
    results, refused, failed = crowd(calls)
    done = len(results)

    # then nothing failed with a database error, and the books balance
    assert failed == [], [f"{type(e).__name__}: {e}" for e in failed]
    assert done + len(refused) == 51
    assert ledger.reconcile().ok
    assert (
        ActivitySignup.objects.filter(pk__in=[s.pk for s in pending], status=SignupStatus.CONFIRMED).count()
        == 10
    )
    assert (
        Redemption.objects.filter(pk__in=[x.pk for x in issued], status=RedemptionStatus.CANCELLED).count()
        == 6
    )
    assert Posting.objects.filter(kind=PostingKind.REVERSAL).count() == 5 + 6
