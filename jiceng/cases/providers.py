"""What the case engine gives triage (registered in ``CasesConfig.ready``), so triage needs no case models:

- the catalogue, as entries ``(code, name, category, description, keywords, lead unit kind)``: the
  installed one (``EventType`` rows) and the one the project ships (``data/catalogue.yaml``);
- duplicate candidates: open cases in the new case's grid and the grids touching it, registered
  within ``JICENG_DUPLICATE_WINDOW_DAYS``, as ``(case_id, text, lng, lat, registered_at)``;
- recent requests for the hot-topics endpoint, only those the user may see.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

DEFAULT_WINDOW_DAYS = 7.0
# Enough for the duplicate finder's word test; a grid rarely has more open cases in a week.
MAX_DUPLICATE_CANDIDATES = 300
MAX_MESSAGES = 2000


def catalogue_entries() -> list[tuple[str, str, str, str, str, str]]:
    """The active event types, as triage reads a catalogue."""
    from jiceng.cases.models import EventType

    rows = EventType.objects.filter(is_active=True).values_list(
        "code", "name", "category__name", "description", "keywords", "lead_kind"
    )
    return [tuple(str(v or "") for v in row) for row in rows]  # type: ignore[misc]


def default_catalogue_entries() -> list[tuple[str, str, str, str, str, str]]:
    """The catalogue shipped in ``jiceng/cases/data/catalogue.yaml``, whatever the database holds."""
    from jiceng.cases.catalogue import default_rows

    return [
        (r["code"], r["name"], r["category_name"], r["description"], r["keywords"], r["lead_kind"])
        for r in default_rows()
    ]


def window() -> timedelta:
    days = float(getattr(settings, "JICENG_DUPLICATE_WINDOW_DAYS", 0) or DEFAULT_WINDOW_DAYS)
    return timedelta(days=days)


def _where(location: Any) -> tuple[str, datetime | None]:
    """(grid code, moment) from what intake passes: a grid code, a dict, or an object with grid_code."""
    if isinstance(location, str):
        return location, None
    if isinstance(location, dict):
        return str(location.get("grid_code") or ""), location.get("at")
    return str(getattr(location, "grid_code", "") or ""), None


def neighbour_grid_codes(grid_code: str) -> list[str]:
    """The grid and the grids whose bounding boxes touch or overlap it."""
    from jiceng.places.models import Grid

    grid = Grid.objects.filter(code=grid_code).only("min_lng", "min_lat", "max_lng", "max_lat").first()
    if grid is None:
        return [grid_code] if grid_code else []
    west, south, east, north = grid.min_lng, grid.min_lat, grid.max_lng, grid.max_lat
    if west is None or south is None or east is None or north is None:
        return [grid_code]
    # About 50 m of slack: neighbouring polygons drawn by hand rarely share an exact edge.
    eps = 0.0005
    near = Grid.objects.filter(
        min_lng__lte=east + eps,
        max_lng__gte=west - eps,
        min_lat__lte=north + eps,
        max_lat__gte=south - eps,
    ).values_list("code", flat=True)
    return sorted({grid_code, *near})


def duplicate_candidates(text: str, location: Any, channel: str | None) -> Iterator[tuple[Any, ...]]:
    """Open cases near ``location`` registered within the window before (or after) its moment."""
    from jiceng.cases.models import OPEN_STATUSES, Case

    grid_code, at = _where(location)
    if not grid_code:
        return iter(())
    at = at if isinstance(at, datetime) else timezone.now()
    span = window()
    rows = (
        Case.objects.filter(
            grid_code__in=neighbour_grid_codes(grid_code),
            status__in=OPEN_STATUSES,
            registered_at__gte=at - span,
            registered_at__lte=at + span,
        )
        .order_by("-registered_at")
        .values_list("pk", "title", "description", "lng", "lat", "registered_at")[:MAX_DUPLICATE_CANDIDATES]
    )
    return ((pk, f"{title}\n{desc}", lng, lat, when) for pk, title, desc, lng, lat, when in rows)


def recent_messages(user: Any, since: datetime | None) -> list[dict[str, Any]]:
    """Requests the user may see, newest first, as hot-topic messages (titles and descriptions only)."""
    from jiceng.cases import permissions as perm
    from jiceng.cases.models import Case

    if not getattr(user, "is_authenticated", False):
        return []
    since = since or timezone.now() - timedelta(days=90)
    rows = (
        perm.visible_cases(user, Case.objects.filter(registered_at__gte=since))
        .filter(Q(merged_into__isnull=True))
        .order_by("-registered_at")
        .values_list("pk", "title", "description", "registered_at")[:MAX_MESSAGES]
    )
    return [
        {"id": pk, "title": title, "text": description, "created_at": at}
        for pk, title, description, at in rows
    ]


def register() -> None:
    try:
        from jiceng.triage import service
    except ModuleNotFoundError as exc:  # triage not installed: intake types by keywords alone
        if exc.name not in ("jiceng.triage", "jiceng.triage.service"):
            raise
        return

    service.register_catalogue_provider(catalogue_entries, default=default_catalogue_entries)
    service.register_duplicate_provider(duplicate_candidates)
    service.register_message_provider(recent_messages)
