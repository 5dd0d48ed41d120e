"""Point → grid: which grid a coordinate falls in.

Grid polygons are loaded once into a shapely STRtree per process. The tree is rebuilt when the grids
change: this process's own saves and imports call ``invalidate``; changes made by other processes are
noticed through a cheap version query (count, highest id, latest update), run at most every
``PLACES_GEO_RECHECK_SECONDS`` (default 5). Points in GCJ-02 or BD-09 are converted to WGS-84 first.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import Count, Max

from jiceng.lib.geo import to_wgs84
from jiceng.places import models as places_models
from jiceng.places.models import Grid


@dataclass
class _Index:
    version: tuple
    generation: int
    tree: Any
    ids: list[int]
    geometries: list[Any]
    checked_at: float


_lock = threading.Lock()
_index: _Index | None = None


def invalidate() -> None:
    """Forget the loaded polygons; the next lookup reloads them (bulk writes send no signals)."""
    global _index
    _index = None


def _version() -> tuple:
    agg = Grid.objects.aggregate(n=Count("id"), top=Max("id"), changed=Max("updated_at"))
    return (agg["n"], agg["top"], agg["changed"])


def _build(version: tuple, generation: int) -> _Index:
    import shapely
    from shapely import STRtree

    ids: list[int] = []
    geometries: list[Any] = []
    for grid_id, polygon in Grid.objects.exclude(polygon="").values_list("id", "polygon").iterator(2000):
        try:
            geometry = shapely.from_geojson(polygon)
        except Exception:  # noqa: BLE001, S112 — a damaged polygon must not break every lookup
            try:
                from shapely.geometry import shape

                geometry = shape(json.loads(polygon))
            except Exception:  # noqa: BLE001, S112
                continue
        ids.append(grid_id)
        geometries.append(geometry)
    shapely.prepare(geometries)
    return _Index(version, generation, STRtree(geometries), ids, geometries, time.monotonic())


def _current() -> _Index:
    global _index
    recheck = float(getattr(settings, "PLACES_GEO_RECHECK_SECONDS", 5.0))
    index = _index
    now = time.monotonic()
    generation = places_models.grid_generation[0]
    if index is not None and index.generation == generation and now - index.checked_at < recheck:
        return index
    with _lock:
        index = _index
        version = _version()
        if index is not None and index.version == version and index.generation == generation:
            index.checked_at = now
            return index
        index = _build(version, generation)
        _index = index
        return index


def locate_grid_id(lng: float, lat: float, crs: str = "wgs84") -> int | None:
    """The id of the grid containing the point, or None. On a shared edge the lowest id wins."""
    from shapely import Point

    lng, lat = to_wgs84(float(lng), float(lat), crs)
    index = _current()
    if not index.ids:
        return None
    hits = index.tree.query(Point(lng, lat), predicate="intersects")
    if len(hits) == 0:
        return None
    return min(index.ids[i] for i in hits)


def locate_point(lng: float, lat: float, crs: str = "wgs84") -> Grid | None:
    """The grid containing the point (given in ``crs``: wgs84, gcj02 or bd09), or None."""
    grid_id = locate_grid_id(lng, lat, crs)
    if grid_id is None:
        return None
    return Grid.objects.filter(id=grid_id).first()
