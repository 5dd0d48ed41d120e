"""The portal's map: a base layer drawn from our own places data, a pin resolved to its grid and
building, the open cases near a pin (我也遇到) and the public map of issues.

Everything a resident sees here of other people's cases is public-safe: the type, the public state,
where (snapped to the building or, without one, the grid's centre — never a room), when, and how many
others joined. No description, no reporter, no phone, no room. Sensitive and non-public cases and
those merged or refused are never shown.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import Count, Max, Min, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from jiceng.cases import lifecycle
from jiceng.cases.models import Case, EventType, Status
from jiceng.cases.public import STATE_OF_STATUS, state_label
from jiceng.places.models import Building, Division, Grid

NEAR_METRES = 100  # "the same problem": within this distance of the pin, or in the same building
SNAP_METRES = 60  # a pin this close to a building is taken to be at that building
MAX_GRIDS = 400  # base-layer cap per request (a district has ~4,000 grids)
MAX_BUILDINGS = 1500
MAX_POINTS = 500  # public-map cap per request, newest first
DONE_DAYS = 30  # finished and closed issues stay on the public map this long
# One degree of latitude in metres (WGS-84 mean); longitude degrees shrink with cos(latitude).
_M_PER_DEG = 111_320.0


def metres(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    """Great-circle distance (haversine), good to a metre at these scales."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lng2 - lng1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6_371_008.8 * math.asin(math.sqrt(min(1.0, a)))


def _box(lat: float, lng: float, radius: float) -> tuple[float, float, float, float]:
    dlat = radius / _M_PER_DEG
    dlng = radius / (_M_PER_DEG * max(0.01, math.cos(math.radians(lat))))
    return lat - dlat, lat + dlat, lng - dlng, lng + dlng


# --------------------------------------------------------------------------------------------------
# Base layer
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Bounds:
    south: float
    west: float
    north: float
    east: float

    def as_list(self) -> list[list[float]]:
        return [[self.south, self.west], [self.north, self.east]]


def parse_bbox(text: str) -> Bounds | None:
    """``west,south,east,north`` (the GeoJSON order) or None when missing or malformed."""
    parts = (text or "").split(",")
    if len(parts) != 4:
        return None
    try:
        west, south, east, north = (float(p) for p in parts)
    except ValueError:
        return None
    if not (-180 <= west <= east <= 180 and -90 <= south <= north <= 90):
        return None
    return Bounds(south, west, north, east)


def extent(community: Division | None = None) -> Bounds | None:
    """Where the map opens: the community's grids, or every grid when no community is given."""
    qs = Grid.objects.all() if community is None else Grid.objects.filter(community=community)
    agg = qs.aggregate(s=Min("min_lat"), w=Min("min_lng"), n=Max("max_lat"), e=Max("max_lng"))
    if agg["s"] is None or agg["w"] is None or agg["n"] is None or agg["e"] is None:
        return None
    return Bounds(agg["s"], agg["w"], agg["n"], agg["e"])


def _geometry(text: str) -> Any:
    try:
        geometry = json.loads(text) if text else None
    except ValueError:
        return None
    if isinstance(geometry, dict) and geometry.get("type") in ("Polygon", "MultiPolygon"):
        return geometry
    return None


def base_layer(bounds: Bounds) -> dict[str, Any]:
    """Grid outlines and building points inside ``bounds`` as one GeoJSON FeatureCollection (the
    offline base map: no tile server is needed). Buildings only when few enough grids are in view."""
    grids = list(
        Grid.objects.filter(
            min_lng__lte=bounds.east,
            max_lng__gte=bounds.west,
            min_lat__lte=bounds.north,
            max_lat__gte=bounds.south,
        )
        .select_related("community")
        .order_by("code")[: MAX_GRIDS + 1]
    )
    truncated = len(grids) > MAX_GRIDS
    grids = grids[:MAX_GRIDS]
    features: list[dict[str, Any]] = []
    for grid in grids:
        geometry = _geometry(grid.polygon)
        if geometry is None:
            continue
        features.append(
            {
                "type": "Feature",
                "geometry": geometry,
                "properties": {
                    "kind": "grid",
                    "code": grid.code,
                    "name": grid.name,
                    "community": grid.community.name,
                },
            }
        )
    if grids and len(grids) <= 60:
        buildings = Building.objects.filter(
            grid__in=grids,
            lat__gte=bounds.south,
            lat__lte=bounds.north,
            lng__gte=bounds.west,
            lng__lte=bounds.east,
        ).values_list("code", "address", "lat", "lng")[: MAX_BUILDINGS + 1]
        rows = list(buildings)
        truncated = truncated or len(rows) > MAX_BUILDINGS
        for code, address, lat, lng in rows[:MAX_BUILDINGS]:
            features.append(
                {
                    "type": "Feature",
                    "geometry": {"type": "Point", "coordinates": [lng, lat]},
                    "properties": {"kind": "building", "code": code, "name": address},
                }
            )
    return {"type": "FeatureCollection", "features": features, "truncated": truncated}


