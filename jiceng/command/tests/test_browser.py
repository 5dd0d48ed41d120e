"""The screen in a real Chromium at 1920×1080: every panel draws with data, the map drills down from
the district to a street, a community and a grid's cases, and a street leader sees only their street.

``JICENG_COMMAND_SCREENSHOT=path.png`` also saves the district screen there.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.utils import timezone

from jiceng.cases import actions
from jiceng.command import rollup
from jiceng.command.tests.helpers import handled, submit
from jiceng.conftest import login
from jiceng.registry.actions import check_collect_person
from jiceng.testing import PASSWORD, World

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHARTS = ["chart-gauges", "chart-trend", "chart-map", "chart-rank", "chart-care"]
PANELS = [
    "panel-kpis",
    "panel-trend",
    "panel-hot",
    "panel-map",
    "panel-feed",
    "panel-rank",
    "panel-care",
    # figure panels fed by other apps (command/figures.js)
    "party-figures",
    "mediation-figures",
]


@pytest.fixture
def screen_page(chromium: Any) -> Iterator[Any]:
    context = chromium.new_context(locale="zh-CN", viewport={"width": 1920, "height": 1080})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("response", lambda r: errors.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    page.console_errors = errors  # type: ignore[attr-defined]
    yield page
    context.close()


@pytest.fixture
def lively(cw: World) -> World:
    now = timezone.localtime().replace(minute=0, second=0, microsecond=0)
    for days, score in ((6, 5), (5, 4), (3, 2), (2, 5), (1, 3)):
        handled(cw, now - dt.timedelta(days=days, hours=3), score=score)
    for key in ("haiyu1", "haiyu2", "shangchuan1", "gushu1", "gushu2"):
        submit(cw, at=now - dt.timedelta(hours=2), location_code=cw.rooms[key].code)
    grid = cw.grids["haiyu1"]
    actions.check_submit_case(
        cw.people["grid_worker"],
        description="巡查发现垃圾堆放",
        type_code="SR01",
        channel="patrol",
        lat=grid.center_lat,
        lng=grid.center_lng,
        at=now - dt.timedelta(hours=1),
    )
    for name, tags in (("张大爷", ["独居老人"]), ("李奶奶", ["独居老人", "残障"])):
        check_collect_person(cw.people["grid_worker"], cw.rooms["haiyu1"].code, name, care_tags=tags)
    rollup.catch_up()
    rollup.refresh_care()
    return cw


def wait_ready(page: Any) -> None:
    page.wait_for_selector("body[data-ready='1']", timeout=20000, state="attached")
    for panel in PANELS:
        page.wait_for_selector(f"#{panel}[data-loaded='1']", timeout=10000)


def inked(page: Any, chart_id: str) -> int:
    """How many pixels of the chart's canvas are drawn (not transparent)."""
    return int(
        page.evaluate(
            """(id) => {
              const canvas = document.querySelector('#' + id + ' canvas');
              if (!canvas) return 0;
              const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
              let n = 0;
              for (let i = 3; i < data.length; i += 4) if (data[i] > 0) n++;
              return n;
            }""",
            chart_id,
        )
    )


def click_map_at(page: Any, lng: float, lat: float) -> None:
    # Off the grid's centre: the centre holds the grid worker's marker.
    lng, lat = lng + 0.002, lat + 0.002
    x, y = page.evaluate(
        """([lng, lat]) => {
          const chart = echarts.getInstanceByDom(document.getElementById('chart-map'));
          return chart.convertToPixel({geoIndex: 0}, [lng, lat]);
        }""",
        [lng, lat],
    )
    box = page.locator("#chart-map").bounding_box()
    page.mouse.click(box["x"] + x, box["y"] + y)


def map_names(page: Any) -> list[str]:
    return sorted(
        page.evaluate(
            "() => echarts.getInstanceByDom(document.getElementById('chart-map')).getOption().series[0].data.map(d => d.name)"
        )
    )


def test_the_three_levels_draw_every_panel_and_drill_down_to_a_grids_cases(
    live_server: Any, screen_page: Any, lively: World
) -> None:
    page = screen_page
    login(page, live_server, "admin", PASSWORD)
    page.console_errors.clear()  # the login page's own requests (its favicon) are not the screen's
    # the district
    page.goto(f"{live_server.url}/command/")
    wait_ready(page)
    for chart_id in CHARTS:
        assert inked(page, chart_id) > 2000, chart_id
    assert page.locator("#feed li").count() >= 5
    assert page.locator("#hot li").count() >= 1
    assert map_names(page) == ["新安街道", "西乡街道"]
    if os.environ.get("JICENG_COMMAND_SCREENSHOT"):
        page.screenshot(path=os.environ["JICENG_COMMAND_SCREENSHOT"])
    # → the street
    haiyu1 = lively.grids["haiyu1"]
    with page.expect_navigation():
        click_map_at(page, haiyu1.center_lng, haiyu1.center_lat)
    wait_ready(page)
    assert page.locator(".trail strong").inner_text() == "新安街道"
    assert map_names(page) == ["上川社区", "海裕社区"]
    # → the community
    with page.expect_navigation():
        click_map_at(page, haiyu1.center_lng, haiyu1.center_lat)
    wait_ready(page)
    assert page.locator(".trail strong").inner_text() == "海裕社区"
    for chart_id in CHARTS:
        assert inked(page, chart_id) > 2000, chart_id
    # → the grid's cases
    click_map_at(page, haiyu1.center_lng, haiyu1.center_lat)
    page.wait_for_selector("#grid-cases:not([hidden]) #grid-cases-list a")
    assert haiyu1.name in page.locator("#grid-cases-title").inner_text()
    assert page.console_errors == []


def test_a_street_leaders_screen_shows_only_their_street(
    live_server: Any, screen_page: Any, lively: World
) -> None:
    page = screen_page
    login(page, live_server, "leader", PASSWORD)
    page.console_errors.clear()
    page.goto(f"{live_server.url}/command/")
    wait_ready(page)
    assert page.locator(".trail strong").inner_text() == "新安街道"
    assert map_names(page) == ["上川社区", "海裕社区"]
    assert "固戍" not in page.locator("#feed").inner_text()
    assert page.console_errors == []


def test_the_screen_draws_its_own_labels_in_english_for_an_english_browser(
    live_server: Any, chromium: Any, lively: World
) -> None:
    context = chromium.new_context(locale="en-US", viewport={"width": 1920, "height": 1080})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        login(page, live_server, "leader", PASSWORD)
        page.goto(f"{live_server.url}/command/")
        wait_ready(page)
        kpis = page.locator("#kpis").inner_text()
        assert "Received" in kpis and "On-time completion" in kpis and "受理" not in kpis
        label = page.locator("#period-label").inner_text()
        assert label.split(" ")[0] in {"Today", "Last", "This"} and not re.search(r"[\u4e00-\u9fff]", label)
        rank = page.evaluate(
            "() => echarts.getInstanceByDom(document.getElementById('chart-rank')).getOption().series[0].name"
        )
        assert rank == "Overall score"
        assert errors == []
    finally:
        context.close()
