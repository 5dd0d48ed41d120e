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


def test_a_users_page_in_the_admin_masks_id_number_and_phone_until_asked_and_logs_the_reveal(world, client):
    from jiceng.lib.identity import make_resident_id
    from jiceng.org.models import AccessLog

    resident = world.people["resident"]
    resident.id_number = make_resident_id("440306", dt.date(1990, 1, 1), 123)
    resident.save(update_fields=["id_number"])
    client.force_login(world.people["admin"])
    # when: the administrator opens the page
    page = client.get(f"/admin/org/user/{resident.pk}/change/").content.decode()
    # then: masked, and nothing logged
    assert resident.id_number not in page and resident.phone not in page and "138****8000" in page
    assert not AccessLog.objects.exists()
    # when: they ask for the full values
    page = client.get(f"/admin/org/user/{resident.pk}/change/?reveal=1").content.decode()
    assert resident.id_number in page and resident.phone in page
    log = AccessLog.objects.get()
    assert (log.user, log.subject_id, log.purpose) == (world.people["admin"], str(resident.pk), "admin")


def test_the_admin_still_saves_a_users_real_name_data_from_the_revealed_page(world, client):
    resident = world.people["resident"]
    client.force_login(world.people["admin"])
    url = f"/admin/org/user/{resident.pk}/change/?reveal=1"
    form = client.get(url).context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None and not isinstance(v, list | tuple)}
    data.update(
        {
            "username": resident.username,
            "display_name": "李居民",
            "phone": "13800138001",
            "id_number": "",
            "date_joined_0": "2026-01-01",
            "date_joined_1": "00:00:00",
            "memberships-TOTAL_FORMS": "0",
            "memberships-INITIAL_FORMS": "0",
        }
    )
    data.pop("last_login", None)
    data.pop("password", None)
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    resident.refresh_from_db()
    assert resident.phone == "13800138001"


def test_the_case_page_in_the_admin_masks_the_reporters_phone(world, client):
    from jiceng.cases.actions import check_submit_case

    case = check_submit_case(
        world.people["resident"],
        description="小区门口垃圾堆放三天没人清运",
        location_code=world.rooms["haiyu1"].code,
        type_code="SR01",
        reporter_name="李居民",
        reporter_phone="13800138000",
    )
    client.force_login(world.people["admin"])
    page = client.get(f"/admin/cases/case/{case.pk}/change/").content.decode()
    assert "13800138000" not in page and "138****8000" in page
