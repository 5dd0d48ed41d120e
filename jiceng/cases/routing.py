"""Routing: event type × location → the concrete unit that handles it (one-step dispatch).

The catalogue names unit *kinds*; a unit's jurisdiction is a set of divisions, and a division code is
a prefix of every grid code inside it. So "the chengguan unit covering grid 44030600100101" is the unit
of kind ``chengguan`` whose jurisdiction contains the grid's community, street or district code. Among
several, the one at the type's level wins, then the most local one; a unit below the case's floor
level (after a one-way escalation) is never chosen.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db.models import F

from jiceng.cases.prepared import Prepared
from jiceng.org.models import Unit
from jiceng.places.models import Level

LEVEL_RANK = {Level.COMMUNITY: 0, Level.STREET: 1, Level.DISTRICT: 2}
LEVEL_UP = {Level.COMMUNITY: Level.STREET, Level.STREET: Level.DISTRICT}
DESK_KIND = {
    Level.COMMUNITY: "community_workstation",
    Level.STREET: "street_office",
    Level.DISTRICT: "district_office",
}


def rank(level: str) -> int:
    return LEVEL_RANK[Level(level)]


def prefixes(grid_code: str) -> list[str]:
    """The division codes that contain a grid: district, street, community."""
    return [grid_code[:6], grid_code[:9], grid_code[:12]]


# The routing lookup, compiled once per process: every intake and dispatch runs it.
_covering = Prepared(
    lambda kind, district, street, community: (
        Unit.objects.filter(
            kind__code=kind, is_active=True, jurisdiction__code__in=[district, street, community]
        )
        .annotate(covering=F("jurisdiction__code"))
        .order_by("pk")
    ),
    arity=4,
)


def find_unit(kind: str, grid_code: str, level: str, floor_level: str = Level.COMMUNITY) -> Unit | None:
    """The unit of ``kind`` covering ``grid_code``: at ``level`` if one exists, else the nearest level up."""
    if not kind:
        return None
    candidates = _covering.raw(kind, *prefixes(grid_code))
    return pick([(unit, unit.level, unit.covering) for unit in candidates], level, floor_level)  # type: ignore[attr-defined]


def pick(candidates: list[tuple[Any, str, str]], level: str, floor_level: str = Level.COMMUNITY) -> Any:
    """Of ``(unit, unit level, covering division code)`` candidates, the one ``find_unit`` routes to:
    at ``level`` if one exists, else the nearest level up, the most local jurisdiction first."""
    wanted = max(rank(level), rank(floor_level))
    best: tuple[tuple[int, int, int], Any] | None = None  # ((level distance, -len(code), id), unit)
    for unit, unit_level, covering in candidates:
        r = rank(unit_level)
        if r < rank(floor_level):
            continue
        distance = r - wanted if r >= wanted else 10 + wanted - r
        key = (distance, -len(covering), unit if isinstance(unit, int) else unit.pk)
        if best is None or key < best[0]:
            best = (key, unit)
    return best[1] if best is not None else None


def desk_for(grid_code: str, level: str) -> Unit | None:
    """The dispatch desk of ``level`` for a grid: community workstation, street office or district office."""
    return find_unit(DESK_KIND[Level(level)], grid_code, level, floor_level=level)


def route(event_type: object, grid_code: str, floor_level: str = Level.COMMUNITY) -> Unit | None:
    return find_unit(
        getattr(event_type, "lead_kind", ""),
        grid_code,
        getattr(event_type, "level", Level.STREET),
        floor_level,
    )


def in_district(grid_code: str) -> bool:
    return grid_code.startswith(settings.JICENG_DISTRICT_CODE)
