"""After a portal form the browser goes back to this site only, whatever `next` or the Referer say."""

from __future__ import annotations

import pytest

from jiceng.testing import client_for

pytestmark = pytest.mark.django_db
OFFSITE = [
    "//evil.example/x",
    "https://evil.example/x",
    "/\\evil.example/x",
    "javascript:alert(1)",
    "\\\\evil.example",
]


@pytest.mark.parametrize("target", OFFSITE)
def test_a_refused_form_never_redirects_off_site_through_next(world, resident_of, target):
    client = client_for(resident_of())
    response = client.post("/community/requests/999999/rate/", {"rating": "5", "next": target})
    assert response.status_code == 302
    assert response["Location"] == "/community/"


def test_an_off_site_referer_is_ignored_too(world, resident_of):
    client = client_for(resident_of())
    response = client.post(
        "/community/requests/999999/rate/", {"rating": "5"}, HTTP_REFERER="https://evil.example/x"
    )
    assert response["Location"] == "/community/"


def test_a_local_next_is_kept(world, resident_of):
    client = client_for(resident_of())
    response = client.post(
        "/community/requests/999999/rate/", {"rating": "5", "next": "/community/requests/"}
    )
    assert response["Location"] == "/community/requests/"


@pytest.mark.parametrize("target", OFFSITE)
def test_a_case_action_never_redirects_off_site(world, target):
    client = client_for(world.people["handler"])
    response = client.post("/cases/999999/act/accept/", {"next": target})
    assert not response.get("Location", "").lstrip("/\\").startswith(("evil", "\\"))
    assert "evil.example" not in response.get("Location", "")
