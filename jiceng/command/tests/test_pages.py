"""The screen and evaluation pages, the .xlsx export and the care-group counts."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook

from jiceng.command import rollup
from jiceng.command.models import IndexWeight
from jiceng.command.tests.helpers import handled
from jiceng.registry.actions import check_collect_person
from jiceng.testing import World


def client_for(world: World, who: str) -> Client:
    client = Client()
    client.force_login(world.people[who])
    return client


@pytest.fixture
def busy(cw: World) -> World:
    handled(cw, timezone.localtime() - dt.timedelta(days=1), score=4)
    rollup.catch_up()
    return cw


def test_the_command_link_opens_the_leaders_own_street(busy: World) -> None:
    response = client_for(busy, "leader").get("/command/")
    assert response.status_code == 302 and response["Location"].endswith("division=440306001")


def test_the_screen_page_carries_its_division(busy: World) -> None:
    response = client_for(busy, "leader").get("/command/screen/", {"division": "440306001"})
    assert response.status_code == 200
    assert "新安街道 · 智慧指挥中心" in response.content.decode()


def test_the_outsider_gets_no_screen(busy: World) -> None:
    assert client_for(busy, "outsider").get("/command/screen/").status_code == 404


def test_a_street_leader_cannot_open_another_streets_screen(busy: World) -> None:
    assert client_for(busy, "leader").get("/command/screen/", {"division": "440306002"}).status_code == 404


def test_the_evaluation_page_lists_units_and_areas(busy: World) -> None:
    body = client_for(busy, "admin").get("/command/evaluation/").content.decode()
    assert "新安街道综合执法队" in body and "新安街道" in body and "平安建设考评指数" in body


def test_the_evaluation_exports_to_xlsx(busy: World) -> None:
    response = client_for(busy, "admin").get("/command/evaluation.xlsx", {"period": "30d"})
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet.cell(1, 2).value == "单位名称"
    assert "xinan-chengguan" in [sheet.cell(r, 1).value for r in range(2, sheet.max_row + 1)]


def test_weights_posted_on_the_evaluation_page_are_saved(busy: World) -> None:
    client_for(busy, "admin").post("/command/evaluation/", {"on_time": "40", "satisfaction": "20"})
    assert dict(IndexWeight.objects.values_list("component", "weight")) == {
        "on_time": 40.0,
        "satisfaction": 20.0,
    }


def test_care_groups_are_counted_per_building(cw: World) -> None:
    # given: two elderly residents living alone and one disabled resident in one building
    room = cw.rooms["haiyu1"].code
    worker = cw.people["grid_worker"]
    check_collect_person(worker, room, "张大爷", care_tags=["独居老人"])
    check_collect_person(worker, room, "李奶奶", care_tags=["独居老人", "残障"])
    check_collect_person(worker, room, "王先生")
    # when
    rollup.refresh_care()
    client = client_for(cw, "admin")
    data = client.get("/api/v1/stats/care/").json()
    # then
    assert data["buildings"][0]["code"] == cw.buildings["haiyu1"].code
    assert data["buildings"][0]["tags"] == {"独居老人": 2, "残障": 1}


def test_care_groups_outside_the_scope_stay_hidden(cw: World) -> None:
    check_collect_person(cw.people["outsider"], cw.rooms["gushu1"].code, "赵大爷", care_tags=["独居老人"])
    rollup.refresh_care()
    data = client_for(cw, "leader").get("/api/v1/stats/care/").json()
    assert data["buildings"] == []
