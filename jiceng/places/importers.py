"""Importing the address library: divisions, grids, buildings, rooms (``jiceng import KIND FILE``).

Every import is all-or-nothing. The whole file is checked first — code structure, parent present in
the database or earlier in the same file, duplicates within the file, numbers, polygons, kind and use
values (code values or Chinese labels) — and nothing is written when any row is bad; each bad row
yields a RowError naming the file, row, column and reason in Chinese. A code already in the database
is updated in place.

Rooms come in millions (Bao'an: 3.6 M), so they have fast paths. A plain file (as generated or
exported: exact header, no quoting) is checked a chunk at a time — on PostgreSQL with numpy, buildings
resolved and room ids written into the stream, PostgreSQL parsing the CSV and its CHECK constraints
checking the values; on SQLite (where the file's codes must also be in ascending order, so none can
repeat) a column at a time, each distinct value checked once, and inserted 100 rows per statement. Any other file, or a plain one with a bad row, goes through one
Python pass that checks every row and names each bad one.

On PostgreSQL the import locks the room table against other writers, reserves one block of ids from
its sequence (two statements instead of one call per row) and, when the file is large compared with
the rooms already there, drops the table's secondary indexes and foreign key for the load and rebuilds
them after it, inside the same transaction: building an index once is several times faster than
updating it row by row. Into an empty room table the primary key and the foreign keys pointing at rooms
are rebuilt too (with no room there is nothing they can point at, and adding them back checks them
again). A code that already exists (a re-import) surfaces as a unique violation, and the batch is then
redone through a staging table with ``ON CONFLICT DO UPDATE``. On SQLite a large load drops and
rebuilds the building index (the code index is the table's UNIQUE constraint and stays) and runs with
a larger page cache.
"""

from __future__ import annotations

import contextlib
import csv
import json
import logging
import re
from array import array
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import Any, TextIO

from django.conf import settings
from django.db import IntegrityError, connection, transaction

from jiceng.core import importing
from jiceng.core.importing import ImportFileError, ImportReport, RowError, read_rows
from jiceng.lib import codes
from jiceng.lib.codes import CodeKind
from jiceng.places import addresses
from jiceng.places.models import Building, BuildingKind, Division, Grid, Level, Room, RoomUse

logger = logging.getLogger(__name__)

COLUMNS = {
    "divisions": ["code", "name", "level", "parent_code"],
    "grids": ["code", "name", "polygon"],
    "buildings": ["code", "address", "lat", "lng", "floors", "kind"],
    "rooms": ["code", "room_no", "floor", "area_m2", "use"],
}
# A file with this many errors is clearly the wrong file; listing more helps nobody.
MAX_ERRORS = 10_000
# Below this many rows a bulk load is not worth dropping and rebuilding indexes.
BULK_MIN_ROWS = 100_000

_LEVEL_PARENT: dict[str, str] = {Level.STREET: Level.DISTRICT, Level.COMMUNITY: Level.STREET}
_AREA = re.compile(r"\d{1,7}(?:\.\d{1,2})?")
_INT = re.compile(r"-?\d{1,5}")


def _choices(enum: Any) -> dict[str, str]:
    """Accept both the code value and the Chinese label of each choice."""
    mapping: dict[str, str] = {}
    for value, label in enum.choices:
        mapping[value] = value
        mapping[str(label)] = value
    return mapping


LEVELS = _choices(Level)
KINDS = _choices(BuildingKind)
USES = _choices(RoomUse)


class _Errors:
    def __init__(self, file: str) -> None:
        self.file = file
        self.items: list[RowError] = []

    def add(self, row: int, column: str, reason: str) -> None:
        if len(self.items) < MAX_ERRORS:
            self.items.append(RowError(self.file, row, column, reason))

    @property
    def full(self) -> bool:
        return len(self.items) >= MAX_ERRORS

    def __bool__(self) -> bool:
        return bool(self.items)


def _say(stdout: TextIO | None, message: str) -> None:
    if stdout is not None:
        stdout.write(message)


def _count(model: Any) -> int:
    return int(model.objects.count())


# -- field checks -------------------------------------------------------------------------------------


def _int(text: str, low: int, high: int, default: int | None = None) -> tuple[int | None, str | None]:
    if text == "" and default is not None:
        return default, None
    if not _INT.fullmatch(text):
        return None, f"“{text}”不是整数"
    value = int(text)
    if not low <= value <= high:
        return None, f"{value} 超出范围（{low}–{high}）"
    return value, None


def _coordinate(text: str, low: float, high: float, name: str) -> tuple[float | None, str | None]:
    if text == "":
        return None, None
    try:
        value = float(text)
    except ValueError:
        return None, f"{name}“{text}”不是数字"
    if not low <= value <= high:
        return None, f"{name} {value} 超出范围（{low}–{high}）"
    return value, None


def _area(text: str) -> tuple[str | None, str | None]:
    if text == "":
        return None, None
    if not _AREA.fullmatch(text):
        return None, f"面积“{text}”应为非负数，最多两位小数"
    return text, None


