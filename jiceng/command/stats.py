"""The queries behind every panel of the command centre, on the rollups only.

Every function takes ``Filters``: the code prefixes the caller may see inside the division on screen,
a period of whole local days, and optional category and unit. Figures for a period read whole-month
rows for the months inside it and day rows for the ragged ends (see ``spans``).
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import reduce
from operator import or_
from typing import Any

from django.core.cache import cache
from django.db.models import Count, F, Max, Q, Sum
from django.db.models.functions import Substr
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jiceng.cases import evaluation
from jiceng.cases.evaluation import UnitEvaluation
from jiceng.cases.models import OPEN_STATUSES, Case, Category, Channel, EventType, Status
from jiceng.command.models import (
    AREA_COUNTS,
    AREA_TOTAL_LENGTHS,
    DAY,
    LIVE_COUNTS,
    LIVE_LENGTHS,
    MONTH,
    UNIT_COUNTS,
    UNIT_TOTAL_LENGTHS,
    AreaFigure,
    AreaTotal,
    CareArea,
    CareBuilding,
    CareBuildingTotal,
    FeedItem,
    IndexWeight,
    LiveCase,
    LiveCount,
    TopicDay,
    UnitFigure,
    UnitTotal,
    WorkerPosition,
)
from jiceng.core.exceptions import JicengError, NotFound, PermissionDenied
from jiceng.core.params import is_ascii_digits, parse_day
from jiceng.org.models import Role, Unit
from jiceng.org.scopes import prefixes_q, scope_for
from jiceng.places.models import Building, Division, Grid, Level

# Who may open the screen: leaders and the staff who run the centre. Grid workers and handlers work
# from their own lists.
SCREEN_ROLES = (Role.LEADER, Role.SUPERVISOR, Role.DISPATCHER, Role.COMMUNITY_STAFF, Role.ADMIN)
PERIODS = evaluation.PERIODS  # one definition of periods, shared with /cases/evaluation/
COMMUNITY_LENGTH = 12
# Set to False to read only the fine tables (the tests compare both ways).
USE_TOTALS = True


class BadFilter(JicengError):
    def __init__(self, message: str) -> None:
        super().__init__(message, code="bad_filter", status=400)


@dataclass(frozen=True)
class Filters:
    division: Division
    prefixes: tuple[str, ...]
    start: date
    end: date
    period: str = "30d"
    category_id: int | None = None
    unit_id: int | None = None
    roles: frozenset[str] = field(default_factory=frozenset)

    def codes(self, column: str) -> Q:
        return prefixes_q(column, self.prefixes)

    def as_dict(self) -> dict[str, Any]:
        return {
            "division": self.division.code,
            "division_name": self.division.name,
            "level": self.division.level,
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "period": self.period,
            "category": self.category_id,
            "unit": self.unit_id,
        }


def screen_allowed(user: Any) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    scope = scope_for(user)
    return bool(scope.has_role(*SCREEN_ROLES) and _screen_prefixes(scope.prefixes))


def _screen_prefixes(prefixes: tuple[str, ...]) -> tuple[str, ...]:
    # Figures are kept per community; a grid-only post (a grid worker's) has no screen of its own.
    return tuple(p for p in prefixes if len(p) <= COMMUNITY_LENGTH)


def home_division(user: Any) -> Division:
    """The division a user's screen opens on: their jurisdiction, or the smallest one containing all."""
    prefixes = _screen_prefixes(scope_for(user).prefixes)
    if not prefixes:
        raise PermissionDenied(_("指挥中心仅向区、街道、社区的领导和值班人员开放。"))
    common = prefixes[0]
    for prefix in prefixes[1:]:
        n = 0
        while n < min(len(common), len(prefix)) and common[n] == prefix[n]:
            n += 1
        common = common[:n]
    for length in (12, 9, 6):
        if len(common) >= length:
            found = Division.objects.filter(code=common[:length]).first()
            if found is not None:
                return found
    raise NotFound(_("未找到所属区划。"))


def period_bounds(period: str, today: date | None = None) -> tuple[date, date]:
    try:
        return evaluation.period_bounds(period, today)
    except ValueError:
        raise BadFilter(_("未知的统计周期“%(period)s”。") % {"period": period}) from None


