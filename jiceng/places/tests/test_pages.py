import pytest

from jiceng.testing import make_building, make_room

pytestmark = pytest.mark.django_db


def main(response):
    """The page's own content, without the per-response CSRF token in the layout."""
    html = response.content.decode()
    return html[html.index("<main") : html.index("</main>")]


@pytest.fixture
def as_user(client):
    def login(user):
        client.force_login(user)
        return client

    return login


def test_a_grid_worker_browses_from_their_grid_to_a_room(world, as_user):
    client = as_user(world.people["grid_worker"])
    home = client.get("/places/")
    assert world.grids["haiyu1"].name in home.content.decode()
    grid = client.get(f"/places/grid/{world.grids['haiyu1'].code}/")
    assert world.buildings["haiyu1"].address in grid.content.decode()
    building = client.get(f"/places/building/{world.buildings['haiyu1'].code}/")
    assert f"/places/room/{world.rooms['haiyu1'].code}/" in building.content.decode()
    room = client.get(f"/places/room/{world.rooms['haiyu1'].code}/")
    assert room.status_code == 200
    assert "海裕社区" in room.content.decode()


@pytest.mark.parametrize("kind", ["room", "building", "grid"])
def test_outsider_gets_the_same_404_page_for_another_communitys_place(world, as_user, kind):
    client = as_user(world.people["outsider"])
    real = getattr(world, f"{kind}s")["haiyu1"].code
    missing = real[:-1] + "9"
    forbidden = client.get(f"/places/{kind}/{real}/")
    absent = client.get(f"/places/{kind}/{missing}/")
    assert forbidden.status_code == absent.status_code == 404
    assert main(forbidden).replace(real, "X") == main(absent).replace(missing, "X")


def test_a_street_dispatcher_sees_the_communities_of_their_street_only(world, as_user):
    client = as_user(world.people["dispatcher"])
    page = client.get("/places/division/440306001/").content.decode()
    assert "海裕社区" in page and "上川社区" in page
    assert "固戍社区" not in page
    assert client.get("/places/division/440306002/").status_code == 404


def test_a_district_leader_sees_every_street(world, as_user):
    page = as_user(world.people["supervisor"]).get("/places/division/440306/").content.decode()
    assert "新安街道" in page and "西乡街道" in page


def test_a_grid_worker_sees_only_their_grid_inside_their_community(world, as_user):
    page = as_user(world.people["grid_worker"]).get("/places/division/440306001001/").content.decode()
    assert world.grids["haiyu1"].name in page
    assert world.grids["haiyu2"].name not in page


def test_a_building_shows_its_rooms_floor_by_floor_from_the_top(world, as_user):
    building = world.buildings["haiyu1"]
    make_room(building, "000301", "301", 3)
    make_room(building, "000102", "102", 1)
    page = as_user(world.people["grid_worker"]).get(f"/places/building/{building.code}/").content.decode()
    assert page.index("6 层") < page.index(">301<") < page.index(">101<") < page.index(">102<")


def test_searching_a_room_code_goes_to_its_page(world, as_user):
    code = world.rooms["haiyu1"].code
    response = as_user(world.people["grid_worker"]).get("/places/search/", {"q": code})
    assert response.status_code == 302
    assert response["Location"] == f"/places/room/{code}/"


def test_searching_an_address_outside_the_scope_finds_nothing(world, as_user):
    response = as_user(world.people["outsider"]).get("/places/search/", {"q": "海裕社区"})
    assert response.status_code == 200
    assert world.buildings["haiyu1"].code not in response.content.decode()
    assert "没有找到" in response.content.decode()


def test_a_resident_is_told_they_have_no_territory(world, as_user):
    page = as_user(world.people["resident"]).get("/places/").content.decode()
    assert "没有管辖范围" in page


def test_pages_need_a_login(world, client):
    response = client.get(f"/places/room/{world.rooms['haiyu1'].code}/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_the_grid_page_costs_a_fixed_number_of_queries(world, as_user, django_assert_max_num_queries):
    grid = world.grids["haiyu1"]
    for n in range(2, 40):
        make_building(grid, f"{n:05d}", f"海裕社区{n}号楼")
    client = as_user(world.people["grid_worker"])
    with django_assert_max_num_queries(10):
        response = client.get(f"/places/grid/{grid.code}/")
    assert response.content.decode().count("/places/building/") == 39


def test_the_home_page_offers_the_territory_to_staff_only(world, as_user):
    assert "我的辖区" in as_user(world.people["grid_worker"]).get("/").content.decode()
    assert "我的辖区" not in as_user(world.people["resident"]).get("/").content.decode()