def parse_polygon(text: str) -> tuple[Any, str | None]:
    """A shapely Polygon/MultiPolygon from WKT or GeoJSON text, or a Chinese reason it is not usable."""
    import shapely
    from shapely.geometry import shape

    text = text.strip()
    if not text:
        return None, "边界不能为空"
    try:
        if text.startswith("{"):
            data = json.loads(text)
            if data.get("type") == "Feature":
                data = data.get("geometry") or {}
            geometry = shape(data)
        else:
            geometry = shapely.from_wkt(text)
    except Exception as exc:  # noqa: BLE001 — shapely/json raise many kinds on malformed text
        return None, f"边界无法解析（应为 WKT 或 GeoJSON）：{str(exc)[:80]}"
    if geometry.geom_type not in ("Polygon", "MultiPolygon"):
        return None, f"边界应为多边形（Polygon 或 MultiPolygon），实为 {geometry.geom_type}"
    if geometry.is_empty:
        return None, "边界是空多边形"
    if not geometry.is_valid:
        from shapely.validation import explain_validity

        return None, f"边界多边形无效：{explain_validity(geometry)}"
    min_lng, min_lat, max_lng, max_lat = geometry.bounds
    if not (-180 <= min_lng <= max_lng <= 180 and -90 <= min_lat <= max_lat <= 90):
        return None, "边界坐标超出经纬度范围（应为 WGS-84 经度、纬度）"
    return geometry, None


def grid_geometry_fields(geometry: Any) -> dict[str, Any]:
    """The stored GeoJSON text, bounding box and centre of a grid polygon."""
    from shapely.geometry import mapping

    min_lng, min_lat, max_lng, max_lat = geometry.bounds
    center = geometry.centroid
    if not geometry.contains(center):
        center = geometry.representative_point()
    return {
        "polygon": json.dumps(mapping(geometry), separators=(",", ":")),
        "min_lng": min_lng,
        "min_lat": min_lat,
        "max_lng": max_lng,
        "max_lat": max_lat,
        "center_lng": round(center.x, 7),
        "center_lat": round(center.y, 7),
    }


def _check_code(errors: _Errors, number: int, code: str, kind: CodeKind) -> bool:
    if not code:
        errors.add(number, "code", "编码不能为空")
        return False
    reason = codes.error_for(code, kind)
    if reason:
        errors.add(number, "code", reason)
        return False
    return True


def _check_text(errors: _Errors, number: int, column: str, text: str, label: str, max_length: int) -> bool:
    if not text:
        errors.add(number, column, f"{label}不能为空")
        return False
    if len(text) > max_length:
        errors.add(number, column, f"{label}超过 {max_length} 个字")
        return False
    return True


def _rows(path: Path, kind: str, errors: _Errors) -> Iterator[tuple[int, dict[str, str]]]:
    seen: dict[str, int] = {}
    for number, row in read_rows(path, COLUMNS[kind]):
        if errors.full:
            return
        if "__error__" in row:
            errors.add(number, "", row["__error__"])
            continue
        code = row.get("code", "")
        if code and code in seen:
            errors.add(number, "code", f"编码 {code} 在本文件中重复（与第 {seen[code]} 行相同）")
            continue
        if code:
            seen[code] = number
        yield number, row


def _finish(report: ImportReport, errors: _Errors, stdout: TextIO | None) -> ImportReport:
    report.errors = errors.items
    _say(stdout, report.summary())
    return report


# -- divisions ----------------------------------------------------------------------------------------


def import_divisions(path: Path | str, source: str = "", stdout: TextIO | None = None) -> ImportReport:
    path = Path(path)
    report = ImportReport("divisions", path.name)
    errors = _Errors(path.name)
    existing = {d.code: d.level for d in Division.objects.only("code", "level")}
    in_file: dict[str, str] = {}
    valid: list[tuple[str, str, str, str | None]] = []
    for number, row in _rows(path, "divisions", errors):
        report.rows += 1
        code, name, parent = row["code"], row["name"], row["parent_code"]
        level = LEVELS.get(row["level"])
        if level is None:
            errors.add(
                number,
                "level",
                f"层级“{row['level']}”无效，应为 district、street、community 或 区、街道、社区",
            )
            continue
        ok = _check_code(errors, number, code, codes.CodeKind(level))
        ok = _check_text(errors, number, "name", name, "名称", 64) and ok
        if not ok:
            continue
        structural = codes.parent_of(code)
        if level == Level.DISTRICT:
            if parent:
                errors.add(number, "parent_code", "区没有上级，parent_code 应为空")
                continue
            parent_code = None
        else:
            parent_code = parent or structural or ""
            if parent_code != structural:
                errors.add(
                    number, "parent_code", f"上级编码 {parent_code} 与编码 {code} 不符（应为 {structural}）"
                )
                continue
            parent_level = in_file.get(parent_code) or existing.get(parent_code)
            if parent_level is None:
                errors.add(
                    number, "parent_code", f"上级 {parent_code} 不存在（需已导入，或在本文件中更早出现）"
                )
                continue
            if parent_level != _LEVEL_PARENT[level]:
                errors.add(number, "parent_code", f"上级 {parent_code} 的层级不对")
                continue
        in_file[code] = level
        valid.append((code, name, level, parent_code))
    if errors:
        return _finish(report, errors, stdout)
    with transaction.atomic():
        by_code = {d.code: d for d in Division.objects.filter(code__in=[v[0] for v in valid])}
        parents = {d.code: d for d in Division.objects.filter(code__in={v[3] for v in valid if v[3]})}
        for code, name, level, parent_code in valid:
            parent_obj = parents.get(parent_code) if parent_code else None
            division = by_code.get(code)
            if division is None:
                division = Division.objects.create(code=code, name=name, level=level, parent=parent_obj)
                report.created += 1
            elif (division.name, division.level, division.parent_id) != (
                name,
                level,
                getattr(parent_obj, "id", None),
            ):
                division.name, division.level, division.parent = name, level, parent_obj
                division.save(update_fields=["name", "level", "parent"])
                report.updated += 1
            else:
                report.updated += 1
            parents[code] = division
    return _finish(report, errors, stdout)


