"""Portal uploads: a polyglot named evil.html is kept as a PNG under a generated name and reaches only the
resident who asked and the staff of their community, never as a page."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from jiceng.cases.tests.conftest import png
from jiceng.community import actions
from jiceng.community.exceptions import CommunityError
from jiceng.community.models import PortalRequest, ProgressReport, RequestPhoto
from jiceng.core.uploads import UploadError
from jiceng.testing import client_for

pytestmark = pytest.mark.django_db
POLYGLOT = png(4, 3) + b"<html><script>fetch('/api/v1/me/').then(r=>r.text()).then(alert)</script></html>"


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path


def ask_with(client: Any, *files: SimpleUploadedFile) -> Any:
    return client.post(
        "/community/ask/",
        {"text": "楼道灯坏了好几天了", "where": "room", "photos": list(files), "key": "k1"},
    )


def evil() -> SimpleUploadedFile:
    return SimpleUploadedFile("evil.html", POLYGLOT, content_type="text/html")


def test_a_portal_photo_named_html_is_stored_as_a_png_under_a_generated_name(world, resident_of):
    resident = resident_of()
    response = ask_with(client_for(resident), evil())
    assert response.status_code == 302
    photo = RequestPhoto.objects.get()
    stem = photo.file.name.rsplit("/", 1)[1]
    assert stem.endswith(".png") and "evil" not in stem and ".html" not in photo.file.name


def test_the_resident_and_their_community_staff_get_it_as_an_inert_image(world, staff, resident_of):
    resident = resident_of()
    ask_with(client_for(resident), evil())
    url = RequestPhoto.objects.get().file.url
    for who in (resident, staff["haiyu"]):
        response = client_for(who).get(url)
        assert response.status_code == 200
        assert response["Content-Type"] == "image/png"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert "sandbox" in response["Content-Security-Policy"]


def test_another_communitys_staff_another_resident_and_the_anonymous_get_404(world, staff, resident_of):
    resident = resident_of()
    ask_with(client_for(resident), evil())
    url = RequestPhoto.objects.get().file.url
    for who in (
        staff["gushu"],
        staff["shangchuan"],
        resident_of(name="邻居"),
        world.people["outsider"],
        None,
    ):
        assert client_for(who).get(url).status_code == 404, who


def test_an_html_or_svg_body_is_refused_whatever_its_name_and_nothing_is_kept(world, resident_of):
    client = client_for(resident_of())
    for name, body in (
        ("photo.png", b"<html><script>alert(1)</script></html>"),
        ("map.svg", b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>'),
    ):
        response = ask_with(client, SimpleUploadedFile(name, body, content_type="image/png"))
        assert response.status_code == 200 and "不是图片" in response.content.decode()
    assert PortalRequest.objects.count() == 0 and RequestPhoto.objects.count() == 0


def test_the_action_refuses_a_non_image_before_writing(world, resident_of):
    with pytest.raises((UploadError, CommunityError)):
        actions.check_submit_request(
            actions.Actor(resident_of()),
            "楼道灯坏了好几天了",
            use_my_room=True,
            photos=[("a.png", b"GIF89a")],
        )
    assert PortalRequest.objects.count() == 0


def _implementing(world, staff, resident):
    rnd = actions.check_open_round(staff["haiyu"], world.communities["haiyu"], "第一批", "100000")
    project = actions.check_propose(actions.Actor(resident), rnd.pk, "楼道照明", "楼道照明，居民需要")
    actions.check_review(staff["haiyu"], project.pk, True, "goods", "5000", "可行")
    actions.check_open_vote(staff["haiyu"], rnd.pk)
    actions.check_cast_ballot(actions.Actor(resident), rnd.pk, [project.pk])
    actions.check_close_vote(staff["haiyu"], rnd.pk)
    return project


def test_a_progress_photo_is_checked_renamed_and_scoped_to_the_projects_community(world, staff, resident_of):
    resident = resident_of()
    project = _implementing(world, staff, resident)
    with pytest.raises(UploadError):
        actions.check_report_progress(staff["haiyu"], project.pk, "安装过半", 50, photo=("x.svg", b"<svg/>"))
    report = actions.check_report_progress(staff["haiyu"], project.pk, "安装过半", 50, photo=evil())
    assert report.photo.name.endswith(".png") and "evil" not in report.photo.name
    assert ProgressReport.objects.count() == 1
    assert client_for(resident).get(report.photo.url).status_code == 200
    assert client_for(staff["gushu"]).get(report.photo.url).status_code == 404
    assert client_for(None).get(report.photo.url).status_code == 404
