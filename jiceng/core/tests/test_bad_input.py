"""Bad input is a 4xx with a message, never a 500: the nine root causes an outside probe found."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from jiceng.cases import actions as case_actions
from jiceng.testing import World, client_for

pytestmark = pytest.mark.django_db


def assert_refused(response: Any, *statuses: int) -> None:
    allowed = statuses or (400,)
    assert response.status_code in allowed, (response.status_code, response.content[:300])


# 1. a non-digit grid filter
@pytest.mark.parametrize("grid", ["abc", "4403'06", "٤٤٠٣", "²"])
def test_a_non_digit_grid_filter_is_a_400(world: World, grid: str) -> None:
    assert_refused(client_for(world.people["dispatcher"]).get("/api/v1/cases/", {"grid": grid}))


# 2. Unicode digits in `within`
@pytest.mark.parametrize("within", ["٤٤٠٣٠٦", "²", "４４０３"])
@pytest.mark.parametrize("path", ["/api/v1/places/grids/", "/api/v1/places/buildings/", "/api/v1/org/units/"])
def test_unicode_digits_in_within_are_a_400(world: World, within: str, path: str) -> None:
    assert_refused(client_for(world.people["admin"]).get(path, {"within": within}))


# 3. out-of-range dates on cases, roster, stats, evaluation
@pytest.mark.parametrize(
    "path,params",
    [
        ("/api/v1/cases/", {"created_before": "9999-12-31"}),
        ("/api/v1/cases/", {"created_after": "0001-01-01T00:00:00"}),
        ("/api/v1/cases/", {"created_after": "2026-02-30"}),
        ("/api/v1/cases/", {"created_after": "2026-13-01T00:00:00"}),
        ("/api/v1/stats/kpis/", {"start": "0001-01-01", "end": "0001-01-02"}),
        ("/api/v1/stats/trend/", {"start": "9999-12-30", "end": "9999-12-31"}),
        ("/api/v1/stats/evaluation/", {"start": "0001-01-01", "end": "0001-01-02"}),
        ("/cases/evaluation/", {"start": "9999-12-31", "end": "9999-12-31"}),
        ("/api/v1/triage/hot/", {"since": "2026-02-30T00:00:00"}),
        ("/open311/v2/requests.json", {"start_date": "2026-02-30T00:00:00Z"}),
        ("/open311/v2/requests.json", {"start_date": "0001-01-01T00:00:00Z"}),
        ("/cases/evaluation/", {"start": "0001-01-01", "end": "0001-01-02"}),
        ("/command/evaluation/", {"start": "0001-01-01", "end": "0001-01-02"}),
    ],
)
def test_out_of_range_dates_are_refused(world: World, path: str, params: dict[str, str]) -> None:
    response = client_for(world.people["leader"]).get(path, params)
    assert response.status_code < 500, (path, params, response.status_code)


@pytest.mark.parametrize("start", ["9999-12-31T23:59:59", "0001-01-01T00:00:00", "2026-02-30T00:00:00"])
def test_out_of_range_roster_times_are_a_400(world: World, start: str) -> None:
    unit = world.units["haiyu"].code
    response = client_for(world.people["community_staff"]).get(
        f"/api/v1/org/units/{unit}/roster/", {"start": start}
    )
    assert_refused(response)


# 4. bad start / end / period / category / unit on the command pages
@pytest.mark.parametrize(
    "params",
    [
        {"period": "bogus"},
        {"start": "xx"},
        {"end": "2026-99-99"},
        {"start": "2026-05-01", "end": "2026-01-01"},
        {"category": "٣"},
        {"category": "99999999999999999999999"},
        {"unit": "99999999999999999999999"},
        {"unit": "²"},
        {"division": "x"},
    ],
)
@pytest.mark.parametrize(
    "path", ["/command/", "/command/screen/", "/command/evaluation/", "/api/v1/stats/kpis/"]
)
def test_bad_command_filters_are_a_4xx(world: World, path: str, params: dict[str, str]) -> None:
    response = client_for(world.people["leader"]).get(path, params)
    assert 400 <= response.status_code < 500 or response.status_code in (200, 302), response.status_code
    assert response.status_code != 500


# 5. a JSON body that is not an object
NOT_OBJECTS = ["[]", '"text"', "3", "null", "[{}]"]
JSON_ENDPOINTS = [
    "/api/v1/auth/token/",
    "/api/v1/cases/",
    "/api/v1/community/requests/",
    "/api/v1/registry/patrol/",
    "/api/v1/triage/suggest/",
    "/api/v1/triage/flags/",
    "/api/v1/triage/reply-quality/",
]


@pytest.mark.parametrize("body", NOT_OBJECTS)
@pytest.mark.parametrize("path", JSON_ENDPOINTS)
def test_a_json_body_that_is_not_an_object_is_a_400(world: World, path: str, body: str) -> None:
    response = client_for(world.people["grid_worker"]).post(path, body, content_type="application/json")
    assert_refused(response)
    assert response.json()["error"]["message"]


def test_a_json_body_that_is_not_an_object_is_a_400_on_room_people_and_case_actions(world: World) -> None:
    client = client_for(world.people["grid_worker"])
    room = world.rooms["haiyu1"].code
    assert_refused(
        client.post(f"/api/v1/registry/rooms/{room}/people/", "[]", content_type="application/json")
    )
    assert_refused(client.post("/api/v1/cases/1/accept/", "[]", content_type="application/json"))
    assert_refused(client.put("/api/v1/stats/weights/", "[]", content_type="application/json"), 400, 403)


# 6. deeply nested JSON
@pytest.mark.parametrize("path", JSON_ENDPOINTS)
def test_deeply_nested_json_is_a_400(world: World, path: str) -> None:
    body = '{"a": ' + "[" * 100_000 + "]" * 100_000 + "}"
    response = client_for(world.people["grid_worker"]).post(path, body, content_type="application/json")
    assert_refused(response)


def test_json_nested_beyond_the_limit_is_refused_even_when_it_parses(world: World) -> None:
    body = json.dumps({"username": "x", "password": "y", "extra": json.loads("[" * 40 + "]" * 40)})
    assert_refused(Client().post("/api/v1/auth/token/", body, content_type="application/json"))


# 7. supervise with negative days
@pytest.mark.parametrize("days", [-1, 0, -100000, 10**9])
def test_supervise_with_impossible_days_is_a_400(world: World, days: int) -> None:
    case = case_actions.check_submit_case(
        world.people["resident"],
        description="小区门口垃圾堆放三天没人清运",
        location_code=world.rooms["haiyu1"].code,
        type_code="SR01",
    )
    client = client_for(world.people["supervisor"])
    response = client.post(
        f"/api/v1/cases/{case.pk}/supervise/",
        {"reason": "请尽快", "days": days},
        content_type="application/json",
    )
    assert_refused(response)
    assert "督办期限" in response.json()["error"]["message"]
    page = client.post(f"/cases/{case.pk}/act/supervise/", {"reason": "请尽快", "days": str(days)})
    assert page.status_code < 500
    # and a sensible number of days is accepted
    ok = client.post(
        f"/api/v1/cases/{case.pk}/supervise/",
        {"reason": "请尽快", "days": 2},
        content_type="application/json",
    )
    assert ok.status_code == 200, ok.content[:300]


def test_an_unmatched_api_url_answers_json_404(world: World) -> None:
    response = client_for(world.people["admin"]).get("/api/v1/cases/%C2%84/accept/")
    assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"
