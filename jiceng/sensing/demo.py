"""Demo sensing: a few hundred devices across the demo district, an hour of their traffic, and a
handful of incidents left active (leaks, an SOS, gas, a flood point, an unregistered face), with the
cases they opened. Traffic goes through the same ingestion function as ``POST /api/v1/sensing/ingest/``;
live traffic over MQTT is one command away when a broker is running (said at the end)."""

from __future__ import annotations

import datetime as dt
import os
import random
import socket
import subprocess
import sys
from typing import TextIO

from django.conf import settings
from django.utils import timezone

from jiceng.core.plugins import DemoLogin
from jiceng.places.models import Building, Grid
from jiceng.sensing import rules, simulate
from jiceng.sensing.actions import do_register_device
from jiceng.sensing.defaults import ensure_defaults
from jiceng.sensing.ingest import Raw, ingest
from jiceng.sensing.models import Alarm, Device, DeviceKind

SIZES = {"tiny": 60, "small": 300, "district": 2000}
MIX = [
    ("breaker", 40),
    ("smoke", 18),
    ("gas", 10),
    ("wearable", 10),
    ("door", 8),
    ("camera", 6),
    ("water_level", 4),
    ("manhole", 3),
    ("sentinel", 1),
]
FAMILY = ["儿子", "女儿", "侄子", "邻居"]


def broker_up(url: str | None = None) -> bool:
    from jiceng.sensing.mqtt import broker_address

    try:
        host, port = broker_address(url)
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except (OSError, ValueError):
        return False


def _phone(rng: random.Random) -> str:
    return "13" + "".join(str(rng.randint(0, 9)) for _ in range(9))


def _devices(count: int, rng: random.Random) -> list[Device]:
    from jiceng.cases.intake import Located
    from jiceng.registry.models import Person

    buildings = list(Building.objects.select_related("grid").order_by("code")[:4000])
    grids = list(Grid.objects.order_by("code"))
    if not buildings or not grids:
        return []
    kinds = {k.code: k for k in DeviceKind.objects.all()}
    elders = list(Person.objects.filter(care_tags__isnull=False).exclude(care_tags=[]).order_by("pk")[:500])
    elders = [p for p in elders if "独居老人" in (p.care_tags or [])] or elders
    pool = [code for code, weight in MIX for _ in range(weight)]
    made = []
    for n in range(count):
        kind = kinds[pool[n % len(pool)]]
        building = buildings[rng.randrange(len(buildings))]
        located = Located(building.grid, building.code, building.address, building.lat, building.lng)
        contacts, person = [], None
        if kind.code == "wearable" and elders:
            person = elders[n % len(elders)]
            contacts = [{"name": rng.choice(FAMILY), "phone": _phone(rng)}]
        if kind.code == "water_level":
            grid = grids[rng.randrange(len(grids))]
            located = Located(grid, "", f"{grid.name}积水点", grid.center_lat, grid.center_lng)
            contacts = [{"name": f"联系人{i}", "phone": _phone(rng)} for i in range(1, 5)]
        device, _created = do_register_device(
            f"DEMO-{kind.code.upper()}-{n:05d}",
            kind,
            name=f"{located.address[-12:]}{kind.name}",
            contacts=contacts,
            person=person,
            installed_on=timezone.localdate() - dt.timedelta(days=rng.randint(30, 700)),
            located=located,
        )
        made.append(device)
    return made


def _incidents(devices: list[Device], now: dt.datetime) -> list[Raw]:
    """A few things happening right now, so the desk and the screen have something to show."""
    by_kind: dict[str, list[Device]] = {}
    for d in devices:
        by_kind.setdefault(d.kind.code, []).append(d)
    raws: list[Raw] = []

    def add(device: Device, channel: str, seconds: int, body: dict) -> None:
        stamp = (now - dt.timedelta(seconds=seconds)).isoformat()
        raws.append(
            Raw(device.device_id, channel, {"msg_id": f"demo-{len(raws)}", "ts": stamp, **body}, "http")
        )

    for device in by_kind.get("breaker", [])[:3]:
        for s in (40, 30, 20, 10):
            add(device, "telemetry", s, {"values": {"leakage_ma": 38.0 + s / 10}})
    for device in by_kind.get("wearable", [])[:2]:
        add(device, "events", 120, {"event": "sos", "data": {}})
    for device in by_kind.get("gas", [])[:1]:
        add(device, "telemetry", 90, {"values": {"gas_lel": 31.0}})
    for device in by_kind.get("water_level", [])[:1]:
        for s in (200, 120, 60):
            add(device, "telemetry", s, {"values": {"water_cm": 22.0}})
    for device in by_kind.get("door", [])[:2]:
        add(device, "events", 300, {"event": "unregistered_face", "data": {}})
    for device, label in zip(
        by_kind.get("camera", [])[:3], ["street_vending", "trash_overflow", "crowd"], strict=False
    ):
        add(device, "events", 600, {"event": label, "data": {"confidence": 0.93}})
    return raws