def _small_id(text: str) -> bool:
    """A primary key typed as a filter: ASCII digits that fit a 64-bit column."""
    return is_ascii_digits(text) and len(text) <= 18


def _parse_date(text: str, what: str) -> date:
    return parse_day(text, what)


def filters_for(user: Any, params: Any) -> Filters:
    """Filters from query parameters (division, period | start & end, category, unit), checked
    against the user's scope: a division outside it is "not found", one containing it is narrowed
    to the part inside."""
    if not screen_allowed(user):
        raise PermissionDenied(_("指挥中心仅向区、街道、社区的领导和值班人员开放。"))
    scope = scope_for(user)
    allowed = _screen_prefixes(scope.prefixes)
    code = (params.get("division") or "").strip()
    division = home_division(user) if not code else Division.objects.filter(code=code).first()
    if division is None:
        raise NotFound(_("未找到该区划。"))
    if any(division.code.startswith(p) for p in allowed):
        prefixes: tuple[str, ...] = (division.code,)
    else:
        prefixes = tuple(p for p in allowed if p.startswith(division.code))
        if not prefixes:
            raise NotFound(_("未找到该区划。"))
    start_text, end_text = (params.get("start") or "").strip(), (params.get("end") or "").strip()
    period = (params.get("period") or "").strip() or ("custom" if start_text or end_text else "30d")
    if period == "custom":
        today = timezone.localdate()
        start = _parse_date(start_text, _("开始")) if start_text else today - timedelta(days=29)
        end = _parse_date(end_text, _("结束")) if end_text else today
        if end < start:
            raise BadFilter(_("结束日期不能早于开始日期。"))
        if (end - start).days > 3 * 366:
            raise BadFilter(_("统计周期不能超过三年。"))
    else:
        start, end = period_bounds(period)
    category_id = None
    category = (params.get("category") or "").strip()
    if category:
        found = Category.objects.filter(
            Q(code=category) | Q(pk=int(category)) if _small_id(category) else Q(code=category)
        ).first()
        if found is None:
            raise BadFilter(_("未知的事件大类“%(c)s”。") % {"c": category})
        category_id = found.pk
    unit_id = None
    unit = (params.get("unit") or "").strip()
    if unit:
        found_unit = Unit.objects.filter(
            Q(code=unit) | Q(pk=int(unit)) if _small_id(unit) else Q(code=unit)
        ).first()
        if found_unit is None:
            raise BadFilter(_("未知的单位“%(u)s”。") % {"u": unit})
        unit_id = found_unit.pk
    return Filters(division, prefixes, start, end, period, category_id, unit_id, scope.roles)


# -- periods ----------------------------------------------------------------------------------------