def tiles() -> dict[str, str]:
    """The optional tile server (``JICENG_MAP_TILES``); empty when the offline base layer is used."""
    url = str(getattr(settings, "JICENG_MAP_TILES", "") or "")
    return {"url": url, "attribution": str(getattr(settings, "JICENG_MAP_TILES_ATTRIBUTION", "") or "")}


# --------------------------------------------------------------------------------------------------
# Pin → place
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Place:
    inside: bool
    lat: float
    lng: float
    grid: Grid | None = None
    building: Building | None = None
    distance: float | None = None  # metres from the pin to the building

    @property
    def address(self) -> str:
        if self.building is not None:
            return self.building.address
        if self.grid is not None:
            return _("%(community)s%(grid)s（地图选点）") % {
                "community": self.grid.community.name,
                "grid": self.grid.name,
            }
        return ""

    def as_json(self) -> dict[str, Any]:
        if not self.inside or self.grid is None:
            return {
                "inside": False,
                "lat": self.lat,
                "lng": self.lng,
                "message": _("该位置不在本区网格范围内，请把图钉移到事发地点。"),
            }
        return {
            "inside": True,
            "lat": self.lat,
            "lng": self.lng,
            "grid": self.grid.code,
            "grid_name": self.grid.name,
            "community": self.grid.community.name,
            "building": self.building.code if self.building else "",
            "address": self.address,
            "distance": round(self.distance) if self.distance is not None else None,
        }


def check_point(lat: Any, lng: Any) -> tuple[float, float]:
    from jiceng.community.exceptions import CommunityError

    try:
        lat_f, lng_f = float(lat), float(lng)
    except (TypeError, ValueError):
        raise CommunityError(_("请在地图上选择位置。")) from None
    if not (-90 <= lat_f <= 90 and -180 <= lng_f <= 180) or math.isnan(lat_f) or math.isnan(lng_f):
        raise CommunityError(_("位置坐标无效。"))
    return lat_f, lng_f


def resolve(lat: float, lng: float) -> Place:
    """The grid the pin falls in and the nearest building of that grid within SNAP_METRES."""
    from jiceng.places.geo import locate_point

    grid = locate_point(lng, lat)
    if grid is None:
        return Place(False, lat, lng)
    grid = Grid.objects.select_related("community").get(pk=grid.pk)
    south, north, west, east = _box(lat, lng, SNAP_METRES)
    best: tuple[float, Building] | None = None
    for building in Building.objects.filter(
        grid=grid, lat__gte=south, lat__lte=north, lng__gte=west, lng__lte=east
    ):
        if building.lat is None or building.lng is None:
            continue
        d = metres(lat, lng, building.lat, building.lng)
        if d <= SNAP_METRES and (best is None or d < best[0]):
            best = (d, building)
    if best is None:
        return Place(True, lat, lng, grid)
    return Place(True, lat, lng, grid, best[1], best[0])


# --------------------------------------------------------------------------------------------------
# Other people's cases, public-safe
# --------------------------------------------------------------------------------------------------

JOINABLE = tuple(sorted(lifecycle.TRANSITIONS["support"].sources))
SHOWN = tuple(s for s in STATE_OF_STATUS if s not in (Status.MERGED, Status.INVALID))


def _public() -> QuerySet[Case]:
    return Case.objects.filter(is_public=True, sensitive=False)


