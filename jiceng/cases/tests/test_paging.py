"""Case lists past the exact-count limit: counted exactly up to it, estimated beyond (PostgreSQL)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from rest_framework.test import APIClient

from jiceng.cases.models import Case
from jiceng.cases.tests.conftest import at, submit
from jiceng.lib.paging import BoundedPageNumberPagination, BoundedPaginator
from jiceng.testing import PASSWORD, World

CASES = 7


@pytest.fixture
def many(world: World) -> World:
    for day in range(1, CASES + 1):
        submit(world, at=at(2026, 3, day, 9), description=f"小区门口垃圾堆放第{day}天没人清运")
    return world


def _walk(api: APIClient) -> list[int]:
    """The ids on every page, following the ``next`` links from the first."""
    seen: list[int] = []
    url: str | None = "/api/v1/cases/"
    while url:
        page = api.get(url).json()
        seen.extend(row["id"] for row in page["results"])
        url = page["next"]
    return seen


def api_for(world: World) -> APIClient:
    api = APIClient()
    api.force_authenticate(world.people["dispatcher"])
    return api


def test_below_the_limit_the_count_is_exact(many: World) -> None:
    body = api_for(many).get("/api/v1/cases/").json()
    assert body["count"] == CASES and body["count_exact"] is True
    assert len(body["results"]) == CASES and body["next"] is None


def test_past_the_limit_postgresql_answers_an_estimate_and_sqlite_counts(many: World, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(BoundedPaginator, "exact_limit", 3)
    monkeypatch.setattr(BoundedPageNumberPagination, "page_size", 2)
    api = api_for(many)
    body = api.get("/api/v1/cases/").json()
    if connection.vendor == "postgresql":
        assert body["count_exact"] is False
        assert body["count"] >= 4  # the planner's estimate, never below what was counted
    else:
        assert body["count_exact"] is True and body["count"] == CASES
    # Walking the pages by their `next` links reaches every case once, estimate or not.
    assert sorted(_walk(api)) == sorted(Case.objects.values_list("pk", flat=True))


def test_an_estimate_short_of_the_truth_still_walks_every_case(many: World, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Stale planner statistics (a table analysed when it was nearly empty) give an estimate below the
    real number of rows; the pages must still reach every case."""
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only: SQLite counts exactly")
    monkeypatch.setattr(BoundedPaginator, "exact_limit", 3)
    monkeypatch.setattr(BoundedPageNumberPagination, "page_size", 2)
    with connection.cursor() as cursor:
        # Statistics from when the table was empty (what a stale ANALYZE leaves).
        cursor.execute("UPDATE pg_class SET reltuples = 0, relpages = 1 WHERE relname = 'cases_case'")
    api = api_for(many)
    first = api.get("/api/v1/cases/").json()
    assert first["count_exact"] is False and first["count"] < CASES
    assert sorted(_walk(api)) == sorted(Case.objects.values_list("pk", flat=True))


def test_a_page_past_an_estimated_end_is_empty_not_an_error(many: World, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(BoundedPaginator, "exact_limit", 3)
    response = api_for(many).get("/api/v1/cases/?page=500")
    if connection.vendor == "postgresql":
        assert response.status_code == 200 and response.json()["results"] == []
    else:
        assert response.status_code == 404


def test_the_case_list_page_says_about_when_the_count_is_an_estimate(many: World, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(BoundedPaginator, "exact_limit", 3)
    monkeypatch.setattr(BoundedPaginator, "__init__", _per_page(2))
    client = Client()
    assert client.login(username=many.people["dispatcher"].username, password=PASSWORD)
    html = client.get("/cases/").content.decode()
    if connection.vendor == "postgresql":
        assert "第 1 页，约" in html
    else:
        assert "第 1 / 4 页" in html


def _per_page(n: int):  # type: ignore[no-untyped-def]
    original = BoundedPaginator.__init__

    def init(self, object_list, per_page, *args, **kwargs):  # type: ignore[no-untyped-def]
        original(self, object_list, n, *args, **kwargs)

    return init
