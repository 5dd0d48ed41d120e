"""/healthz answers without the database; /readyz checks database, migrations and workers."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from jiceng.core.loop import beat
from jiceng.core.models import WorkerBeat

pytestmark = pytest.mark.django_db


def test_liveness_answers_from_the_process_alone(client: Client, django_assert_num_queries) -> None:
    with django_assert_num_queries(0):
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_probes_answer_whatever_host_the_prober_uses(client: Client) -> None:
    assert client.get("/healthz", HTTP_HOST="10.0.0.7:8000").status_code == 200


def test_readiness_is_ok_with_the_database_up_and_migrated(client: Client) -> None:
    response = client.get("/readyz")
    body = response.json()
    assert response.status_code == 200, body
    assert body["checks"]["database"]["ok"] and body["checks"]["migrations"]["unapplied"] == []


def test_a_worker_without_a_recent_heartbeat_is_reported_stale(client: Client, settings) -> None:
    settings.JICENG_WORKER_STALE_SECONDS = 60
    beat("sla")
    WorkerBeat.objects.filter(name="sla").update(beat_at=timezone.now() - dt.timedelta(minutes=5))
    beat("notify")
    response = client.get("/readyz")
    workers = response.json()["checks"]["workers"]
    assert response.status_code == 503
    assert workers["stale"] == ["sla"]
    assert workers["workers"]["notify"]["state"] == "running"


def test_a_worker_that_stopped_cleanly_does_not_fail_readiness(client: Client) -> None:
    beat("sla", state="stopped")
    WorkerBeat.objects.filter(name="sla").update(beat_at=timezone.now() - dt.timedelta(hours=5))
    assert client.get("/readyz").status_code == 200


def test_an_unreachable_broker_fails_readiness_quickly(client: Client, settings) -> None:
    settings.JICENG_MQTT_CONFIGURED = True
    settings.JICENG_MQTT_URL = "mqtt://127.0.0.1:9"  # discard port: nothing listens
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["broker"]["ok"] is False
