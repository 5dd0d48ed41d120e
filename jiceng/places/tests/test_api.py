import pytest
from rest_framework.test import APIClient

from jiceng.testing import make_building, make_room

pytestmark = pytest.mark.django_db


def api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def codes(response):
    return {row["code"] for row in response.json()["results"]}


def test_a_grid_worker_lists_only_their_own_rooms(world):
    response = api(world.people["grid_worker"]).get("/api/v1/places/rooms/")
    assert response.status_code == 200
    assert codes(response) == {world.rooms["haiyu1"].code}


def test_outsider_gets_404_for_another_communitys_room_building_and_grid(world):
    client = api(world.people["outsider"])
    for kind, key in (("rooms", "rooms"), ("buildings", "buildings"), ("grids", "grids")):
        response = client.get(f"/api/v1/places/{kind}/{getattr(world, key)['haiyu1'].code}/")
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "not_found"


def test_a_forbidden_room_and_a_missing_room_answer_the_same(world):
    client = api(world.people["outsider"])
    real = world.rooms["haiyu1"].code
    missing = real[:-1] + "9"
    forbidden = client.get(f"/api/v1/places/rooms/{real}/")
    absent = client.get(f"/api/v1/places/rooms/{missing}/")
    assert forbidden.status_code == absent.status_code == 404
    assert forbidden.json()["error"]["message"].replace(real, "X") == absent.json()["error"][
        "message"
    ].replace(missing, "X")


def test_a_street_dispatcher_sees_their_street_only(world):
    response = api(world.people["dispatcher"]).get("/api/v1/places/grids/")
    assert {code[:9] for code in codes(response)} == {"440306001"}
    assert len(codes(response)) == 4


def test_a_district_unit_sees_every_grid(world):
    response = api(world.people["supervisor"]).get("/api/v1/places/grids/")
    assert len(codes(response)) == 6


def test_a_resident_is_refused_the_places_api(world):
    response = api(world.people["resident"]).get("/api/v1/places/rooms/")
    assert response.status_code == 403
    assert response.json()["error"]["message"] == "仅限工作人员使用。"


def test_anonymous_callers_must_authenticate(world):
    assert APIClient().get("/api/v1/places/grids/").status_code in (401, 403)


def test_rooms_filter_by_building_and_floor(world):
    building = world.buildings["haiyu1"]
    make_room(building, "000201", "201", 2)
    make_room(building, "000202", "202", 2)
    client = api(world.people["community_staff"])
    response = client.get("/api/v1/places/rooms/", {"building": building.code, "floor": 2})
    assert [row["room_no"] for row in response.json()["results"]] == ["201", "202"]


def test_an_invalid_filter_code_is_refused_in_chinese(world):
    response = api(world.people["supervisor"]).get("/api/v1/places/rooms/", {"within": "44a"})
    assert response.status_code == 400
    assert "数字" in response.json()["error"]["message"]


def test_room_lists_are_paginated_by_code_cursor(world):
    building = world.buildings["haiyu1"]
    for n in range(2, 6):
        make_room(building, f"0001{n:02d}", f"1{n:02d}", 1)
    client = api(world.people["community_staff"])
    first = client.get("/api/v1/places/rooms/", {"page_size": 3}).json()
    second = client.get(first["next"]).json()
    seen = [r["code"] for r in first["results"] + second["results"]]
    assert seen == sorted(seen)
    assert len(seen) == 6  # five rooms in haiyu1 and one in haiyu2
    assert second["next"] is None


def test_building_detail_counts_rooms_and_names_the_community(world):
    response = api(world.people["grid_worker"]).get(
        f"/api/v1/places/buildings/{world.buildings['haiyu1'].code}/"
    )
    body = response.json()
    assert body["room_count"] == 1
    assert body["community_name"] == "海裕社区"


def test_grid_detail_carries_its_boundary_as_geojson(world):
    response = api(world.people["grid_worker"]).get(f"/api/v1/places/grids/{world.grids['haiyu1'].code}/")
    assert response.json()["polygon"]["type"] == "Polygon"


def test_divisions_show_the_grid_workers_containers_but_no_siblings(world):
    response = api(world.people["grid_worker"]).get("/api/v1/places/divisions/")
    assert codes(response) == {"440306", "440306001", "440306001001"}
    assert api(world.people["grid_worker"]).get("/api/v1/places/divisions/440306001002/").status_code == 404


def test_locate_finds_the_grid_of_a_point_in_scope(world):
    grid = world.grids["haiyu1"]
    response = api(world.people["grid_worker"]).get(
        "/api/v1/places/locate/", {"lng": grid.center_lng, "lat": grid.center_lat}
    )
    assert response.status_code == 200
    assert response.json()["grid"]["code"] == grid.code


def test_locate_answers_404_for_a_point_in_another_grid_as_for_the_sea(world):
    grid = world.grids["gushu1"]
    client = api(world.people["grid_worker"])
    there = client.get("/api/v1/places/locate/", {"lng": grid.center_lng, "lat": grid.center_lat})
    sea = client.get("/api/v1/places/locate/", {"lng": 113.5, "lat": 22.0})
    assert there.status_code == sea.status_code == 404
    assert there.json() == sea.json()


def test_locate_refuses_a_point_that_is_not_a_number(world):
    response = api(world.people["grid_worker"]).get("/api/v1/places/locate/", {"lng": "东经", "lat": "22.5"})
    assert response.status_code == 400


def test_locate_converts_gcj02_points_from_phone_maps(world):
    from jiceng.lib.geo import wgs84_to_gcj02

    grid = world.grids["haiyu1"]
    lng, lat = wgs84_to_gcj02(grid.center_lng, grid.center_lat)
    response = api(world.people["grid_worker"]).get(
        "/api/v1/places/locate/", {"lng": lng, "lat": lat, "crs": "gcj02"}
    )
    assert response.json()["grid"]["code"] == grid.code


def test_the_room_list_costs_a_fixed_number_of_queries(world, django_assert_max_num_queries):
    building = world.buildings["haiyu1"]
    for n in range(2, 30):
        make_room(building, f"0001{n:02d}", f"1{n:02d}", 1)
    make_building(world.grids["haiyu1"], "00002", "海裕社区2号楼")
    client = api(world.people["community_staff"])
    with django_assert_max_num_queries(4):
        response = client.get("/api/v1/places/rooms/")
    assert len(response.json()["results"]) == 30


def test_the_building_list_costs_a_fixed_number_of_queries(world, django_assert_max_num_queries):
    for n in range(2, 20):
        make_building(world.grids["haiyu1"], f"{n:05d}", f"海裕社区{n}号楼")
    client = api(world.people["community_staff"])
    with django_assert_max_num_queries(4):
        response = client.get("/api/v1/places/buildings/")
    assert len(response.json()["results"]) == 20


def test_the_schema_documents_the_places_endpoints(world):
    response = api(world.people["admin"]).get("/api/schema/", HTTP_ACCEPT="application/json")
    paths = response.json()["paths"] if response["Content-Type"].startswith("application/json") else {}
    if not paths:
        import yaml

        paths = yaml.safe_load(response.content)["paths"]
    for path in ("/api/v1/places/rooms/", "/api/v1/places/rooms/{code}/", "/api/v1/places/locate/"):
        assert path in paths