def _snapped(cases: list[Case]) -> dict[int, tuple[float, float, str]]:
    """Each case's public point and place label: its building (never the room), else its grid's
    centre; exact pins on no building are snapped to the grid too."""
    codes = {c.location_code[:19] for c in cases if len(c.location_code or "") >= 19}
    buildings = {
        code: (lat, lng, address)
        for code, lat, lng, address in Building.objects.filter(code__in=codes).values_list(
            "code", "lat", "lng", "address"
        )
    }
    grid_ids = {c.grid_id for c in cases}
    grids = {
        pk: (lat, lng, name)
        for pk, lat, lng, name in Grid.objects.filter(pk__in=grid_ids).values_list(
            "pk", "center_lat", "center_lng", "name"
        )
    }
    out: dict[int, tuple[float, float, str]] = {}
    for case in cases:
        found = buildings.get((case.location_code or "")[:19])
        if found and found[0] is not None and found[1] is not None:
            out[case.pk] = (found[0], found[1], found[2])
            continue
        grid = grids.get(case.grid_id)
        if grid and grid[0] is not None and grid[1] is not None:
            out[case.pk] = (grid[0], grid[1], grid[2])
    return out


def _supporters(ids: list[int]) -> dict[int, int]:
    from jiceng.cases.models import CaseSupporter

    rows = CaseSupporter.objects.filter(case_id__in=ids).values("case_id").annotate(n=Count("id"))
    return {r["case_id"]: r["n"] for r in rows}


def _issue_json(case: Case, point: tuple[float, float, str], supporters: int) -> dict[str, Any]:
    state = STATE_OF_STATUS.get(case.status, "handling")
    return {
        "number": case.number,
        "type": case.event_type.code if case.event_type else "",
        "type_name": case.event_type.name if case.event_type else _("待分类"),
        "state": state,
        "state_label": state_label(state),
        "lat": round(point[0], 6),
        "lng": round(point[1], 6),
        "place": point[2],
        "reported_on": timezone.localtime(case.registered_at).date().isoformat(),
        "supporters": supporters,
    }


def nearby(
    lat: float, lng: float, *, type_code: str = "", building_code: str = "", user: Any = None
) -> list[dict[str, Any]]:
    """Open public cases within NEAR_METRES of the pin or in the same building, of the given type (all
    types when none is chosen yet), nearest first; each says whether ``user`` already joined it or
    reported it."""
    south, north, west, east = _box(lat, lng, NEAR_METRES)
    # Cases carry no spatial index: the few grids the box touches narrow them through the grid-code
    # index first (a district has millions of cases, a 200 m box touches a handful of grids).
    grids = Grid.objects.filter(
        min_lng__lte=east, max_lng__gte=west, min_lat__lte=north, max_lat__gte=south
    ).values_list("code", flat=True)
    where = Q(grid_code__in=list(grids), lat__gte=south, lat__lte=north, lng__gte=west, lng__lte=east)
    if building_code and len(building_code) == 19 and building_code.isdigit():
        # A prefix is a range on the plain location index (rooms of the building, the building).
        where |= Q(location_code__gte=building_code, location_code__lte=building_code + "9" * 6)
    qs = _public().filter(where, status__in=JOINABLE).select_related("event_type")
    if type_code:
        qs = qs.filter(event_type__code=type_code)
    cases = list(qs.order_by("-registered_at")[:50])
    points = _snapped(cases)
    supporters = _supporters([c.pk for c in cases])
    joined: set[int] = set()
    if user is not None and getattr(user, "is_authenticated", False):
        from jiceng.cases.models import CaseSupporter

        joined = set(
            CaseSupporter.objects.filter(case__in=cases, user=user).values_list("case_id", flat=True)
        )
    found = []
    for case in cases:
        point = points.get(case.pk)
        if point is None:
            continue
        same_building = bool(building_code) and (case.location_code or "").startswith(building_code)
        # The distance from the case's own pin when it has one (not shown), else from its snapped point.
        d = metres(lat, lng, case.lat, case.lng) if case.lat is not None and case.lng is not None else None
        if d is None:
            d = metres(lat, lng, point[0], point[1])
        if d > NEAR_METRES and not same_building:
            continue
        item = _issue_json(case, point, supporters.get(case.pk, 0))
        item["distance"] = round(d)
        item["joined"] = case.pk in joined
        item["mine"] = user is not None and case.reporter_id == getattr(user, "pk", None)
        found.append(item)
    found.sort(key=lambda i: i["distance"])
    return found[:10]