# -- grids --------------------------------------------------------------------------------------------


def import_grids(path: Path | str, source: str = "", stdout: TextIO | None = None) -> ImportReport:
    path = Path(path)
    report = ImportReport("grids", path.name)
    errors = _Errors(path.name)
    communities = dict(Division.objects.filter(level=Level.COMMUNITY).values_list("code", "id"))
    valid: list[Grid] = []
    for number, row in _rows(path, "grids", errors):
        report.rows += 1
        code, name = row["code"], row["name"]
        ok = _check_code(errors, number, code, CodeKind.GRID)
        ok = _check_text(errors, number, "name", name, "名称", 64) and ok
        geometry, reason = parse_polygon(row["polygon"])
        if reason:
            errors.add(number, "polygon", reason)
            ok = False
        if not ok:
            continue
        community_id = communities.get(code[:12])
        if community_id is None:
            errors.add(number, "code", f"所属社区 {code[:12]} 不存在，请先导入行政区划")
            continue
        valid.append(Grid(code=code, name=name, community_id=community_id, **grid_geometry_fields(geometry)))
    if errors:
        return _finish(report, errors, stdout)
    with transaction.atomic():
        before = _count(Grid)
        Grid.objects.bulk_create(
            valid,
            batch_size=1000,
            update_conflicts=True,
            unique_fields=["code"],
            update_fields=[
                "name",
                "community",
                "polygon",
                "min_lng",
                "min_lat",
                "max_lng",
                "max_lat",
                "center_lng",
                "center_lat",
                "updated_at",
            ],
        )
        report.created = _count(Grid) - before
        report.updated = len(valid) - report.created
    from jiceng.places import geo

    geo.invalidate()
    return _finish(report, errors, stdout)


# -- buildings ----------------------------------------------------------------------------------------


def import_buildings(path: Path | str, source: str = "", stdout: TextIO | None = None) -> ImportReport:
    path = Path(path)
    report = ImportReport("buildings", path.name)
    errors = _Errors(path.name)
    grids = dict(Grid.objects.values_list("code", "id"))
    valid: list[Building] = []
    for number, row in _rows(path, "buildings", errors):
        report.rows += 1
        code, address = row["code"], row["address"]
        ok = _check_code(errors, number, code, CodeKind.BUILDING)
        ok = _check_text(errors, number, "address", address, "地址", 200) and ok
        lat, lat_reason = _coordinate(row["lat"], -90, 90, "纬度")
        if lat_reason:
            errors.add(number, "lat", lat_reason)
            ok = False
        lng, lng_reason = _coordinate(row["lng"], -180, 180, "经度")
        if lng_reason:
            errors.add(number, "lng", lng_reason)
            ok = False
        if not (lat_reason or lng_reason) and (lat is None) != (lng is None):
            errors.add(number, "lat" if lat is None else "lng", "经度和纬度应同时填写或同时留空")
            ok = False
        floors, reason = _int(row["floors"], 1, 200, default=1)
        if reason:
            errors.add(number, "floors", f"层数{reason}")
            ok = False
        kind = KINDS.get(row["kind"] or BuildingKind.RESIDENTIAL)
        if kind is None:
            allowed = "、".join(f"{v}（{label}）" for v, label in BuildingKind.choices)
            errors.add(number, "kind", f"类型“{row['kind']}”无效，应为 {allowed}")
            ok = False
        if not ok:
            continue
        grid_id = grids.get(code[:14])
        if grid_id is None:
            errors.add(number, "code", f"所属网格 {code[:14]} 不存在，请先导入网格")
            continue
        valid.append(
            Building(
                code=code,
                grid_id=grid_id,
                address=address,
                address_key=addresses.normalise(address)[:200],
                lat=lat,
                lng=lng,
                floors=floors or 1,
                kind=kind or BuildingKind.RESIDENTIAL,
            )
        )
    if errors:
        return _finish(report, errors, stdout)
    with transaction.atomic():
        before = _count(Building)
        Building.objects.bulk_create(
            valid,
            batch_size=2000,
            update_conflicts=True,
            unique_fields=["code"],
            update_fields=["grid", "address", "address_key", "lat", "lng", "floors", "kind"],
        )
        report.created = _count(Building) - before
        report.updated = len(valid) - report.created
    return _finish(report, errors, stdout)


# -- rooms --------------------------------------------------------------------------------------------


@dataclass
class _RoomBatch:
    """What one validating pass over a rooms file found."""

    rows: int = 0
    keys: array | None = None  # building_id * 10**6 + room suffix, for duplicate detection
    buildings: dict[str, int] | None = None
    numbers: array | None = None
    ascending: bool = True


def _room_records(path: Path) -> Iterator[tuple[int, list[str] | str]]:
    """Yield (row number, [code, room_no, floor, area_m2, use]) or (row number, error text).

    CSV is parsed here directly (the generic reader builds a dict per row, too slow for millions);
    numbering and blank-row handling match ``read_rows``.
    """
    if path.suffix.lower() != ".csv":
        for number, row in read_rows(path, COLUMNS["rooms"]):
            if "__error__" in row:
                yield number, row["__error__"]
            else:
                yield number, [row[c] for c in COLUMNS["rooms"]]
        return
    if not path.exists():
        raise ImportFileError(f"找不到文件 {path}")
    importing._decode_check(path)
    with path.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.reader(fh)
        try:
            header = importing._check_header(path, next(reader), COLUMNS["rooms"])
        except StopIteration:
            raise ImportFileError(f"{path.name} 是空文件")
        width = len(header)
        picks = [header.index(c) for c in COLUMNS["rooms"]]
        simple = picks == list(range(5)) and width == 5
        for number, values in enumerate(reader, start=2):
            if len(values) != width:
                if not values or all(not v.strip() for v in values):
                    continue
                yield number, f"应有 {width} 列，实有 {len(values)} 列"
                continue
            if simple:
                yield number, values
            else:
                yield number, [values[i] for i in picks]