def load(scale: str, out: TextIO) -> list[DemoLogin]:
    ensure_defaults()
    if Device.objects.exists():
        out.write("物联感知演示：已有设备，跳过。\n")
        return []
    rng = random.Random(12)
    devices = _devices(SIZES.get(scale, 300), rng)
    if not devices:
        out.write("物联感知演示：未找到楼栋与网格（请先载入地址库演示数据），已跳过。\n")
        return []
    now = timezone.now().replace(microsecond=0)
    # An hour of ordinary traffic, replayed through the ingestion entry the HTTP endpoint uses.
    sim = [simulate.SimDevice(d.device_id, d.kind.code) for d in devices]
    sender = simulate.DirectSender(batch=500)
    total = 0
    for device_id, channel, body in simulate.messages(
        sim, rate=len(sim) / 60, minutes=58, faults=True, start=now - dt.timedelta(minutes=60)
    ):
        sender.send(device_id, channel, body)
        total += 1
    sender.flush()
    result = sender.result
    result.add(ingest(_incidents(devices, now)))
    # A few devices fell silent hours ago: the offline rule notices them.
    silent = [d.pk for d in devices if d.kind.code in ("smoke", "manhole")][:6]
    Device.objects.filter(pk__in=silent).update(last_seen_at=now - dt.timedelta(days=1))
    rules.sweep(now)
    active = Alarm.objects.filter(status="active").count()
    cases = Alarm.objects.exclude(case=None).count()
    out.write(
        f"物联感知演示：{len(devices)} 台设备，{total} 条消息（含重复、乱序与坏报文 {result.dead} 条死信），"
        f"告警中 {active} 条，已转工单 {cases} 件。\n"
    )
    url = settings.JICENG_MQTT_URL
    if broker_up(url):
        out.write(
            f"物联感知演示：MQTT 代理 {url} 可用，启动服务时将在后台运行接入进程与模拟器（随服务一起停止）。\n"
        )
    else:
        out.write(
            f"物联感知演示：未连接到 MQTT 代理（{url}），演示数据经 HTTP 接入入口写入，不启动模拟器；"
            "安装并启动 Mosquitto 后可用 `jiceng sensing ingest` 接收实时数据。\n"
        )
    return []


def live(out: TextIO, url: str | None = None) -> list[subprocess.Popen[bytes]]:
    """Live traffic beside the demo server (``jiceng demo`` calls it before serving and stops what it
    returns afterwards): the ingest worker and a slow simulator, only when a broker answers at
    ``MQTT_URL``. Without one it starts nothing and never fails."""
    url = url or settings.JICENG_MQTT_URL
    if not broker_up(url):
        return []
    count = Device.objects.exclude(status="retired").count()
    if not count:
        return []
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": os.environ.get("DJANGO_SETTINGS_MODULE", "jiceng.settings"),
    }
    django = [sys.executable, "-m", "django"]
    commands = [
        [*django, "sensing", "ingest", "--mqtt", url, "--client-id", "jiceng-demo-ingest"],
        [
            *django,
            "sensing",
            "simulate",
            "--devices",
            str(count),
            "--rate",
            "5",
            "--minutes",
            "600",
            "--mqtt",
            url,
        ],
    ]
    started = []
    try:
        for command in commands:
            started.append(subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL))  # noqa: S603
    except OSError as exc:
        for proc in started:
            proc.terminate()
        out.write(f"物联感知演示：无法启动实时数据（{exc}），仅有已载入的演示数据。\n")
        return []
    out.write(f"物联感知演示：已在后台运行接入进程与模拟器（{count} 台设备，每秒 5 条，经 {url}）。\n")
    return started
