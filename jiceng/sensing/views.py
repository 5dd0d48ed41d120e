"""Pages: devices per grid and community (list, map, online rate), a device's telemetry chart and
alarms, and the alarm desk (acknowledge, clear with a note, open the case). Phone-friendly tables.

Everything is read through the scoped getters of ``actions``; a device or alarm outside the viewer's
territory renders the same 404 as a missing one.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jiceng.core.exceptions import JicengError, NotFound
from jiceng.org.privacy import reveal
from jiceng.org.scopes import prefix_q, scope_for
from jiceng.places.models import Division, Grid
from jiceng.sensing import actions
from jiceng.sensing.models import Alarm, AlarmSeverity, AlarmStatus, DeviceKind, DeviceStatus, Telemetry

CHART_POINTS = 2000


def sensing_page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            if not scope_for(request.user).is_staff:
                raise NotFound(_("物联感知页面仅限工作人员使用。"))
            return view(request, *args, **kwargs)
        except NotFound as exc:
            return render(request, "org/not_found.html", {"message": exc.message}, status=404)

    return login_required(wrapped)


def _areas(user: Any) -> list[tuple[str, str]]:
    """Communities and grids inside the viewer's scope, for the area filter."""
    scope = scope_for(user)
    communities = Division.objects.filter(scope.q_touching("code"), level="community").order_by("code")
    grids = Grid.objects.filter(scope.q("code")).order_by("code")
    found = [(c.code, c.name) for c in communities] + [(g.code, f"　{g.name}") for g in grids]
    return sorted(found)


@sensing_page
def device_list(request: HttpRequest) -> HttpResponse:
    devices = actions.visible_devices(request.user).select_related("kind")
    area = request.GET.get("area", "").strip()
    if area:
        devices = devices.filter(prefix_q("grid_code", area))
    kind = request.GET.get("kind", "").strip()
    if kind:
        devices = devices.filter(kind__code=kind)
    status = request.GET.get("status", "").strip()
    if status:
        devices = devices.filter(status=status)
    # Online rate per grid (retired devices do not count).
    per_grid = list(
        devices.exclude(status=DeviceStatus.RETIRED)
        .values("grid_code")
        .annotate(total=Count("pk"), online=Count("pk", filter=Q(status=DeviceStatus.ACTIVE)))
        .order_by("grid_code")
    )
    names = dict(Grid.objects.filter(code__in=[g["grid_code"] for g in per_grid]).values_list("code", "name"))
    for row in per_grid:
        row["name"] = names.get(row["grid_code"], row["grid_code"])
        row["rate"] = round(100 * row["online"] / row["total"], 1) if row["total"] else 0.0
    total = sum(r["total"] for r in per_grid)
    online = sum(r["online"] for r in per_grid)
    alarmed = set(
        Alarm.objects.filter(status=AlarmStatus.ACTIVE, device__in=devices).values_list(
            "device_id", flat=True
        )
    )
    points = [
        {
            "id": d.device_id,
            "name": d.name or d.kind.name,
            "value": [d.lng, d.lat],
            "status": d.status,
            "alarm": d.pk in alarmed,
        }
        for d in devices.exclude(lat__isnull=True).exclude(lng__isnull=True)[:3000]
    ]
    page = Paginator(devices.order_by("grid_code", "device_id"), 50).get_page(request.GET.get("page"))
    return render(
        request,
        "sensing/devices.html",
        {
            "page": page,
            "per_grid": per_grid,
            "total": total,
            "online": online,
            "rate": round(100 * online / total, 1) if total else 0.0,
            "points": points,
            "outlines": grid_outlines([g["grid_code"] for g in per_grid]),
            "alarmed": alarmed,
            "areas": _areas(request.user),
            "kinds": DeviceKind.objects.order_by("code"),
            "statuses": DeviceStatus.choices,
            "params": {"area": area, "kind": kind, "status": status},
        },
    )


