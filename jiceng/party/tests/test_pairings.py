"""Unit–community pairings: commitments and what was delivered, seen by the community and the unit."""

from __future__ import annotations

import pytest

from jiceng.core.exceptions import NotFound
from jiceng.org.models import Role
from jiceng.party import access, actions
from jiceng.party.exceptions import AlreadyTaken
from jiceng.testing import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def pairing(party):
    leader = party.world.people["leader"]  # 新安街道 leader: haiyu lies in the street
    return actions.check_pair(leader, party.orgs["bureau"].pk, party.world.communities["haiyu"].code)


@pytest.fixture
def bureau_staff(party):
    return make_user("zj-cadre", "住建干部", Role.HANDLER, unit=party.world.units["district_zhujian"])


def test_a_unit_is_paired_with_a_community_once(party, pairing):
    with pytest.raises(AlreadyTaken):
        actions.check_pair(
            party.world.people["leader"], party.orgs["bureau"].pk, party.world.communities["haiyu"].code
        )


def test_the_paired_unit_records_a_delivery_and_the_commitment_is_delivered(party, pairing, bureau_staff):
    commitment = actions.check_add_commitment(
        party.staff["haiyu"], pairing.pk, "每季度开展一次燃气安全入户", "2026-12-31"
    )
    actions.check_record_delivery(
        bureau_staff, commitment.pk, note="入户检查 40 户", people=6, completes=True
    )
    commitment.refresh_from_db()
    assert commitment.delivered_at is not None
    assert list(access.visible_pairings(bureau_staff)) == [pairing]


def test_a_paired_unit_outside_its_pairing_sees_nothing(party, pairing):
    other = make_user("cg-cadre", "城管干部", Role.HANDLER, unit=party.world.units["district_chengguan"])
    commitment = actions.check_add_commitment(party.staff["haiyu"], pairing.pk, "共建")
    with pytest.raises(NotFound):
        access.access_pairing(other, pairing.pk)
    with pytest.raises(NotFound):
        actions.check_record_delivery(other, commitment.pk, note="冒充")


def test_staff_of_another_community_cannot_open_the_pairing(party, pairing):
    with pytest.raises(NotFound):
        access.access_pairing(party.staff["gushu"], pairing.pk)


def test_staff_of_another_street_cannot_pair_a_unit_with_haiyu(party):
    with pytest.raises(NotFound):
        actions.check_pair(
            party.staff["gushu"], party.orgs["bureau"].pk, party.world.communities["haiyu"].code
        )
