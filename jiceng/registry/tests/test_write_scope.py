"""Writes check the scope of the person they name, not only of the room they are posted to."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

from jiceng.registry.actions import check_collect_person
from jiceng.registry.models import Occupancy, Person, TaskStatus, VerificationTask
from jiceng.registry.tests.factories import resident_id
from jiceng.testing import World

pytestmark = pytest.mark.django_db


def api(user: Any) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def gushu_resident(world: World) -> str:
    """A person living in 固戍 (西乡 street), collected by that grid's own worker."""
    idn = resident_id("19500101", "321")
    check_collect_person(
        world.people["outsider"], world.rooms["gushu1"].code, "陈固戍", idn, "13900000001", care_tags=[]
    )
    return idn


def test_a_grid_worker_cannot_add_a_person_of_another_street_to_a_room_of_their_grid(
    world: World, gushu_resident: str
) -> None:
    # when: the 海裕 grid worker names the 固戍 resident's ID number at a room of their own grid
    response = api(world.people["grid_worker"]).post(
        f"/api/v1/registry/rooms/{world.rooms['haiyu1'].code}/people/",
        {"name": "随便", "id_number": gushu_resident, "phone": "13111111111", "care_tags": ["残障"]},
        format="json",
    )
    # then: refused like a missing person, and nothing about the person changed
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "person_outside_scope"
    person = Person.objects.get(id_number=gushu_resident)
    assert person.phones == ["13900000001"] and person.care_tags == [] and person.other_names == []
    assert not Occupancy.objects.filter(person=person, room=world.rooms["haiyu1"]).exists()


def test_the_refused_add_grants_no_lookup_of_the_person_afterwards(world: World, gushu_resident: str) -> None:
    client = api(world.people["grid_worker"])
    client.post(
        f"/api/v1/registry/rooms/{world.rooms['haiyu1'].code}/people/",
        {"name": "随便", "id_number": gushu_resident},
        format="json",
    )
    response = client.get("/api/v1/registry/lookup", {"id_number": gushu_resident})
    assert response.status_code == 404


def test_the_refused_add_asks_the_persons_own_grid_to_verify_the_move(
    world: World, gushu_resident: str
) -> None:
    api(world.people["grid_worker"]).post(
        f"/api/v1/registry/rooms/{world.rooms['haiyu1'].code}/people/",
        {"name": "随便", "id_number": gushu_resident},
        format="json",
    )
    task = VerificationTask.objects.get(status=TaskStatus.OPEN)
    assert task.grid == world.grids["gushu1"]
    assert task.details["reported_room"] == world.rooms["haiyu1"].code
    # The collector does not see that task; the person's own grid worker does.
    tasks = api(world.people["grid_worker"]).get("/api/v1/registry/tasks/").json()["results"]
    assert tasks == []
    assert api(world.people["outsider"]).get("/api/v1/registry/tasks/").json()["results"][0]["id"] == task.pk


def test_a_grid_worker_still_updates_a_person_living_in_their_own_grid(world: World) -> None:
    idn = resident_id("19600101", "111")
    worker = world.people["grid_worker"]
    check_collect_person(worker, world.rooms["haiyu1"].code, "林海裕", idn, "13900000002")
    occupancy = check_collect_person(
        worker, world.rooms["haiyu1"].code, "林海裕", idn, "13900000003", care_tags=["高龄"]
    )
    assert occupancy.person.phones[0] == "13900000003" and occupancy.person.care_tags == ["高龄"]


def test_a_person_whose_home_ended_in_scope_cannot_be_re_added_over_a_current_home_elsewhere(
    world: World, gushu_resident: str
) -> None:
    """Living elsewhere now is what counts: an old, ended home in scope gives no right to rewrite."""
    from jiceng.registry.actions import check_end_occupancy

    person = Person.objects.get(id_number=gushu_resident)
    staff = world.people["admin"]
    # given: the person once lived in 海裕 (the admin registers and ends it), and lives in 固戍 now
    old = check_collect_person(staff, world.rooms["haiyu2"].code, "陈固戍", gushu_resident)
    check_end_occupancy(staff, old.pk)
    response = api(world.people["grid_worker"]).post(
        f"/api/v1/registry/rooms/{world.rooms['haiyu1'].code}/people/",
        {"name": "陈固戍", "id_number": gushu_resident, "phone": "13111111111"},
        format="json",
    )
    assert response.status_code == 404
    assert Person.objects.get(pk=person.pk).phones == ["13900000001"]


def test_the_collection_form_refuses_a_person_of_another_street_too(
    world: World, gushu_resident: str
) -> None:
    from django.test import Client

    client = Client()
    client.force_login(world.people["grid_worker"])
    response = client.post(
        f"/registry/p/{world.rooms['haiyu1'].code}/collect/",
        {"name": "随便", "id_number": gushu_resident, "phone": "13111111111"},
    )
    assert response.status_code in (302, 404)
    assert Person.objects.get(id_number=gushu_resident).phones == ["13900000001"]
    assert not Occupancy.objects.filter(room=world.rooms["haiyu1"]).exists()
