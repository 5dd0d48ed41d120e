"""A polyglot (a PNG header followed by a script) uploaded as evil.html never runs in the site's origin."""

from __future__ import annotations

from typing import Any

import pytest

from jiceng.cases.tests.conftest import png
from jiceng.community.models import RequestPhoto
from jiceng.conftest import login
from jiceng.testing import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
POLYGLOT = png(4, 3) + (
    b"<html><body><script>document.title='pwned';"
    b"fetch('/api/v1/me/').then(function(r){return r.text()}).then(alert)</script></body></html>"
)


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path


def test_an_uploaded_polyglot_never_runs_script_when_community_staff_open_it(
    world, staff, resident_of, phone_page, page, live_server
):
    # given a resident who uploads evil.html with their request, through the real form
    resident = resident_of()
    login(phone_page, live_server, resident.username, PASSWORD)
    phone_page.goto(f"{live_server.url}/community/ask/")
    phone_page.fill("#id_text", "楼道灯坏了，看照片")
    phone_page.check("input[name=where][value=room]")
    phone_page.set_input_files(
        "#id_photos", files=[{"name": "evil.html", "mimeType": "text/html", "buffer": POLYGLOT}]
    )
    phone_page.click("button[type=submit]:has-text('提交')")
    phone_page.wait_for_selector("text=办理进度")
    url = f"{live_server.url}{RequestPhoto.objects.get().file.url}"
    # when community staff, logged in, open the photo's link
    login(page, live_server, staff["haiyu"].username, PASSWORD)
    seen: list[str] = []
    dialogs: list[str] = []
    page.on("request", lambda r: seen.append(r.url))
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    response = page.goto(url)
    page.wait_for_timeout(500)
    # then it arrives as an inert image: no script ran, nothing was fetched with their session
    assert response is not None and response.status == 200
    assert response.headers["content-type"] == "image/png"
    assert page.title() != "pwned"
    assert dialogs == []
    assert not any("/api/v1/me/" in u for u in seen)
    # and a script tag pointing at it is refused by the browser (nosniff), not executed
    page.goto(f"{live_server.url}/community/")
    loaded = page.evaluate(
        """(src) => new Promise((done) => { const s = document.createElement('script');
        s.onload = () => done('ran'); s.onerror = () => done('blocked'); s.src = src;
        document.head.appendChild(s); })""",
        url,
    )
    assert loaded == "blocked"
    assert dialogs == []
