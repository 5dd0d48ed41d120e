"""Two claimers press "claim" at the same moment on PostgreSQL, each on its own connection: exactly
one wins."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from jiceng.party import actions
from jiceng.party.exceptions import AlreadyTaken
from jiceng.party.models import WishCard, WishStatus

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _postgres_only() -> None:
    if connection.vendor != "postgresql":
        pytest.skip(
            "a real race needs PostgreSQL (SQLite serialises all writes); test_wishes covers the stale claim"
        )


def test_two_simultaneous_claims_give_exactly_one_claimer(party, resident_of):
    # given a published wish and two members registered in its community
    resident = resident_of("haiyu", "张阿婆")
    from jiceng.party.tests.conftest import member_user

    second = member_user(party, "second", "bureau", "第二人")
    for user in (party.users["cadre"], second):
        actions.check_dual_register(user, party.world.communities["haiyu"].code, [party.posts["haiyu"].pk])
    wish = actions.check_post_wish(resident, title="收音机")
    actions.check_review_wish(party.staff["haiyu"], wish.pk, approve=True, public_text="老人想要收音机")
    # when both claim at once
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def claim(user) -> None:
        try:
            barrier.wait()
            actions.check_claim_wish(user, wish.pk)
            outcomes.append("won")
        except AlreadyTaken:
            outcomes.append("taken")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=claim, args=(u,)) for u in (party.users["cadre"], second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # then one wins, the other is told it is taken
    assert sorted(outcomes) == ["taken", "won"]
    wish = WishCard.objects.get(pk=wish.pk)
    assert wish.status == WishStatus.CLAIMED and wish.claimed_by_id in (party.users["cadre"].pk, second.pk)
