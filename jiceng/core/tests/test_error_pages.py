"""Styled 403/404 pages in the user's language, and a favicon (no console error on any page)."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client, RequestFactory
from django.urls import reverse
from django.views.defaults import permission_denied

from jiceng.testing import World

pytestmark = pytest.mark.django_db


def test_a_resident_opening_a_missing_page_gets_the_styled_chinese_not_found_page(
    world: World, client: Client
) -> None:
    client.force_login(world.people["resident"])
    response = client.get(reverse("notify:open", args=[987654]))  # a view that raises Http404
    page = response.content.decode()
    assert response.status_code == 404
    assert "页面不存在" in page and "返回首页" in page and 'lang="zh-hans"' in page
    assert "Not Found" not in page


def test_an_unknown_address_gets_the_styled_page_with_a_login_link_for_strangers(client: Client) -> None:
    response = client.get("/no-such-page/")
    assert response.status_code == 404 and "页面不存在" in response.content.decode()
    assert reverse("login") in response.content.decode()


def test_a_refusal_gets_the_styled_forbidden_page(world: World) -> None:
    request = RequestFactory().get("/cases/desk/")
    request.user = world.people["resident"]
    response = permission_denied(request, PermissionDenied())
    assert response.status_code == 403 and "无权访问" in response.content.decode()


def test_every_page_names_a_favicon_and_favicon_ico_answers(client: Client) -> None:
    page = client.get(reverse("login")).content.decode()
    assert 'rel="icon"' in page and "favicon.svg" in page
    response = client.get("/favicon.ico")
    assert response.status_code == 301 and response["Location"].endswith("jiceng/favicon.svg")
