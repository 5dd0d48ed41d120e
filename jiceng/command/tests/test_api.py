"""The stats API: every panel answers, within the caller's scope only."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from jiceng.cases import actions
from jiceng.command import rollup
from jiceng.command.models import CommandEvent
from jiceng.command.tests.helpers import handled, submit
from jiceng.testing import World

PANELS = [
    "kpis",
    "trend",
    "map",
    "geo",
    "rankings",
    "feed",
    "hot-topics",
    "workers",
    "care",
    "safety-index",
    "evaluation",
]


def client_for(world: World, who: str) -> APIClient:
    client = APIClient()
    client.force_authenticate(world.people[who])
    return client


def recent(days_ago: int = 1, hour: int = 9) -> dt.datetime:
    return timezone.localtime().replace(hour=hour, minute=0, second=0, microsecond=0) - dt.timedelta(
        days=days_ago
    )


@pytest.fixture
def busy(cw: World) -> World:
    """Cases in both streets over the last days, rolled up."""
    handled(cw, recent(2), score=5)
    handled(cw, recent(1), score=2)
    submit(cw, at=recent(1, 10), location_code=cw.rooms["haiyu2"].code)
    submit(cw, at=recent(1, 11), location_code=cw.rooms["gushu1"].code)
    rollup.catch_up()
    return cw


def get(client: APIClient, panel: str, **params: Any) -> Any:
    return client.get(f"/api/v1/stats/{panel}/", params)


@pytest.mark.parametrize("panel", PANELS)
def test_every_panel_answers_the_district_leader(busy: World, panel: str) -> None:
    response = get(client_for(busy, "admin"), panel, division="440306")
    assert response.status_code == 200, response.content


@pytest.mark.parametrize("panel", ["feed", "map", "grid-cases"])
@pytest.mark.parametrize("param", ["division", "category", "unit", "grid"])
def test_a_nul_in_a_filter_is_a_400_naming_it(cw: World, panel: str, param: str) -> None:
    """PostgreSQL refuses a query comparing with a NUL; it was a server error there."""
    params = {"grid": "44030600100102", param: "4403\x0006"}
    response = get(client_for(cw, "admin"), panel, **params)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid_parameter" and param in error["message"] and "NUL" in error["message"]


def test_the_district_kpis_count_both_streets(busy: World) -> None:
    data = get(client_for(busy, "admin"), "kpis").json()
    assert data["period"]["received"] == 4
    assert data["now"]["open"] == 3  # two waiting, one reopened after a bad rating


def test_a_street_leaders_screen_opens_on_their_street(busy: World) -> None:
    data = get(client_for(busy, "leader"), "kpis").json()
    assert data["filters"]["division"] == "440306001"
    assert data["period"]["received"] == 3


def test_a_street_leader_asking_for_the_district_sees_only_their_street(busy: World) -> None:
    client = client_for(busy, "leader")
    assert get(client, "kpis", division="440306").json()["period"]["received"] == 3
    names = [i["name"] for i in get(client, "map", division="440306").json()["items"]]
    assert names == ["新安街道"]


def test_a_street_leader_cannot_open_another_street(busy: World) -> None:
    response = get(client_for(busy, "leader"), "kpis", division="440306002")
    assert response.status_code == 404


def test_the_outsider_has_no_screen(busy: World) -> None:
    response = get(client_for(busy, "outsider"), "kpis")
    assert response.status_code == 403


def test_the_map_of_a_community_colours_its_grids(busy: World) -> None:
    items = get(client_for(busy, "admin"), "map", division="440306001001").json()["items"]
    # the reopened case in grid 1, the waiting one in grid 2
    assert {i["code"]: i["value"] for i in items} == {"44030600100101": 1, "44030600100102": 1}


def test_the_map_geometry_has_one_feature_per_street(busy: World) -> None:
    features = get(client_for(busy, "admin"), "geo").json()["features"]
    assert sorted(f["properties"]["name"] for f in features) == ["新安街道", "西乡街道"]


def test_a_grid_shows_its_open_cases(busy: World) -> None:
    data = get(client_for(busy, "admin"), "grid-cases", grid="44030600100102").json()
    assert len(data["items"]) == 1


def test_a_grid_outside_the_scope_is_not_found(busy: World) -> None:
    response = get(client_for(busy, "leader"), "grid-cases", grid="44030600200101")
    assert response.status_code == 404


def test_the_feed_returns_only_items_after_since(busy: World) -> None:
    client = client_for(busy, "admin")
    first = get(client, "feed").json()
    assert len(first["items"]) == 4
    submit(busy, at=timezone.now())
    rollup.catch_up()
    later = get(client, "feed", since=first["last"]).json()
    assert len(later["items"]) == 1


def test_hot_topics_group_repeated_requests_in_one_community(busy: World) -> None:
    items = get(client_for(busy, "admin"), "hot-topics").json()["items"]
    assert items and items[0]["place"] == "海裕社区" and items[0]["count"] == 3


def test_the_category_filter_limits_the_figures(busy: World) -> None:
    client = client_for(busy, "admin")
    assert get(client, "kpis", category="NOPE").status_code == 400


def test_a_bad_period_is_refused(busy: World) -> None:
    assert get(client_for(busy, "admin"), "kpis", period="decade").status_code == 400


def test_the_evaluation_ranks_the_units(busy: World) -> None:
    items = get(client_for(busy, "admin"), "rankings").json()["items"]
    assert [i["rank"] for i in items] == list(range(1, len(items) + 1))
    scores = [i["score"] for i in items]
    assert scores == sorted(scores, reverse=True)
    assert {i["unit_code"]: i["received"] for i in items}["xinan-chengguan"] == 3


def test_a_district_admin_sets_the_index_weights_and_it_is_audited(busy: World) -> None:
    response = client_for(busy, "admin").put(
        "/api/v1/stats/weights/", {"weights": {"on_time": 50, "satisfaction": 0}}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["weights"]["on_time"] == 50
    assert CommandEvent.objects.filter(verb="set_index_weights").count() == 1


def test_a_street_leader_cannot_change_the_index_weights(busy: World) -> None:
    response = client_for(busy, "leader").put("/api/v1/stats/weights/", {"on_time": 50}, format="json")
    assert response.status_code == 403


def test_weights_must_be_numbers_within_range(busy: World) -> None:
    response = client_for(busy, "admin").put("/api/v1/stats/weights/", {"on_time": 500}, format="json")
    assert response.status_code == 400


def test_a_unit_that_received_no_case_in_the_period_is_listed_but_not_ranked(cw: World) -> None:
    # given a case received 20 days ago and finished, checked and rated today: in a 7-day period the
    # unit completed and was rated, but received nothing
    case = submit(cw, at=recent(20))
    actions.check_accept(cw.people["handler"], case.pk, at=recent(20, 12))
    actions.check_complete(
        cw.people["handler"], case.pk, note="已处理", checklist=case.event_type.closing_conditions
    )
    actions.check_verify(cw.people["dispatcher"], case.pk)
    actions.check_rate(cw.people["resident"], case.pk, score=5)
    rollup.catch_up()
    # when
    items = get(client_for(cw, "admin"), "rankings", period="7d").json()["items"]
    # then it is there, without a score or a rank
    row = {i["unit_code"]: i for i in items}["xinan-chengguan"]
    assert row["received"] == 0 and row["completed"] == 1
    assert row["score"] is None and row["rank"] is None
