from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from jiceng.community import actions
from jiceng.community.exceptions import Missing
from jiceng.org.roster import check_add_shift, coverage_gaps
from jiceng.testing import make_user

pytestmark = pytest.mark.django_db
A = actions.Actor


def _secretary(world, username, name):
    from jiceng.org.models import Role

    return make_user(username, name, Role.LEADER, unit=world.units["haiyu"])


def test_a_request_goes_to_the_on_duty_secretary(world, staff, resident_of):
    # given a shift covering now
    secretary = _secretary(world, "shuji1", "林书记")
    now = timezone.now()
    check_add_shift(
        staff["haiyu"],
        world.units["haiyu"],
        secretary,
        now - dt.timedelta(hours=1),
        now + dt.timedelta(hours=7),
        title="值班书记",
    )
    # when a resident asks the secretary
    request = actions.check_submit_request(
        A(resident_of()), "小区门口路灯不亮，晚上很危险", use_my_room=True, to_secretary=True
    )
    # then the on-duty secretary has it
    assert request.secretary == secretary and not request.uncovered


def test_the_substitute_answers_when_the_shift_has_one(world, staff, resident_of):
    first = _secretary(world, "shuji1", "林书记")
    sub = _secretary(world, "shuji2", "黄书记")
    now = timezone.now()
    check_add_shift(
        staff["haiyu"],
        world.units["haiyu"],
        first,
        now - dt.timedelta(hours=1),
        now + dt.timedelta(hours=1),
        substitute=sub,
    )
    request = actions.check_submit_request(A(resident_of()), "楼下垃圾没人清理好几天", to_secretary=True)
    assert request.secretary == sub


def test_a_request_in_an_uncovered_hour_is_marked_and_the_gap_is_shown(world, staff, resident_of):
    request = actions.check_submit_request(A(resident_of()), "楼下垃圾没人清理好几天", to_secretary=True)
    assert request.uncovered and request.secretary is None
    now = timezone.now()
    assert coverage_gaps(world.units["haiyu"], now, now + dt.timedelta(hours=24))


def test_a_request_location_must_be_a_grid_of_the_residents_community(world, staff, resident_of):
    with pytest.raises(Missing):
        actions.check_submit_request(
            A(resident_of()), "楼下垃圾没人清理好几天", grid_code=world.grids["gushu1"].code
        )


def test_a_request_becomes_a_case_or_is_answered_on_the_portal_and_then_rated(world, staff, resident_of):
    r = resident_of()
    request = actions.check_submit_request(A(r), "楼下垃圾没人清理好几天", use_my_room=True)
    if request.case_id_ref is None:
        actions.check_reply_request(staff["haiyu"], request.pk, "已安排保洁清理")
    else:
        _complete_case(world, request)
    rated = actions.check_rate_request(A(r), request.pk, 5, "很快")
    assert rated.rating == 5 and rated.status == "rated"


def _complete_case(world, request):
    from jiceng.community.tests.casework import finish_case

    finish_case(world, request.case_id_ref)


def test_outsider_resident_cannot_see_another_residents_request(world, staff, resident_of):
    request = actions.check_submit_request(A(resident_of()), "楼下垃圾没人清理好几天", use_my_room=True)
    with pytest.raises(Missing):
        actions.access_request(resident_of("gushu"), request.pk)
    with pytest.raises(Missing):
        actions.access_request(staff["gushu"], request.pk)
    assert not actions.my_requests(resident_of("gushu")).exists()
