"""axe-core on the staff's case pages (desk, list, case page, inbox, supervision, evaluation) at a
desk's 1440×900 and a phone's 390×844: no serious or critical violation."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from jiceng.cases import actions
from jiceng.cases.tests import test_browser
from jiceng.conftest import login
from jiceng.testing import PASSWORD, World

town = test_browser.town  # the live-server world fixture

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = Path(__file__).resolve().parents[2] / "community" / "tests" / "fixtures" / "axe.min.js"


def serious(page: Any) -> list[dict[str, Any]]:
    page.add_script_tag(path=str(AXE))
    return page.evaluate(  # type: ignore[no-any-return]
        """async () => {
          const r = await axe.run(document, {resultTypes: ['violations']});
          return r.violations.filter(v => v.impact === 'serious' || v.impact === 'critical')
            .map(v => ({id: v.id, impact: v.impact, nodes: v.nodes.slice(0, 5).map(n => n.target.join(' '))}));
        }"""
    )


@pytest.mark.parametrize("size", [(1440, 900), (390, 844)], ids=["desk", "phone"])
def test_axe_finds_no_serious_violations_on_the_staff_case_pages(
    chromium: Any, live_server: Any, town: World, size: tuple[int, int]
) -> None:
    room = town.rooms["haiyu1"].code
    waiting = actions.check_submit_case(
        town.people["resident"],
        description="路口有人摆摊卖水果",
        location_code=room,
        type_code="SR05",
        auto_dispatch=False,
    )
    dispatched = actions.check_submit_case(
        town.people["resident"],
        description="小区门口垃圾堆放三天没人清运",
        location_code=room,
        type_code="SR01",
    )
    # axe is injected as a script tag: the page's CSP would refuse it, so this context bypasses it
    context = chromium.new_context(
        locale="zh-CN", viewport={"width": size[0], "height": size[1]}, bypass_csp=True
    )
    try:
        page = context.new_page()
        found: dict[str, Any] = {}
        for user, paths in (
            ("dispatcher", ["/cases/desk/", "/cases/", f"/cases/{waiting.pk}/", "/cases/evaluation/"]),
            ("handler", ["/cases/inbox/", f"/cases/{dispatched.pk}/", "/cases/mine/"]),
            ("supervisor", ["/cases/supervision/"]),
        ):
            context.clear_cookies()
            login(page, live_server, user, PASSWORD)
            for path in paths:
                page.goto(f"{live_server.url}{path}")
                page.wait_for_selector("main")
                found[f"{user} {path}"] = serious(page)
        assert {p: v for p, v in found.items() if v} == {}
    finally:
        context.close()
