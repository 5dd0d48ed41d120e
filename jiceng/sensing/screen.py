"""What the command centre reads of sensing: active alarms per grid (the map's alarm layer and the
"now" figure) and the latest alarms (its live feed). ``where`` is a filter on ``grid_code``."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q
from django.utils import timezone

from jiceng.sensing.models import Alarm, AlarmStatus


def _active(where: Q, category_id: int | None = None) -> Any:
    rows = Alarm.objects.filter(status=AlarmStatus.ACTIVE).filter(where)
    if category_id is not None:
        rows = rows.filter(case__event_type__category_id=category_id)
    return rows


def active_alarms_by_grid(where: Q, category_id: int | None = None) -> dict[str, int]:
    rows = (
        _active(where, category_id).values("grid_code").annotate(n=Count("pk")).values_list("grid_code", "n")
    )
    return dict(rows)


def recent_alarms(where: Q, category_id: int | None = None, limit: int = 10) -> list[dict[str, Any]]:
    rows = _active(where, category_id).select_related("device").order_by("-last_at", "-id")[:limit]
    return [
        {
            "id": a.pk,
            "title": f"{a.device.name or a.device.device_id} {a.name}",
            "severity": a.severity,
            "at": timezone.localtime(a.last_at).isoformat(timespec="minutes"),
            "count": a.count,
            "grid_code": a.grid_code,
            "case_id": a.case_id,
        }
        for a in rows
    ]