def _validated_rooms(
    path: Path, errors: _Errors, batch: _RoomBatch, buildings: dict[str, int]
) -> Iterator[tuple[str, int, str, int, str | None, str]]:
    """Yield (code, building_id, room_no, floor, area_m2, use) for each good row; record bad rows.

    Once a row is bad nothing more is yielded (the batch will not be written) but checking goes on, so
    the report lists every bad row of the file.
    """
    uses = USES
    area_ok = _AREA.fullmatch
    int_ok = _INT.fullmatch
    keys = array("q")
    numbers = array("q")
    batch.keys, batch.numbers, batch.buildings = keys, numbers, buildings
    last = -1
    for number, values in _room_records(path):
        batch.rows += 1
        if isinstance(values, str):
            errors.add(number, "", values)
            continue
        code, room_no, floor, area, use = values
        # Fast path: the values of a well-formed file need no stripping and pass every check.
        if len(code) != 25 or not code.isascii() or not code.isdigit():
            code = code.strip()
            if (reason := codes.error_for(code, CodeKind.ROOM)) is not None:
                errors.add(number, "code", reason)
                continue
        building_id = buildings.get(code[:19])
        if building_id is None:
            errors.add(number, "code", f"所属楼栋 {code[:19]} 不存在，请先导入楼栋")
            continue
        suffix = int(code[19:])
        if suffix == 0:
            errors.add(number, "code", codes.error_for(code, CodeKind.ROOM) or "房屋段不能全为 0")
            continue
        room_no = room_no.strip()
        if not room_no or len(room_no) > 16:
            errors.add(number, "room_no", "房号不能为空" if not room_no else "房号超过 16 个字")
            continue
        if not int_ok(floor):
            floor = floor.strip()
            if floor == "":
                floor = "1"
            elif not int_ok(floor):
                errors.add(number, "floor", f"楼层“{floor}”不是整数")
                continue
        floor_value = int(floor)
        if not -20 <= floor_value <= 300:
            errors.add(number, "floor", f"楼层 {floor_value} 超出范围（-20–300）")
            continue
        if area and not area_ok(area):
            area = area.strip()
            if area and not area_ok(area):
                errors.add(number, "area_m2", f"面积“{area}”应为非负数，最多两位小数")
                continue
        use_value = uses.get(use)
        if use_value is None:
            use = use.strip()
            use_value = uses.get(use or RoomUse.RESIDENCE)
            if use_value is None:
                allowed = "、".join(f"{v}（{label}）" for v, label in RoomUse.choices)
                errors.add(number, "use", f"用途“{use}”无效，应为 {allowed}")
                continue
        key = building_id * 1_000_000 + suffix
        if key <= last:
            batch.ascending = False
        last = key
        keys.append(key)
        numbers.append(number)
        if errors:
            if errors.full:
                return
            continue
        yield code, building_id, room_no, floor_value, area or None, use_value


def _room_duplicates(batch: _RoomBatch, errors: _Errors) -> None:
    """Report rows whose code repeats an earlier row of the same file."""
    import numpy as np

    keys = np.frombuffer(batch.keys, dtype=np.int64) if batch.keys else np.empty(0, np.int64)
    if len(keys) < 2:
        return
    if batch.ascending:
        return  # strictly increasing codes cannot repeat
    numbers = np.frombuffer(batch.numbers or b"", dtype=np.int64)
    order = np.argsort(keys, kind="stable")
    sorted_keys = keys[order]
    repeats = np.nonzero(sorted_keys[1:] == sorted_keys[:-1])[0]
    codes_by_id = {v: k for k, v in (batch.buildings or {}).items()} if len(repeats) else {}
    for i in repeats[: MAX_ERRORS - len(errors.items)]:
        first, again = int(numbers[order[i]]), int(numbers[order[i + 1]])
        key = int(sorted_keys[i + 1])
        code = f"{codes_by_id.get(key // 1_000_000, '')}{key % 1_000_000:06d}"
        errors.add(again, "code", f"编码 {code} 在本文件中重复（与第 {first} 行相同）")
    errors.items.sort(key=lambda e: e.row)


def import_rooms(path: Path | str, source: str = "", stdout: TextIO | None = None) -> ImportReport:
    path = Path(path)
    report = ImportReport("rooms", path.name)
    errors = _Errors(path.name)
    if not path.exists():
        raise ImportFileError(f"找不到文件 {path}")
    if connection.vendor == "postgresql":
        _rooms_postgresql(path, report, errors)
    else:
        _rooms_sqlite(path, report, errors)
    return _finish(report, errors, stdout)


class _Rejected(Exception):
    """Raised inside the write transaction to undo it when the file had bad rows."""


def _bulk(path: Path) -> bool:
    """Whether the file is large compared with the rooms already there (then indexes are rebuilt)."""
    estimated = path.stat().st_size // 45
    threshold = int(getattr(settings, "PLACES_BULK_MIN_ROWS", BULK_MIN_ROWS))
    return estimated >= threshold and _fewer_rooms_than(estimated)


# -- rooms on SQLite ----------------------------------------------------------------------------------

