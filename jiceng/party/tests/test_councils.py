"""Compound governance (1+3+N) and residents' councils: each decision is followed through."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from jiceng.cases.actions import check_submit_case
from jiceng.cases.models import Case
from jiceng.community.tests.casework import finish_case
from jiceng.core.exceptions import NotFound
from jiceng.org.models import Role
from jiceng.party import actions, queries
from jiceng.party.exceptions import PartyError
from jiceng.party.models import BoardSeat, Compound, SeatKind
from jiceng.testing import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def compound(party):
    c = Compound.objects.create(community=party.world.communities["haiyu"], name="海裕花园")
    c.buildings.set([party.world.buildings["haiyu1"]])
    return c


@pytest.fixture
def meeting(party, compound):
    m = actions.check_create_meeting(
        party.staff["haiyu"],
        compound.community.code,
        "海裕花园第三次议事会",
        timezone.now(),
        compound_id=compound.pk,
    )
    actions.check_add_agenda_item(party.staff["haiyu"], m.pk, "东门电动车乱停", "recurring")
    actions.check_record_attendance(party.staff["haiyu"], m.pk, "业委会主任", "业委会")
    return m


def _decide(party, meeting, follow_up="case", votes_for=9, votes_against=1):
    return actions.check_decide(
        party.staff["haiyu"],
        meeting.pk,
        text="在东门增设电动车集中充电棚",
        follow_up=follow_up,
        owner_id=party.staff["haiyu"].pk,
        due_on=(timezone.localdate() + dt.timedelta(days=30)).isoformat(),
        votes_for=votes_for,
        votes_against=votes_against,
    )


def test_a_decision_becomes_a_case_in_the_compound_and_is_done_when_the_case_is(party, meeting):
    decision = _decide(party, meeting)
    case = Case.objects.get(pk=decision.case_id_ref)
    assert case.location_code == party.world.buildings["haiyu1"].code
    assert actions.decision_state(decision) == "open"
    finish_case(party.world, case.pk)
    assert actions.decision_state(decision) == "done"


def test_residents_of_the_community_see_the_decision_and_its_progress(party, meeting, resident_of):
    _decide(party, meeting)
    shown = queries.decisions_for(resident_of("haiyu", "居民甲"))
    assert [d["text"] for d in shown] == ["在东门增设电动车集中充电棚"]


def test_residents_of_another_community_do_not_see_it(party, meeting, resident_of):
    _decide(party, meeting)
    assert queries.decisions_for(resident_of("gushu", "居民乙")) == []


def test_a_rejected_motion_cannot_be_followed_through(party, meeting):
    with pytest.raises(PartyError):
        _decide(party, meeting, votes_for=3, votes_against=5)


def test_a_task_decision_is_done_when_its_owner_reports_it(party, meeting):
    decision = _decide(party, meeting, follow_up="task")
    done = actions.check_complete_task(party.staff["haiyu"], decision.pk, "已协调物业完成")
    assert actions.decision_state(done) == "done" and done.done_note == "已协调物业完成"


def test_a_task_past_its_deadline_is_overdue(party, meeting):
    decision = _decide(party, meeting, follow_up="task")
    decision.due_on = timezone.localdate() - dt.timedelta(days=1)
    assert actions.decision_state(decision) == "overdue"


def test_staff_of_another_community_cannot_run_the_meeting(party, meeting):
    with pytest.raises(NotFound):
        _decide_as(party.staff["gushu"], meeting)


def _decide_as(user, meeting):
    return actions.check_decide(
        user, meeting.pk, text="x", follow_up="task", owner_id=user.pk, due_on="2030-01-01", votes_for=1
    )


def test_the_board_sees_the_property_cases_of_its_compound_only(party, compound):
    # given a property-company seat on the board, and property cases in and outside the compound
    manager = make_user("wuye", "物业经理", Role.RESIDENT, division=compound.community)
    BoardSeat.objects.create(compound=compound, kind=SeatKind.PROPERTY, body="海裕物业", user=manager)
    resident = party.staff["haiyu"]
    inside = check_submit_case(
        resident,
        description="物业服务差，垃圾没人清",
        type_code="WY01",
        location_code=party.world.buildings["haiyu1"].code,
    )
    check_submit_case(
        resident,
        description="物业不作为",
        type_code="WY01",
        location_code=party.world.buildings["haiyu2"].code,
    )
    # then the board member sees the one inside
    assert [c["id"] for c in queries.compound_cases(manager, compound.pk)] == [inside.pk]


def test_someone_off_the_board_cannot_open_the_compounds_cases(party, compound):
    stranger = make_user("mosheng", "陌生人", Role.RESIDENT, division=compound.community)
    with pytest.raises(NotFound):
        queries.compound_cases(stranger, compound.pk)
