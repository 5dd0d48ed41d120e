"""Finding units: which unit of a kind covers a place — what dispatch asks for every case."""

from __future__ import annotations

from django.db.models import QuerySet

from jiceng.org.models import Unit
from jiceng.places.models import Level

# The most local unit first: a community workstation before its street office before the district.
_LEVEL_RANK: dict[str, int] = {Level.COMMUNITY: 0, Level.STREET: 1, Level.DISTRICT: 2}


def division_codes_above(code: str) -> list[str]:
    """The district, street and community codes containing ``code`` (and ``code`` itself when it is
    a division code)."""
    return [code[:n] for n in (6, 9, 12) if len(code) >= n]


def covering_units(code: str, kind: str | None = None) -> QuerySet[Unit]:
    """Active units whose jurisdiction contains the place ``code`` (any division, grid, building or
    room code), optionally of one kind."""
    qs = Unit.objects.filter(is_active=True, jurisdiction__code__in=division_codes_above(code))
    if kind:
        qs = qs.filter(kind__code=kind)
    return qs.select_related("kind", "division").distinct()


def nearest_unit(code: str, kind: str) -> Unit | None:
    """The most local active unit of ``kind`` covering ``code`` (a street's team before the district
    bureau); ties broken by unit code so the answer is stable."""
    units = list(covering_units(code, kind))
    units.sort(key=lambda u: (_LEVEL_RANK.get(u.level, 9), u.code))
    return units[0] if units else None
