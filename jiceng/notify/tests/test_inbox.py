"""The in-app inbox and preferences, as pages and as the API; nobody reads another's messages."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from jiceng.cases.outbox import notify
from jiceng.notify.models import InboxMessage, Preference
from jiceng.notify.sender import send_pending
from jiceng.testing import World

pytestmark = pytest.mark.django_db


@pytest.fixture
def delivered(world: World, sms_dir: Path) -> list[InboxMessage]:
    resident = world.people["resident"]
    notify("accepted", "您的诉求已受理", users=[resident], link="/community/requests/1/")
    notify("done", "您的诉求已办结：已清运", users=[resident])
    notify("urge", "催办：垃圾清运", users=[world.people["handler"]])
    send_pending()
    return list(InboxMessage.objects.filter(user=resident))


def test_the_inbox_page_lists_my_messages_with_the_unread_count(
    world: World, delivered: Any, client: Client
) -> None:
    client.force_login(world.people["resident"])
    page = client.get(reverse("notify:inbox")).content.decode()
    assert "您的诉求已受理" in page and "您的诉求已办结：已清运" in page
    assert 'data-unread="2"' in page
    assert "催办" not in page  # the handler's message is not mine


def test_opening_a_message_marks_it_read_and_follows_its_link(
    world: World, delivered: Any, client: Client
) -> None:
    client.force_login(world.people["resident"])
    accepted = next(m for m in delivered if m.kind == "accepted")
    response = client.get(reverse("notify:open", args=[accepted.pk]))
    assert response.status_code == 302 and response["Location"] == "/community/requests/1/"
    accepted.refresh_from_db()
    assert accepted.read_at is not None
    assert client.get(reverse("notify-unread")).json() == {"unread": 1}


def test_an_outsider_cannot_open_or_mark_another_persons_message(
    world: World, delivered: Any, client: Client
) -> None:
    client.force_login(world.people["outsider"])
    mine = delivered[0]
    assert client.get(reverse("notify:open", args=[mine.pk])).status_code == 404
    assert client.post(reverse("notify:read", args=[mine.pk])).status_code == 404
    api = client.post(reverse("notify-read", args=[mine.pk]))
    assert api.status_code == 404 and api.json()["error"]["code"] == "not_found"
    assert client.get(reverse("notify-messages")).json() == {"unread": 0, "results": []}
    mine.refresh_from_db()
    assert mine.read_at is None


def test_the_api_lists_marks_read_and_reads_all(world: World, delivered: Any, client: Client) -> None:
    client.force_login(world.people["resident"])
    listing = client.get(reverse("notify-messages")).json()
    assert listing["unread"] == 2 and len(listing["results"]) == 2
    accepted = next(m for m in listing["results"] if m["kind"] == "accepted")
    assert accepted["link"] == "https://jiceng.example.cn/community/requests/1/"
    marked = client.post(reverse("notify-read", args=[accepted["id"]])).json()
    assert marked["read_at"] is not None
    assert len(client.get(reverse("notify-messages"), {"unread": "1"}).json()["results"]) == 1
    assert client.post(reverse("notify-read-all")).json() == {"marked": 1}
    assert client.get(reverse("notify-unread")).json() == {"unread": 0}


def test_the_top_bar_links_the_inbox_and_loads_the_unread_count(
    world: World, delivered: Any, client: Client
) -> None:
    client.force_login(world.people["resident"])
    page = client.get(reverse("home")).content.decode()
    assert reverse("notify:inbox") in page and f'hx-get="{reverse("notify:badge")}"' in page
    assert 'data-unread="2"' in client.get(reverse("notify:badge")).content.decode()
    client.force_login(world.people["outsider"])
    assert client.get(reverse("notify:badge")).content == b""


def test_preferences_switch_channels_and_set_quiet_hours(world: World, client: Client) -> None:
    resident = world.people["resident"]
    client.force_login(resident)
    response = client.post(
        reverse("notify:preferences"), {"email": "on", "quiet_start": "21:30", "quiet_end": "08:00"}
    )
    assert response.status_code == 302
    prefs = Preference.objects.get(user=resident)
    assert (prefs.sms, prefs.email, prefs.wechat) == (False, True, False)
    assert prefs.quiet_start.strftime("%H:%M") == "21:30"
    api = client.put(reverse("notify-preferences"), {"sms": True}, content_type="application/json").json()
    assert api["sms"] is True and api["quiet_end"] == "08:00"


def test_bad_quiet_hours_are_refused_with_a_chinese_message_and_nothing_saved(
    world: World, client: Client
) -> None:
    client.force_login(world.people["resident"])
    response = client.put(
        reverse("notify-preferences"), {"sms": False, "quiet_start": "25:99"}, content_type="application/json"
    )
    assert response.status_code == 400 and "免打扰开始时间" in response.json()["error"]["message"]
    assert not Preference.objects.exists()
    page = client.post(reverse("notify:preferences"), {"quiet_start": "later", "quiet_end": "07:00"})
    assert page.status_code == 400 and "免打扰开始时间" in page.content.decode()


def test_the_inbox_needs_a_login(client: Client) -> None:
    assert client.get(reverse("notify:inbox")).status_code == 302
    assert client.get(reverse("notify-messages")).status_code in (401, 403)
