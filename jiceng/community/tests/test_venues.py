from __future__ import annotations

import pytest

from jiceng.community import actions
from jiceng.community.exceptions import AlreadyDone, Missing
from jiceng.community.models import BookingStatus
from jiceng.community.tests.factories import slot

pytestmark = pytest.mark.django_db
A = actions.Actor


def test_a_full_slot_puts_the_next_resident_on_the_waiting_list(world, staff, resident_of):
    s = slot(staff["haiyu"], world.communities["haiyu"], capacity=1)
    first = actions.check_book_slot(A(resident_of()), s.pk)
    second = actions.check_book_slot(A(resident_of()), s.pk)
    assert (first.status, first.seat) == (BookingStatus.CONFIRMED, 1)
    assert (second.status, second.seat) == (BookingStatus.WAITLISTED, None)


def test_cancelling_promotes_the_first_on_the_waiting_list(world, staff, resident_of):
    s = slot(staff["haiyu"], world.communities["haiyu"], capacity=1)
    a, b, c = resident_of(), resident_of(), resident_of()
    first = actions.check_book_slot(A(a), s.pk)
    actions.check_book_slot(A(b), s.pk)
    actions.check_book_slot(A(c), s.pk)
    promoted = actions.check_cancel_booking(A(a), first.pk)
    assert promoted.resident == b and promoted.status == BookingStatus.CONFIRMED and promoted.seat == 1


def test_a_resident_cannot_book_the_same_slot_twice(world, staff, resident_of):
    s = slot(staff["haiyu"], world.communities["haiyu"], capacity=3)
    r = resident_of()
    actions.check_book_slot(A(r), s.pk)
    with pytest.raises(AlreadyDone):
        actions.check_book_slot(A(r), s.pk)


def test_staff_check_in_a_booking_by_its_code_once(world, staff, resident_of):
    s = slot(staff["haiyu"], world.communities["haiyu"], capacity=1)
    booking = actions.check_book_slot(A(resident_of()), s.pk)
    assert actions.check_checkin(staff["haiyu"], booking.checkin_code).status == BookingStatus.CHECKED_IN
    with pytest.raises(AlreadyDone):
        actions.check_checkin(staff["haiyu"], booking.checkin_code)


def test_outsider_resident_cannot_book_another_communitys_venue(world, staff, resident_of):
    s = slot(staff["haiyu"], world.communities["haiyu"])
    with pytest.raises(Missing):
        actions.check_book_slot(A(resident_of("gushu")), s.pk)


def test_outsider_resident_cannot_cancel_someone_elses_booking(world, staff, resident_of):
    s = slot(staff["haiyu"], world.communities["haiyu"])
    booking = actions.check_book_slot(A(resident_of()), s.pk)
    with pytest.raises(Missing):
        actions.check_cancel_booking(A(resident_of("gushu")), booking.pk)


def test_outsider_staff_cannot_check_in_another_communitys_booking(world, staff, resident_of):
    s = slot(staff["haiyu"], world.communities["haiyu"])
    booking = actions.check_book_slot(A(resident_of()), s.pk)
    with pytest.raises(Missing):
        actions.check_checkin(staff["gushu"], booking.checkin_code)