# Rows per INSERT statement. SQLite re-prepares the table's CHECK constraints (the ``use IN (…)`` list
# among them) for every execution of a statement, so one statement per row costs about twice as much
# as the insert itself; 100 rows × 6 values stays far below SQLite's parameter limit.
_SQLITE_ROWS_PER_INSERT = 100
# Page cache during a rooms import (KiB, as SQLite's negative cache_size means): the code index and
# the rebuilt building index of a district's rooms fit, so pages are not evicted and read back.
_SQLITE_CACHE_KIB = 256 * 1024
_SQLITE_UPSERT = (
    "ON CONFLICT (code) DO UPDATE SET building_id = excluded.building_id, room_no = excluded.room_no, "
    'floor = excluded.floor, area_m2 = excluded.area_m2, "use" = excluded."use"'
)


def _rooms_sqlite(path: Path, report: ImportReport, errors: _Errors) -> None:
    batch = _RoomBatch()
    try:
        with transaction.atomic():
            bulk = _bulk(path)
            before = _count(Room)
            buildings = _building_ids()
            connection.ensure_connection()
            raw = connection.connection.cursor()
            cache = raw.execute("PRAGMA cache_size").fetchone()[0]
            raw.execute(f"PRAGMA cache_size = -{_SQLITE_CACHE_KIB}")
            try:
                # The building index is rebuilt in one sorted pass after the load (the code index is
                # the table's UNIQUE constraint: SQLite cannot drop it, and upserts need it anyway).
                indexes = _drop_sqlite_room_indexes(raw) if bulk else []
                try:
                    with transaction.atomic():
                        rows = _sqlite_insert(raw, _plain_room_rows(path, buildings))
                except _NotPlain as exc:
                    logger.info("rooms file %s takes the checked path: %s", path.name, exc)
                    rows = _sqlite_insert(raw, _validated_rooms(path, errors, batch, buildings))
                    _room_duplicates(batch, errors)
                    if errors:
                        raise _Rejected from None
                for statement in indexes:
                    raw.execute(statement)
                if bulk:
                    raw.execute("ANALYZE places_room")
            finally:
                raw.execute(f"PRAGMA cache_size = {int(cache)}")
                raw.close()
            report.rows = rows
            report.created = _count(Room) - before
            report.updated = rows - report.created
    except _Rejected:
        report.rows = batch.rows


def _sqlite_insert(raw: Any, rows: Iterator[tuple[Any, ...]]) -> int:
    """Upsert ``rows`` (code, building_id, room_no, floor, area_m2, use), many per statement; count them."""
    from itertools import chain, islice

    columns = 'INSERT INTO places_room (code, building_id, room_no, floor, area_m2, "use") VALUES '
    many = columns + ", ".join(["(?, ?, ?, ?, ?, ?)"] * _SQLITE_ROWS_PER_INSERT) + " " + _SQLITE_UPSERT
    tail: list[tuple[Any, ...]] = []
    count = 0

    def groups() -> Iterator[tuple[Any, ...]]:
        nonlocal count
        while True:
            group = tuple(islice(rows, _SQLITE_ROWS_PER_INSERT))
            count += len(group)
            if len(group) < _SQLITE_ROWS_PER_INSERT:
                tail.extend(group)
                return
            yield tuple(chain.from_iterable(group))

    raw.executemany(many, groups())
    raw.executemany(f"{columns}(?, ?, ?, ?, ?, ?) {_SQLITE_UPSERT}", tail)
    return count


def _plain_room_rows(path: Path, buildings: dict[str, int]) -> Iterator[tuple[Any, ...]]:
    """The rows of a plain rooms file, checked a column at a time; raises _NotPlain for anything else.

    A plain file has exactly the five columns in order and codes in strictly ascending order (as
    generated or exported), so no code can repeat. Each distinct room number, floor, area and use is
    checked once, by the same rules as ``_validated_rooms``, and the columns are then mapped in C; a
    file with any bad or unusual row raises _NotPlain (possibly after some rows were yielded: the
    caller undoes them) and goes through the checked path, which names every bad row.
    """
    from operator import itemgetter, lt, methodcaller

    if path.suffix.lower() != ".csv":
        raise _NotPlain("not csv")
    room_nos: dict[str, str] = {}
    floors: dict[str, int] = {}
    areas: dict[str, str | None] = {}
    uses: dict[str, str] = {}
    building_of = itemgetter(slice(0, 19))
    unnumbered = methodcaller("endswith", "000000")
    last = ""
    try:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            reader = csv.reader(fh)
            if next(reader, None) != COLUMNS["rooms"]:
                raise _NotPlain("header")
            while chunk := list(islice(reader, 20_000)):
                if set(map(len, chunk)) != {5}:
                    raise _NotPlain("columns")
                codes_, room_no_texts, floor_texts, area_texts, use_texts = zip(*chunk, strict=True)
                joined = "".join(codes_)
                if set(map(len, codes_)) != {25} or not (joined.isascii() and joined.isdigit()):
                    raise _NotPlain("code")
                if not last < codes_[0] or not all(map(lt, codes_, codes_[1:])):
                    raise _NotPlain("order")
                last = codes_[-1]
                if any(map(unnumbered, codes_)):
                    raise _NotPlain("room segment")
                building_ids = list(map(buildings.get, map(building_of, codes_)))
                if None in building_ids:
                    raise _NotPlain("building")
                for text in set(room_no_texts).difference(room_nos):
                    room_nos[text] = _plain_room_no(text)
                for text in set(floor_texts).difference(floors):
                    floors[text] = _plain_floor(text)
                for text in set(area_texts).difference(areas):
                    areas[text] = _plain_area(text)
                for text in set(use_texts).difference(uses):
                    uses[text] = _plain_use(text)
                yield from zip(
                    codes_,
                    building_ids,
                    map(room_nos.__getitem__, room_no_texts),
                    map(floors.__getitem__, floor_texts),
                    map(areas.__getitem__, area_texts),
                    map(uses.__getitem__, use_texts),
                    strict=True,
                )
    except UnicodeDecodeError:
        raise _NotPlain("encoding") from None


