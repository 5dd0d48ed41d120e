"""``jiceng import devices FILE``: all or nothing, with a Chinese row report."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from jiceng.sensing.models import Device

HEADER = "device_id,kind,location_code,lat,lng,name,contacts\n"


def write(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "devices.csv"
    path.write_text(HEADER + body, encoding="utf-8")
    return path


def test_devices_import_with_their_place_resolved_to_a_grid(sensors, tmp_path):
    room = sensors.world.rooms["haiyu2"].code
    grid = sensors.world.grids["gushu2"]
    path = write(
        tmp_path,
        f"IMP-1,breaker,{room},,,二号楼空开,张三:13800138001;李四:13800138002\n"
        f"IMP-2,water_level,,{grid.center_lat},{grid.center_lng},固戍积水点,13800138003\n",
    )
    out = StringIO()
    call_command("import", "devices", str(path), stdout=out)
    assert "新增 2" in out.getvalue()
    one = Device.objects.get(device_id="IMP-1")
    assert one.grid_code == sensors.world.grids["haiyu2"].code and one.building_code == room[:19]
    assert one.contacts == [
        {"name": "张三", "phone": "13800138001"},
        {"name": "李四", "phone": "13800138002"},
    ]
    assert Device.objects.get(device_id="IMP-2").grid_code == grid.code


def test_one_bad_row_imports_nothing_and_says_which_row_and_why(sensors, tmp_path):
    room = sensors.world.rooms["haiyu2"].code
    path = write(
        tmp_path,
        f"IMP-1,breaker,{room},,,,\nIMP-2,toaster,,,,,\nIMP-3,smoke,{room},,,,张三:123\nIMP-4,gas,,,,,\n",
    )
    err = StringIO()
    with pytest.raises(CommandError):
        call_command("import", "devices", str(path), stderr=err)
    report = err.getvalue()
    assert "第 3 行" in report and "未知的设备类型" in report
    assert "第 4 行" in report and "手机号" in report
    assert "第 5 行" in report and "位置" in report
    assert not Device.objects.filter(device_id__startswith="IMP-").exists()
