"""Case photos: stored under generated names, served only to who may see the case, never as a page."""

from __future__ import annotations

from typing import Any

import pytest

from jiceng.cases.models import CasePhoto
from jiceng.cases.tests.conftest import png, submit
from jiceng.testing import World, client_for

POLYGLOT = png(4, 3) + b"<html><script>fetch('/api/v1/me/')</script></html>"


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path


def photo_of(world: World, name: str = "evil.html") -> CasePhoto:
    case = submit(world, photos=[(name, POLYGLOT)])
    return CasePhoto.objects.get(case=case)


def test_a_case_photo_is_stored_under_a_generated_name_with_the_sniffed_extension(cw: World) -> None:
    photo = photo_of(cw)
    stem = photo.file.name.rsplit("/", 1)[1]
    assert stem.endswith(".png") and "evil" not in stem and len(stem) == 32 + 4
    assert photo.content_type == "image/png"


def test_the_reporter_gets_the_photo_as_an_image_that_no_browser_may_sniff_or_run(cw: World) -> None:
    photo = photo_of(cw)
    response = client_for(cw.people["resident"]).get(photo.file.url)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"].startswith("inline; filename*=UTF-8''")
    assert "sandbox" in response["Content-Security-Policy"]
    assert "no-store" in response["Cache-Control"]
    assert b"".join(response.streaming_content) == POLYGLOT  # type: ignore[attr-defined]


def test_staff_whose_scope_covers_the_case_get_the_photo(cw: World) -> None:
    photo = photo_of(cw)
    for who in ("community_staff", "grid_worker", "handler"):
        assert client_for(cw.people[who]).get(photo.file.url).status_code == 200, who


def test_the_outsider_and_the_anonymous_get_404_for_a_case_photo(cw: World) -> None:
    photo = photo_of(cw)
    assert client_for(cw.people["outsider"]).get(photo.file.url).status_code == 404
    assert client_for(cw.people["xixiang_handler"]).get(photo.file.url).status_code == 404
    assert client_for(None).get(photo.file.url).status_code == 404


def test_a_file_on_disk_that_no_row_owns_is_not_served(cw: World, settings: Any) -> None:
    (settings.MEDIA_ROOT / "cases").mkdir(parents=True, exist_ok=True)
    (settings.MEDIA_ROOT / "cases" / "stray.html").write_bytes(b"<script>alert(1)</script>")
    assert client_for(cw.people["admin"]).get("/media/cases/stray.html").status_code == 404
    assert client_for(cw.people["admin"]).get("/media/../settings.py").status_code == 404


def test_nginx_sends_the_bytes_after_the_check(cw: World, settings: Any) -> None:
    settings.JICENG_MEDIA_ACCEL = "nginx"
    photo = photo_of(cw)
    response = client_for(cw.people["resident"]).get(photo.file.url)
    assert response["X-Accel-Redirect"] == "/_protected_media/" + photo.file.name
    assert response["Content-Type"] == "image/png" and response.content == b""
    assert client_for(cw.people["outsider"]).get(photo.file.url).status_code == 404


def test_apache_sends_the_bytes_after_the_check(cw: World, settings: Any) -> None:
    settings.JICENG_MEDIA_ACCEL = "apache"
    photo = photo_of(cw)
    response = client_for(cw.people["resident"]).get(photo.file.url)
    assert response["X-Sendfile"] == photo.file.path


def test_the_case_page_links_photos_the_viewer_can_open(cw: World) -> None:
    photo = photo_of(cw)
    client = client_for(cw.people["community_staff"])
    page = client.get(f"/cases/{photo.case_id}/")
    assert photo.file.url in page.content.decode()
    assert client.get(photo.file.url).status_code == 200
