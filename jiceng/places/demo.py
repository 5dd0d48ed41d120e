"""The demo district's address library: the generator's files loaded through the real importers."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import TextIO

from jiceng.core.exceptions import JicengError
from jiceng.core.plugins import DemoLogin
from jiceng.places import generate
from jiceng.places.importers import IMPORTERS

ORDER = ("divisions", "grids", "buildings", "rooms")


def load(scale: str = "small", out: TextIO | None = None) -> list[DemoLogin]:
    """Load Bao'an's divisions, grids, buildings and rooms at ``scale`` (small or district).

    Places has no logins of its own, so the list is empty.
    """
    with tempfile.TemporaryDirectory(prefix="jiceng-places-") as tmp:
        generate.write(scale, Path(tmp), progress=False)
        for kind in ORDER:
            report = IMPORTERS[kind](Path(tmp) / f"{kind}.csv", source="demo")
            if not report.ok:
                raise JicengError(f"演示地址库导入失败：{report.errors[0]}")
            if out is not None:
                out.write(f"地址库 {kind}：{report.rows} 行\n")
    return []
