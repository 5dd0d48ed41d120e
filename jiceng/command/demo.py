"""Demo: bring the command centre's rollups up to date with the demo cases (runs after cases)."""

from __future__ import annotations

from typing import TextIO

from jiceng.command import rollup
from jiceng.core.plugins import DemoLogin


def load(scale: str, out: TextIO) -> list[DemoLogin]:
    done = rollup.catch_up()
    care = rollup.refresh_care()
    out.write(f"指挥中心：汇总 {done.events} 条工单事件，关爱对象 {care} 条楼栋统计。\n")
    return []
