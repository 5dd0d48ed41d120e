"""The command centre's alarm layer, "now" figure and live feed read the active sensing alarms."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from jiceng.command import stats
from jiceng.sensing.actions import do_clear
from jiceng.sensing.ingest import Raw, ingest
from jiceng.sensing.models import Alarm

NOW = timezone.now().replace(microsecond=0) - dt.timedelta(minutes=5)


def sos(device: str, msg_id: str) -> Raw:
    return Raw(device, "events", {"msg_id": msg_id, "ts": NOW.isoformat(), "event": "sos", "data": {}})


def test_the_screen_counts_maps_and_lists_active_alarms_and_forgets_cleared_ones(sensors):
    ingest(
        [
            sos("WR-001", "s1"),
            Raw(
                "BRK-001", "telemetry", {"msg_id": "c1", "ts": NOW.isoformat(), "values": {"current_a": 70.0}}
            ),
            Raw(
                "BRK-001",
                "telemetry",
                {
                    "msg_id": "c2",
                    "ts": (NOW + dt.timedelta(seconds=61)).isoformat(),
                    "values": {"current_a": 70.0},
                },
            ),
        ]
    )
    assert Alarm.objects.filter(status="active").count() == 2
    f = stats.filters_for(sensors.world.people["admin"], {"division": "440306001001"})
    assert stats.kpis(f)["now"]["alarms"] == 2
    layer = {item["code"]: item["value"] for item in stats.map_values(f, "alarms")["items"]}
    assert layer[sensors.world.grids["haiyu1"].code] == 2
    titles = [a["title"] for a in stats.feed(f)["alarms"]]
    assert any("一键呼救" in t for t in titles)
    do_clear(Alarm.objects.get(type="sos"), note="已处置")
    assert stats.kpis(f)["now"]["alarms"] == 1


def test_another_streets_screen_does_not_see_these_alarms(sensors):
    ingest([sos("WR-001", "s1")])
    f = stats.filters_for(sensors.world.people["admin"], {"division": "440306002"})
    assert stats.kpis(f)["now"]["alarms"] == 0
    assert stats.feed(f)["alarms"] == []
