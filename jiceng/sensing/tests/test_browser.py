"""The device and alarm pages in a real Chromium, at desktop size and at phone size (390×844): the
community's staff find an SOS on the alarm desk, acknowledge it, clear it with a note, and open the
wearer's device page with its chart; another community's device is not there."""

from __future__ import annotations

from typing import Any

import pytest

from jiceng.conftest import login
from jiceng.sensing.ingest import ingest
from jiceng.sensing.models import Alarm, AlarmStatus
from jiceng.sensing.tests.conftest import Sensors
from jiceng.sensing.tests.test_ingest import event, reading
from jiceng.sensing.tests.test_mqtt import live  # noqa: F401 — the world on a transactional database
from jiceng.testing import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("size", ["page", "phone_page"])
def test_staff_acknowledge_and_clear_an_sos_on_the_alarm_desk(
    live: Sensors,  # noqa: F811
    live_server: Any,
    request: pytest.FixtureRequest,
    size: str,
) -> None:
    page = request.getfixturevalue(size)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    # given an SOS from the wearer's band, and readings from the community's breaker
    ingest([event("WR-001", "s1", 0, "sos")])
    ingest([reading("BRK-001", f"r{i}", i * 60, leakage_ma=3.0 + i) for i in range(5)])
    alarm = Alarm.objects.get(type="sos")
    staff = live.world.people["community_staff"]
    login(page, live_server, staff.username, PASSWORD)

    # the alarm desk lists it with its case
    page.goto(f"{live_server.url}/sensing/alarms/")
    row = page.locator("tr", has_text="陈阿婆手环").first
    assert row.is_visible()
    assert row.locator("a", has_text="查看工单").count() == 1
    # when it is acknowledged
    row.locator("button", has_text="确认").click()
    page.wait_for_load_state("networkidle")
    alarm.refresh_from_db()
    assert alarm.acknowledged and alarm.status == AlarmStatus.ACTIVE
    # and cleared with a note
    row = page.locator("tr", has_text="陈阿婆手环").first
    row.locator("input[name=note]").fill("已电话联系，老人误按")
    row.locator("button", has_text="解除").click()
    page.wait_for_load_state("networkidle")
    alarm.refresh_from_db()
    assert alarm.status == AlarmStatus.CLEARED and alarm.cleared_by == staff
    assert "老人误按" in alarm.clear_note

    # the breaker's device page charts its readings; the page fits the screen
    page.goto(f"{live_server.url}/sensing/BRK-001/")
    page.wait_for_selector("canvas")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    # another community's device is not found
    response = page.goto(f"{live_server.url}/sensing/BRK-GS-1/")
    assert response is not None and response.status == 404
    assert errors == []
