"""Map-first reporting, 我也遇到, the public map and axe-core on the portal's pages, in a real headless
Chromium at phone size (390×844). No internet: Leaflet is vendored, the base layer is our own data and
axe-core is injected from tests/fixtures."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.test import TestCase

from jiceng.cases.models import Case, CaseSupporter
from jiceng.community import actions
from jiceng.conftest import login
from jiceng.testing import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
A = actions.Actor
AXE = Path(__file__).parent / "fixtures" / "axe.min.js"
LNG, LAT = 113.88, 22.55  # 海裕社区第1网格's building


@pytest.fixture
def phone(chromium: Any) -> Iterator[Callable[..., Any]]:
    """A phone-sized page; ``where`` grants the browser's geolocation at that point."""
    contexts: list[Any] = []

    def make(where: tuple[float, float] | None = None, **options: Any) -> Any:
        if where is not None:
            options.update(
                geolocation={"latitude": where[0], "longitude": where[1]}, permissions=["geolocation"]
            )
        context = chromium.new_context(
            locale="zh-CN", viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True, **options
        )
        contexts.append(context)
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.console_errors = errors
        return page

    yield make
    for context in contexts:
        context.close()


def _report(resident: Any, type_code: str = "SR01") -> Case:
    with TestCase.captureOnCommitCallbacks(execute=True):
        request = actions.check_submit_request(
            A(resident), "门口垃圾三天没人清运了", lat=LAT + 0.0002, lng=LNG, type_code=type_code, pinned=True
        )
    assert request.case_id_ref is not None
    return Case.objects.get(pk=request.case_id_ref)


def test_a_resident_reports_from_the_map_after_locate_me(world, resident_of, phone, live_server):
    # given a resident whose phone knows where it is
    resident = resident_of(room=False)
    page = phone(where=(LAT + 0.0001, LNG))
    login(page, live_server, resident.username, PASSWORD)
    page.goto(f"{live_server.url}/community/ask/")
    # when they locate themselves, confirm the place and the category, describe and submit
    page.click("#locate")
    page.wait_for_selector("#place[data-inside=yes]")
    assert world.buildings["haiyu1"].address in page.inner_text("#place")
    assert page.locator(".leaflet-marker-icon").count() == 1
    page.select_option("#id_type", "SZ04")
    page.fill("#id_text", "楼下路灯一到晚上就不亮，走路看不清")
    page.click("#submit-ask")
    page.wait_for_selector("text=办理进度")
    # then the case is at their building, of the type they chose
    case = Case.objects.get(reporter=resident)
    assert case.event_type.code == "SZ04"
    assert case.location_code == world.buildings["haiyu1"].code
    assert page.console_errors == []


def test_without_location_permission_the_resident_taps_the_map_instead(
    world, resident_of, phone, live_server
):
    resident = resident_of(room=False)
    page = phone()
    login(page, live_server, resident.username, PASSWORD)
    page.goto(f"{live_server.url}/community/ask/")
    page.wait_for_selector("#map .leaflet-interactive")  # the offline base layer is drawn
    page.click("#locate")
    page.wait_for_selector("#place:has-text('无法获取定位')")
    # the map opens on the community's grids: a tap in the middle lands in one of them
    page.click("#map", position={"x": 100, "y": 180})
    page.wait_for_selector("#place[data-inside=yes]")
    assert page.locator("#where-pin").is_checked()
    assert page.input_value("#id_lat") and page.input_value("#id_lng")
    assert page.console_errors == []


