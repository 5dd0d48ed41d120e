import datetime as dt

import pytest
from django.utils import timezone

from jiceng.org import roster
from jiceng.org.models import DutyShift, OrgEvent

pytestmark = pytest.mark.django_db


def shift_form(unit, user, day, start, end):
    return {
        "unit": unit.pk,
        "user": user.pk,
        "title": "值班员",
        "starts_at_0": day,
        "starts_at_1": start,
        "ends_at_0": day,
        "ends_at_1": end,
        "substitute": "",
        "handover_note": "",
    }


def test_a_shift_added_in_the_admin_goes_through_the_roster_action(world, client):
    admin, staff, unit = world.people["admin"], world.people["community_staff"], world.units["haiyu"]
    client.force_login(admin)
    response = client.post(
        "/admin/org/dutyshift/add/", shift_form(unit, staff, "2026-03-02", "08:00:00", "16:00:00")
    )
    assert response.status_code == 302
    shift = DutyShift.objects.get()
    assert OrgEvent.objects.get(object_id=shift.pk).actor == admin


def test_the_admin_refuses_an_overlapping_shift_with_a_chinese_message(world, client):
    admin, staff, unit = world.people["admin"], world.people["community_staff"], world.units["haiyu"]
    start = timezone.make_aware(dt.datetime(2026, 3, 2, 8, 0))
    roster.check_add_shift(admin, unit, staff, start, start + dt.timedelta(hours=8))
    client.force_login(admin)
    response = client.post(
        "/admin/org/dutyshift/add/", shift_form(unit, staff, "2026-03-02", "12:00:00", "20:00:00")
    )
    assert response.status_code == 200
    assert "与已有班次重叠" in response.content.decode()
    assert DutyShift.objects.count() == 1


@pytest.mark.parametrize(
    "path", ["unitkind", "unit", "user", "membership", "dutyshift", "accesslog", "orgevent"]
)
def test_every_org_admin_page_opens_in_chinese(world, client, path):
    client.force_login(world.people["admin"])
    response = client.get(f"/admin/org/{path}/")
    assert response.status_code == 200
    assert 'lang="zh-hans"' in response.content.decode()


def test_the_user_list_in_the_admin_masks_phones(world, client):
    resident = world.people["resident"]
    client.force_login(world.people["admin"])
    page = client.get("/admin/org/user/").content.decode()
    assert "138****8000" in page
    assert resident.phone not in page
