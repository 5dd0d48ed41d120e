"""Vanguard teams and call-ups, urgent dispatch of party volunteers, the Sunday duty rota."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from jiceng.cases.models import Notification
from jiceng.core.exceptions import NotFound
from jiceng.org import roster
from jiceng.org.models import Membership, Role
from jiceng.party import actions, queries
from jiceng.party.exceptions import PartyError, WrongState
from jiceng.party.models import CallUpReply

pytestmark = pytest.mark.django_db


def _soon():
    return timezone.now() + dt.timedelta(hours=2)


@pytest.fixture
def team(party):
    actions.check_dual_register(
        party.users["cadre"], party.world.communities["haiyu"].code, [party.posts["haiyu"].pk]
    )
    return actions.check_create_team(
        party.staff["haiyu"],
        party.world.communities["haiyu"].code,
        "flood",
        "海裕防汛先锋队",
        [party.members["cadre"].pk],
    )


def test_a_called_up_member_accepts_and_checks_in(party, team):
    callup = actions.check_call_up(
        party.staff["haiyu"],
        community_code=team.community.code,
        title="台风前排查",
        starts_at=_soon(),
        team_id=team.pk,
        place="社区党群服务中心",
    )
    assert Notification.objects.filter(kind="party_callup", data__users=[party.users["cadre"].pk]).exists()
    actions.check_reply_callup(party.users["cadre"], callup.pk, accept=True)
    reply = actions.check_check_in(party.users["cadre"], callup.pk)
    assert reply.checked_in_at is not None
    assert queries.my_callups(party.users["cadre"])[0]["checked_in"]


def test_checking_in_without_accepting_is_refused(party, team):
    callup = actions.check_call_up(
        party.staff["haiyu"],
        community_code=team.community.code,
        title="x",
        starts_at=_soon(),
        team_id=team.pk,
    )
    with pytest.raises(WrongState):
        actions.check_check_in(party.users["cadre"], callup.pk)


def test_a_member_outside_the_team_cannot_answer_its_call_up(party, team):
    callup = actions.check_call_up(
        party.staff["haiyu"],
        community_code=team.community.code,
        title="x",
        starts_at=_soon(),
        team_id=team.pk,
    )
    with pytest.raises(NotFound):
        actions.check_reply_callup(party.users["gushu_member"], callup.pk)


def test_an_urgent_task_goes_to_every_member_registered_in_the_community(party, team):
    # given a second registered member outside the team
    from jiceng.party.tests.conftest import member_user

    other = member_user(party, "other", "bureau", "另一党员")
    actions.check_dual_register(
        other, party.world.communities["haiyu"].code, [party.posts["haiyu-elderly"].pk]
    )
    # when the community dispatches an urgent task (平急转换)
    callup = actions.check_call_up(
        party.staff["haiyu"],
        community_code=team.community.code,
        title="暴雨转移群众",
        starts_at=_soon(),
        needed=5,
    )
    # then both are called, urgently, and either can accept
    note = Notification.objects.get(kind="party_callup")
    assert set(note.data["users"]) == {party.users["cadre"].pk, other.pk} and note.data["urgent"]
    actions.check_reply_callup(other, callup.pk)
    assert CallUpReply.objects.filter(callup=callup, accepted=True).count() == 1


def test_staff_of_another_community_cannot_call_up_haiyus_team(party, team):
    with pytest.raises(NotFound):
        actions.check_call_up(
            party.staff["gushu"],
            community_code=team.community.code,
            title="x",
            starts_at=_soon(),
            team_id=team.pk,
        )


def test_the_sunday_rota_is_written_on_the_workstations_duty_roster(party):
    # given two community staff who are party members of haiyu's committee
    from jiceng.testing import make_user

    unit = party.world.units["haiyu"]
    staff2 = make_user("hy2", "海裕二号", Role.COMMUNITY_STAFF, unit=unit)
    members = [
        actions.check_add_member(
            party.staff["haiyu"], org_id=party.orgs["haiyu"].pk, name=str(u), user_id=u.pk
        )
        for u in (party.staff["haiyu"], staff2)
    ]
    today = timezone.localdate()
    sunday = today + dt.timedelta(days=(6 - today.weekday()) % 7 or 7)
    # when the rota is scheduled
    shifts = actions.check_schedule_sunday_rota(
        party.staff["haiyu"], unit.division.code, [m.pk for m in members], sunday
    )
    # then each Sunday has its member on duty, on the roster itself
    assert len(shifts) == 2
    noon = timezone.make_aware(dt.datetime.combine(sunday + dt.timedelta(weeks=1), dt.time(12)))
    assert roster.on_duty(unit, noon) == staff2


def test_the_rota_starts_on_a_sunday(party):
    today = timezone.localdate()
    monday = today + dt.timedelta(days=(0 - today.weekday()) % 7 or 7)
    with pytest.raises(PartyError):
        actions.check_schedule_sunday_rota(
            party.staff["haiyu"], party.world.communities["haiyu"].code, [party.members["cadre"].pk], monday
        )
    assert Membership.objects.exists()