def public_issues(
    *, bounds: Bounds | None = None, type_code: str = "", state: str = ""
) -> list[dict[str, Any]]:
    """The public map: open issues and those finished in the last DONE_DAYS, newest first."""
    since = timezone.now() - dt.timedelta(days=DONE_DAYS)
    open_statuses = [s for s, v in STATE_OF_STATUS.items() if v in ("received", "handling")]
    done_statuses = [s for s, v in STATE_OF_STATUS.items() if v in ("finished", "closed")]
    qs = _public().filter(Q(status__in=open_statuses) | Q(status__in=done_statuses, registered_at__gte=since))
    if state:
        qs = qs.filter(status__in=[s for s, v in STATE_OF_STATUS.items() if v == state])
    if type_code:
        qs = qs.filter(event_type__code=type_code)
    if bounds is not None:
        qs = qs.filter(
            lat__gte=bounds.south, lat__lte=bounds.north, lng__gte=bounds.west, lng__lte=bounds.east
        )
    cases = list(qs.select_related("event_type").order_by("-registered_at")[:MAX_POINTS])
    points = _snapped(cases)
    supporters = _supporters([c.pk for c in cases])
    return [_issue_json(c, points[c.pk], supporters.get(c.pk, 0)) for c in cases if c.pk in points]


def issue(number: str) -> dict[str, Any] | None:
    """One public issue by its number (the page a follower's message links to), or None."""
    pk = Case.id_from_number(number)
    case = _public().filter(pk=pk, status__in=SHOWN).select_related("event_type").first() if pk else None
    if case is None or case.number != number:
        return None
    point = _snapped([case]).get(case.pk)
    if point is None:
        return None
    return _issue_json(case, point, _supporters([case.pk]).get(case.pk, 0))


def following(user: Any, limit: int = 20) -> list[dict[str, Any]]:
    """The public issues ``user`` joined (我也遇到), newest first."""
    from jiceng.cases.models import CaseSupporter

    ids = list(
        CaseSupporter.objects.filter(user=user).order_by("-at").values_list("case_id", flat=True)[:limit]
    )
    cases = {c.pk: c for c in _public().filter(pk__in=ids, status__in=SHOWN).select_related("event_type")}
    points = _snapped(list(cases.values()))
    counts = _supporters(list(cases))
    return [_issue_json(cases[i], points[i], counts.get(i, 0)) for i in ids if i in cases and i in points]


# --------------------------------------------------------------------------------------------------
# The category step
# --------------------------------------------------------------------------------------------------

COMMON_TYPES = 6


def categories() -> tuple[list[EventType], list[EventType]]:
    """The catalogue's active public types: the most reported ones first (a few), then all by name."""
    from django.core.cache import cache

    active = EventType.objects.filter(is_active=True, is_public=True)
    common_ids = cache.get("community:common_types")
    if common_ids is None:
        # A count over 90 days of cases: computed at most every ten minutes per cache.
        since = timezone.now() - dt.timedelta(days=90)
        common_ids = list(
            Case.objects.filter(registered_at__gte=since, event_type__in=active)
            .values("event_type")
            .annotate(n=Count("id"))
            .order_by("-n", "event_type")
            .values_list("event_type", flat=True)[:COMMON_TYPES]
        )
        cache.set("community:common_types", common_ids, 600)
    by_id = {t.pk: t for t in active.filter(pk__in=common_ids)}
    common = [by_id[i] for i in common_ids if i in by_id]
    if len(common) < COMMON_TYPES:
        common += [t for t in active.order_by("category__order", "code") if t not in common][
            : COMMON_TYPES - len(common)
        ]
    return common, list(active.select_related("category").order_by("name"))


def type_name(code: str) -> str:
    """The name of an active public type ('' for any other code)."""
    found = EventType.objects.filter(code=code, is_active=True, is_public=True).values_list("name", flat=True)
    return str(found.first() or "")
