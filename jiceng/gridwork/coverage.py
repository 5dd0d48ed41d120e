"""Patrol coverage: buildings visited in a period against the plan, per grid and per worker.

A building of kind K in grid G must be visited every ``every_days`` days (G's own plan for K, else the
district default for K, else ``FALLBACK_DAYS``). Over a period of D days that is
``max(1, D // every_days)`` visits due; the visits made are its distinct days with a building check.
A building is covered when its visits made reach its visits due.

Everything is one set-based query per figure: buildings (a code range for the scope) left-joined to
their plan and to the period's checks grouped by building, then grouped by grid. No per-building loop
runs in Python, so a district of 175,000 buildings costs one scan.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.db import connection
from django.utils import timezone

from jiceng.gridwork.models import BuildingCheck, PatrolPlan
from jiceng.lib.codes import prefix_range
from jiceng.places.models import Building, Grid

FALLBACK_DAYS = 30
DISTRICT_LENGTH = 6


@dataclass
class GridCoverage:
    grid_id: int
    grid_code: str
    grid_name: str
    buildings: int
    covered: int
    visits_due: int
    visits_made: int

    @property
    def rate(self) -> float | None:
        return round(self.covered / self.buildings, 4) if self.buildings else None


def _ranges(prefixes: tuple[str, ...]) -> tuple[str, list[Any]]:
    """A WHERE fragment on b.code for the scope's prefixes (each a range an index serves)."""
    parts, params = [], []
    for prefix in prefixes:
        low, high = prefix_range(prefix)
        if high:
            parts.append("(b.code >= %s AND b.code < %s)")
            params += [low, high]
        else:
            parts.append("(b.code >= %s)")
            params.append(low)
    return ("(" + " OR ".join(parts) + ")") if parts else "1 = 0", params


def _per_building_sql(
    prefixes: tuple[str, ...], start: date, end: date, worker_id: int | None
) -> tuple[str, list[Any]]:
    """One row per building in scope: its grid, visits due and visits made in [start, end]."""
    building = Building._meta.db_table
    plan = PatrolPlan._meta.db_table
    check = BuildingCheck._meta.db_table
    days = (end - start).days + 1
    where, params = _ranges(prefixes)
    worker = "AND c.worker_id = %s" if worker_id is not None else ""
    # Below the district, read only the checks of the scope's buildings (a semi-join on the same
    # code ranges) rather than the whole district's month.
    narrow = ""
    if prefixes and min(len(p) for p in prefixes) > DISTRICT_LENGTH:
        narrow = f"AND c.building_id IN (SELECT b.id FROM {building} b WHERE {where})"
    sql = f"""
        SELECT b.id AS building_id, b.grid_id AS grid_id,
               CASE WHEN %s / COALESCE(gp.every_days, dp.every_days, %s) < 1 THEN 1
                    ELSE %s / COALESCE(gp.every_days, dp.every_days, %s) END AS due,
               COALESCE(v.made, 0) AS made
        FROM {building} b
        LEFT JOIN {plan} gp ON gp.grid_id = b.grid_id AND gp.building_kind = b.kind
        LEFT JOIN {plan} dp ON dp.grid_id IS NULL AND dp.building_kind = b.kind
        LEFT JOIN (
            -- distinct (building, day) pairs first: a hash aggregate, where COUNT(DISTINCT) would sort
            SELECT d.building_id, COUNT(*) AS made
            FROM (SELECT DISTINCT c.building_id, c.day FROM {check} c
                  WHERE c.day >= %s AND c.day <= %s {worker} {narrow}) d
            GROUP BY d.building_id
        ) v ON v.building_id = b.id
        WHERE {where}
    """
    head = [days, FALLBACK_DAYS, days, FALLBACK_DAYS, start, end]
    if worker_id is not None:
        head.append(worker_id)
    if narrow:
        head += params
    return sql, head + params


def period(start: date | None = None, end: date | None = None) -> tuple[date, date]:
    """The period to report: by default the current month up to today."""
    today = timezone.localdate()
    end = end or today
    start = start or end.replace(day=1)
    if start > end:
        start, end = end, start
    return start, end


