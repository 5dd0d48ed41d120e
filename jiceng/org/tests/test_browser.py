import pytest

from jiceng.conftest import login
from jiceng.testing import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_grid_worker_browses_to_a_room_and_an_outsiders_guess_gets_404(world, live_server, page):
    room = world.rooms["haiyu1"]
    # given the grid worker of 海裕社区第1网格, logged in
    login(page, live_server, "gridworker", PASSWORD)
    # when they open their territory from the home page and click down to a room
    page.click("text=我的辖区")
    page.click(f"text={world.grids['haiyu1'].name}")
    page.click(f"text={world.buildings['haiyu1'].address}")
    page.click(f"a.room[href='/places/room/{room.code}/']")
    # then the room page shows where it is
    assert page.locator("h1").inner_text().endswith("101")
    assert "海裕社区" in page.locator("main").inner_text()
    # and a room of another street, guessed by code, is "not found" like a code that does not exist
    response = page.goto(f"{live_server.url}/places/room/{world.rooms['gushu1'].code}/")
    assert response.status == 404
    assert page.locator("h1").inner_text() == "未找到"
    assert page.console_errors == []
