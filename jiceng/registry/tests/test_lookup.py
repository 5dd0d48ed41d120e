from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from rest_framework.test import APIClient

from jiceng.org.models import AccessLog
from jiceng.registry import hooks
from jiceng.testing import World

pytestmark = pytest.mark.django_db
URL = "/api/v1/registry/lookup"


def api(user: Any) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_a_grid_worker_sees_the_occupants_of_a_room_in_full_and_the_read_is_logged(
    world: World, resident: str
) -> None:
    response = api(world.people["grid_worker"]).get(URL, {"code": world.rooms["haiyu1"].code})
    assert response.status_code == 200
    occupant = response.json()["occupants"][0]
    assert occupant["id_number"] == resident and occupant["care_tags"] == ["独居老人"]
    assert AccessLog.objects.filter(user=world.people["grid_worker"], subject_type="person").count() == 1


def test_a_leader_sees_masked_values_and_no_read_is_logged(world: World, resident: str) -> None:
    response = api(world.people["leader"]).get(URL, {"code": world.rooms["haiyu1"].code})
    occupant = response.json()["occupants"][0]
    assert occupant["id_number"] != resident and "*" in occupant["id_number"] and occupant["name"] == "张*"
    assert not AccessLog.objects.exists()


def test_an_outsider_gets_not_found_for_a_room_outside_their_grids(world: World, resident: str) -> None:
    response = api(world.people["outsider"]).get(URL, {"code": world.rooms["haiyu1"].code})
    assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"


def test_an_outsider_cannot_find_a_person_by_id_number_outside_their_scope(
    world: World, resident: str
) -> None:
    assert api(world.people["outsider"]).get(URL, {"id_number": resident}).status_code == 404


def test_a_resident_account_finds_nothing(world: World, resident: str) -> None:
    assert api(world.people["resident"]).get(URL, {"code": world.rooms["haiyu1"].code}).status_code == 404


def test_lookup_by_id_number_lists_the_persons_rooms(world: World, resident: str) -> None:
    body = api(world.people["community_staff"]).get(URL, {"id_number": resident}).json()
    assert [r["code"] for r in body["rooms"]] == [world.rooms["haiyu1"].code]


def test_a_grid_lookup_counts_each_buildings_rooms_and_current_occupants(world: World, resident: str) -> None:
    body = api(world.people["grid_worker"]).get(URL, {"code": world.grids["haiyu1"].code}).json()
    haiyu1 = world.buildings["haiyu1"]
    row = next(b for b in body["buildings"] if b["code"] == haiyu1.code)
    assert (row["rooms_count"], row["occupants"]) == (haiyu1.rooms.count(), 1)
    assert body["buildings_total"] == len(body["buildings"])


def test_a_building_lookup_lays_rooms_out_floor_by_floor(world: World, resident: str) -> None:
    body = api(world.people["grid_worker"]).get(URL, {"code": world.buildings["haiyu1"].code}).json()
    assert body["floors"][0]["rooms"][0] == {
        "code": world.rooms["haiyu1"].code,
        "room_no": "101",
        "occupants": 1,
        "entities": 0,
        "care_tags": ["独居老人"],
    }


def test_a_malformed_code_is_a_clear_error(world: World) -> None:
    response = api(world.people["grid_worker"]).get(URL, {"code": "123"})
    assert response.status_code == 400 and "编码" in response.json()["error"]["message"]


class FakeCases:
    def __init__(self) -> None:
        self.reported: list[tuple[str, str]] = []

    def open_cases(self, codes: list[str]) -> list[dict[str, Any]]:
        return [{"number": "C-1", "title": "楼道堆物", "status": "处理中", "url": ""}] if codes else []

    def report(self, user: Any, code: str, text: str) -> dict[str, Any]:
        self.reported.append((code, text))
        return {"number": "C-2", "title": text, "status": "已受理", "url": ""}


@pytest.fixture
def cases() -> Any:
    # Stand in for whatever providers the installed apps registered (the cases app's real one).
    saved = hooks._case_providers[:]
    hooks._case_providers[:] = []
    provider = FakeCases()
    hooks.register_case_provider(provider)
    yield provider
    hooks._case_providers[:] = saved


@pytest.fixture
def no_cases() -> Any:
    saved = hooks._case_providers[:]
    hooks._case_providers[:] = []
    yield
    hooks._case_providers[:] = saved


def test_open_cases_come_from_the_registered_provider(world: World, cases: FakeCases) -> None:
    body = api(world.people["grid_worker"]).get(URL, {"code": world.rooms["haiyu1"].code}).json()
    assert body["open_cases"][0]["number"] == "C-1"


def test_a_patrol_report_goes_to_the_case_provider(world: World, cases: FakeCases) -> None:
    response = api(world.people["grid_worker"]).post(
        "/api/v1/registry/patrol/",
        {"code": world.rooms["haiyu1"].code, "text": "楼道堆放杂物"},
        format="json",
    )
    assert response.status_code == 201 and cases.reported == [(world.rooms["haiyu1"].code, "楼道堆放杂物")]


def test_a_patrol_report_without_a_case_provider_is_refused_clearly(world: World, no_cases: None) -> None:
    response = api(world.people["grid_worker"]).post(
        "/api/v1/registry/patrol/",
        {"code": world.rooms["haiyu1"].code, "text": "楼道堆放杂物"},
        format="json",
    )
    assert response.status_code == 503


def test_an_outsider_cannot_report_at_a_place_outside_their_grids(world: World, cases: FakeCases) -> None:
    response = api(world.people["outsider"]).post(
        "/api/v1/registry/patrol/", {"code": world.rooms["haiyu1"].code, "text": "x"}, format="json"
    )
    assert response.status_code == 404 and cases.reported == []


def test_the_building_page_shows_the_floor_grid(world: World, resident: str, tmp_path: Path) -> None:
    client = Client()
    client.force_login(world.people["grid_worker"])
    page = client.get(f"/registry/p/{world.buildings['haiyu1'].code}/").content.decode()
    assert 'id="floors"' in page and "101" in page


def test_the_outsider_gets_a_not_found_page_for_another_grids_room(world: World) -> None:
    client = Client()
    client.force_login(world.people["outsider"])
    assert client.get(f"/registry/p/{world.rooms['haiyu1'].code}/").status_code == 404
