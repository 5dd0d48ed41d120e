"""Intake: find where a case is (room/building code, address text, lat/long or grid code → grid) and
read its photos. Nothing here writes; ``actions.check_submit_case`` does, in one transaction.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from importlib import import_module
from typing import Any

from django.conf import settings
from django.db import connection
from django.utils.translation import gettext as _

from jiceng.cases.exceptions import LocationError, OutsideDistrict, PhotoError
from jiceng.cases.photos import PhotoInfo, inspect, max_bytes
from jiceng.cases.prepared import Prepared
from jiceng.places.models import Building, Grid, Room

logger = logging.getLogger(__name__)


# The lookups every intake runs, compiled once per process (see ``queries.Prepared``).
_grid_by_code = Prepared(lambda code: Grid.objects.filter(code=code).order_by("pk")[:1])


def _place_by_code(code: str) -> Building | Room | None:
    """The building (19 digits) or room (25) with its building and grid, in one query, or None.

    Every intake by code runs this; one indexed join (room ⋈ building ⋈ grid) costs one round trip
    where looking up the room, its building and their grid one by one cost three. The building and
    room come back as unsaved instances holding what ``_from_place`` reads.
    """
    q = connection.ops.quote_name
    room, building, grid = (q(m._meta.db_table) for m in (Room, Building, Grid))
    in_room = len(code) == 25
    source = f"{room} r JOIN {building} b ON b.id = r.building_id" if in_room else f"{building} b"
    sql = (
        f"SELECT g.*, {'r.room_no' if in_room else 'NULL'} AS jiceng_room_no, "  # noqa: S608 - no input
        f"b.address AS jiceng_address, b.lat AS jiceng_lat, b.lng AS jiceng_lng FROM {source} "
        f"JOIN {grid} g ON g.id = b.grid_id WHERE {'r' if in_room else 'b'}.code = %s"
    )
    for found in Grid.objects.raw(sql, [code]):
        row = found.__dict__
        place = Building(
            code=code[:19],
            grid=found,
            address=row["jiceng_address"],
            lat=row["jiceng_lat"],
            lng=row["jiceng_lng"],
        )
        return Room(code=code, building=place, room_no=row["jiceng_room_no"]) if in_room else place
    return None


@dataclass(frozen=True)
class Located:
    grid: Grid
    location_code: str = ""
    address: str = ""
    lat: float | None = None
    lng: float | None = None

    @property
    def grid_code(self) -> str:
        return self.grid.code


def _optional(module: str, name: str) -> Any:
    """A function another app provides, or None while that app does not provide it yet."""
    try:
        return getattr(import_module(module), name, None)
    except ModuleNotFoundError as exc:
        if exc.name != module:
            raise
        return None


def _outside() -> OutsideDistrict:
    return OutsideDistrict(
        _("该位置不在本区（%(code)s）范围内，无法受理。") % {"code": settings.JICENG_DISTRICT_CODE}
    )


def _check_inside(grid: Grid) -> Grid:
    if not grid.code.startswith(settings.JICENG_DISTRICT_CODE):
        raise _outside()
    return grid


def _point_in_grid(lng: float, lat: float) -> Grid | None:
    """Fallback point-in-grid: bounding boxes in SQL, the exact polygon test in shapely."""
    from shapely.geometry import Point, shape

    point = Point(lng, lat)
    candidates = Grid.objects.filter(
        min_lng__lte=lng, max_lng__gte=lng, min_lat__lte=lat, max_lat__gte=lat
    ).order_by("code")
    for grid in candidates:
        if not grid.polygon:
            continue
        try:
            if shape(json.loads(grid.polygon)).covers(point):
                return grid
        except (ValueError, TypeError, KeyError):
            logger.warning("grid %s has an unreadable polygon", grid.code)
    return None


def locate_point(lng: float, lat: float) -> Grid | None:
    finder = _optional("jiceng.places.geo", "locate_point")
    if finder is not None:
        return finder(lng, lat)
    return _point_in_grid(lng, lat)


def _find_address(text: str) -> Building | Room | None:
    finder = _optional("jiceng.places.addresses", "find_by_address")
    if finder is not None:
        return finder(text)
    return Building.objects.select_related("grid").filter(address_key=text.strip()).first() or (
        Building.objects.select_related("grid").filter(address=text.strip()).first()
    )


def _from_place(place: Building | Room, address: str = "") -> Located:
    if isinstance(place, Room):
        building = place.building
        return Located(
            _check_inside(building.grid),
            place.code,
            address or f"{building.address}{place.room_no}",
            building.lat,
            building.lng,
        )
    return Located(_check_inside(place.grid), place.code, address or place.address, place.lat, place.lng)


def locate(
    *,
    location_code: str = "",
    address: str = "",
    lat: float | None = None,
    lng: float | None = None,
    grid_code: str = "",
) -> Located:
    """Resolve the first usable of: room/building code, lat/long, address text, grid code."""
    code = (location_code or "").strip()
    address = (address or "").strip()
    if code:
        if not code.isdigit() or len(code) not in (14, 19, 25):
            raise LocationError(
                _("位置编码“%(code)s”格式不正确：应为 14 位网格、19 位楼栋或 25 位房屋编码。")
                % {"code": code}
            )
        if not code.startswith(settings.JICENG_DISTRICT_CODE):
            raise _outside()
        if len(code) in (19, 25):
            place = _place_by_code(code)
            if place is None:
                message = (
                    _("未找到房屋编码“%(code)s”。") if len(code) == 25 else _("未找到楼栋编码“%(code)s”。")
                )
                raise LocationError(message % {"code": code})
            return _from_place(place, address)
        grid_code = code
    if lat is not None and lng is not None:
        try:
            lat_f, lng_f = float(lat), float(lng)
        except (TypeError, ValueError):
            raise LocationError(_("经纬度格式不正确。"))
        if not (-90 <= lat_f <= 90 and -180 <= lng_f <= 180):
            raise LocationError(_("经纬度超出取值范围。"))
        grid = locate_point(lng_f, lat_f)
        if grid is None:
            raise _outside()
        return Located(_check_inside(grid), "", address, lat_f, lng_f)
    if address:
        place = _find_address(address)
        if place is not None:
            return _from_place(place, address)
        if not grid_code:
            raise LocationError(
                _("无法识别地址“%(address)s”，请填写房屋编码或在地图上选点。") % {"address": address}
            )
    if grid_code:
        grid = _grid_by_code.first(grid_code.strip())
        if grid is None:
            if not grid_code.startswith(settings.JICENG_DISTRICT_CODE):
                raise _outside()
            raise LocationError(_("未找到网格“%(code)s”。") % {"code": grid_code})
        return Located(_check_inside(grid), "", address, grid.center_lat, grid.center_lng)
    raise LocationError(_("请提供事件位置：房屋或楼栋编码、地址或经纬度。"))


@dataclass(frozen=True)
class Photo:
    name: str
    data: bytes
    info: PhotoInfo


def read_photos(files: Any, limit: int | None = None) -> list[Photo]:
    """Read and check uploads (Django UploadedFile, (name, bytes) pairs or raw bytes)."""
    limit = limit if limit is not None else int(getattr(settings, "JICENG_CASE_MAX_PHOTOS", 9))
    items = list(files or [])
    if len(items) > limit:
        raise PhotoError(_("照片最多 %(n)d 张。") % {"n": limit})
    photos = []
    for index, item in enumerate(items, start=1):
        if isinstance(item, bytes | bytearray):
            name, data = f"照片{index}", bytes(item)
        elif isinstance(item, tuple):
            name, data = str(item[0]), bytes(item[1])
        else:
            name = getattr(item, "name", f"照片{index}")
            size = getattr(item, "size", None)
            if size is not None and size > max_bytes():
                # Refuse without reading the whole upload: the first limit+1 bytes prove the point.
                inspect(item.read(max_bytes() + 1), name)
            item.seek(0)
            data = item.read()
        photos.append(Photo(name, data, inspect(data, name)))
    return photos