def _plain_room_no(text: str) -> str:
    room_no = text.strip()
    if not room_no or len(room_no) > 16:
        raise _NotPlain("room_no")
    return room_no


def _plain_floor(text: str) -> int:
    text = text.strip() or "1"
    if not _INT.fullmatch(text) or not -20 <= int(text) <= 300:
        raise _NotPlain("floor")
    return int(text)


def _plain_area(text: str) -> str | None:
    text = text.strip()
    if text and not _AREA.fullmatch(text):
        raise _NotPlain("area_m2")
    return text or None


def _plain_use(text: str) -> str:
    use = USES.get(text) or USES.get(text.strip() or RoomUse.RESIDENCE)
    if use is None:
        raise _NotPlain("use")
    return use


def _drop_sqlite_room_indexes(raw: Any) -> list[str]:
    """Drop the room table's own (named) indexes; return the statements that make them again."""
    found = raw.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'places_room' AND sql IS NOT NULL"
    ).fetchall()
    for name, _sql in found:
        raw.execute(f'DROP INDEX "{name}"')
    return [sql for _name, sql in found]


# -- rooms on PostgreSQL ------------------------------------------------------------------------------


def _rooms_postgresql(path: Path, report: ImportReport, errors: _Errors) -> None:
    # _Rejected: the report holds the errors, and leaving the transaction undid every write.
    with contextlib.suppress(_Rejected):
        _load_rooms_postgresql(path, report, errors)


def _load_rooms_postgresql(path: Path, report: ImportReport, errors: _Errors) -> None:
    import psycopg

    with transaction.atomic():
        with connection.cursor() as cursor:
            # Nobody else may add rooms until this import commits: the ids below are handed out from
            # a block reserved for it, and a fresh load rebuilds the table's keys (see _drop_room_indexes).
            cursor.execute("LOCK TABLE places_room IN SHARE ROW EXCLUSIVE MODE")
        bulk = _bulk(path)
        fresh = bulk and not Room.objects.exists()
        csv_file = path.suffix.lower() == ".csv"
        ids = _reserve_room_ids(_line_count(path)) if csv_file else None
        if csv_file and ids is not None:
            # The plain lane: files as generated or exported, every line matching one strict pattern.
            try:
                with transaction.atomic():
                    restore = _drop_room_indexes(fresh) if bulk else []
                    rows = _copy_plain_rooms(path, _IdBlock(ids.next, ids.last))
                    _restore_room_indexes(restore)
                    report.rows = report.created = rows
                    return
            except (_NotPlain, IntegrityError, psycopg.Error) as exc:
                logger.info("rooms file %s takes the checked path: %s", path.name, type(exc).__name__)
        batch = _RoomBatch()
        try:
            with transaction.atomic():
                restore = _drop_room_indexes(fresh) if bulk else []
                _copy_rooms(path, errors, batch, "places_room", ids)
                _room_duplicates(batch, errors)
                if errors:
                    raise _Rejected
                # Rebuilding the unique index is also the check that no code was already present.
                _restore_room_indexes(restore)
                report.rows = report.created = batch.rows
                return
        except _Rejected:
            report.rows = batch.rows
            return
        except (IntegrityError, psycopg.IntegrityError):
            logger.info("rooms file %s updates existing codes: staging path", path.name)
        # Some codes exist already: stage the rows and upsert them.
        batch = _RoomBatch()
        with connection.cursor() as cursor:
            cursor.execute(
                "CREATE TEMP TABLE places_room_in (code varchar(25), building_id bigint, room_no varchar(16), "
                '"floor" smallint, area_m2 numeric(9, 2), "use" varchar(16)) ON COMMIT DROP'
            )
        _copy_rooms(path, errors, batch, "places_room_in")
        # The first pass may have stopped at the database's unique violation before seeing every
        # row: this pass is the complete check (a code twice in the file also ends up here).
        _room_duplicates(batch, errors)
        if errors:
            report.rows = batch.rows
            raise _Rejected
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM places_room_in s JOIN places_room r ON r.code = s.code")
            report.updated = cursor.fetchone()[0]
            cursor.execute(
                'INSERT INTO places_room (code, building_id, room_no, "floor", area_m2, "use") '
                'SELECT code, building_id, room_no, "floor", area_m2, "use" FROM places_room_in ORDER BY code '
                "ON CONFLICT (code) DO UPDATE SET building_id = EXCLUDED.building_id, room_no = EXCLUDED.room_no, "
                '"floor" = EXCLUDED."floor", area_m2 = EXCLUDED.area_m2, "use" = EXCLUDED."use"'
            )
            cursor.execute("DROP TABLE places_room_in")
        report.rows = batch.rows
        report.created = batch.rows - report.updated


def _line_count(path: Path) -> int:
    """The number of line breaks in the file: at least its number of data rows (the header has one).

    CSV ends a record at LF, CR or CR LF; a CR LF split across two chunks is counted twice, which only
    makes the bound looser.
    """
    count = 0
    with path.open("rb") as fh:
        while chunk := fh.read(16 << 20):
            count += chunk.count(b"\n") + chunk.count(b"\r") - chunk.count(b"\r\n")
    return count


