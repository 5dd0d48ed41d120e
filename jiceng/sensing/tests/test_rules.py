"""Clock rules (offline, no movement for people living alone), the door's unregistered faces, and rule
edits in the admin (audited)."""

from __future__ import annotations

import datetime as dt

from django.test import Client
from django.utils import timezone

from jiceng.registry.models import TaskKind, VerificationTask
from jiceng.sensing import rules
from jiceng.sensing.ingest import Raw, ingest
from jiceng.sensing.models import Alarm, AlarmStatus, Device, DeviceStatus, Rule, RuleChange

NOW = timezone.now().replace(microsecond=0)


def reading(device: str, msg_id: str, at: dt.datetime, **values: float) -> Raw:
    return Raw(device, "telemetry", {"msg_id": msg_id, "ts": at.isoformat(), "values": values})


def door(msg_id: str, at: dt.datetime, name: str) -> Raw:
    return Raw("DOOR-001", "events", {"msg_id": msg_id, "ts": at.isoformat(), "event": name, "data": {}})


def test_a_silent_breaker_goes_offline_with_one_alarm_and_comes_back_with_its_next_message(sensors):
    ingest([reading("BRK-001", "a", NOW - dt.timedelta(minutes=40), leakage_ma=3.0)])
    Device.objects.filter(device_id="BRK-001").update(last_seen_at=NOW - dt.timedelta(minutes=40))
    rules.sweep(NOW)
    rules.sweep(NOW + dt.timedelta(minutes=1))
    alarm = Alarm.objects.get(type="offline")
    assert alarm.severity == "warning" and alarm.case is None
    assert Device.objects.get(device_id="BRK-001").status == DeviceStatus.OFFLINE
    ingest([reading("BRK-001", "b", NOW, leakage_ma=3.0)])
    assert Alarm.objects.get(type="offline").status == AlarmStatus.CLEARED
    assert Device.objects.get(device_id="BRK-001").status == DeviceStatus.ACTIVE


def test_an_elder_living_alone_with_no_movement_for_a_day_raises_one_alarm_and_a_case(sensors):
    Device.objects.filter(device_id="WR-001").update(created_at=NOW - dt.timedelta(days=3))
    ingest(
        [
            Raw(
                "WR-001",
                "events",
                {
                    "msg_id": "mv",
                    "ts": (NOW - dt.timedelta(hours=30)).isoformat(),
                    "event": "movement",
                    "data": {},
                },
            )
        ]
    )
    rules.sweep(NOW)
    rules.sweep(NOW)
    alarm = Alarm.objects.get(type="no_movement", device__device_id="WR-001")
    assert alarm.severity == "major" and alarm.case.event_type.code == "GZ04"
    # a movement clears it
    ingest(
        [Raw("WR-001", "events", {"msg_id": "mv2", "ts": NOW.isoformat(), "event": "movement", "data": {}})]
    )
    assert Alarm.objects.get(type="no_movement").status == AlarmStatus.CLEARED


def test_no_movement_ignores_devices_of_people_without_the_care_tag(sensors):
    sensors.elder.care_tags = []
    sensors.elder.save()
    Device.objects.filter(device_id="WR-001").update(created_at=NOW - dt.timedelta(days=3))
    rules.sweep(NOW)
    assert not Alarm.objects.filter(type="no_movement").exists()


def test_an_unregistered_face_becomes_one_verification_task_for_the_buildings_grid(sensors):
    ingest([door("f1", NOW - dt.timedelta(minutes=3), "unregistered_face")])
    ingest([door("f2", NOW - dt.timedelta(minutes=2), "unregistered_face"), door("o1", NOW, "opened")])
    alarm = Alarm.objects.get(type="unregistered_face")
    assert alarm.count == 2 and alarm.case is None
    task = VerificationTask.objects.get()
    assert task.kind == TaskKind.COLLECTION
    assert task.grid == sensors.world.grids["haiyu1"]
    assert task.details["count"] == 2 and task.details["device"] == "DOOR-001"
    assert "image" not in str(task.details)


def test_a_rule_edited_in_the_admin_takes_effect_and_is_audited(sensors):
    admin = sensors.world.people["admin"]
    admin.is_staff = admin.is_superuser = True
    admin.save()
    client = Client()
    client.force_login(admin)
    rule = Rule.objects.get(kind__code="breaker", alarm_type="overcurrent")
    form = {
        "kind": rule.kind_id,
        "alarm_type": rule.alarm_type,
        "name": rule.name,
        "condition": rule.condition,
        "measurement": rule.measurement,
        "op": ">",
        "value": "50",
        "duration_s": "0",
        "clear_value": "45",
        "events": "",
        "clear_events": "",
        "minutes": "",
        "care_tag": "",
        "severity": "minor",
        "case_type": "",
        "is_active": "on",
    }
    response = client.post(f"/admin/sensing/rule/{rule.pk}/change/", form)
    assert response.status_code == 302, response.content.decode()[:2000]
    change = RuleChange.objects.get(object_type="rule", object_id=rule.pk)
    assert change.user == admin and change.changes["value"] == [63.0, 50.0]
    ingest([reading("BRK-001", "c", NOW, current_a=55.0)])
    assert Alarm.objects.get(type="overcurrent").last_value == 55.0