def by_grid(
    prefixes: tuple[str, ...], start: date, end: date, worker_id: int | None = None
) -> list[GridCoverage]:
    """Coverage per grid of the scope's buildings (``worker_id``: counting only that worker's visits)."""
    inner, params = _per_building_sql(prefixes, start, end, worker_id)
    sql = f"""
        SELECT pb.grid_id, COUNT(*), SUM(CASE WHEN pb.made >= pb.due THEN 1 ELSE 0 END),
               SUM(pb.due), SUM(CASE WHEN pb.made < pb.due THEN pb.made ELSE pb.due END)
        FROM ({inner}) pb
        GROUP BY pb.grid_id
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    grids = {g.pk: g for g in Grid.objects.filter(pk__in=[r[0] for r in rows]).only("pk", "code", "name")}
    found = [
        GridCoverage(
            grid_id,
            grids[grid_id].code,
            grids[grid_id].name,
            int(n),
            int(ok or 0),
            int(due or 0),
            int(made or 0),
        )
        for grid_id, n, ok, due, made in rows
        if grid_id in grids
    ]
    return sorted(found, key=lambda g: g.grid_code)


def totals(rows: list[GridCoverage]) -> dict[str, Any]:
    buildings = sum(r.buildings for r in rows)
    covered = sum(r.covered for r in rows)
    return {
        "grids": len(rows),
        "buildings": buildings,
        "covered": covered,
        "visits_due": sum(r.visits_due for r in rows),
        "visits_made": sum(r.visits_made for r in rows),
        "rate": round(covered / buildings, 4) if buildings else None,
    }


def missed(prefixes: tuple[str, ...], start: date, end: date, limit: int = 200) -> list[dict[str, Any]]:
    """Buildings whose visits made fall short of their visits due, the least visited first."""
    inner, params = _per_building_sql(prefixes, start, end, None)
    sql = f"""
        SELECT pb.building_id, pb.due, pb.made FROM ({inner}) pb
        WHERE pb.made < pb.due ORDER BY pb.made, pb.building_id LIMIT %s
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, limit])
        rows = cursor.fetchall()
    buildings = {b.pk: b for b in Building.objects.filter(pk__in=[r[0] for r in rows]).select_related("grid")}
    return [
        {
            "code": buildings[pk].code,
            "address": buildings[pk].address,
            "kind": buildings[pk].kind,
            "grid": buildings[pk].grid.code,
            "due": int(due),
            "made": int(made),
        }
        for pk, due, made in rows
        if pk in buildings
    ]


def by_worker(prefixes: tuple[str, ...], start: date, end: date) -> list[dict[str, Any]]:
    """Per worker who checked buildings in the scope: checks, buildings visited, patrol days."""
    from django.db.models import Count

    from jiceng.org.scopes import prefixes_q

    checks = BuildingCheck.objects.filter(day__gte=start, day__lte=end)
    if not prefixes or min(len(p) for p in prefixes) > DISTRICT_LENGTH:
        checks = checks.filter(prefixes_q("building__code", prefixes))  # the whole district needs no join
    rows = (
        checks.values("worker_id", "worker__display_name", "worker__username")
        .annotate(
            checks=Count("pk"),
            buildings=Count("building_id", distinct=True),
            days=Count("day", distinct=True),
        )
        .order_by("-checks")
    )
    return [
        {
            "worker_id": r["worker_id"],
            "name": r["worker__display_name"] or r["worker__username"],
            "checks": r["checks"],
            "buildings": r["buildings"],
            "days": r["days"],
        }
        for r in rows
    ]


def visits_due(grid: Grid, today: date | None = None) -> list[dict[str, Any]]:
    """The plan turned into visits due in a grid: each building with its last visit and next due day,
    those due (or never visited) first."""
    from django.db.models import Max

    today = today or timezone.localdate()
    plans = {p.building_kind: p.every_days for p in PatrolPlan.objects.filter(grid=None)}
    plans.update({p.building_kind: p.every_days for p in PatrolPlan.objects.filter(grid=grid)})
    last = dict(
        BuildingCheck.objects.filter(building__grid=grid)
        .values("building_id")
        .annotate(last=Max("day"))
        .values_list("building_id", "last")
    )
    found = []
    for building in Building.objects.filter(grid=grid).order_by("code"):
        every = plans.get(building.kind, FALLBACK_DAYS)
        seen = last.get(building.pk)
        next_due = seen + timedelta(days=every) if seen else today
        found.append(
            {
                "code": building.code,
                "address": building.address,
                "kind": building.kind,
                "every_days": every,
                "last": seen,
                "next_due": next_due,
                "due": next_due <= today,
            }
        )
    return sorted(found, key=lambda b: (not b["due"], b["next_due"], b["code"]))
