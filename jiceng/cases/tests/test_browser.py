"""The desk → unit → close path in a real browser."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from jiceng.cases import actions
from jiceng.cases.models import Case, Channel, EventType, Status
from jiceng.conftest import login
from jiceng.testing import PASSWORD, World, build_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def restore_reference_data(calendar: bool = True) -> None:
    """Transactional tests flush the tables between tests, data migrations' rows included: put the
    default catalogue (and the working-day calendar) back the way the migrations load them."""
    if not EventType.objects.exists():
        from jiceng.cases.catalogue import apply_rows, default_rows, validate_row
        from jiceng.cases.models import CatalogueChange, Category

        rows = [validate_row(row, None)[0] for row in default_rows()]
        apply_rows(rows, Category, EventType, CatalogueChange, source="migration")
    if calendar:
        from jiceng.core.calendar import Actor, seed_from_package
        from jiceng.core.models import CalendarChange, CalendarDay, CalendarState, CalendarYear
        from jiceng.lib.workdays import package_years

        if not CalendarYear.objects.exists():
            seed_from_package(CalendarYear, CalendarDay, CalendarChange, Actor("migration"), *package_years())
            CalendarState.objects.update_or_create(id=1, defaults={"version": "browser-test"})


def serve_project_static(settings: Any) -> None:
    """The project's own static files (jiceng/static: site.css, htmx, ECharts) for the live server,
    while the settings do not list that folder in STATICFILES_DIRS."""
    folder = Path(settings.BASE_DIR) / "jiceng" / "static"
    if folder not in [Path(str(d)) for d in getattr(settings, "STATICFILES_DIRS", [])]:
        settings.STATICFILES_DIRS = [*getattr(settings, "STATICFILES_DIRS", []), folder]


@pytest.fixture
def town(transactional_db: Any, settings: Any) -> World:
    serve_project_static(settings)
    restore_reference_data()
    return build_world()


def switch_to(page: Any, live_server: Any, username: str) -> None:
    """Log in as someone else (the login page's first submit button is the top bar's logout)."""
    page.context.clear_cookies()
    login(page, live_server, username, PASSWORD)


def expect_message(page: Any, text: str) -> None:
    page.wait_for_selector(f".messages li:has-text('{text}')")


def test_a_case_goes_from_the_desk_to_the_unit_to_the_residents_rating(
    page: Any, live_server: Any, town: World
) -> None:
    # given a resident's report that triage left at the street desk
    case = actions.check_submit_case(
        town.people["resident"],
        description="小区门口垃圾堆放三天没人清运",
        location_code=town.rooms["haiyu1"].code,
        type_code="SR01",
        auto_dispatch=False,
    )
    url = f"{live_server.url}/cases/{case.pk}/"

    # when the dispatcher dispatches it from the desk with one click
    login(page, live_server, "dispatcher", PASSWORD)
    page.goto(f"{live_server.url}/cases/desk/")
    page.click("button.dispatch-suggested")  # the first row's proposals load by themselves
    expect_message(page, "分拨完成")

    # and the handler accepts it in the inbox and completes it with the whole checklist
    switch_to(page, live_server, "handler")
    page.goto(f"{live_server.url}/cases/inbox/")
    page.click(f"tr[data-case='{case.pk}'] button.accept")
    expect_message(page, "签收完成")
    page.goto(url)
    page.wait_for_selector("#case-map-chart[data-ready='1'] canvas")
    for box in page.query_selector_all(".act-complete input[name=checklist]"):
        box.check()
    page.fill(".act-complete textarea[name=note]", "已清运完毕，现场已整治")
    page.click(".act-complete button[type=submit]")
    expect_message(page, "办结完成")

    # and the dispatcher checks the result on the case page
    switch_to(page, live_server, "dispatcher")
    page.goto(url)
    page.click(".act-verify button[type=submit]")
    expect_message(page, "核查完成")

    # and the resident rates it
    switch_to(page, live_server, "resident")
    page.goto(url)
    page.check(".act-rate input[name=score][value='5']")
    page.click(".act-rate button.rate")
    expect_message(page, "评价完成")

    # then the case is closed and its timeline shows every step, without staff names
    case.refresh_from_db()
    assert case.status == Status.CLOSED and case.rating == 5
    steps = page.inner_text("ol.timeline")
    for label in ("登记", "分拨", "签收", "办结", "核查", "评价"):
        assert label in steps
    assert "已结案" in page.inner_text(".case-badges") and "孙执法" not in page.content()
    assert page.console_errors == []  # type: ignore[attr-defined]


def test_an_operator_types_in_a_hotline_call(page: Any, live_server: Any, town: World) -> None:
    # given the operator at the hotline form
    login(page, live_server, "dispatcher", PASSWORD)
    page.goto(f"{live_server.url}/cases/hotline/")
    # when a call is typed in
    page.fill("#id_reporter_name", "陈来电")
    page.fill("#id_reporter_phone", "13912345678")
    page.fill("#id_description", "路灯不亮，晚上很黑")
    page.select_option("#id_grid_code", town.grids["haiyu2"].code)
    page.click(".hotline-form button[type=submit]")
    # then the new case opens, registered through the hotline
    expect_message(page, "已登记工单")
    case = Case.objects.get()
    assert case.channel == Channel.HOTLINE and case.grid == town.grids["haiyu2"]
    assert page.url.endswith(f"/cases/{case.pk}/") and "路灯不亮" in page.inner_text(".description")
