"""The portal's staff pages show residents' names masked to leaders and administrators, in full to the
community's own staff — and every name shown in full is in the access log."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from jiceng.community import actions
from jiceng.org.models import AccessLog

pytestmark = pytest.mark.django_db


def requests_page(world, who: str) -> str:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(world.people[who])
    return client.get(f"/community/staff/requests/?c={world.communities['haiyu'].code}").content.decode()


def test_a_leader_sees_the_requesting_residents_name_masked(world, resident_of) -> None:  # type: ignore[no-untyped-def]
    resident = resident_of("haiyu", name="欧阳小明")
    actions.check_submit_request(actions.Actor(resident), "楼道灯坏了很久了，晚上看不见", use_my_room=True)
    page = requests_page(world, "leader")
    assert "欧阳小明" not in page and "欧**明" in page


def test_community_staff_see_the_requesting_residents_name(world, resident_of) -> None:  # type: ignore[no-untyped-def]
    resident = resident_of("haiyu", name="欧阳小明")
    actions.check_submit_request(actions.Actor(resident), "楼道灯坏了很久了，晚上看不见", use_my_room=True)
    assert "欧阳小明" in requests_page(world, "community_staff")


def test_a_leader_reading_masked_names_leaves_no_access_log_row(world, resident_of) -> None:  # type: ignore[no-untyped-def]
    resident = resident_of("haiyu", name="欧阳小明")
    actions.check_submit_request(actions.Actor(resident), "楼道灯坏了很久了，晚上看不见", use_my_room=True)
    requests_page(world, "leader")
    assert not AccessLog.objects.filter(user=world.people["leader"]).exists()


def test_each_name_community_staff_read_in_full_is_logged_once_per_page(world, resident_of) -> None:  # type: ignore[no-untyped-def]
    # given one resident with two requests on the page
    resident = resident_of("haiyu", name="欧阳小明")
    actions.check_submit_request(actions.Actor(resident), "楼道灯坏了很久了，晚上看不见", use_my_room=True)
    actions.check_submit_request(actions.Actor(resident), "电梯异响，请尽快检修一下", use_my_room=True)
    staff = world.people["community_staff"]

    # when the community's staff open the requests page
    page = requests_page(world, "community_staff")

    # then the name shows in full and the read is logged for that resident, once
    assert page.count("欧阳小明") >= 2
    rows = list(AccessLog.objects.filter(user=staff, subject_type="user").values_list("subject_id", "fields"))
    assert rows == [(str(resident.pk), "name")]


def test_the_names_a_page_shows_are_logged_together_in_one_insert(world, resident_of) -> None:  # type: ignore[no-untyped-def]
    # given two residents with a request each
    for name in ("欧阳小明", "司马青青"):
        resident = resident_of("haiyu", name=name)
        actions.check_submit_request(
            actions.Actor(resident), "楼道灯坏了很久了，晚上看不见", use_my_room=True
        )

    # when the community's staff open the requests page
    with CaptureQueriesContext(connection) as queries:
        page = requests_page(world, "community_staff")

    # then both names are shown, both reads are logged, and by one statement
    assert "欧阳小明" in page and "司马青青" in page
    staff = world.people["community_staff"]
    assert AccessLog.objects.filter(user=staff, subject_type="user").count() == 2
    inserts = [
        q["sql"] for q in queries.captured_queries if q["sql"].startswith('INSERT INTO "org_accesslog"')
    ]
    assert len(inserts) == 1


def test_the_resident_profile_page_in_the_admin_shows_the_name_masked(world, resident_of, client) -> None:  # type: ignore[no-untyped-def]
    resident = resident_of("haiyu", name="欧阳小明")
    client.force_login(world.people["admin"])
    page = client.get(f"/admin/community/residentprofile/{resident.resident_profile.pk}/change/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "欧阳小明" not in text and "欧**明" in text
