"""The phone patrol in a real Chromium on a 390×844 screen: a finding reported in one tap, and a patrol
entered offline that reaches the server once, when the connection is back."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.utils import timezone

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
    page.wait_for_selector("#pending:text-is('0')")
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
    page.wait_for_selector("#pending:text-is('0')")
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
    page.wait_for_selector("#pending:text-is('0')", timeout=20000)
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


def test_a_collection_refused_for_a_bad_id_number_keeps_every_input(
    phone_page: Any, live_server: Any, live_world: World
) -> None:
    from jiceng.gridwork.models import CollectionDraft, DraftStatus
    from jiceng.lib.identity import make_resident_id
    from jiceng.registry.models import SourceRecord

    page = phone_page
    login(page, live_server, "gridworker", PASSWORD)
    page.goto(f"{live_server.url}/gridwork/collect/?room={live_world.rooms['haiyu1'].code}")
    page.select_option("select[name=category]", "person")
    page.click(".start-collection button[type=submit]")
    page.fill("#f-name", "陈采集")
    page.fill("#f-id_number", "440306199005041230")
    page.fill("#f-phone", "13912345678")
    page.select_option("#f-sex", "男")
    page.click("h1")  # leave the field: its change is saved to the draft
    page.wait_for_selector("#save-state:has-text('草稿已自动保存')")
    # the draft is on the server before any submit (every change, not only the first one saved):
    # a reload shows it again
    import time

    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        draft = CollectionDraft.objects.first()
        if draft is not None and draft.data.get("name") == "陈采集" and draft.data.get("sex") == "男":
            break
        time.sleep(0.1)
    page.reload()
    assert page.input_value("#f-name") == "陈采集"
    page.click("#submit-collection")
    page.wait_for_selector(".field.invalid[data-key=id_number] .field-error")
    assert page.input_value("#f-name") == "陈采集" and page.input_value("#f-phone") == "13912345678"
    # when the worker corrects the number and fills the rest
    page.fill("#f-id_number", make_resident_id("440306", __import__("datetime").date(1990, 5, 4), 123))
    page.select_option("#f-household_type", "非本市户籍")
    page.select_option("#f-relation", "租户")
    page.click("#submit-collection")
    page.wait_for_selector(".messages li:has-text('采集已提交')")
    assert CollectionDraft.objects.get().status == DraftStatus.SUBMITTED
    assert SourceRecord.objects.filter(source__name="door-to-door", raw__field="name").exists()


def draw_signature(page: Any, canvas: str) -> None:
    page.locator(canvas).scroll_into_view_if_needed()
    box = page.locator(canvas).bounding_box()
    page.mouse.move(box["x"] + 20, box["y"] + 30)
    page.mouse.down()
    for step in range(1, 12):
        page.mouse.move(box["x"] + 20 + step * 25, box["y"] + 30 + (step % 3) * 30, steps=3)
    page.mouse.up()


def inspect_all(page: Any, hazard: str = "") -> None:
    from jiceng.gridwork import inspections

    for item in inspections.data()["venue_items"]:
        value = "hazard" if item["code"] == hazard else "ok"
        page.check(f".item[data-code='{item['code']}'] input[value={value}]")
    for angle, _label in inspections.data()["photo_set"]:
        page.set_input_files(
            f"input[name=photo-{angle}]",
            files=[{"name": f"{angle}.png", "mimeType": "image/png", "buffer": png(8, 6)}],
        )
    draw_signature(page, "#sig")
    page.click("#save-inspection")
    page.wait_for_selector(".messages li")
    errors = page.locator(".messages li.error")
    assert errors.count() == 0, errors.first.inner_text()


def test_a_small_venue_inspection_with_a_signature_and_its_rectification(
    phone_page: Any, live_server: Any, live_world: World
) -> None:
    from jiceng.gridwork import inspections
    from jiceng.gridwork.models import HazardStatus, Inspection

    shop = inspections.check_register_venue(
        live_world.people["grid_worker"],
        name="海裕小卖部",
        kind="small_shop",
        location_code=live_world.rooms["haiyu1"].code,
        owner_name="黄老板",
    )
    page = phone_page
    login(page, live_server, "gridworker", PASSWORD)
    page.goto(f"{live_server.url}/gridwork/venues/{shop.pk}/")
    page.click("#inspect-link")
    inspect_all(page, hazard="V03")
    page.wait_for_selector(".inspection-status:has-text('限期整改')")
    assert page.locator("img.signature-image").count() == 1
    # the re-inspection finds the exit clear
    page.goto(f"{live_server.url}/gridwork/venues/{shop.pk}/")
    page.click("#inspect-link")
    inspect_all(page)
    page.wait_for_selector(".inspection-status:has-text('整改完成')")
    first = Inspection.objects.order_by("at").first()
    assert first.hazards.get().status == HazardStatus.RECTIFIED and first.signature


def test_the_cadre_records_a_key_person_visit_on_the_phone(
    phone_page: Any, live_server: Any, live_world: World
) -> None:
    import datetime as dt

    from jiceng.gridwork import keypersons
    from jiceng.lib.identity import make_resident_id
    from jiceng.org.models import AccessLog

    person = keypersons.register(
        None,
        kind="elderly_alone",
        name="孙奶奶",
        id_number=make_resident_id("440306", dt.date(1940, 2, 2), 22),
        phone="",
        room=live_world.rooms["haiyu1"],
        cadre=live_world.people["community_staff"],
        officer=live_world.people["handler"],
        since=timezone.localdate() - dt.timedelta(days=10),
    )
    page = phone_page
    login(page, live_server, "communitystaff", PASSWORD)
    page.goto(f"{live_server.url}/gridwork/key-persons/")
    page.select_option("#purpose", "visit")
    page.click("#show-key-persons")
    page.click(".key-persons a:has-text('孙奶奶')")
    page.fill("#situation", "入户看望，身体状况良好，已检查燃气阀门")
    page.click("#save-visit")
    page.wait_for_selector(".visits li:has-text('身体状况良好')")
    person.refresh_from_db()
    assert person.next_visit_due == timezone.localdate() + dt.timedelta(days=7)
    assert AccessLog.objects.filter(subject_type="key_person", purpose="走访帮扶").count() >= 2
