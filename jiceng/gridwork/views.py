"""Pages of grid work: the phone patrol, coverage, plans. Pages read and render; every change goes
through ``actions.check_*`` (the phone's patrol page posts its queue to the REST sync endpoint)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from jiceng.core.exceptions import JicengError, NotFound
from jiceng.gridwork import actions, api, coverage
from jiceng.org.access import access_grid
from jiceng.org.scopes import scope_for
from jiceng.places.models import Grid

PHONE_GRIDS = 12


def gridwork_page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Login and a staff post required; anything outside the viewer's reach is the same 404 as missing."""

    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            if not scope_for(request.user).is_staff:
                raise NotFound(_("网格工作页面仅限工作人员使用。"))
            return view(request, *args, **kwargs)
        except NotFound as exc:
            return render(request, "org/not_found.html", {"message": exc.message}, status=404)

    return login_required(wrapped)


def my_grids(user: Any) -> list[Grid]:
    return list(Grid.objects.filter(scope_for(user).q("code")).order_by("code")[:PHONE_GRIDS])


@gridwork_page
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "gridwork/home.html", {"grids": my_grids(request.user)})


@gridwork_page
def patrol(request: HttpRequest) -> HttpResponse:
    """The phone patrol: everything it needs is on the page, so it keeps working when the connection
    drops; entries wait in the browser and go to the sync endpoint when it is back."""
    grids = my_grids(request.user)
    data = {
        "checklist": api.checklist_data(),
        "grids": [
            {
                "code": g.code,
                "name": g.name,
                "lat": g.center_lat,
                "lng": g.center_lng,
                "buildings": [
                    {
                        **b,
                        "last": b["last"].isoformat() if b["last"] else None,
                        "next_due": b["next_due"].isoformat(),
                    }
                    for b in coverage.visits_due(g)
                ],
            }
            for g in grids
        ],
    }
    return render(request, "gridwork/patrol.html", {"data": data, "grids": grids})


@gridwork_page
def coverage_page(request: HttpRequest) -> HttpResponse:
    report = api.coverage_report(
        request.user, request.GET.get("start", ""), request.GET.get("end", ""), request.GET.get("grid", "")
    )
    return render(request, "gridwork/coverage.html", {"report": report, "grid": request.GET.get("grid", "")})


@gridwork_page
def plan_page(request: HttpRequest, code: str) -> HttpResponse:
    grid = access_grid(request.user, code)
    if request.method == "POST":
        try:
            actions.check_set_plan(
                request.user,
                grid.code,
                request.POST.get("building_kind", ""),
                int(request.POST.get("every_days") or 0),
            )
            messages.success(request, _("巡查计划已更新。"))
        except (JicengError, ValueError) as exc:
            messages.error(request, getattr(exc, "message", _("巡查周期应为整数天数。")))
        return redirect("gridwork:plan", code=grid.code)
    return render(
        request,
        "gridwork/plan.html",
        {"grid": grid, "plans": actions.plan_for(grid), "due": coverage.visits_due(grid)},
    )


# -- collection -------------------------------------------------------------------------------------


def _posted_values(request: HttpRequest, cat: Any) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for f in cat.fields:
        if f.type == "multi":
            values[f.key] = request.POST.getlist(f.key)
        elif f.type == "bool":
            values[f.key] = request.POST.get(f.key) == "1"
        elif f.key in request.POST:
            values[f.key] = request.POST.get(f.key, "")
    return values


@gridwork_page
def collect_home(request: HttpRequest) -> HttpResponse:
    from jiceng.gridwork import collection
    from jiceng.gridwork.models import CollectionDraft, DraftStatus

    if request.method == "POST":
        try:
            draft = collection.check_start_draft(
                request.user, request.POST.get("category", ""), request.POST.get("room", "").strip()
            )
            return redirect("gridwork:draft", draft_id=draft.pk)
        except JicengError as exc:
            messages.error(request, exc.message)
    drafts = (
        CollectionDraft.objects.filter(worker=request.user)
        .select_related("room")
        .order_by("-updated_at")[:30]
    )
    names = {c.code: c.name for c in collection.schema().values()}
    return render(
        request,
        "gridwork/collect.html",
        {
            "categories": collection.schema().values(),
            "drafts": [(d, names.get(d.category, d.category)) for d in drafts],
            "draft_status": DraftStatus,
            "room": request.GET.get("room", ""),
        },
    )


@gridwork_page
def collect_draft(request: HttpRequest, draft_id: int) -> HttpResponse:
    from jiceng.gridwork import collection

    draft = collection.access_draft(request.user, draft_id)
    cat = collection.category(draft.category)
    errors: dict[str, str] = {}
    status = 200
    if request.method == "POST":
        try:
            draft = collection.check_submit_draft(request.user, draft.pk, _posted_values(request, cat))
            messages.success(request, _("采集已提交，生成 %(n)d 条来源记录。") % {"n": draft.records})
            return redirect("gridwork:collect")
        except collection.CollectionInvalid as exc:
            messages.error(request, exc.message)
            errors, status = exc.errors, 400
            draft = collection.access_draft(request.user, draft.pk)
        except JicengError as exc:
            messages.error(request, exc.message)
    rows = [
        {
            "field": f,
            "value": draft.data.get(f.key, [] if f.type == "multi" else ""),
            "error": errors.get(f.key, ""),
        }
        for f in cat.fields
    ]
    return render(
        request, "gridwork/draft.html", {"draft": draft, "category": cat, "rows": rows}, status=status
    )
