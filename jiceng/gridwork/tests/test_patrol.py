"""Patrols from the phone's queue: idempotent entries, findings that become cases, scope refusals,
the checklist as data, plans and coverage."""

from __future__ import annotations

import base64
import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone
from rest_framework.authtoken.models import Token

from jiceng.cases.models import Case, Channel
from jiceng.cases.tests.conftest import png
from jiceng.gridwork import actions, checklist, coverage
from jiceng.gridwork.models import BuildingCheck, ChecklistItem, Finding, Patrol, PatrolPlan, PatrolPoint
from jiceng.places.models import BuildingKind
from jiceng.testing import World, make_building


def api_for(world: World, who: str) -> Client:
    token, _c = Token.objects.get_or_create(user=world.people[who])
    return Client(HTTP_AUTHORIZATION=f"Token {token.key}")


def sync(client: Client, entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    response = client.post(
        "/api/v1/gridwork/patrol/sync/", {"entries": entries}, content_type="application/json"
    )
    assert response.status_code == 200, response.content
    return response.json()["results"]


def a_walk(world: World) -> list[dict[str, Any]]:
    building = world.buildings["haiyu1"].code
    return [
        {"kind": "start", "id": "p-1", "grid": world.grids["haiyu1"].code},
        {"kind": "point", "id": "pt-1", "patrol": "p-1", "lat": 22.55, "lng": 113.88},
        {"kind": "point", "id": "pt-2", "patrol": "p-1", "lat": 22.551, "lng": 113.881, "manual": True},
        {
            "kind": "check",
            "id": "c-1",
            "patrol": "p-1",
            "building": building,
            "items": {"XF-01": "issue", "SR-01": "ok"},
        },
        {
            "kind": "finding",
            "id": "f-1",
            "patrol": "p-1",
            "item": "XF-01",
            "building": building,
            "description": "一楼消防通道堆满电动车",
            "photos": ["data:image/png;base64," + base64.b64encode(png()).decode()],
        },
        {"kind": "stop", "id": "s-1", "patrol": "p-1"},
    ]


def test_the_shipped_checklist_has_13_categories_and_150_items_each_with_a_catalogue_type(gw: World) -> None:
    from jiceng.cases.models import EventType

    rows, plans = checklist.default_rows()
    assert len({r["category"] for r in rows}) == 13 and len(rows) == 150
    known = set(EventType.objects.values_list("code", flat=True))
    assert not checklist.validate(rows, known)
    assert ChecklistItem.objects.count() == 150
    assert plans["urban_village"] == 7 and plans["residential"] == 30


def test_an_imported_checklist_with_an_unknown_event_type_changes_nothing(gw: World, tmp_path: Path) -> None:
    path = tmp_path / "list.csv"
    path.write_text(
        "category,category_name,code,name,event_type,kinds\nXF,消防隐患,XF-01,消防通道是否畅通（新）,XF01,\n"
        "XF,消防隐患,XF-99,新检查项,ZZ99,\n",
        encoding="utf-8",
    )
    report = checklist.import_checklist(path)
    assert not report.ok and report.errors[0].column == "event_type"
    assert ChecklistItem.objects.get(code="XF-01").name == "消防通道是否畅通、无占用堵塞"
    path.write_text(
        "category,category_name,code,name,event_type,kinds\nXF,消防隐患,XF-99,新检查项,XF02,\n",
        encoding="utf-8",
    )
    assert checklist.import_checklist(path).created == 1


def test_a_patrol_queue_is_stored_once_and_the_finding_becomes_a_patrol_case(gw: World) -> None:
    client = api_for(gw, "grid_worker")
    results = sync(client, a_walk(gw))
    assert [r["status"] for r in results] == ["created"] * 6
    finding = Finding.objects.get(client_id="f-1")
    case = finding.case
    assert case.channel == Channel.PATROL and case.event_type.code == "XF01"
    assert case.location_code == gw.buildings["haiyu1"].code and case.photos.count() == 1
    assert results[4]["case"] == case.number
    # when the phone never saw the answer and sends the whole queue again
    again = sync(client, a_walk(gw))
    # then nothing is stored twice
    assert [r["status"] for r in again] == ["duplicate"] * 6
    assert (Patrol.objects.count(), PatrolPoint.objects.count(), BuildingCheck.objects.count()) == (1, 2, 1)
    assert Case.objects.filter(channel=Channel.PATROL).count() == 1
    assert Patrol.objects.get().stopped_at is not None


def test_an_entry_refused_for_its_content_does_not_stop_the_rest(gw: World) -> None:
    client = api_for(gw, "grid_worker")
    entries = a_walk(gw)[:2]
    entries.append({"kind": "point", "id": "pt-bad", "patrol": "p-1", "lat": 222, "lng": 113.88})
    entries.append(
        {
            "kind": "check",
            "id": "c-x",
            "patrol": "p-1",
            "building": gw.buildings["haiyu1"].code,
            "items": {"NOPE": "ok"},
        }
    )
    entries.append({"kind": "point", "id": "pt-3", "patrol": "p-1", "lat": 22.55, "lng": 113.88})
    statuses = [r["status"] for r in sync(client, entries)]
    assert statuses == ["created", "created", "error", "error", "created"]


def test_an_outsider_cannot_patrol_another_communitys_grid_or_add_to_someone_elses_patrol(gw: World) -> None:
    sync(api_for(gw, "grid_worker"), a_walk(gw)[:1])
    outsider = api_for(gw, "outsider")
    results = sync(
        outsider,
        [
            {"kind": "start", "id": "o-1", "grid": gw.grids["haiyu1"].code},
            {"kind": "point", "id": "o-2", "patrol": "p-1", "lat": 22.5, "lng": 113.8},
            {"kind": "start", "id": "p-1", "grid": gw.grids["gushu1"].code},
        ],
    )
    assert [r.get("code") for r in results] == ["not_found", "not_found", "client_id_taken"]
    assert Patrol.objects.count() == 1 and PatrolPoint.objects.count() == 0


def test_a_building_of_another_grid_cannot_be_checked_on_this_patrol(gw: World) -> None:
    results = sync(
        api_for(gw, "community_staff"),
        [
            {"kind": "start", "id": "p-9", "grid": gw.grids["haiyu1"].code},
            {
                "kind": "check",
                "id": "c-9",
                "patrol": "p-9",
                "building": gw.buildings["haiyu2"].code,
                "items": {},
            },
        ],
    )
    assert results[1]["code"] == "other_grid"


def test_a_resident_gets_404_from_every_patrol_endpoint(gw: World) -> None:
    resident = api_for(gw, "resident")
    assert (
        resident.post(
            "/api/v1/gridwork/patrol/sync/", {"entries": []}, content_type="application/json"
        ).status_code
        == 404
    )
    assert resident.get("/api/v1/gridwork/patrol-coverage/").status_code == 404
    assert resident.get("/api/v1/gridwork/patrol-checklist/").status_code == 404


def check_on(world: World, building: Any, day: dt.date, who: str = "grid_worker", n: int = 0) -> None:
    at = timezone.make_aware(dt.datetime.combine(day, dt.time(10, 0)))
    worker = world.people[who]
    patrol, _c = Patrol.objects.get_or_create(
        client_id=f"p-{who}-{day}", defaults={"worker": worker, "grid": building.grid, "started_at": at}
    )
    BuildingCheck.objects.create(
        client_id=f"c-{building.code}-{day}-{n}",
        patrol=patrol,
        building=building,
        worker=worker,
        at=at,
        day=day,
    )


def test_coverage_counts_visits_against_the_plan_and_lists_missed_buildings(gw: World) -> None:
    # given 海裕社区第1网格 with a residential building (monthly) and an urban-village one (weekly)
    grid = gw.grids["haiyu1"]
    home = gw.buildings["haiyu1"]
    village = make_building(grid, "00002", "海裕社区城中村1栋")
    village.kind = BuildingKind.URBAN_VILLAGE
    village.save()
    start, end = dt.date(2026, 3, 1), dt.date(2026, 3, 28)
    check_on(gw, home, dt.date(2026, 3, 3))
    check_on(gw, home, dt.date(2026, 3, 3), n=1)  # twice the same day counts once
    for day in (2, 9, 16):
        check_on(gw, village, dt.date(2026, 3, day))
    # when coverage is computed for the four weeks
    rows = coverage.by_grid((grid.code,), start, end)
    # then the residential one is covered (1 of 1), the village one is not (3 of 4)
    assert len(rows) == 1
    row = rows[0]
    assert (row.buildings, row.covered, row.visits_due, row.visits_made) == (2, 1, 5, 4)
    missed = coverage.missed((grid.code,), start, end)
    assert [m["code"] for m in missed] == [village.code] and missed[0]["made"] == 3
    # and a grid's own plan overrides the default
    PatrolPlan.objects.create(grid=grid, building_kind=BuildingKind.URBAN_VILLAGE, every_days=14)
    assert coverage.by_grid((grid.code,), start, end)[0].covered == 2
    workers = coverage.by_worker((grid.code,), start, end)
    assert workers[0]["checks"] == 5 and workers[0]["buildings"] == 2


def test_the_outsider_sees_no_coverage_of_other_communities(gw: World) -> None:
    check_on(gw, gw.buildings["haiyu1"], timezone.localdate())
    body = api_for(gw, "outsider").get("/api/v1/gridwork/patrol-coverage/").json()
    assert [g["grid_code"] for g in body["grids"]] == [gw.grids["gushu1"].code]
    assert body["workers"] == []
    assert (
        api_for(gw, "outsider")
        .get(f"/api/v1/gridwork/patrol-coverage/?grid={gw.grids['haiyu1'].code}")
        .status_code
        == 404
    )


def test_only_community_staff_change_a_grids_plan(gw: World) -> None:
    code = gw.grids["haiyu1"].code
    refused = api_for(gw, "grid_worker").post(
        f"/api/v1/gridwork/grids/{code}/patrol-plan/", {"building_kind": "residential", "every_days": 7}
    )
    assert refused.status_code == 403
    done = api_for(gw, "community_staff").post(
        f"/api/v1/gridwork/grids/{code}/patrol-plan/", {"building_kind": "residential", "every_days": 7}
    )
    plan = {p["building_kind"]: p for p in done.json()}
    assert plan["residential"]["every_days"] == 7 and plan["residential"]["source"] == "grid"


def test_visits_due_put_never_visited_buildings_first(gw: World) -> None:
    grid = gw.grids["haiyu1"]
    other = make_building(grid, "00002", "海裕社区2栋")
    check_on(gw, gw.buildings["haiyu1"], timezone.localdate())
    due = coverage.visits_due(grid)
    assert due[0]["code"] == other.code and due[0]["due"] and not due[1]["due"]


def test_a_timestamp_from_the_future_is_refused(gw: World) -> None:
    later = (timezone.now() + dt.timedelta(days=1)).isoformat()
    results = sync(
        api_for(gw, "grid_worker"),
        [{"kind": "start", "id": "p-f", "grid": gw.grids["haiyu1"].code, "at": later}],
    )
    assert results[0]["code"] == "bad_time"


def test_the_patrol_and_coverage_pages_render_for_the_grid_worker(gw: World) -> None:
    from jiceng.testing import PASSWORD

    client = Client()
    client.login(username="gridworker", password=PASSWORD)
    assert "patrol-data" in client.get("/gridwork/patrol/").content.decode()
    assert client.get("/gridwork/coverage/").status_code == 200
    assert client.get(f"/gridwork/grids/{gw.grids['gushu1'].code}/plan/").status_code == 404
    assert actions.plan_for(gw.grids["haiyu1"])[0]["every_days"] == 30


def test_the_command_centre_figure_sums_a_divisions_coverage_within_the_scope(gw: World) -> None:
    check_on(gw, gw.buildings["haiyu1"], timezone.localdate())
    body = (
        api_for(gw, "supervisor").get("/api/v1/gridwork/patrol-coverage/summary/?division=440306001").json()
    )
    assert (body["buildings"], body["covered"]) == (4, 1)
    mine = (
        api_for(gw, "grid_worker").get("/api/v1/gridwork/patrol-coverage/summary/?division=440306001").json()
    )
    assert (mine["buildings"], mine["covered"]) == (1, 1)
    assert (
        api_for(gw, "outsider")
        .get("/api/v1/gridwork/patrol-coverage/summary/?division=440306001001")
        .status_code
        == 404
    )
    cache.clear()  # the screen's figure is cached per viewer and division; earlier tests filled it
    client = Client()
    client.force_login(gw.people["supervisor"])
    response = client.get("/command/screen/?division=440306")
    screen = response.content.decode()
    assert response.status_code == 200, screen[:500]
    assert "patrol-coverage" in screen and "16.7%（1 / 6）" in screen


@pytest.mark.parametrize(
    "path", ["/api/v1/gridwork/patrol-coverage/summary/", "/api/v1/gridwork/patrol-coverage/"]
)
def test_a_nul_in_a_coverage_parameter_is_a_400(gw: World, path: str) -> None:
    """PostgreSQL refuses a query comparing with a NUL; ``?division=\\x00`` was a server error there."""
    response = api_for(gw, "supervisor").get(path, {"division": "440306\x00001"})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_parameter"
    assert "division" in response.json()["error"]["message"]
