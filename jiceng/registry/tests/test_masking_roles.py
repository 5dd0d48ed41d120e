"""Leaders, supervisors and administrators see people masked — names, ID numbers, phones and homes —
on person lookups, task pages and the people directory; the roles that see values in full leave an
access-log row for every read."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from rest_framework.test import APIClient

from jiceng.org.models import AccessLog
from jiceng.registry.models import VerificationTask
from jiceng.testing import World

pytestmark = pytest.mark.django_db
ADDRESS = "广东省深圳市宝安区海裕社区1号楼"


def api(user: Any) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.mark.parametrize("who", ["leader", "supervisor", "admin"])
def test_a_person_lookup_masks_name_id_phone_and_home_for_overseeing_roles(
    world: World, resident: str, who: str
) -> None:
    response = api(world.people[who]).get("/api/v1/registry/lookup", {"id_number": resident})
    assert response.status_code == 200
    body = response.json()
    assert body["person"]["name"] == "张*" and resident not in str(body) and "13812345678" not in str(body)
    assert all(room["address"].endswith("****") for room in body["rooms"])
    assert not AccessLog.objects.exists()


def test_the_grid_worker_sees_the_home_in_full_and_the_read_is_logged(world: World, resident: str) -> None:
    body = api(world.people["grid_worker"]).get("/api/v1/registry/lookup", {"id_number": resident}).json()
    assert body["rooms"][0]["address"] == f"{world.rooms['haiyu1'].building.address}101"
    assert set(AccessLog.objects.values_list("fields", flat=True)) == {"id_number,name,phone", "address"}


def test_a_task_page_masks_the_records_addresses_and_names_for_a_leader(
    world: World, task: VerificationTask
) -> None:
    client = Client()
    client.force_login(world.people["leader"])
    page = client.get(f"/registry/tasks/{task.pk}/").content.decode()
    assert "海裕社区1号楼101室" not in page and "欧阳娜" not in page and "13800000001" not in page
    assert not AccessLog.objects.exists()


def test_a_task_page_logs_what_it_shows_the_grid_worker(world: World, task: VerificationTask) -> None:
    client = Client()
    client.force_login(world.people["grid_worker"])
    page = client.get(f"/registry/tasks/{task.pk}/").content.decode()
    assert "海裕社区1号楼101室" in page
    assert AccessLog.objects.filter(user=world.people["grid_worker"], fields__contains="address").count() == 2


@pytest.mark.parametrize("who", ["leader", "admin"])
def test_the_people_directory_masks_residents_names_and_phone_usernames(world: World, who: str) -> None:
    resident = world.people["resident"]
    resident.username = resident.phone  # an account from before generated usernames
    resident.save(update_fields=["username"])
    rows = api(world.people[who]).get("/api/v1/org/people/").json()["results"]
    row = next(r for r in rows if r["id"] == resident.pk)
    assert row["display_name"] == "李*民" and row["username"] == "138****8000"
    assert not AccessLog.objects.exists()


def test_community_residents_page_masks_names_and_phones_for_a_leader(world: World) -> None:
    from jiceng.community.tests.conftest import sign_up

    user = sign_up(world.communities["haiyu"].code, "王待审")
    client = Client()
    client.force_login(world.people["leader"])
    page = client.get(f"/community/staff/residents/?c={world.communities['haiyu'].code}").content.decode()
    assert "王待审" not in page and user.phone not in page and "王*审" in page
    assert not AccessLog.objects.exists()
