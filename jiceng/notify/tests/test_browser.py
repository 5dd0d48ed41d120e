"""A resident's request end to end in a real Chromium at phone size (390×844): the text that leaves
(file backend) carries a link that opens the true state; the inbox counts, lists and marks read."""

from __future__ import annotations

import re
from typing import Any

import pytest

from jiceng.community import actions
from jiceng.community.tests.casework import finish_case
from jiceng.conftest import login
from jiceng.notify.sender import send_pending
from jiceng.notify.tests.conftest import texts
from jiceng.testing import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_resident_taps_each_texts_link_and_reads_the_inbox(
    world: Any, staff: Any, resident_of: Any, phone_page: Any, live_server: Any, settings: Any, tmp_path: Any
) -> None:
    errors: list[str] = []
    phone_page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    phone_page.on("pageerror", lambda exc: errors.append(str(exc)))
    # given a resident's request, received and then finished
    resident = resident_of()  # signed up with a code from the console backend
    sms_dir = tmp_path / "sms"
    settings.JICENG_SMS_BACKEND, settings.JICENG_SMS_FILE_DIR = "file", str(sms_dir)
    settings.JICENG_BASE_URL = live_server.url
    settings.JICENG_NOTIFY_QUIET_HOURS = ""
    request = actions.check_submit_request(
        actions.Actor(resident), "楼下垃圾没人清理好几天", use_my_room=True
    )
    finish_case(world, request.case_id_ref)
    send_pending()
    sent = [m["text"] for m in texts(sms_dir) if m["to"] == resident.phone]
    assert any("已受理" in text for text in sent) and "已办结" in sent[-1]
    link = re.search(r"(https?://\S+)$", sent[-1]).group(1)  # type: ignore[union-attr]
    assert link.startswith(live_server.url)
    # when the resident taps the link (and signs in)
    login(phone_page, live_server, resident.username, PASSWORD)
    phone_page.goto(link)
    # then the case says what is true, and the reply is there
    assert phone_page.locator("#public-state").inner_text() == "已办结，待您评价"
    # the inbox shows the unread count in the top bar and lists both messages
    phone_page.wait_for_selector(".inbox-link [data-unread]")
    unread = int(phone_page.locator(".inbox-link [data-unread]").get_attribute("data-unread"))
    assert unread == len(sent)
    phone_page.click(".inbox-link")
    phone_page.wait_for_selector("ul.inbox li.unread")
    assert phone_page.locator("ul.inbox li").count() == unread
    phone_page.click("button:has-text('全部标为已读')")
    phone_page.wait_for_selector("text=条消息标为已读")
    assert phone_page.locator("ul.inbox li.unread").count() == 0
    assert errors == []  # no script error, no missing favicon
