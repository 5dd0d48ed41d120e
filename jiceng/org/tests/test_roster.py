import datetime as dt

import pytest
from django.utils import timezone

from jiceng.org import roster
from jiceng.org.exceptions import RosterPermissionDenied, ShiftError, ShiftOverlap
from jiceng.org.models import DutyShift, OrgEvent, Role
from jiceng.testing import make_user

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 3, 2, 8, 0, tzinfo=dt.UTC)


def hours(n):
    return dt.timedelta(hours=n)


@pytest.fixture
def crew(world):
    unit = world.units["haiyu"]
    second = make_user("zhiban2", "刘值班", Role.COMMUNITY_STAFF, unit=unit)
    return unit, world.people["community_staff"], second


def test_on_duty_is_the_person_of_the_running_shift(world, crew):
    unit, first, second = crew
    roster.check_add_shift(first, unit, first, T0, T0 + hours(8))
    roster.check_add_shift(first, unit, second, T0 + hours(8), T0 + hours(16))
    assert roster.on_duty(unit, T0 + hours(1)) == first
    assert roster.on_duty(unit, T0 + hours(8)) == second  # a shift starts at its start, ends before its end
    assert roster.on_duty(unit, T0 + hours(16)) is None


def test_on_duty_is_the_substitute_when_one_is_set(world, crew):
    unit, first, second = crew
    shift = roster.check_add_shift(first, unit, first, T0, T0 + hours(8))
    roster.check_set_substitute(first, shift, second)
    assert roster.on_duty(unit, T0 + hours(2)) == second
    assert OrgEvent.objects.filter(verb=OrgEvent.Verb.SUBSTITUTE_SET, object_id=shift.pk).exists()


def test_coverage_gaps_lists_the_uncovered_stretches_in_order(world, crew):
    unit, first, second = crew
    roster.check_add_shift(first, unit, first, T0 + hours(2), T0 + hours(4))
    roster.check_add_shift(first, unit, second, T0 + hours(4), T0 + hours(6))
    roster.check_add_shift(first, unit, first, T0 + hours(9), T0 + hours(30))
    assert roster.coverage_gaps(unit, T0, T0 + hours(12)) == [
        (T0, T0 + hours(2)),
        (T0 + hours(6), T0 + hours(9)),
    ]


def test_a_fully_covered_period_has_no_gaps_and_an_empty_roster_is_one_gap(world, crew):
    unit, first, _second = crew
    assert roster.coverage_gaps(unit, T0, T0 + hours(5)) == [(T0, T0 + hours(5))]
    roster.check_add_shift(first, unit, first, T0 - hours(1), T0 + hours(6))
    assert roster.coverage_gaps(unit, T0, T0 + hours(5)) == []


def test_an_overlapping_shift_is_refused_in_chinese(world, crew):
    unit, first, second = crew
    roster.check_add_shift(first, unit, first, T0, T0 + hours(8))
    with pytest.raises(ShiftOverlap) as caught:
        roster.check_add_shift(first, unit, second, T0 + hours(7), T0 + hours(9))
    assert "重叠" in caught.value.message
    assert DutyShift.objects.count() == 1


def test_the_unlocked_action_also_refuses_an_overlap(world, crew):
    unit, first, second = crew
    roster.do_add_shift(first, unit, first, T0, T0 + hours(8))
    with pytest.raises(ShiftOverlap):
        roster.do_add_shift(first, unit, second, T0 + hours(1), T0 + hours(2))


def test_back_to_back_shifts_do_not_overlap(world, crew):
    unit, first, second = crew
    roster.check_add_shift(first, unit, first, T0, T0 + hours(8))
    roster.check_add_shift(first, unit, second, T0 + hours(8), T0 + hours(16))
    assert DutyShift.objects.count() == 2


def test_moving_a_shift_onto_another_is_refused(world, crew):
    unit, first, second = crew
    roster.check_add_shift(first, unit, first, T0, T0 + hours(8))
    later = roster.check_add_shift(first, unit, second, T0 + hours(8), T0 + hours(16))
    with pytest.raises(ShiftOverlap):
        roster.check_change_shift(first, later, starts_at=T0 + hours(4))


def test_a_shift_must_end_after_it_starts(world, crew):
    unit, first, _second = crew
    with pytest.raises(ShiftError, match="结束时间须晚于开始时间"):
        roster.check_add_shift(first, unit, first, T0, T0)


def test_only_the_units_own_staff_can_be_put_on_duty(world, crew):
    unit, first, _second = crew
    with pytest.raises(ShiftError, match="不是"):
        roster.check_add_shift(first, unit, world.people["outsider"], T0, T0 + hours(8))


def test_outsider_cannot_edit_another_units_roster(world, crew):
    unit, _first, _second = crew
    outsider = world.people["outsider"]
    with pytest.raises(RosterPermissionDenied):
        roster.check_add_shift(outsider, unit, world.people["community_staff"], T0, T0 + hours(8))


def test_every_roster_change_leaves_an_event(world, crew):
    unit, first, second = crew
    shift = roster.check_add_shift(first, unit, first, T0, T0 + hours(8), title="值班书记")
    roster.check_change_shift(first, shift, ends_at=T0 + hours(10))
    roster.check_remove_shift(first, shift)
    verbs = list(OrgEvent.objects.filter(unit=unit).order_by("id").values_list("verb", flat=True))
    assert verbs == ["shift_added", "shift_changed", "shift_removed"]
    assert not DutyShift.objects.exists()


def test_the_roster_api_lists_shifts_and_gaps(world, crew):
    from rest_framework.test import APIClient

    unit, first, _second = crew
    start = timezone.now().replace(microsecond=0)
    roster.check_add_shift(first, unit, first, start, start + hours(8))
    client = APIClient()
    client.force_authenticate(world.people["leader"])
    body = client.get(
        f"/api/v1/org/units/{unit.code}/roster/",
        {"start": start.isoformat(), "end": (start + hours(10)).isoformat()},
    ).json()
    assert body["on_duty"] == "赵社区"
    assert len(body["shifts"]) == 1
    assert len(body["gaps"]) == 1


def test_the_duty_page_shows_who_is_on_duty_now(world, crew, client):
    unit, first, _second = crew
    now = timezone.now()
    roster.check_add_shift(first, unit, first, now - hours(1), now + hours(7))
    client.force_login(first)
    page = client.get("/org/duty/").content.decode()
    assert "赵社区" in page and "未排班时段" in page
