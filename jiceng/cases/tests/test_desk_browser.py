"""The desk worth working at, in a real Chromium: the type picker by keyboard and the bulk bar with
saved filters on a 1440×900 desk, and the staff lists as cards on a 390×844 phone."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from jiceng.cases import actions, assignment
from jiceng.cases.models import Case, SavedFilter, Status
from jiceng.cases.tests import test_browser
from jiceng.cases.tests.test_browser import expect_message
from jiceng.conftest import login
from jiceng.testing import PASSWORD, World

town = test_browser.town  # the live-server world fixture

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def desk_page(page: Any) -> Any:
    """The shared page fixture (console errors collected) on a 1440×900 desk screen."""
    page.set_viewport_size({"width": 1440, "height": 900})
    return page


def waiting(world: World, text: str, room: str = "haiyu1") -> Case:
    return actions.check_submit_case(
        world.people["resident"],
        description=text,
        location_code=world.rooms[room].code,
        type_code="SR01",
        auto_dispatch=False,
    )


def test_a_dispatcher_finds_a_type_by_keyword_with_the_keyboard_and_dispatches(
    desk_page: Any,
    live_server: Any,
    town: World,
) -> None:
    page = desk_page
    case = waiting(town, "路口有人摆摊卖水果")
    login(page, live_server, "dispatcher", PASSWORD)
    page.goto(f"{live_server.url}/cases/desk/")
    box = page.wait_for_selector(f"#panel-{case.pk} input.type-filter")
    # the proposals come first, before any typing
    assert page.input_value(f"#panel-{case.pk} select[data-type-picker]") == ""
    assert "研判建议" in page.inner_html(f"#panel-{case.pk} select[data-type-picker]")
    box.type("流动摊贩")  # a keyword only: the name is 占道经营
    box.press("ArrowDown")
    box.press("Enter")  # chooses, does not submit
    assert page.input_value(f"#panel-{case.pk} select[data-type-picker]") == "SR05"
    assert "匹配" in page.inner_text(f"#panel-{case.pk} .type-count")
    page.select_option(
        f"#panel-{case.pk} form.stack select[name=unit]", str(town.units["xinan_chengguan"].pk)
    )
    page.click(f"#panel-{case.pk} form.stack button[type=submit] >> nth=0")
    expect_message(page, "分拨完成")
    case.refresh_from_db()
    assert case.status == Status.DISPATCHED and case.event_type is not None
    assert case.event_type.code == "SR05"
    assert page.console_errors == []  # type: ignore[attr-defined]


def test_a_dispatcher_saves_a_filter_and_dispatches_the_queue_in_bulk(
    desk_page: Any,
    live_server: Any,
    town: World,
) -> None:
    page = desk_page
    first, second = waiting(town, "甲处垃圾堆放"), waiting(town, "乙处垃圾堆放")
    login(page, live_server, "dispatcher", PASSWORD)
    page.goto(f"{live_server.url}/cases/?status=pending_dispatch")
    page.fill(".save-filter input[name=name]", "待分拨")
    page.click(".save-filter button")
    expect_message(page, "已保存常用筛选")
    page.wait_for_selector(".chip[data-filter='待分拨'] a.current")
    page.check("input[data-check-all]")
    page.select_option(".bulk-bar select[name=action]", "dispatch")
    page.select_option(".bulk-bar select[name=unit]", str(town.units["xinan_chengguan"].pk))
    page.click(".bulk-bar button[type=submit]")
    expect_message(page, "2 件完成")
    for case in (first, second):
        case.refresh_from_db()
        assert case.status == Status.DISPATCHED
    # the chip takes the dispatcher back to the (now empty) queue, and can be deleted
    page.click(".chip[data-filter='待分拨'] a")
    page.wait_for_selector("td.muted:has-text('没有符合条件的工单')")
    page.click(".chip[data-filter='待分拨'] button.chip-delete")
    expect_message(page, "已删除常用筛选")
    assert not SavedFilter.objects.exists()
    assert page.console_errors == []  # type: ignore[attr-defined]


def no_sideways_scroll(page: Any) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


@pytest.mark.parametrize(
    ("who", "path", "row"),
    [
        ("dispatcher", "/cases/", "table.case-list tbody tr"),
        ("handler", "/cases/mine/", "table.mine tbody tr"),
        ("supervisor", "/cases/supervision/?list=overdue", "table.supervision tbody tr"),
    ],
)
def test_the_staff_lists_are_cards_on_a_phone(
    phone_page: Any,
    live_server: Any,
    town: World,
    who: str,
    path: str,
    row: str,
) -> None:
    page = phone_page
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    case = actions.check_submit_case(
        town.people["resident"],
        description="小区门口垃圾堆放三天没人清运，气味很大，希望尽快处理一下，谢谢",
        location_code=town.rooms["haiyu1"].code,
        type_code="SR01",
    )
    assignment.check_assign(town.people["dispatcher"], case.pk, assignee=town.people["handler"].pk)
    Case.objects.filter(pk=case.pk).update(due_at=timezone.now() - dt.timedelta(hours=2), overdue=True)
    login(page, live_server, who, PASSWORD)
    page.goto(f"{live_server.url}{path}")
    card = page.wait_for_selector(f"{row}[data-case='{case.pk}']")
    assert not page.is_visible(f"{row.split(' tbody')[0]} thead")  # labels sit in each card instead
    box = card.bounding_box()
    assert box is not None and box["width"] <= 390
    assert "超期" in card.inner_text()  # the countdown, red
    no_sideways_scroll(page)
    assert errors == []
