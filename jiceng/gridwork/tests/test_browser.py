"""The phone patrol in a real Chromium on a 390×844 screen: a finding reported in one tap, and a patrol
entered offline that reaches the server once, when the connection is back."""

from __future__ import annotations

import json
from typing import Any

import pytest

from jiceng.cases.models import Case, Channel
from jiceng.cases.tests.conftest import png
from jiceng.conftest import login
from jiceng.gridwork.models import BuildingCheck, Finding, Patrol, PatrolPoint
from jiceng.testing import PASSWORD, World

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def open_patrol(page: Any, live_server: Any) -> None:
    login(page, live_server, "gridworker", PASSWORD)
    page.goto(f"{live_server.url}/gridwork/patrol/")
    page.click("#start-patrol")
    # the browser was not given location: the page offers a manual point
    page.wait_for_selector("#manual-point:not(.hidden)")
    page.click("#add-manual-point")


def report_fire_exit(page: Any) -> None:
    page.click("details[data-code=XF] summary")
    item = page.locator(".item[data-code='XF-01']")
    item.locator("input[value=issue]").check()
    item.locator("textarea").fill("一楼消防通道堆满电动车")
    item.locator("input[type=file]").set_input_files(
        files=[{"name": "scene.png", "mimeType": "image/png", "buffer": png(40, 30)}]
    )
    item.locator(".report-finding").click()


def test_a_grid_worker_patrols_on_the_phone_and_a_finding_becomes_a_case(
    phone_page: Any, live_server: Any, live_world: World
) -> None:
    page = phone_page
    open_patrol(page, live_server)
    report_fire_exit(page)
    page.wait_for_selector(".reported-case:has-text('工单')")
    page.click("#finish-building")
    page.click("#stop-patrol")
    page.wait_for_function("document.getElementById('pending').textContent === '0'")
    case = Finding.objects.get().case
    assert case.channel == Channel.PATROL and case.event_type.code == "XF01"
    assert case.photos.count() == 1 and case.number in page.inner_text("#cases")
    assert Patrol.objects.get().stopped_at is not None
    assert PatrolPoint.objects.get().manual
    assert BuildingCheck.objects.get().items == {"XF-01": "issue"}


def test_a_patrol_entered_offline_is_kept_and_sent_once_when_back_online(
    phone_page: Any, live_server: Any, live_world: World
) -> None:
    page = phone_page
    open_patrol(page, live_server)
    page.wait_for_function("document.getElementById('pending').textContent === '0'")
    # when the connection drops in the middle of the patrol
    page.context.set_offline(True)
    report_fire_exit(page)
    page.click("#finish-building")
    page.wait_for_selector("#net.offline")
    queued = page.evaluate("localStorage.getItem('jiceng.patrol.queue')")
    assert len(json.loads(queued)) == 2 and not Finding.objects.exists()
    # then nothing reaches the server, and everything does once it is back
    page.context.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    page.wait_for_function("document.getElementById('pending').textContent === '0'", timeout=20000)
    assert Finding.objects.count() == 1 and BuildingCheck.objects.count() == 1
    # and a copy of the same entries sent again (an answer lost on the way) stores nothing twice
    again = page.evaluate(
        """(queued) => fetch('/api/v1/gridwork/patrol/sync/', {method: 'POST', credentials: 'same-origin',
             headers: {'Content-Type': 'application/json', 'X-CSRFToken': JicengQueue.csrfToken()},
             body: JSON.stringify({entries: JSON.parse(queued)})}).then((r) => r.json())""",
        queued,
    )
    assert [r["status"] for r in again["results"]] == ["duplicate", "duplicate"]
    assert Case.objects.filter(channel=Channel.PATROL).count() == 1
