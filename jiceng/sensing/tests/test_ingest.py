"""The one ingestion path: dedupe, validation into dead letters, out-of-order tolerance, alarms → cases."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from jiceng.cases.models import Case, CaseEvent, Channel, Notification
from jiceng.sensing.ingest import Raw, ingest
from jiceng.sensing.models import Alarm, AlarmStatus, DeadLetter, DeviceState, Receipt, Telemetry

BASE = timezone.now().replace(microsecond=0) - dt.timedelta(minutes=10)


def at(seconds: float) -> str:
    return (BASE + dt.timedelta(seconds=seconds)).isoformat()


def reading(device: str, msg_id: str, seconds: float, **values: float) -> Raw:
    return Raw(device, "telemetry", {"msg_id": msg_id, "ts": at(seconds), "values": values})


def event(device: str, msg_id: str, seconds: float, name: str, **data: object) -> Raw:
    return Raw(device, "events", {"msg_id": msg_id, "ts": at(seconds), "event": name, "data": data})


def test_a_repeated_msg_id_from_the_same_device_is_recorded_once(sensors):
    first = ingest([reading("BRK-001", "m1", 0, leakage_ma=5.0)])
    again = ingest([reading("BRK-001", "m1", 0, leakage_ma=5.0), reading("BRK-001", "m1", 0, leakage_ma=5.0)])
    assert (first.accepted, again.accepted, again.duplicates) == (1, 0, 2)
    assert Telemetry.objects.count() == 1
    assert Receipt.objects.count() == 1


def test_the_same_msg_id_from_two_devices_is_two_messages(sensors):
    result = ingest(
        [reading("BRK-001", "m1", 0, leakage_ma=5.0), reading("BRK-GS-1", "m1", 0, leakage_ma=5.0)]
    )
    assert result.accepted == 2


def test_bad_payloads_become_dead_letters_with_a_chinese_reason_and_the_rest_goes_on(sensors):
    future = (timezone.now() + dt.timedelta(days=2)).isoformat()
    result = ingest(
        [
            Raw("BRK-001", "telemetry", b"{not json"),
            Raw("NOPE-1", "telemetry", {"msg_id": "x", "ts": at(0), "values": {"leakage_ma": 1.0}}),
            reading("BRK-001", "r1", 0, leakage_ma=5000.0),
            Raw("BRK-001", "telemetry", {"msg_id": "f1", "ts": future, "values": {"leakage_ma": 1.0}}),
            event("WR-001", "e1", 0, "dance"),
            reading("BRK-001", "ok1", 1, leakage_ma=3.0),
        ]
    )
    assert (result.accepted, result.dead) == (1, 5)
    reasons = dict(DeadLetter.objects.values_list("code", "reason"))
    assert set(reasons) == {"malformed", "unknown_device", "out_of_range", "future_ts", "unknown_event"}
    assert "未登记的设备" in reasons["unknown_device"]
    assert "超出有效范围" in reasons["out_of_range"]


def test_leakage_held_past_its_duration_raises_one_alarm_and_one_case_that_repeats_absorb(sensors):
    # given leakage above 30 mA, first for 5 s (not yet), then held for 10 s and more
    ingest([reading("BRK-001", "a", 0, leakage_ma=42.0), reading("BRK-001", "b", 5, leakage_ma=43.0)])
    assert not Alarm.objects.exists()
    ingest([reading("BRK-001", "c", 10, leakage_ma=44.0)])
    ingest([reading("BRK-001", "d", 15, leakage_ma=45.0), reading("BRK-001", "e", 20, leakage_ma=46.0)])
    # then
    alarm = Alarm.objects.get()
    assert (alarm.type, alarm.severity, alarm.status, alarm.count, alarm.last_value) == (
        "leakage_high",
        "major",
        "active",
        3,
        46.0,
    )
    case = Case.objects.get()
    assert case.channel == Channel.SENSOR and case.event_type.code == "GZ05"
    assert alarm.case_id == case.pk and case.alarm == alarm
    assert case.grid_code == sensors.devices["breaker"].grid_code
    sms = Notification.objects.get(kind="sensor_alarm")
    assert sms.data["phones"] == ["13600136000"]


def test_a_reading_back_under_the_clear_value_clears_the_alarm_and_notes_it_on_the_case(sensors):
    ingest([reading("BRK-001", "a", 0, leakage_ma=42.0), reading("BRK-001", "b", 10, leakage_ma=42.0)])
    ingest([reading("BRK-001", "c", 20, leakage_ma=25.0)])  # between clear (20) and limit (30): still on
    assert Alarm.objects.get().status == AlarmStatus.ACTIVE
    ingest([reading("BRK-001", "d", 30, leakage_ma=12.0)])
    alarm = Alarm.objects.get()
    assert alarm.status == AlarmStatus.CLEARED
    assert CaseEvent.objects.filter(case=alarm.case, action="alarm_cleared").count() == 1


def test_a_late_reading_does_not_reopen_a_cleared_alarm(sensors):
    ingest([reading("BRK-001", "a", 0, leakage_ma=42.0), reading("BRK-001", "b", 10, leakage_ma=42.0)])
    ingest([reading("BRK-001", "c", 30, leakage_ma=2.0)])
    # a reading from before the clearing arrives late (broker redelivery, gateway buffer)
    ingest(
        [reading("BRK-001", "late1", 12, leakage_ma=50.0), reading("BRK-001", "late2", 20, leakage_ma=50.0)]
    )
    assert Alarm.objects.count() == 1
    assert Alarm.objects.get().status == AlarmStatus.CLEARED
    assert DeviceState.objects.get(device=sensors.devices["breaker"]).values["leakage_ma"] == 2.0


def test_a_late_sos_from_before_a_clearing_does_not_reopen_it_but_a_new_one_does(sensors):
    ingest([event("WR-001", "s1", 0, "sos")])
    alarm = Alarm.objects.get()
    from jiceng.sensing.actions import do_clear

    do_clear(alarm, note="已上门，误触", at=BASE + dt.timedelta(seconds=60))
    ingest([event("WR-001", "s0", 30, "sos")])  # pressed before the clearing, delivered after
    assert Alarm.objects.count() == 1
    ingest([event("WR-001", "s2", 120, "sos")])
    assert Alarm.objects.count() == 2
    assert Alarm.objects.filter(status=AlarmStatus.ACTIVE).count() == 1
    assert Case.objects.count() == 2


def test_an_sos_is_critical_opens_a_case_and_texts_the_family_urgently(sensors):
    ingest([event("WR-001", "s1", 0, "sos")])
    alarm = Alarm.objects.get()
    assert alarm.severity == "critical" and alarm.case.event_type.code == "GZ01"
    note = Notification.objects.get(kind="sensor_alarm")
    assert note.data["urgent"] is True and note.data["phones"] == ["13600136000"]
    assert note.data["users"] == [sensors.world.people["grid_worker"].pk]


def test_a_minor_alarm_opens_no_case(sensors):
    ingest([reading("BRK-001", "a", 0, current_a=70.0), reading("BRK-001", "b", 61, current_a=70.0)])
    alarm = Alarm.objects.get()
    assert alarm.severity == "minor" and alarm.case is None
    assert not Case.objects.exists()


def test_life_safety_alarms_open_cases_due_in_minutes_on_the_wall_clock(sensors):
    from jiceng.cases.models import EventType
    from jiceng.sensing.models import Rule

    # every case type a shipped rule names exists; life-safety ones count minutes, not working hours
    for rule in Rule.objects.exclude(case_type=""):
        item = EventType.objects.get(code=rule.case_type)
        if rule.severity == "critical" or rule.case_type.startswith("GZ"):
            assert (item.dispatch_unit, item.accept_unit, item.handle_unit) == ("minute",) * 3, rule
    ingest([event("WR-001", "s1", 0, "sos"), event("WR-001", "f1", 1, "fall")])
    sos = Alarm.objects.get(type="sos").case
    fall = Alarm.objects.get(type="fall").case
    assert (sos.event_type.code, fall.event_type.code) == ("GZ01", "GZ02")
    for case in (sos, fall):
        assert case.due_at - case.registered_at <= dt.timedelta(minutes=15)  # dispatch 10, accept 15
        assert case.resident_due_at - case.registered_at == dt.timedelta(minutes=180)
