"""Exporting the address library in the import formats (``jiceng export KIND FILE``).

The columns are those of ``places.importers.COLUMNS``, so an exported file imports back unchanged.
CSV (UTF-8 with BOM, which Excel opens correctly) or .xlsx by the file's suffix. Rows stream from the
database in code order, so a 3.6 M-room export runs in bounded memory.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from jiceng.core.importing import ImportFileError
from jiceng.lib.cells import csv_writer, safe_row
from jiceng.places.importers import COLUMNS
from jiceng.places.models import Building, Division, Grid, Room

CHUNK = 5000


def _division_rows() -> Iterator[list[Any]]:
    query = Division.objects.order_by("code").values_list("code", "name", "level", "parent__code")
    for code, name, level, parent in query.iterator(CHUNK):
        yield [code, name, level, parent or ""]


def _grid_rows() -> Iterator[list[Any]]:
    for code, name, polygon in (
        Grid.objects.order_by("code").values_list("code", "name", "polygon").iterator(CHUNK)
    ):
        yield [code, name, json.dumps(json.loads(polygon), separators=(",", ":")) if polygon else ""]


def _building_rows() -> Iterator[list[Any]]:
    query = Building.objects.order_by("code").values_list("code", "address", "lat", "lng", "floors", "kind")
    for code, address, lat, lng, floors, kind in query.iterator(CHUNK):
        yield [code, address, "" if lat is None else lat, "" if lng is None else lng, floors, kind]


def _room_rows() -> Iterator[list[Any]]:
    query = Room.objects.order_by("code").values_list("code", "room_no", "floor", "area_m2", "use")
    for code, room_no, floor, area, use in query.iterator(CHUNK):
        yield [code, room_no, floor, "" if area is None else f"{area:.2f}", use]


def write_table(path: Path, header: list[str], rows: Iterable[list[Any]]) -> int:
    """Write ``rows`` under ``header`` to a .csv or .xlsx file; return the number of rows."""
    path = Path(path)
    suffix = path.suffix.lower()
    count = 0
    if suffix == ".csv":
        with path.open("w", encoding="utf-8-sig", newline="") as fh:
            writer = csv_writer(fh)
            writer.writerow(header)
            for row in rows:
                writer.writerow(row)
                count += 1
        return count
    if suffix == ".xlsx":
        from openpyxl import Workbook

        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet()
        sheet.append(safe_row(header))
        for row in rows:
            # Codes are text: written as numbers, Excel would show 4.40306E+24 and lose digits.
            sheet.append(safe_row(str(v) if i == 0 else v for i, v in enumerate(row)))
            count += 1
        workbook.save(path)
        return count
    raise ImportFileError(f"不支持的文件类型“{path.suffix}”：请使用 .csv 或 .xlsx")


def _exporter(kind: str, rows: Any) -> Any:
    def export(path: Path | str, **options: Any) -> int:
        return write_table(Path(path), COLUMNS[kind], rows())

    export.__name__ = f"export_{kind}"
    return export


EXPORTERS = {
    "divisions": _exporter("divisions", _division_rows),
    "grids": _exporter("grids", _grid_rows),
    "buildings": _exporter("buildings", _building_rows),
    "rooms": _exporter("rooms", _room_rows),
}