def _next_month(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


def spans(start: date, end: date) -> list[tuple[str, date, date]]:
    """[start, end] as (period, first, last) row ranges: whole months as month rows, the rest as days."""
    first_full = start if start.day == 1 else _next_month(start)
    after_last_full = end.replace(day=1) if _next_month(end) - timedelta(days=1) != end else _next_month(end)
    if first_full >= after_last_full:
        return [(DAY, start, end)]
    out: list[tuple[str, date, date]] = []
    if start < first_full:
        out.append((DAY, start, first_full - timedelta(days=1)))
    out.append((MONTH, first_full, after_last_full - timedelta(days=1)))
    if after_last_full <= end:
        out.append((DAY, after_last_full, end))
    return out


def _period_q(start: date, end: date) -> Q:
    return reduce(or_, (Q(period=kind, start__gte=a, start__lte=b) for kind, a, b in spans(start, end)))


def _outermost(prefixes: tuple[str, ...]) -> tuple[str, ...]:
    """The prefixes not inside another one (so that exact-code rows are not counted twice)."""
    return tuple(sorted({p for p in prefixes if not any(p != q and p.startswith(q) for q in prefixes)}))


def _exact(prefixes: tuple[str, ...], lengths: tuple[int, ...]) -> tuple[str, ...] | None:
    """The codes whose exact rows in a coarser table answer for ``prefixes``, or None when some prefix
    is not of a length that table keeps."""
    if not USE_TOTALS:
        return None
    codes = _outermost(prefixes)
    return codes if codes and all(len(c) in lengths for c in codes) else None


def _area_base(f: Filters) -> Any:
    """The area rows of the filters' places and category, from the coarsest table that has them:
    street/district totals, one community's own rows, or community rows by code range."""
    codes = _exact(f.prefixes, AREA_TOTAL_LENGTHS)
    rows: Any
    if codes is not None:
        rows = AreaTotal.objects.filter(area_code__in=codes)
    elif (codes := _exact(f.prefixes, (COMMUNITY_LENGTH,))) is not None:
        rows = AreaFigure.objects.filter(community_code__in=codes)
    else:
        rows = AreaFigure.objects.filter(f.codes("community_code"))
    if f.category_id is not None:
        rows = rows.filter(category_id=f.category_id)
    return rows


def _area_rows(f: Filters, start: date | None = None, end: date | None = None) -> Any:
    return _area_base(f).filter(_period_q(start or f.start, end or f.end))


def _unit_rows(f: Filters) -> Any:
    codes = _exact(f.prefixes, UNIT_TOTAL_LENGTHS) if f.category_id is None else None
    rows: Any
    if codes is not None:
        rows = UnitTotal.objects.filter(area_code__in=codes)
    else:
        rows = UnitFigure.objects.filter(f.codes("community_code"))
        if f.category_id is not None:
            rows = rows.filter(category_id=f.category_id)
    rows = rows.filter(_period_q(f.start, f.end))
    if f.unit_id is not None:
        rows = rows.filter(unit_id=f.unit_id)
    return rows


def _rate(part: float, whole: float) -> float | None:
    return round(part / whole, 4) if whole else None


# -- panels -----------------------------------------------------------------------------------------


def _figures(rows: Any) -> dict[str, Any]:
    sums = rows.aggregate(**{name: Sum(name) for name in AREA_COUNTS})
    out: dict[str, Any] = {name: int(sums[name] or 0) for name in AREA_COUNTS}
    out["on_time_rate"] = _rate(out["completed_on_time"], out["completed"])
    out["satisfaction_rate"] = _rate(out["satisfied"], out["rated"])
    out["mean_rating"] = round(out["rating_sum"] / out["rated"], 2) if out["rated"] else None
    return out


def kpis(f: Filters) -> dict[str, Any]:
    """Today's and the period's figures, plus what is open now."""
    today = timezone.localdate()
    if f.unit_id is not None:
        # A unit's figures come from its own rows (received = dispatched to it).
        period = ranking_rows(f)
        total = _sum_units(period)
        return {"filters": f.as_dict(), "unit": total}
    return {
        "filters": f.as_dict(),
        "today": _figures(_area_rows(f, today, today)),
        "period": _figures(_area_rows(f)),
        "now": _with_active_alarms(_live_now(f), f),
    }


def _live_now(f: Filters) -> dict[str, int]:
    codes = _exact(f.prefixes, LIVE_LENGTHS)
    if codes is not None:
        counts = LiveCount.objects.filter(code__in=codes)
        if f.category_id is not None:
            counts = counts.filter(category_id=f.category_id)
        sums = counts.aggregate(**{name: Sum(name) for name in LIVE_COUNTS})
        return {name: int(sums[name] or 0) for name in LIVE_COUNTS}
    return _live(f).aggregate(
        open=Count("pk"),
        overdue=Count("pk", filter=Q(overdue=True)),
        sensitive=Count("pk", filter=Q(sensitive=True)),
        alarms=Count("pk", filter=Q(channel=Channel.SENSOR)),
        escalated=Count("pk", filter=Q(escalated=True)),
    )


def _with_active_alarms(now: dict[str, int], f: Filters) -> dict[str, int]:
    """The "alarms" figure is the sensing alarms active now, not the cases they opened."""
    from jiceng.sensing.screen import active_alarms_by_grid

    now["alarms"] = sum(active_alarms_by_grid(f.codes("grid_code"), f.category_id).values())
    return now


def _category_names() -> dict[int, str]:
    names = {c.pk: c.name for c in Category.objects.only("pk", "name")}
    names[0] = _("未分类")
    return names


def trend(f: Filters) -> dict[str, Any]:
    """Cases received per category, by day (periods up to 92 days) or by month."""
    by_day = (f.end - f.start).days <= 92
    if by_day:
        rows = _area_base(f).filter(period=DAY, start__gte=f.start, start__lte=f.end)
        buckets: list[date] = [f.start + timedelta(days=i) for i in range((f.end - f.start).days + 1)]
    else:
        rows = _area_rows(f)
        buckets = []
        month = f.start.replace(day=1)
        while month <= f.end:
            buckets.append(month)
            month = _next_month(month)
    data: dict[int, dict[date, int]] = defaultdict(lambda: defaultdict(int))
    for start, category, received in (
        rows.values("start", "category_id")
        .annotate(n=Sum("received"))
        .values_list("start", "category_id", "n")
    ):
        data[category][start if by_day else start.replace(day=1)] += int(received or 0)
    names = _category_names()
    series = sorted(
        (
            {"category": c, "name": names.get(c, str(c)), "data": [values.get(b, 0) for b in buckets]}
            for c, values in data.items()
        ),
        key=lambda s: -sum(s["data"]),  # type: ignore[call-overload]
    )
    return {
        "filters": f.as_dict(),
        "step": "day" if by_day else "month",
        "x": [b.isoformat() if by_day else b.strftime("%Y-%m") for b in buckets],
        "series": series[:8],
    }


def _live(f: Filters) -> Any:
    rows = LiveCase.objects.filter(f.codes("grid_code"))
    if f.category_id is not None:
        rows = rows.filter(category_id=f.category_id)
    return rows


METRICS = {
    "open": (gettext_lazy("在办工单"), Q()),
    "overdue": (gettext_lazy("超期工单"), Q(overdue=True)),
    "alarms": (gettext_lazy("物联告警"), Q(channel=Channel.SENSOR)),  # read from sensing (_alarm_map)
    "sensitive": (gettext_lazy("敏感诉求"), Q(sensitive=True)),
}


def children(division: Division) -> list[tuple[str, str, str]]:
    """(code, name, kind) of what the map of a division shows: streets, communities or grids."""
    if division.level == Level.COMMUNITY:
        return [
            (g.code, g.name, "grid") for g in Grid.objects.filter(community=division).only("code", "name")
        ]
    return [
        (d.code, d.name, d.level)
        for d in Division.objects.filter(parent=division).only("code", "name", "level")
    ]


def map_values(f: Filters, metric: str = "open") -> dict[str, Any]:
    if metric not in METRICS:
        raise BadFilter(_("未知的地图指标“%(m)s”。") % {"m": metric})
    label, condition = str(METRICS[metric][0]), METRICS[metric][1]
    visible = [
        (code, name, kind)
        for code, name, kind in children(f.division)
        if any(code.startswith(p) or p.startswith(code) for p in f.prefixes)
    ]
    values = (
        _alarm_map(f, [code for code, _n, _k in visible])
        if metric == "alarms"
        else _map_counts(f, metric, [code for code, _n, _k in visible])
    )
    if values is None:
        counts = dict(
            _live(f)
            .filter(condition)
            .values("grid_code")
            .annotate(n=Count("pk"))
            .values_list("grid_code", "n")
        )
        values = {
            code: sum(n for grid, n in counts.items() if grid.startswith(code)) for code, _n, _k in visible
        }
    items = [
        {"code": code, "name": name, "kind": kind, "value": values.get(code, 0)}
        for code, name, kind in visible
    ]
    return {"filters": f.as_dict(), "metric": metric, "label": str(label), "items": items}


def _alarm_map(f: Filters, codes: list[str]) -> dict[str, int]:
    """The map's alarm layer: sensing alarms active now in each child area."""
    from jiceng.sensing.screen import active_alarms_by_grid

    counts = active_alarms_by_grid(f.codes("grid_code"), f.category_id)
    return {code: sum(n for grid, n in counts.items() if grid.startswith(code)) for code in codes}


def _map_counts(f: Filters, metric: str, codes: list[str]) -> dict[str, int] | None:
    """Each child's value from the open-case counters: its own row when it lies inside the scope,
    else the rows of the scope's parts inside it. None when some code has no counter row kind."""
    prefixes = _exact(f.prefixes, LIVE_LENGTHS)
    if prefixes is None or not all(len(c) in LIVE_LENGTHS for c in codes):
        return None
    parts: dict[str, list[str]] = {}
    for code in codes:
        if any(code.startswith(p) for p in prefixes):
            parts[code] = [code]
        else:
            parts[code] = [p for p in prefixes if p.startswith(code)]
    wanted = {c for group in parts.values() for c in group}
    rows = LiveCount.objects.filter(code__in=wanted)
    if f.category_id is not None:
        rows = rows.filter(category_id=f.category_id)
    found = dict(rows.values("code").annotate(n=Sum(metric)).values_list("code", "n"))
    return {code: sum(int(found.get(c) or 0) for c in group) for code, group in parts.items()}


def geo(f: Filters) -> dict[str, Any]:
    """GeoJSON of the division's children (grid polygons; streets and communities as the union of
    their grids), cached until a grid is redrawn."""
    grids = Grid.objects.filter(code__startswith=f.division.code)
    version = grids.aggregate(n=Count("pk"), at=Max("updated_at"))
    stamp = version["at"].timestamp() if version["at"] else 0
    key = f"command:geo:{f.division.code}:{version['n']}:{stamp:.6f}"
    shapes = cache.get(key)
    if shapes is None:
        shapes = _build_geo(f.division)
        cache.set(key, shapes, 3600)
    features = [
        feature
        for feature in shapes["features"]
        if any(
            feature["properties"]["code"].startswith(p) or p.startswith(feature["properties"]["code"])
            for p in f.prefixes
        )
    ]
    return {"type": "FeatureCollection", "features": features}


def _build_geo(division: Division) -> dict[str, Any]:
    import shapely
    from shapely.geometry import mapping, shape

    polygons: dict[str, Any] = {}
    for code, polygon in Grid.objects.filter(code__startswith=division.code).values_list("code", "polygon"):
        if not polygon:
            continue
        try:
            polygons[code] = shape(json.loads(polygon))
        except (ValueError, TypeError, KeyError):
            continue
    features = []
    for code, name, kind in children(division):
        parts = [g for grid_code, g in polygons.items() if grid_code.startswith(code)]
        if not parts:
            continue
        geometry = parts[0] if len(parts) == 1 else shapely.union_all([p.buffer(0) for p in parts])
        if kind != "grid":
            geometry = geometry.simplify(0.0002, preserve_topology=True)
        features.append(
            {
                "type": "Feature",
                "properties": {"code": code, "name": name, "kind": kind},
                "geometry": mapping(geometry),
            }
        )
    return {"type": "FeatureCollection", "features": features}


def ranking_rows(f: Filters) -> list[UnitEvaluation]:
    """Per-unit figures for the period, as ``cases.evaluation.UnitEvaluation`` rows."""
    counts = (*UNIT_COUNTS, "hours_total")
    grouped = _unit_rows(f).values("unit_id").annotate(**{f"s_{c}": Sum(c) for c in counts})
    rows: dict[int, UnitEvaluation] = {}
    for values in grouped:
        row = UnitEvaluation(values["unit_id"], "", "")
        row.received = int(values["s_received"] or 0)
        row.accepted = int(values["s_accepted"] or 0)
        row.accepted_on_time = int(values["s_accepted_on_time"] or 0)
        row.completed = int(values["s_completed"] or 0)
        row.completed_on_time = int(values["s_completed_on_time"] or 0)
        row.overdue = int(values["s_overdue"] or 0)
        row.returned = int(values["s_returned"] or 0)
        row.reopened = int(values["s_reopened"] or 0)
        row.rated = int(values["s_rated"] or 0)
        row.satisfied = int(values["s_satisfied"] or 0)
        row.handling_hours_total = float(values["s_hours_total"] or 0)
        row.handling_hours_count = int(values["s_hours_count"] or 0)
        rows[row.unit_id] = row
    for pk, code, name in Unit.objects.filter(pk__in=rows.keys()).values_list("pk", "code", "name"):
        rows[pk].unit_code, rows[pk].unit_name = code, name
    return sorted(rows.values(), key=lambda r: (-r.received, r.unit_code))


def _sum_units(rows: list[UnitEvaluation]) -> dict[str, Any]:
    total = UnitEvaluation(0, "", "")
    for row in rows:
        for name in (
            "received",
            "accepted",
            "accepted_on_time",
            "completed",
            "completed_on_time",
            "overdue",
            "returned",
            "reopened",
            "rated",
            "satisfied",
            "handling_hours_total",
            "handling_hours_count",
        ):
            setattr(total, name, getattr(total, name) + getattr(row, name))
    return total.as_dict()


unit_score = evaluation.unit_score


def rankings(f: Filters, limit: int = 15) -> dict[str, Any]:
    """Units by score, best first, the first ``limit`` of them. Every unit is scored and ranked, but
    only the rows shown are turned into dictionaries: a district has hundreds of units, and building
    every row's dictionary cost more than the query (issue #20)."""
    rows = ranking_rows(f)
    # A unit that received no case in the period has nothing to be scored on: it is listed after the
    # ranked units, unranked, instead of topping the table with a perfect 100.
    scored = [(unit_score(row) if row.received else None, row) for row in rows]
    scored.sort(key=lambda sr: (sr[0] is None, -(sr[0] or 0), -sr[1].received))
    items = []
    for n, (score, row) in enumerate(scored[:limit], start=1):
        data = row.as_dict()
        data["score"] = score
        data["rank"] = n if score is not None else None
        items.append(data)
    return {"filters": f.as_dict(), "items": items, "total": len(scored)}


def _type_names(ids: Any) -> dict[int, str]:
    return dict(EventType.objects.filter(pk__in=set(ids)).values_list("pk", "name"))


def feed(f: Filters, since: int = 0, limit: int = 30) -> dict[str, Any]:
    rows = FeedItem.objects.filter(f.codes("grid_code"))
    if f.category_id is not None:
        rows = rows.filter(category_id=f.category_id)
    if since:
        rows = rows.filter(event_id__gt=since)
    found = list(rows.order_by("-event_id")[:limit])
    names = _type_names(item.type_id for item in found)
    items = [
        {
            "id": item.event_id,
            "case_id": item.case_id,
            "kind": item.kind,
            "at": timezone.localtime(item.at).isoformat(timespec="minutes"),
            "title": item.title,
            "type": names.get(item.type_id, ""),
            "grid_code": item.grid_code,
            "channel": item.channel,
            "sensitive": item.sensitive,
        }
        for item in found
    ]
    from jiceng.sensing.screen import recent_alarms

    return {
        "filters": f.as_dict(),
        "items": items,
        "last": items[0]["id"] if items else since,
        "alarms": recent_alarms(f.codes("grid_code"), f.category_id),
    }


def hot_topics(f: Filters, days: int = 7, limit: int = 10) -> dict[str, Any]:
    """What many people asked about in the same place lately: new cases of the last ``days`` grouped
    by community and event type (triage's own hot-topic finder answers instead when installed)."""
    finder = _triage_hot_topics()
    if finder is not None:
        since = timezone.now() - timedelta(days=days)
        return {
            "filters": f.as_dict(),
            "source": "triage",
            "items": finder(prefixes=f.prefixes, since=since, limit=limit),
        }
    first = timezone.localdate() - timedelta(days=days - 1)
    rows = TopicDay.objects.filter(f.codes("community_code"), start__gte=first)
    if f.category_id is not None:
        rows = rows.filter(type_id__in=EventType.objects.filter(category_id=f.category_id).values("pk"))
    grouped = list(
        rows.values("community_code", "type_id")
        .annotate(n=Sum("received"), sensitive=Sum("sensitive"))
        .filter(n__gte=2)
        .order_by("-n", "community_code")[:limit]
    )
    places = dict(
        Division.objects.filter(code__in=[g["community_code"] for g in grouped]).values_list("code", "name")
    )
    names = _type_names(g["type_id"] for g in grouped)
    items = [
        {
            "topic": names.get(g["type_id"], ""),
            "place": places.get(g["community_code"], g["community_code"]),
            "code": g["community_code"],
            "count": int(g["n"]),
            "sensitive": int(g["sensitive"] or 0),
        }
        for g in grouped
    ]
    return {"filters": f.as_dict(), "source": "rollup", "items": items}


def _triage_hot_topics() -> Any:
    from importlib import import_module

    try:
        module = import_module("jiceng.triage.hot")
    except ModuleNotFoundError:
        return None
    return getattr(module, "hot_topics_for_screen", None)


def workers(f: Filters, days: int = 30, limit: int = 1000) -> dict[str, Any]:
    since = timezone.now() - timedelta(days=days)
    rows = (
        WorkerPosition.objects.filter(f.codes("grid_code"), at__gte=since)
        .order_by("-at")
        .values_list("user__display_name", "user__username", "lat", "lng", "at", "grid_code")[:limit]
    )
    items = [
        {
            "name": display or username,
            "lat": lat,
            "lng": lng,
            "at": timezone.localtime(at).isoformat(timespec="minutes"),
            "grid_code": grid_code,
        }
        for display, username, lat, lng, at, grid_code in rows
    ]
    return {"filters": f.as_dict(), "items": items}


def care(f: Filters, limit: int = 12) -> dict[str, Any]:
    """Care-group residents (elderly living alone, disabled…) by building, most first."""
    try:
        from jiceng.registry.models import CareTag
    except ImportError:  # pragma: no cover
        return {"filters": f.as_dict(), "available": False, "tags": [], "buildings": []}
    rows = CareBuilding.objects.filter(f.codes("building_code"))
    codes = _exact(f.prefixes, (6, 9, 12))
    by_tag = CareArea.objects.filter(area_code__in=codes) if codes is not None else rows
    tags = list(by_tag.values("tag").annotate(n=Sum("people")).order_by("-n", "tag").values_list("tag", "n"))
    if USE_TOTALS:
        top = list(
            CareBuildingTotal.objects.filter(f.codes("building_code"))
            .order_by("-people", "building_code")
            .values_list("building_code", "people")[:limit]
        )
    else:
        top = list(
            rows.values("building_code")
            .annotate(n=Sum("people"))
            .order_by("-n", "building_code")[:limit]
            .values_list("building_code", "n")
        )
    detail: dict[str, dict[str, int]] = defaultdict(dict)
    for code, tag, people in rows.filter(building_code__in=[c for c, _n in top]).values_list(
        "building_code", "tag", "people"
    ):
        detail[code][tag] = people
    buildings = {
        b.code: b
        for b in Building.objects.filter(code__in=[c for c, _n in top]).only("code", "address", "lat", "lng")
    }
    known = {str(t) for t in CareTag.values}
    return {
        "filters": f.as_dict(),
        "available": True,
        "tags": [{"tag": t, "people": n, "known": t in known} for t, n in tags],
        "buildings": [
            {
                "code": code,
                "address": buildings[code].address if code in buildings else code,
                "lat": buildings[code].lat if code in buildings else None,
                "lng": buildings[code].lng if code in buildings else None,
                "people": n,
                "tags": detail.get(code, {}),
            }
            for code, n in top
        ],
    }


def grid_cases(user: Any, f: Filters, grid_code: str, limit: int = 50) -> dict[str, Any]:
    """The open cases of one grid (the last step of the map's drill-down)."""
    if not any(grid_code.startswith(p) for p in f.prefixes):
        raise NotFound(_("未找到该网格。"))
    grid = Grid.objects.filter(code=grid_code).first()
    if grid is None:
        raise NotFound(_("未找到该网格。"))
    cases = Case.objects.filter(grid_code=grid_code, status__in=OPEN_STATUSES).order_by("-registered_at")
    if f.category_id is not None:
        cases = cases.filter(event_type__category_id=f.category_id)
    items = [
        {
            "id": c.pk,
            "number": c.number,
            "title": c.title,
            "status": str(Status(c.status).label),
            "registered_at": timezone.localtime(c.registered_at).isoformat(timespec="minutes"),
            "overdue": c.overdue,
            "sensitive": c.sensitive,
            "url": f"/cases/{c.pk}/",
        }
        for c in cases.only("pk", "title", "status", "registered_at", "overdue", "sensitive")[:limit]
    ]
    return {"grid": {"code": grid.code, "name": grid.name}, "items": items}


# -- the safety-building index ------------------------------------------------------------------------

COMPONENTS: dict[str, tuple[Any, float]] = {
    "on_time": (gettext_lazy("按时办结率"), 30.0),
    "satisfaction": (gettext_lazy("群众满意率"), 25.0),
    "no_overdue": (gettext_lazy("未超期率"), 20.0),
    "closure": (gettext_lazy("结案率"), 10.0),
    "no_sensitive": (gettext_lazy("非敏感诉求占比"), 10.0),
    "no_escalation": (gettext_lazy("未升级率"), 5.0),
}


def weights() -> dict[str, float]:
    stored = dict(IndexWeight.objects.values_list("component", "weight"))
    return {name: float(stored.get(name, default)) for name, (_label, default) in COMPONENTS.items()}


def _components(fig: dict[str, Any]) -> dict[str, float | None]:
    received = fig["received"]

    def inverse(part: int) -> float | None:
        return None if not received else max(0.0, 1 - part / received)

    return {
        "on_time": _rate(fig["completed_on_time"], fig["completed"]),
        "satisfaction": _rate(fig["satisfied"], fig["rated"]),
        "no_overdue": inverse(fig["overdue"]),
        "closure": None if not received else min(1.0, fig["closed"] / received),
        "no_sensitive": inverse(fig["sensitive"]),
        "no_escalation": inverse(fig["escalated"]),
    }


def composite(components: dict[str, float | None], w: dict[str, float]) -> float | None:
    known = [(w.get(k, 0.0), v) for k, v in components.items() if v is not None and w.get(k, 0.0) > 0]
    total = sum(weight for weight, _v in known)
    if not total:
        return None
    return round(100 * sum(weight * v for weight, v in known) / total, 1)


def safety_index(f: Filters) -> dict[str, Any]:
    """平安建设考评指数 for each street (or community) of the division, and the division itself."""
    w = weights()
    areas = [(c, n) for c, n, kind in children(f.division) if kind != "grid"] or [
        (f.division.code, f.division.name)
    ]
    length = len(areas[0][0])
    sums = {name: Sum(name) for name in AREA_COUNTS}
    codes = [code for code, _n in areas]
    inside = USE_TOTALS and all(
        len(code) == length and any(code.startswith(p) for p in f.prefixes) for code in codes
    )
    grouped: Any
    if inside and length in AREA_TOTAL_LENGTHS:
        # Every street lies wholly in scope: its own totals.
        grouped = AreaTotal.objects.filter(area_code__in=codes).values(area=F("area_code"))
    elif inside and length == COMMUNITY_LENGTH:
        grouped = AreaFigure.objects.filter(community_code__in=codes).values(area=F("community_code"))
    else:
        grouped = (
            AreaFigure.objects.filter(f.codes("community_code"))
            .annotate(area=Substr("community_code", 1, length))
            .values("area")
        )
    grouped = grouped.filter(_period_q(f.start, f.end))
    if f.category_id is not None:
        grouped = grouped.filter(category_id=f.category_id)
    by_area = {g["area"]: {name: int(g[name] or 0) for name in AREA_COUNTS} for g in grouped.annotate(**sums)}
    empty = dict.fromkeys(AREA_COUNTS, 0)
    items = []
    for code, name in areas:
        if not any(code.startswith(p) or p.startswith(code) for p in f.prefixes):
            continue
        fig = by_area.get(code, empty)
        parts = _components(fig)
        items.append(
            {
                "code": code,
                "name": name,
                "received": fig["received"],
                "components": parts,
                "index": composite(parts, w),
            }
        )
    items.sort(key=lambda i: (i["index"] is None, -(i["index"] or 0)))  # type: ignore[operator]
    # The whole division from the per-area sums (no second pass over the rows).
    overall_fig = {name: sum(a[name] for a in by_area.values()) for name in AREA_COUNTS}
    overall = _components(overall_fig)
    return {
        "filters": f.as_dict(),
        "weights": w,
        "labels": {k: str(label) for k, (label, _d) in COMPONENTS.items()},
        "items": items,
        "overall": composite(overall, w),
    }


def categories() -> list[dict[str, Any]]:
    return [{"id": c.pk, "code": c.code, "name": c.name} for c in Category.objects.all()]
