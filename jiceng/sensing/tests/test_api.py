"""HTTP: gateway ingestion with a hashed key, and scoped device and alarm lists (forbidden = 404)."""

from __future__ import annotations

import datetime as dt
from io import StringIO

from django.core.management import call_command
from django.utils import timezone
from rest_framework.test import APIClient

from jiceng.sensing.ingest import Raw, ingest
from jiceng.sensing.models import Alarm, GatewayKey, Telemetry

NOW = timezone.now().replace(microsecond=0) - dt.timedelta(minutes=5)


def client_for(user=None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def new_key(name: str = "gw-haiyu") -> str:
    out = StringIO()
    call_command("sensing", "key", name, stdout=out)
    return out.getvalue().strip().splitlines()[-1]


def test_the_gateway_key_is_shown_once_and_stored_only_hashed(sensors):
    key = new_key()
    gateway = GatewayKey.objects.get(name="gw-haiyu")
    assert key.startswith("gw_") and key not in (gateway.digest, gateway.prefix)
    assert len(gateway.digest) == 64


def test_a_gateway_posts_a_batch_and_bad_items_are_dead_lettered_without_refusing_the_good(sensors):
    key = new_key()
    batch = [
        {"device_id": "BRK-001", "msg_id": "h1", "ts": NOW.isoformat(), "values": {"leakage_ma": 3.5}},
        {"device_id": "BRK-001", "msg_id": "h1", "ts": NOW.isoformat(), "values": {"leakage_ma": 3.5}},
        {"device_id": "WR-001", "msg_id": "h2", "ts": NOW.isoformat(), "event": "sos", "data": {}},
        {"device_id": "GHOST", "msg_id": "h3", "ts": NOW.isoformat(), "values": {"x": 1}},
    ]
    response = client_for().post(
        "/api/v1/sensing/ingest/", batch, format="json", HTTP_AUTHORIZATION=f"Gateway {key}"
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["accepted"], body["duplicates"], body["dead"]) == (2, 1, 1)
    assert "未登记的设备" in body["errors"][0]
    assert Telemetry.objects.count() == 2
    assert Alarm.objects.get().type == "sos"


def test_ingestion_without_a_valid_key_is_refused_in_chinese(sensors):
    response = client_for().post(
        "/api/v1/sensing/ingest/", [], format="json", HTTP_AUTHORIZATION="Gateway nope"
    )
    assert response.status_code == 401
    assert "网关密钥无效" in response.json()["error"]["message"]


def test_a_body_that_is_not_a_list_is_a_400(sensors):
    key = new_key()
    response = client_for().post(
        "/api/v1/sensing/ingest/", {"a": 1}, format="json", HTTP_AUTHORIZATION=f"Gateway {key}"
    )
    assert response.status_code == 400


def test_a_grid_filter_that_is_not_a_numeric_code_is_a_400(sensors):
    """``?grid=invalid`` reached the code-prefix range, whose refusal was not an API error: a 500."""
    staff = client_for(sensors.world.people["community_staff"])
    for grid in ("invalid", "12a", "４４"):
        response = staff.get("/api/v1/sensing/devices/", {"grid": grid})
        assert response.status_code == 400
        assert response.json()["error"]["code"] == "invalid" and "grid" in response.json()["error"]["message"]
    haiyu = sensors.world.communities["haiyu"].code
    assert staff.get("/api/v1/sensing/devices/", {"grid": haiyu}).json()["count"] == 4


def test_the_device_and_alarm_lists_document_the_page_they_answer():
    from drf_spectacular.generators import SchemaGenerator

    paths = SchemaGenerator().get_schema(request=None, public=True)["paths"]
    for path in ("/api/v1/sensing/devices/", "/api/v1/sensing/alarms/"):
        documented = paths[path]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
        assert "$ref" in documented and documented["$ref"].endswith("Page")


def test_a_community_sees_its_devices_only(sensors):
    people = sensors.world.people
    mine = client_for(people["community_staff"]).get("/api/v1/sensing/devices/").json()["results"]
    assert {d["device_id"] for d in mine} == {"BRK-001", "WR-001", "DOOR-001", "WL-001"}
    theirs = client_for(people["outsider"]).get("/api/v1/sensing/devices/").json()["results"]
    assert {d["device_id"] for d in theirs} == {"BRK-GS-1"}
    wearable = next(d for d in mine if d["device_id"] == "WR-001")
    assert wearable["contacts"][0]["phone"] != "13600136000" and "*" in wearable["contacts"][0]["phone"]


def test_another_communitys_device_and_alarm_are_not_found(sensors):
    at = NOW.isoformat()
    ingest([Raw("WR-001", "events", {"msg_id": "s1", "ts": at, "event": "sos", "data": {}})])
    alarm = Alarm.objects.get()
    outsider = client_for(sensors.world.people["outsider"])
    assert outsider.get("/api/v1/sensing/devices/WR-001/").status_code == 404
    assert outsider.get(f"/api/v1/sensing/alarms/{alarm.pk}/").status_code == 404
    assert outsider.post(f"/api/v1/sensing/alarms/{alarm.pk}/clear/", {"note": "x"}).status_code == 404
    assert outsider.get("/api/v1/sensing/alarms/").json()["results"] == []


def test_alarms_filter_by_status_device_and_type_and_carry_their_case(sensors):
    at = NOW.isoformat()
    ingest(
        [
            Raw("WR-001", "events", {"msg_id": "s1", "ts": at, "event": "sos", "data": {}}),
            Raw("WR-001", "events", {"msg_id": "f1", "ts": at, "event": "fall", "data": {}}),
        ]
    )
    staff = client_for(sensors.world.people["community_staff"])
    rows = staff.get(
        "/api/v1/sensing/alarms/", {"status": "active", "device": "WR-001", "type": "sos"}
    ).json()["results"]
    assert len(rows) == 1
    row = rows[0]
    assert {k: row[k] for k in ("device", "type", "severity", "status")} == {
        "device": "WR-001",
        "type": "sos",
        "severity": "critical",
        "status": "active",
    }
    case_id = Alarm.objects.get(type="sos").case_id
    assert case_id is not None and row["case"] == case_id
    assert staff.get("/api/v1/sensing/alarms/", {"status": "cleared"}).json()["results"] == []
    assert staff.get("/api/v1/sensing/alarms/", {"status": "nonsense"}).status_code == 400


def test_staff_acknowledge_and_clear_with_a_note_and_clearing_is_terminal(sensors):
    at = NOW.isoformat()
    ingest([Raw("WR-001", "events", {"msg_id": "s1", "ts": at, "event": "sos", "data": {}})])
    alarm = Alarm.objects.get()
    staff = client_for(sensors.world.people["community_staff"])
    assert staff.post(f"/api/v1/sensing/alarms/{alarm.pk}/acknowledge/").json()["acknowledged"] is True
    refused = staff.post(f"/api/v1/sensing/alarms/{alarm.pk}/clear/", {"note": " "}, format="json")
    assert refused.status_code == 400 and "说明" in refused.json()["error"]["message"]
    done = staff.post(f"/api/v1/sensing/alarms/{alarm.pk}/clear/", {"note": "已上门确认安全"}, format="json")
    assert done.json()["status"] == "cleared"
    again = staff.post(f"/api/v1/sensing/alarms/{alarm.pk}/clear/", {"note": "再次"}, format="json")
    assert again.status_code == 409
