"""Party organisations as a tree, members masked by role, dual registration and service hours."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from jiceng.community import ledger
from jiceng.community.models import AccountKind, Measure
from jiceng.core.exceptions import NotFound
from jiceng.org.models import AccessLog
from jiceng.party import access, actions
from jiceng.party.exceptions import AlreadyTaken, PartyError
from jiceng.party.models import ServiceStatus

pytestmark = pytest.mark.django_db


def test_a_community_committee_cannot_sit_directly_under_the_district(party):
    with pytest.raises(PartyError):
        actions.check_create_org(
            party.world.people["admin"],
            code="x",
            name="x",
            kind="community",
            parent_id=party.orgs["district"].pk,
            division_code=party.world.communities["shangchuan"].code,
        )


def test_a_compound_branch_sits_in_its_community_committee(party):
    branch = actions.check_create_org(
        party.world.people["admin"],
        code="hy-1",
        name="海裕花园党支部",
        kind="compound",
        parent_id=party.orgs["haiyu"].pk,
    )
    assert branch.division == party.world.communities["haiyu"]


def test_staff_of_another_community_cannot_create_an_organisation_in_haiyu(party):
    with pytest.raises(NotFound):
        actions.check_create_org(
            party.staff["gushu"], code="hy-2", name="x", kind="compound", parent_id=party.orgs["haiyu"].pk
        )


def test_community_staff_see_member_names_unmasked_and_each_read_is_logged(party, rf):
    member = actions.check_add_member(
        party.staff["haiyu"], org_id=party.orgs["haiyu"].pk, name="黄志强", phone="13912345678"
    )
    request = rf.get("/api/v1/party/members/")
    request.user = party.staff["haiyu"]
    from jiceng.party.api import members_json

    shown = members_json(request, [member])
    assert shown[0]["name"] == "黄志强"
    assert AccessLog.objects.filter(subject_type="party_member", subject_id=str(member.pk)).exists()


def test_a_leader_sees_members_masked_and_nothing_is_logged(party, rf):
    member = actions.check_add_member(
        party.staff["haiyu"], org_id=party.orgs["haiyu"].pk, name="黄志强", phone="13912345678"
    )
    request = rf.get("/")
    request.user = party.world.people["leader"]
    from jiceng.party.api import members_json

    shown = members_json(request, [member])
    assert shown[0]["name"] != "黄志强" and "5678" in shown[0]["phone"] and "1234" not in shown[0]["phone"]
    assert not AccessLog.objects.exists()


def test_staff_of_another_community_do_not_see_haiyu_members(party):
    member = actions.check_add_member(party.staff["haiyu"], org_id=party.orgs["haiyu"].pk, name="黄志强")
    with pytest.raises(NotFound):
        access.access_member(party.staff["gushu"], member.pk)


def _register(party, key="cadre", community="haiyu", post="haiyu"):
    return actions.check_dual_register(
        party.users[key], party.world.communities[community].code, [party.posts[post].pk]
    )


def test_a_working_member_dual_registers_where_they_live_and_picks_posts(party):
    reg = _register(party)
    assert reg.community == party.world.communities["haiyu"]
    assert list(reg.posts.all()) == [party.posts["haiyu"]]
    # haiyu's staff now see the bureau cadre among their members
    assert access.access_member(party.staff["haiyu"], party.members["cadre"].pk)


def test_registering_twice_in_the_same_community_is_refused(party):
    _register(party)
    with pytest.raises(AlreadyTaken):
        _register(party)


def test_posts_of_another_community_cannot_be_picked(party):
    with pytest.raises(PartyError):
        actions.check_dual_register(
            party.users["cadre"], party.world.communities["haiyu"].code, [party.posts["gushu"].pk]
        )


def test_confirmed_service_hours_go_into_the_time_bank_where_the_community_runs_one(party):
    community = party.world.communities["haiyu"]
    ledger.system_account(community, AccountKind.ISSUANCE)  # haiyu runs a time bank
    reg = _register(party)
    record = actions.check_record_service(
        party.users["cadre"],
        reg.pk,
        hours="2.5",
        served_on=timezone.localdate(),
        note="文明劝导",
        post_id=party.posts["haiyu"].pk,
    )
    assert record.status == ServiceStatus.RECORDED
    actions.check_confirm_service(party.staff["haiyu"], record.pk)
    account = ledger.resident_account(community, party.users["cadre"])
    assert ledger.balance(account, Measure.HOURS) == Decimal("2.50")
    assert ledger.reconcile(community).ok


def test_confirmed_service_hours_stay_in_the_party_record_where_there_is_no_time_bank(party):
    reg = _register(party, "gushu_member", "gushu", "gushu")
    record = actions.check_record_service(
        party.users["gushu_member"], reg.pk, hours=1, served_on=timezone.localdate(), note="助老"
    )
    record = actions.check_confirm_service(party.staff["gushu"], record.pk)
    assert record.status == ServiceStatus.CONFIRMED and record.posting_id_ref is None


def test_a_service_record_is_confirmed_only_once(party):
    reg = _register(party)
    record = actions.check_record_service(
        party.users["cadre"], reg.pk, hours=1, served_on=timezone.localdate(), note="x"
    )
    actions.check_confirm_service(party.staff["haiyu"], record.pk)
    with pytest.raises(Exception, match="已处理"):
        actions.check_confirm_service(party.staff["haiyu"], record.pk)


def test_a_member_of_another_community_cannot_record_service_on_someone_elses_registration(party):
    reg = _register(party)
    with pytest.raises(NotFound):
        actions.check_record_service(
            party.users["gushu_member"], reg.pk, hours=1, served_on=timezone.localdate(), note="x"
        )


def test_staff_of_another_community_cannot_confirm_haiyu_service(party):
    reg = _register(party)
    record = actions.check_record_service(
        party.users["cadre"], reg.pk, hours=1, served_on=timezone.localdate(), note="x"
    )
    with pytest.raises(NotFound):
        actions.check_confirm_service(party.staff["gushu"], record.pk)


@pytest.mark.parametrize("hours", ["0", "-1", "13", "abc", "NaN"])
def test_implausible_hours_are_refused(party, hours):
    reg = _register(party)
    with pytest.raises(PartyError):
        actions.check_record_service(
            party.users["cadre"], reg.pk, hours=hours, served_on=timezone.localdate(), note="x"
        )


def test_service_in_the_future_is_refused(party):
    reg = _register(party)
    with pytest.raises(PartyError):
        actions.check_record_service(
            party.users["cadre"],
            reg.pk,
            hours=1,
            served_on=timezone.localdate() + dt.timedelta(days=2),
            note="x",
        )
