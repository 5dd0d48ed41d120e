"""Every page renders for its users; outsiders get "not found" for other communities' things."""

from __future__ import annotations

import pytest
from django.urls import reverse

from jiceng.community import actions
from jiceng.community.tests.factories import activity, credit, slot
from jiceng.testing import PASSWORD

pytestmark = pytest.mark.django_db
A = actions.Actor

RESIDENT_PAGES = [
    "home",
    "ask",
    "secretary",
    "requests",
    "resources",
    "guides",
    "venues",
    "bookings",
    "activities",
    "timebank",
    "notices",
    "learn",
    "projects",
]
STAFF_PAGES = [
    "staff",
    "staff_residents",
    "staff_requests",
    "staff_roster",
    "staff_venues",
    "staff_activities",
    "staff_timebank",
    "staff_notices",
    "staff_projects",
]


def _client(client, user):
    client.login(username=user.username, password=PASSWORD)
    return client


def test_every_resident_page_renders(world, staff, resident_of, client):
    r = resident_of()
    s = slot(staff["haiyu"], world.communities["haiyu"])
    actions.check_book_slot(A(r), s.pk)
    credit(staff["haiyu"], world.communities["haiyu"], r)
    c = _client(client, r)
    for name in RESIDENT_PAGES:
        assert c.get(reverse(f"community:{name}")).status_code == 200, name
    assert c.get(reverse("community:venue", args=[s.venue_id])).status_code == 200


def test_every_staff_page_renders(world, staff, resident_of, client):
    resident_of()
    activity(staff["haiyu"], world.communities["haiyu"])
    actions.check_open_round(staff["haiyu"], world.communities["haiyu"], "2025", "100000")
    c = _client(client, staff["haiyu"])
    for name in STAFF_PAGES:
        assert c.get(reverse(f"community:{name}")).status_code == 200, name


def test_sign_up_page_creates_a_pending_resident(world, client, django_capture_on_commit_callbacks):
    from jiceng.community.tests.conftest import sms_code

    phone = "13912340000"
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("community:signup"), {"op": "send", "phone": phone})
    response = client.post(
        reverse("community:signup"),
        {
            "op": "signup",
            "phone": phone,
            "code": sms_code(phone),
            "display_name": "王五",
            "password": PASSWORD,
            "community": world.communities["haiyu"].code,
        },
    )
    assert response.status_code == 302
    assert client.get(reverse("community:home")).status_code == 200


def test_outsider_resident_gets_not_found_for_another_communitys_request_and_venue(
    world, staff, resident_of, client
):
    request = actions.check_submit_request(A(resident_of()), "楼下垃圾没人清理好几天", use_my_room=True)
    s = slot(staff["haiyu"], world.communities["haiyu"])
    c = _client(client, resident_of("gushu"))
    assert c.get(reverse("community:request", args=[request.pk])).status_code == 404
    assert c.get(reverse("community:venue", args=[s.venue_id])).status_code == 404
    assert "楼下垃圾" not in c.get(reverse("community:requests")).content.decode()


def test_outsider_resident_sees_neither_bookings_nor_ledger_of_another_community(
    world, staff, resident_of, client
):
    r = resident_of()
    s = slot(staff["haiyu"], world.communities["haiyu"])
    booking = actions.check_book_slot(A(r), s.pk)
    credit(staff["haiyu"], world.communities["haiyu"], r)
    c = _client(client, resident_of("gushu"))
    assert booking.checkin_code not in c.get(reverse("community:bookings")).content.decode()
    page = c.get(reverse("community:timebank")).content.decode()
    assert "清洁家园" not in page
    response = c.post(reverse("community:cancel_booking", args=[booking.pk]))
    booking.refresh_from_db()
    assert response.status_code == 302 and booking.status == "confirmed"


def test_a_resident_cannot_open_staff_pages(world, resident_of, client):
    c = _client(client, resident_of())
    assert c.get(reverse("community:staff_residents")).status_code == 403
