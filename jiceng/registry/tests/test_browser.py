import pytest

from jiceng.conftest import login
from jiceng.registry.tests.factories import resident_id
from jiceng.testing import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_grid_worker_collects_a_person_door_to_door_on_a_phone(world, live_server, phone_page):
    page = phone_page
    room = world.rooms["haiyu1"]
    # given the grid worker on a phone, logged in
    login(page, live_server, "gridworker", PASSWORD)
    # when they open their grids, the building's floor grid, and the room
    page.goto(f"{live_server.url}/registry/")
    page.click(f"text={world.grids['haiyu1'].name}")
    page.click(f"text={world.buildings['haiyu1'].address}")
    page.click(f"#floors a[href='/registry/p/{room.code}/']")
    # and register a resident they met at the door
    page.fill("#c-name", "陈静")
    page.fill("#c-id", resident_id("19380505", "246"))
    page.fill("#c-phone", "13812345678")
    page.check("input[value='独居老人']")
    page.click("#collect button[type=submit]")
    # then the room lists them with their care tag, and nothing overflows the phone's width
    occupants = page.locator("#occupants").inner_text()
    assert "陈静" in occupants and "独居老人" in occupants
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    # and a room outside their grids is "not found"
    response = page.goto(f"{live_server.url}/registry/p/{world.rooms['gushu1'].code}/")
    assert response.status == 404


def test_a_grid_worker_confirms_a_verification_task_on_a_phone(world, live_server, phone_page, tmp_path):
    from jiceng.registry.models import TaskStatus, VerificationTask
    from jiceng.registry.tests.factories import import_and_link, person_row

    idn = resident_id()
    import_and_link(
        tmp_path,
        [
            person_row("公安", "A1", "张伟", idn, "13800000001", "海裕社区1号楼101室"),
            person_row("住建", "B1", "欧阳娜", idn, "13900000002", "海裕社区1号楼101室"),
        ],
    )
    page = phone_page
    login(page, live_server, "gridworker", PASSWORD)
    page.goto(f"{live_server.url}/registry/tasks/")
    page.click("#tasks a.big")
    # the records to compare are shown in full to the grid worker
    assert idn in page.locator("main").inner_text()
    page.fill("#note", "上门核实：欧阳娜登记错误")
    page.click("button[value=confirmed]")
    page.wait_for_load_state("networkidle")
    assert VerificationTask.objects.get().status == TaskStatus.CONFIRMED
    assert "没有任务" in page.locator("#tasks").inner_text()