def test_a_refused_submit_in_the_browser_keeps_the_text_the_type_and_the_pin(
    world, resident_of, phone, live_server
):
    resident = resident_of(room=False)
    page = phone(where=(LAT, LNG))
    login(page, live_server, resident.username, PASSWORD)
    page.goto(f"{live_server.url}/community/ask/")
    page.click("#locate")
    page.wait_for_selector("#place[data-inside=yes]")
    page.select_option("#id_type", "SZ04")
    page.fill("#id_text", "短")  # the browser allows it once minlength is bypassed below
    page.eval_on_selector("#id_text", "t => t.removeAttribute('minlength')")
    page.click("#submit-ask")
    page.wait_for_selector("text=请把诉求写清楚")
    assert page.input_value("#id_text") == "短"
    assert page.input_value("#id_type") == "SZ04"
    page.wait_for_selector("#place[data-inside=yes]")  # the pin is back where it was
    assert page.locator(".leaflet-marker-icon").count() == 1
    assert not actions.my_requests(resident).exists()


def test_me_too_instead_of_a_duplicate(world, resident_of, phone, live_server):
    # given a neighbour's open report of rubbish at the building
    case = _report(resident_of(name="邻居"))
    resident = resident_of(name="李女士", room=False)
    page = phone(where=(LAT, LNG))
    login(page, live_server, resident.username, PASSWORD)
    page.goto(f"{live_server.url}/community/ask/")
    # when the second resident locates themselves and picks the same type
    page.click("#locate")
    page.wait_for_selector("#place[data-inside=yes]")
    page.select_option("#id_type", "SR01")
    page.wait_for_selector(f".near[data-number='{case.number}']")
    assert "邻居" not in page.inner_text("#nearby")
    page.click(f".near[data-number='{case.number}'] button:has-text('我也遇到')")
    # then they follow that case and file nothing new
    page.wait_for_selector("text=您已关注此问题")
    assert page.inner_text("#supporters") == "1"
    assert CaseSupporter.objects.filter(case=case, user=resident).exists()
    assert not Case.objects.filter(reporter=resident).exists()


def test_the_public_map_shows_issues_to_anyone(world, resident_of, phone, live_server):
    _report(resident_of())
    _report(resident_of(), type_code="SZ04")
    page = phone()
    page.goto(f"{live_server.url}/community/issues/?type=SZ04")
    page.wait_for_selector("#issues-map.loaded")
    assert page.get_attribute("#issues-map", "data-points") == "1"
    assert page.locator(".list .issue").count() == 1
    assert page.console_errors == []


def _serious(page: Any) -> list[dict[str, Any]]:
    page.add_script_tag(path=str(AXE))
    return page.evaluate(
        """async () => {
          const r = await axe.run(document, {resultTypes: ['violations']});
          return r.violations.filter(v => v.impact === 'serious' || v.impact === 'critical')
            .map(v => ({id: v.id, impact: v.impact, nodes: v.nodes.slice(0, 5).map(n => n.target.join(' '))}));
        }"""
    )


def test_axe_finds_no_serious_violations_on_the_portals_main_pages(world, resident_of, phone, live_server):
    resident = resident_of()
    case = _report(resident_of(name="邻居"))
    mine = actions.check_submit_request(A(resident), "楼道里的灯坏了好几天", use_my_room=True)
    # axe is injected as a script tag: the page's CSP would refuse it, so this context bypasses it
    page = phone(where=(LAT, LNG), bypass_csp=True)
    found: dict[str, Any] = {}
    for path, ready in (
        ("/community/issues/", "#issues-map.loaded"),
        (f"/community/issues/{case.number}/", "#issue-map .leaflet-interactive"),
    ):
        page.goto(f"{live_server.url}{path}")
        page.wait_for_selector(ready)
        found[path] = _serious(page)
    login(page, live_server, resident.username, PASSWORD)
    for path, ready in (
        ("/community/", "main"),
        ("/community/ask/", "#map .leaflet-interactive"),
        ("/community/requests/", "main"),
        (f"/community/requests/{mine.pk}/", "main"),
        ("/community/issues/", "#issues-map.loaded"),
    ):
        page.goto(f"{live_server.url}{path}")
        page.wait_for_selector(ready)
        if path == "/community/ask/":
            page.click("#locate")
            page.wait_for_selector("#place[data-inside=yes]")
        found[path] = _serious(page)
    assert {p: v for p, v in found.items() if v} == {}
