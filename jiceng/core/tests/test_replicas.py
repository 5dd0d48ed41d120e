"""The read router's decisions, without a standby (the real one is in ``test_replicas_pg.py``)."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.sessions.models import Session
from django.db import transaction
from django.http import HttpResponse
from django.test import RequestFactory
from rest_framework.authtoken.models import Token

from jiceng.command.models import IndexWeight
from jiceng.core.replicas import STICKY_COOKIE, ReplicaMiddleware, ReplicaRouter, using_primary, using_replica
from jiceng.env import replica_databases

router = ReplicaRouter()


def test_each_replica_url_becomes_a_test_mirror_of_the_default_database() -> None:
    found = replica_databases("postgres://r@10.0.0.2:5432/jiceng, postgres://r@10.0.0.3/jiceng", "/srv")
    assert list(found) == ["replica1", "replica2"]
    assert found["replica2"]["HOST"] == "10.0.0.3"
    assert all(entry["TEST"] == {"MIRROR": "default"} for entry in found.values())
    assert replica_databases("", "/srv") == {}


def test_reads_go_to_a_replica_only_inside_an_opted_in_block_and_writes_never() -> None:
    assert router.db_for_read(IndexWeight) is None
    with using_replica("replica1"):
        assert router.db_for_read(IndexWeight) == "replica1"
        assert router.db_for_write(IndexWeight) == "default"
        with using_primary():
            assert router.db_for_read(IndexWeight) is None
    assert router.db_for_read(IndexWeight) is None


def test_who_is_asking_is_always_read_from_the_primary() -> None:
    with using_replica("replica1"):
        assert router.db_for_read(Token) is None
        assert router.db_for_read(Session) is None


@pytest.mark.django_db
def test_reads_inside_a_write_transaction_stay_on_the_primary() -> None:
    with using_replica("replica1"), transaction.atomic():
        assert router.db_for_read(IndexWeight) is None


def test_migrations_run_on_the_primary_only() -> None:
    assert router.allow_migrate("default", "cases") is True
    assert router.allow_migrate("replica1", "cases") is False


def test_a_successful_write_marks_the_browser_for_the_primary_and_a_refused_one_does_not(
    settings: Any,
) -> None:
    settings.DATABASES = {**settings.DATABASES, "replica1": dict(settings.DATABASES["default"])}
    settings.JICENG_REPLICA_STICKY_SECONDS = 7
    factory = RequestFactory()
    done = ReplicaMiddleware(lambda request: HttpResponse(status=302))(factory.post("/cases/1/accept/"))
    assert done.cookies[STICKY_COOKIE]["max-age"] == 7
    refused = ReplicaMiddleware(lambda request: HttpResponse(status=400))(factory.post("/cases/1/accept/"))
    assert STICKY_COOKIE not in refused.cookies
    read = ReplicaMiddleware(lambda request: HttpResponse())(factory.get("/command/"))
    assert STICKY_COOKIE not in read.cookies


def test_without_replicas_no_cookie_is_set(settings: Any) -> None:
    response = ReplicaMiddleware(lambda request: HttpResponse(status=302))(RequestFactory().post("/x/"))
    assert STICKY_COOKIE not in response.cookies