def grid_outlines(codes: list[str], limit: int = 300) -> list[dict[str, Any]]:
    """The base layer of the device map, from our own places data (no tile server): the outline of
    each grid shown, as rings of [lng, lat], simplified to about 5 m."""
    from shapely.geometry import shape

    outlines = []
    rows = (
        Grid.objects.filter(code__in=codes[:limit]).exclude(polygon="").values_list("code", "name", "polygon")
    )
    for code, name, polygon in rows:
        try:
            geometry = shape(json.loads(polygon)).simplify(0.00005)
        except (ValueError, TypeError, AttributeError, KeyError):
            continue  # a grid without a usable boundary is simply not drawn
        parts = getattr(geometry, "geoms", [geometry])
        rings = [
            [[round(x, 6), round(y, 6)] for x, y in part.exterior.coords]
            for part in parts
            if hasattr(part, "exterior")
        ]
        if rings:
            outlines.append({"code": code, "name": name, "rings": rings})
    return outlines


@sensing_page
def device_detail(request: HttpRequest, device_id: str) -> HttpResponse:
    device = actions.access_device(request.user, device_id)
    hours = 24
    since = timezone.now() - dt.timedelta(hours=hours)
    rows = list(
        Telemetry.objects.filter(device_id=device.pk, ts__gte=since, event="")
        .order_by("-ts")
        .values_list("ts", "values")[:CHART_POINTS]
    )
    rows.reverse()
    series = []
    for m in device.kind.measurements:
        name = m["name"]
        data = [[ts.isoformat(), values[name]] for ts, values in rows if name in values]
        if data:
            series.append({"name": f"{m.get('label', name)}（{m.get('unit', '')}）", "data": data})
    contacts = [
        reveal(
            request,
            "sensing_device",
            device.pk,
            {"name": c.get("name", ""), "phone": c.get("phone", "")},
            "设备联系人",
        )
        for c in device.contacts
    ]
    state = getattr(device, "state", None)
    labels = {m["name"]: m for m in device.kind.measurements}
    last_values = [
        (labels.get(k, {}).get("label", k), v, labels.get(k, {}).get("unit", ""))
        for k, v in (state.values if state else {}).items()
    ]
    return render(
        request,
        "sensing/device.html",
        {
            "device": device,
            "state": state,
            "last_values": last_values,
            "series": series,
            "hours": hours,
            "contacts": contacts,
            "alarms": device.alarms.select_related("case").order_by("-started_at")[:50],
        },
    )


@sensing_page
def alarm_desk(request: HttpRequest) -> HttpResponse:
    alarms = actions.visible_alarms(request.user).select_related("device", "device__kind", "case")
    status = request.GET.get("status", "active")
    if status in AlarmStatus.values:
        alarms = alarms.filter(status=status)
    severity = request.GET.get("severity", "").strip()
    if severity:
        alarms = alarms.filter(severity=severity)
    counts = dict(
        actions.visible_alarms(request.user)
        .filter(status=AlarmStatus.ACTIVE)
        .values_list("severity")
        .annotate(n=Count("pk"))
        .values_list("severity", "n")
    )
    page = Paginator(alarms.order_by("-last_at", "-id"), 50).get_page(request.GET.get("page"))
    return render(
        request,
        "sensing/alarms.html",
        {
            "page": page,
            "params": {"status": status, "severity": severity},
            "severities": AlarmSeverity.choices,
            "counts": [(label, counts.get(value, 0), value) for value, label in AlarmSeverity.choices],
        },
    )


@sensing_page
def alarm_detail(request: HttpRequest, alarm_id: int) -> HttpResponse:
    alarm = actions.access_alarm(request.user, alarm_id)
    return render(
        request, "sensing/alarm.html", {"alarm": alarm, "events": alarm.events.select_related("actor")}
    )


@require_POST
@sensing_page
def alarm_act(request: HttpRequest, alarm_id: int, verb: str) -> HttpResponse:
    try:
        if verb == "acknowledge":
            actions.check_acknowledge(request.user, alarm_id)
            messages.success(request, _("已确认告警。"))
        else:
            actions.check_clear(request.user, alarm_id, request.POST.get("note", ""))
            messages.success(request, _("告警已解除。"))
    except NotFound:
        raise
    except JicengError as exc:
        messages.error(request, exc.message)
    target = request.POST.get("next", "")
    if target.startswith("/sensing/"):
        return redirect(target)
    return redirect("sensing:alarm", alarm_id=alarm_id)