@dataclass
class _IdBlock:
    """Room ids reserved for one import: ``next`` … ``last``, handed out in file order."""

    next: int
    last: int

    def take(self, count: int) -> int:
        """The first of ``count`` consecutive ids; raises _NotPlain when the block is too small."""
        first = self.next
        if first + count - 1 > self.last:
            raise _NotPlain("more rows than reserved ids")
        self.next += count
        return first


def _reserve_room_ids(count: int) -> _IdBlock | None:
    """Take ``count`` ids from the room id sequence in two statements instead of one per row.

    The caller holds a lock that keeps every other insert into the room table waiting, and only such
    inserts draw from this sequence, so no one can take an id between the two statements. Ids a
    failed import reserved are simply skipped, as with any rolled-back insert.
    """
    if count < 1:
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_get_serial_sequence('places_room', 'id')")
        sequence = cursor.fetchone()[0]
        cursor.execute("SELECT nextval(%s::regclass)", [sequence])
        first = int(cursor.fetchone()[0])
        cursor.execute("SELECT setval(%s::regclass, %s)", [sequence, first + count - 1])
    return _IdBlock(first, first + count - 1)


class _NotPlain(Exception):
    """The file needs the checked path (quoting, odd columns, a bad or unknown value)."""


_PLAIN_HEADER = re.compile(rb"(?:\xef\xbb\xbf)?code,room_no,floor,area_m2,use\r?\n")
# Room and building ids are sent zero-padded, so every line grows by the same 2 × 13 bytes.
_ID_WIDTH = 12


def _copy_plain_rooms(path: Path, ids: _IdBlock) -> int:
    """COPY a plain rooms file into the room table, resolving buildings on the way; return the rows.

    A plain file is one as generated or exported: the exact header, no quotes, every line starting
    with a 25-digit code. Such a file is handled in large chunks with numpy — codes checked, buildings
    looked up, each line prefixed with its new room id and its building id — and PostgreSQL parses
    the CSV itself; the table's NOT NULL and CHECK constraints check floor, area, room number and
    use. Anything else (quotes, Chinese labels, an unknown building, a bad value) raises _NotPlain or
    a database error, and the checked path takes over with row-by-row Chinese errors.
    """
    import numpy as np
    from psycopg.copy import QueuedLibpqWriter

    pairs = sorted((int(code), pk) for code, pk in _building_ids().items())
    building_codes = np.array([c for c, _ in pairs], dtype=np.uint64)
    building_ids = np.array([pk for _, pk in pairs], dtype=np.int64)
    if len(pairs) == 0 or building_ids.max() >= 10**_ID_WIDTH or ids.last >= 10**_ID_WIDTH:
        raise _NotPlain("ids")
    rows = 0
    with path.open("rb") as fh:
        if not _PLAIN_HEADER.fullmatch(fh.readline()):
            raise _NotPlain("header")
        with (
            connection.cursor() as cursor,
            cursor.cursor.copy(
                'COPY places_room (id, building_id, code, room_no, "floor", area_m2, "use") '
                "FROM STDIN (FORMAT csv)",
                # A writer thread sends while the next chunk is prepared, so numpy and the server overlap.
                writer=QueuedLibpqWriter(cursor.cursor),
            ) as copy,
        ):
            rest = b""
            while chunk := fh.read(8 << 20):
                data = rest + chunk
                cut = data.rfind(b"\n") + 1
                data, rest = data[:cut], data[cut:]
                if data:
                    out, count = _plain_chunk(data, building_codes, building_ids, ids)
                    copy.write(out)
                    rows += count
            if rest.strip():
                out, count = _plain_chunk(rest + b"\n", building_codes, building_ids, ids)
                copy.write(out)
                rows += count
    return rows


def _plain_chunk(data: bytes, building_codes: Any, building_ids: Any, ids: _IdBlock) -> tuple[bytes, int]:
    import numpy as np

    arr = np.frombuffer(data, dtype=np.uint8)
    if (arr == ord('"')).any():
        raise _NotPlain("quotes")
    ends = np.flatnonzero(arr == ord("\n"))
    starts = np.empty_like(ends)
    starts[0] = 0
    starts[1:] = ends[:-1] + 1
    if (ends - starts < 32).any():
        raise _NotPlain("short line")
    digits = arr[starts[:, None] + np.arange(25)]
    if ((digits < 48) | (digits > 57)).any() or (arr[starts + 25] != ord(",")).any():
        raise _NotPlain("code")
    values = (digits - 48).astype(np.uint64)
    building = (values[:, :19] * _powers(19)).sum(axis=1, dtype=np.uint64)
    if ((values[:, 19:] * _powers(6)).sum(axis=1, dtype=np.uint64) == 0).any():
        raise _NotPlain("room segment")
    index = np.searchsorted(building_codes, building)
    index[index >= len(building_codes)] = 0
    if (building_codes[index] != building).any():
        raise _NotPlain("building")
    n = len(ends)
    first = ids.take(n)
    prefix = np.empty((n, 2 * (_ID_WIDTH + 1)), dtype=np.uint8)
    _digits_into(prefix[:, :_ID_WIDTH], np.arange(first, first + n, dtype=np.int64))
    _digits_into(prefix[:, _ID_WIDTH + 1 : -1], building_ids[index])
    prefix[:, _ID_WIDTH] = prefix[:, -1] = ord(",")
    width = prefix.shape[1]
    out = np.empty(len(arr) + width * n, dtype=np.uint8)
    shift = np.repeat(np.arange(1, n + 1) * width, ends - starts + 1)
    out[np.arange(len(arr)) + shift] = arr
    out[(starts + width * np.arange(n))[:, None] + np.arange(width)] = prefix
    return out.tobytes(), n


