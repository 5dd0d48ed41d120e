import pytest
from rest_framework.test import APIClient

from jiceng.org.units import covering_units, nearest_unit

pytestmark = pytest.mark.django_db


def test_the_nearest_unit_of_a_kind_is_the_most_local_one(world):
    room = world.rooms["haiyu1"].code
    assert nearest_unit(room, "chengguan") == world.units["xinan_chengguan"]
    assert nearest_unit(world.rooms["gushu1"].code, "chengguan") == world.units["xixiang_chengguan"]
    assert nearest_unit(room, "zhujian") == world.units["district_zhujian"]
    assert nearest_unit(room, "fayuan") is None


def test_units_covering_a_room_include_every_level_above_it(world):
    codes = set(covering_units(world.rooms["haiyu1"].code).values_list("code", flat=True))
    assert {"haiyu-gzz", "xinan-jiedao", "xinan-chengguan", "qu-zhengfu"} <= codes
    assert "gushu-gzz" not in codes and "xixiang-jiedao" not in codes


def test_the_units_api_answers_which_unit_covers_a_place(world):
    client = APIClient()
    client.force_authenticate(world.people["grid_worker"])
    body = client.get(
        "/api/v1/org/units/", {"covering": world.rooms["haiyu1"].code, "kind": "chengguan"}
    ).json()
    assert [u["code"] for u in body["results"]] == ["qu-chengguan", "xinan-chengguan"]
    detail = client.get("/api/v1/org/units/xinan-chengguan/").json()
    assert detail["jurisdiction"] == ["440306001"]
    assert client.get("/api/v1/org/units/nope/").status_code == 404
