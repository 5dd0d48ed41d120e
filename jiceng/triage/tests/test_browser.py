"""The live-accuracy page in a real browser: the last days by category, within the viewer's scope."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.utils import timezone

from jiceng.cases import actions
from jiceng.cases.models import Case
from jiceng.conftest import login
from jiceng.testing import PASSWORD, World, build_world, restore_reference_data

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def town(transactional_db: Any, settings: Any, shipped_model: None) -> World:
    from jiceng.cases.tests.test_browser import serve_project_static

    serve_project_static(settings)
    restore_reference_data()
    return build_world()


def decided(town: World, room: str, type_code: str | None = None) -> Case:
    """A resident's message that triage types, dispatched by the street desk (its type changed to
    ``type_code`` when given)."""
    case = actions.check_submit_case(
        town.people["resident"],
        description="小区门口垃圾堆积很久没人清理",
        location_code=town.rooms[room].code,
        auto_dispatch=False,
    )
    return actions.check_dispatch(
        town.people["dispatcher"], case.pk, type_code=type_code, unit="xinan-chengguan"
    )


def test_community_staff_read_their_communitys_last_days_by_category(
    page: Any, live_server: Any, town: World
) -> None:
    # given two decided cases in 海裕社区 (one type changed by the desk), one 40 days old, and one in
    # 上川社区 of the same street
    decided(town, "haiyu1")
    changed = decided(town, "haiyu2", type_code="SZ04")
    with time_machine.travel(timezone.now() - timedelta(days=40)):
        decided(town, "haiyu1")
    decided(town, "shangchuan1")
    assert changed.event_type is not None

    # when 海裕社区's staff open the page
    login(page, live_server, "communitystaff", PASSWORD)
    page.goto(f"{live_server.url}/triage/live/")

    # then the last 30 days show their two cases, by the category of the final type
    total = page.locator("table.live-categories tfoot tr[data-category=all]")
    assert total.locator("td.n").inner_text() == "2"
    assert total.locator("td.top1").inner_text() == "50%"
    changed_row = page.locator(f"tr[data-category='{changed.event_type.category.code}']")
    assert changed_row.locator("td.top1").inner_text() == "0%"

    # and asking for 60 days brings in the older case, still not 上川社区's
    page.fill("input[name=days]", "60")
    page.click("form.toolbar button[type=submit]")
    page.wait_for_url("**/triage/live/?days=60**")
    assert total.locator("td.n").inner_text() == "3"
    assert page.console_errors == []


def test_a_resident_is_shown_not_found(page: Any, live_server: Any, town: World) -> None:
    login(page, live_server, "resident", PASSWORD)
    response = page.goto(f"{live_server.url}/triage/live/")
    assert response.status == 404
    assert page.locator("table.live-categories").count() == 0
