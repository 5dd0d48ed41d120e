"""Pages: devices with their online rate, a device's chart data and alarms, the alarm desk."""

from __future__ import annotations

import datetime as dt

from django.test import Client
from django.utils import timezone

from jiceng.cases.models import CaseEvent
from jiceng.org.models import AccessLog
from jiceng.sensing.ingest import Raw, ingest
from jiceng.sensing.models import Alarm, AlarmStatus, Device, DeviceStatus
from jiceng.testing import PASSWORD

NOW = timezone.now().replace(microsecond=0) - dt.timedelta(minutes=5)


def login(user) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


def test_the_device_list_shows_the_communitys_devices_and_its_online_rate(sensors):
    Device.objects.filter(device_id="DOOR-001").update(status=DeviceStatus.OFFLINE)
    page = login(sensors.world.people["community_staff"]).get("/sensing/")
    html = page.content.decode()
    assert page.status_code == 200
    assert "BRK-001" in html and "BRK-GS-1" not in html
    assert page.context["total"] == 4 and page.context["online"] == 3 and page.context["rate"] == 75.0


def test_a_device_page_charts_its_telemetry_and_lists_its_alarms(sensors):
    ingest(
        [
            Raw(
                "BRK-001",
                "telemetry",
                {
                    "msg_id": f"m{i}",
                    "ts": (NOW + dt.timedelta(seconds=5 * i)).isoformat(),
                    "values": {"leakage_ma": 40.0, "current_a": 10.0},
                },
            )
            for i in range(4)
        ]
    )
    page = login(sensors.world.people["community_staff"]).get("/sensing/BRK-001/")
    assert page.status_code == 200
    names = [s["name"] for s in page.context["series"]]
    assert any("漏电电流" in n for n in names) and len(page.context["series"][0]["data"]) == 4
    assert "漏电超限" in page.content.decode()


def test_contacts_are_shown_to_community_staff_with_an_access_log_row(sensors):
    page = login(sensors.world.people["community_staff"]).get("/sensing/WR-001/")
    assert "13600136000" in page.content.decode()
    assert AccessLog.objects.filter(subject_type="sensing_device").exists()


def test_another_communitys_device_page_is_not_found(sensors):
    assert login(sensors.world.people["outsider"]).get("/sensing/BRK-001/").status_code == 404
    assert login(sensors.world.people["resident"]).get("/sensing/").status_code == 404


def test_the_alarm_desk_acknowledges_and_clears_with_a_note_and_the_case_hears_of_it(sensors):
    ingest([Raw("WR-001", "events", {"msg_id": "s", "ts": NOW.isoformat(), "event": "sos", "data": {}})])
    alarm = Alarm.objects.get()
    staff = login(sensors.world.people["community_staff"])
    desk = staff.get("/sensing/alarms/")
    assert "一键呼救" in desk.content.decode()
    staff.post(f"/sensing/alarms/{alarm.pk}/acknowledge/")
    refused = staff.post(f"/sensing/alarms/{alarm.pk}/clear/", {"note": ""}, follow=True)
    assert "解除告警请填写说明" in refused.content.decode()
    staff.post(f"/sensing/alarms/{alarm.pk}/clear/", {"note": "已上门，老人安全"})
    alarm.refresh_from_db()
    assert (
        alarm.acknowledged
        and alarm.status == AlarmStatus.CLEARED
        and alarm.cleared_by == sensors.world.people["community_staff"]
    )
    event = CaseEvent.objects.get(case=alarm.case, action="alarm_cleared")
    assert "已上门，老人安全" in event.reason


def test_an_outsider_cannot_clear_another_communitys_alarm(sensors):
    ingest([Raw("WR-001", "events", {"msg_id": "s", "ts": NOW.isoformat(), "event": "sos", "data": {}})])
    alarm = Alarm.objects.get()
    response = login(sensors.world.people["outsider"]).post(
        f"/sensing/alarms/{alarm.pk}/clear/", {"note": "x"}
    )
    assert response.status_code == 404
    assert Alarm.objects.get().status == AlarmStatus.ACTIVE


def test_the_device_map_draws_its_grids_outlines_from_our_places_data(sensors):
    # the base layer: the outlines of the grids with the community's devices, no tile server
    page = login(sensors.world.people["community_staff"]).get("/sensing/")
    outlines = {o["code"]: o for o in page.context["outlines"]}
    assert sensors.world.grids["haiyu1"].code in outlines
    assert sensors.world.grids["gushu1"].code not in outlines  # another community's grid
    ring = outlines[sensors.world.grids["haiyu1"].code]["rings"][0]
    assert len(ring) >= 4 and ring[0] == ring[-1]
    assert 'id="grid-outlines"' in page.content.decode()


def test_the_demo_starts_no_live_traffic_without_a_broker_and_says_so(sensors):
    import io

    from jiceng.lib.pgcluster import free_port
    from jiceng.sensing import demo

    out = io.StringIO()
    closed = f"mqtt://127.0.0.1:{free_port()}"  # nothing listens there
    assert demo.broker_up(closed) is False
    assert demo.live(out, closed) == []
    assert out.getvalue() == ""