def _digits_into(target: Any, numbers: Any) -> None:
    """Write ``numbers`` as zero-padded ASCII digits into the columns of ``target`` (one row each)."""
    width = target.shape[1]
    for k in range(width):
        target[:, width - 1 - k] = (numbers // 10**k) % 10 + 48


def _powers(count: int) -> Any:
    import numpy as np

    return np.array([10 ** (count - 1 - i) for i in range(count)], dtype=np.uint64)


def _restore_room_indexes(restore: list[str]) -> None:
    with connection.cursor() as cursor:
        for statement in restore:
            cursor.execute(statement)


def psycopg_integrity_error() -> type[Exception]:
    import psycopg

    return psycopg.IntegrityError


def _fewer_rooms_than(rows: int) -> bool:
    """Whether the room table holds fewer rows than ``rows`` (counting at most that many)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM (SELECT 1 FROM places_room LIMIT %s) s", [rows])
        return int(cursor.fetchone()[0]) < rows


def _drop_room_indexes(fresh: bool) -> list[str]:
    """Drop the room table's foreign key and secondary indexes; return the statements that restore
    them exactly as the migrations made them (same names, same definitions), with ANALYZE.

    ``fresh`` (the room table is empty) also drops the primary key and the foreign keys of the tables
    that point at rooms: with no room there can be no row pointing at one, and every key is added
    back — and so checked again — before the transaction commits. Indexes are then built once, in
    sorted order, instead of being updated row by row.
    """
    with connection.cursor() as cursor:
        # Rows written earlier in this transaction leave deferred key checks queued on the table, and
        # ALTER TABLE refuses to run over them: run them now (the caller's keys stay deferred after).
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        kinds = ["f", "u", "p"] if fresh else ["f", "u"]
        cursor.execute(
            "SELECT conname, contype, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = 'places_room'::regclass AND contype = ANY(%s) ORDER BY conname",
            [kinds],
        )
        constraints = cursor.fetchall()
        referencing: list[tuple[str, str, str]] = []
        if fresh:
            cursor.execute(
                "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint "
                "WHERE confrelid = 'places_room'::regclass AND conrelid <> 'places_room'::regclass "
                "AND contype = 'f' ORDER BY 1, 2"
            )
            referencing = cursor.fetchall()
        cursor.execute(
            "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i "
            "WHERE i.indrelid = 'places_room'::regclass AND NOT i.indisprimary "
            "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)"
        )
        indexes = cursor.fetchall()
        for table, name, _definition in referencing:
            cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
        for name, _kind, _definition in constraints:
            cursor.execute(f'ALTER TABLE places_room DROP CONSTRAINT "{name}"')
        for name, _definition in indexes:
            cursor.execute(f"DROP INDEX {name}")

    def add(kind: str) -> list[str]:
        return [f'ALTER TABLE places_room ADD CONSTRAINT "{n}" {d}' for n, k, d in constraints if k == kind]

    # The primary key, then unique constraints (they also catch codes already present), then plain
    # indexes; statistics before the foreign keys, so the queries that check them are planned well.
    restore = add("p") + add("u") + [d for _n, d in indexes] + ["ANALYZE places_room"] + add("f")
    restore += [f'ALTER TABLE {t} ADD CONSTRAINT "{n}" {d}' for t, n, d in referencing]
    return restore


def _copy_line_writer(copy: Any) -> Callable[[list[str]], None]:
    def flush(lines: list[str]) -> None:
        copy.write("".join(lines))
        lines.clear()

    return flush


def _copy_text(value: str) -> str:
    if "\\" in value or "\t" in value or "\n" in value or "\r" in value:
        value = value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    return value


NULL = "\\N"


def _building_ids() -> dict[str, int]:
    return dict(Building.objects.values_list("code", "id").iterator(20_000))


def _copy_rooms(
    path: Path, errors: _Errors, batch: _RoomBatch, table: str, ids: _IdBlock | None = None
) -> None:
    """Stream the validated rows of ``path`` into ``table`` through COPY (text format).

    With ``ids`` each row gets the next id of that block; otherwise the table's default gives one.
    """
    buildings = _building_ids()  # before the COPY starts: the connection is busy until it ends
    next_id = ids.next if ids is not None else 0
    columns = 'code, building_id, room_no, "floor", area_m2, "use"'
    with connection.cursor() as cursor:
        raw = cursor.cursor
        with raw.copy(f"COPY {table} ({'id, ' if ids else ''}{columns}) FROM STDIN") as copy:
            lines: list[str] = []
            flush = _copy_line_writer(copy)
            for code, building_id, room_no, floor, area, use in _validated_rooms(
                path, errors, batch, buildings
            ):
                line = f"{code}\t{building_id}\t{_copy_text(room_no)}\t{floor}\t{area or NULL}\t{use}\n"
                if ids is not None:
                    line = f"{next_id}\t{line}"
                    next_id += 1
                lines.append(line)
                if len(lines) >= 20_000:
                    flush(lines)
            if lines and not errors:
                flush(lines)
    if ids is not None:
        if next_id - 1 > ids.last:
            raise AssertionError("a file cannot hold more rows than line breaks")
        ids.next = next_id


IMPORTERS = {
    "divisions": import_divisions,
    "grids": import_grids,
    "buildings": import_buildings,
    "rooms": import_rooms,
}
