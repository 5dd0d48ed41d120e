from typing import Any

import pytest
from rest_framework.test import APIClient

from jiceng.core.exceptions import NotFound
from jiceng.registry.actions import check_collect_person, check_end_occupancy, check_resolve_task
from jiceng.registry.exceptions import RegistryError, TaskClosed
from jiceng.registry.models import Occupancy, RegistryEvent, TaskStatus, VerificationTask
from jiceng.registry.tests.factories import resident_id
from jiceng.testing import World

pytestmark = pytest.mark.django_db


def test_the_grid_worker_sees_the_task_of_their_grid(world: World, task: VerificationTask) -> None:
    client = APIClient()
    client.force_authenticate(world.people["grid_worker"])
    assert [t["id"] for t in client.get("/api/v1/registry/tasks/").json()["results"]] == [task.pk]


def test_an_outsider_sees_no_task_of_another_grid(world: World, task: VerificationTask) -> None:
    client = APIClient()
    client.force_authenticate(world.people["outsider"])
    assert client.get("/api/v1/registry/tasks/").json()["results"] == []
    with pytest.raises(NotFound):
        check_resolve_task(world.people["outsider"], task.pk, TaskStatus.CONFIRMED)


def test_confirming_a_task_closes_it_with_an_audit_row(world: World, task: VerificationTask) -> None:
    check_resolve_task(world.people["grid_worker"], task.pk, TaskStatus.CONFIRMED, "已上门")
    task.refresh_from_db()
    assert task.status == TaskStatus.CONFIRMED and task.resolved_by == world.people["grid_worker"]
    assert RegistryEvent.objects.filter(verb="task_confirmed", subject_id=str(task.pk)).exists()


def test_a_correction_needs_a_note(world: World, task: VerificationTask) -> None:
    with pytest.raises(RegistryError):
        check_resolve_task(world.people["grid_worker"], task.pk, TaskStatus.CORRECTED, "")


def test_a_resolved_task_cannot_be_resolved_again(world: World, task: VerificationTask) -> None:
    check_resolve_task(world.people["grid_worker"], task.pk, TaskStatus.REJECTED)
    with pytest.raises(TaskClosed):
        check_resolve_task(world.people["grid_worker"], task.pk, TaskStatus.CONFIRMED)


def test_door_to_door_collection_registers_a_person_in_the_room(world: World) -> None:
    occupancy = check_collect_person(
        world.people["grid_worker"], world.rooms["haiyu1"].code, "李四", resident_id(), "13812345678"
    )
    assert occupancy.room == world.rooms["haiyu1"] and occupancy.person.phones == ["13812345678"]


def test_collection_refuses_an_invalid_id_number(world: World) -> None:
    with pytest.raises(RegistryError, match="身份证"):
        check_collect_person(
            world.people["grid_worker"], world.rooms["haiyu1"].code, "李四", "440306198001011234"
        )


def test_an_outsider_cannot_collect_in_another_grid(world: World) -> None:
    with pytest.raises(NotFound):
        check_collect_person(world.people["outsider"], world.rooms["haiyu1"].code, "李四")


def test_moving_out_ends_the_occupancy(world: World) -> None:
    occupancy = check_collect_person(world.people["grid_worker"], world.rooms["haiyu1"].code, "李四")
    check_end_occupancy(world.people["grid_worker"], occupancy.pk)
    assert Occupancy.objects.get().ended_on is not None


def test_resolving_through_the_api_returns_the_task(world: World, task: VerificationTask) -> None:
    client: Any = APIClient()
    client.force_authenticate(world.people["grid_worker"])
    response = client.post(
        f"/api/v1/registry/tasks/{task.pk}/resolve/", {"outcome": "confirmed"}, format="json"
    )
    assert response.status_code == 200 and response.json()["status"] == "confirmed"
