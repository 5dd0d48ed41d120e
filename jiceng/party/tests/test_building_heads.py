"""Building heads: the scope of their buildings and nothing else; rooms and occupants masked; notices,
event reports that become cases, visits to the elderly living alone, a duty checklist."""

from __future__ import annotations

import pytest
from django.utils import timezone

from jiceng.cases.models import Case, Notification
from jiceng.core.exceptions import NotFound
from jiceng.org.models import AccessLog, Role
from jiceng.party import access, actions, queries
from jiceng.party.models import VisitOutcome
from jiceng.registry.models import Occupancy, Person
from jiceng.testing import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def head(party):
    world = party.world
    user = make_user("loudong", "楼栋长老周", Role.BUILDING_HEAD, division=world.communities["haiyu"])
    actions.check_assign_head(party.staff["haiyu"], user.pk, world.buildings["haiyu1"].code)
    person = Person.objects.create(name="刘奶奶", id_number="", phones=["13812345678"])
    Occupancy.objects.create(person=person, room=world.rooms["haiyu1"])
    return user


def test_a_building_head_sees_their_buildings_rooms_with_occupants_masked(party, head, rf):
    building = access.access_head_building(head, party.world.buildings["haiyu1"].code)
    request = rf.get("/")
    request.user = head
    sheet = queries.building_sheet(request, building)
    occupant = sheet["rooms"][0]["occupants"][0]
    assert occupant["name"] != "刘奶奶" and "1234" not in occupant["phone"]
    assert not AccessLog.objects.exists()


def test_a_building_head_outside_their_building_finds_nothing(party, head):
    for key in ("haiyu2", "gushu1"):
        with pytest.raises(NotFound):
            access.access_head_building(head, party.world.buildings[key].code)
        with pytest.raises(NotFound):
            actions.check_report_event(head, party.world.buildings[key].code, "楼道堆满杂物")


def test_an_event_the_building_head_reports_becomes_a_case_at_the_building(party, head):
    building = party.world.buildings["haiyu1"]
    case = actions.check_report_event(head, building.code, "三楼楼道堆放大量纸箱，堵塞消防通道")
    case = Case.objects.get(pk=case.pk)
    assert (
        case.location_code == building.code and case.community_code == party.world.communities["haiyu"].code
    )


def test_a_report_naming_a_room_of_another_building_is_refused(party, head):
    with pytest.raises(NotFound):
        actions.check_report_event(
            head, party.world.buildings["haiyu1"].code, "漏水", room_code=party.world.rooms["haiyu2"].code
        )


def test_a_building_notice_reaches_the_residents_of_the_building(party, head, resident_of):
    resident = resident_of("haiyu", "住户甲")  # lives in haiyu1's room
    actions.check_post_building_notice(
        head, party.world.buildings["haiyu1"].code, "停水通知", "明天 9 点至 12 点停水"
    )
    note = Notification.objects.get(kind="party_building_notice")
    assert note.data["users"] == [resident.pk]


def test_a_visit_moves_the_next_due_date_and_a_concern_alerts_the_community(party, head):
    plan = actions.check_add_visit_plan(
        party.staff["haiyu"],
        party.world.buildings["haiyu1"].code,
        "刘奶奶",
        party.world.rooms["haiyu1"].code,
        7,
    )
    actions.check_record_visit(head, plan.pk, VisitOutcome.WELL)
    plan.refresh_from_db()
    assert plan.next_due == timezone.localdate() + timezone.timedelta(days=7)
    actions.check_record_visit(head, plan.pk, VisitOutcome.NOT_HOME, "敲门无人应答，电话未接")
    alert = Notification.objects.get(kind="party_visit_concern")
    assert alert.unit == party.world.units["haiyu"] and alert.data.get("urgent")


def test_a_building_head_cannot_record_visits_in_another_building(party, head):
    plan = actions.check_add_visit_plan(party.staff["haiyu"], party.world.buildings["haiyu2"].code, "王爷爷")
    with pytest.raises(NotFound):
        actions.check_record_visit(head, plan.pk, VisitOutcome.WELL)


def test_ticking_a_duty_twice_on_one_day_keeps_one_tick(party, head):
    code = party.world.buildings["haiyu1"].code
    first = actions.check_tick_duty(head, code, "sweep")
    assert actions.check_tick_duty(head, code, "sweep").pk == first.pk


def test_staff_of_another_community_cannot_assign_a_haiyu_building_head(party):
    user = make_user("x", "某人", Role.BUILDING_HEAD, division=party.world.communities["haiyu"])
    with pytest.raises(NotFound):
        actions.check_assign_head(party.staff["gushu"], user.pk, party.world.buildings["haiyu1"].code)
