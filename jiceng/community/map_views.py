"""The portal's map pages: the map-first 我要反映 (its context), the public map of issues, one public
issue and 我也遇到."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jiceng.community import actions, mapdata
from jiceng.community.views import _ctx, actor_for, posted
from jiceng.places.models import Division

STATES = (
    ("received", gettext_lazy("已受理，等待分派")),
    ("handling", gettext_lazy("办理中")),
    ("finished", gettext_lazy("已办结")),
    ("closed", gettext_lazy("已结案")),
)


def _config(request: HttpRequest, community: Division | None, **extra: Any) -> dict[str, Any]:
    """What the map script reads (through json_script: no inline code)."""
    bounds = mapdata.extent(community) or mapdata.extent()
    return {
        "base": reverse("community-map-base"),
        "resolve": reverse("community-map-resolve"),
        "nearby": reverse("community-map-nearby"),
        "suggest": reverse("community-map-suggest"),
        "issues": reverse("community-issues"),
        "issue": reverse("community:issue", args=["0"]).rsplit("0/", 1)[0],
        "tiles": mapdata.tiles(),
        "extent": bounds.as_list() if bounds else None,
        **extra,
    }


def ask_context(request: HttpRequest, community: Division) -> dict[str, Any]:
    common, everything = mapdata.categories()
    groups: dict[str, list[Any]] = {}
    for t in everything:
        groups.setdefault(t.category.name if t.category_id else _("其他"), []).append(t)
    form = request.POST
    pin = None
    lat, lng = form.get("lat", ""), form.get("lng", "")
    if lat and lng:
        try:
            pin = [float(lat), float(lng)]
        except ValueError:
            pin = None
    return {
        "common_types": common,
        "type_groups": sorted(groups.items()),
        "map_config": _config(request, community, pin=pin),
    }


def issues_map(request: HttpRequest) -> HttpResponse:
    """The public map of issues (anonymous): the map, and the same issues as a list below it."""
    type_code = request.GET.get("type", "").strip()
    state = request.GET.get("state", "").strip()
    if state not in dict(STATES):
        state = ""
    items = mapdata.public_issues(type_code=type_code, state=state)
    types = sorted({(i["type"], i["type_name"]) for i in mapdata.public_issues()}, key=lambda t: t[1])
    return render(
        request,
        "community/issues.html",
        {
            **_ctx(request),
            "items": items[:100],
            "count": len(items),
            "types": types,
            "states": STATES,
            "type_code": type_code,
            "state": state,
            "map_config": _config(request, None, type=type_code, state=state),
        },
    )


def issue(request: HttpRequest, number: str) -> HttpResponse:
    found = mapdata.issue(number)
    if found is None:
        return render(request, "community/missing.html", {"message": _("未找到该问题。")}, status=404)
    who = actor_for(request)
    profile = actions.profile_of(who.resident)
    joined = False
    case_id = mapdata.Case.id_from_number(number)
    if profile is not None and case_id is not None:
        from jiceng.cases.models import CaseSupporter

        joined = CaseSupporter.objects.filter(case_id=case_id, user=who.resident).exists()
    return render(
        request,
        "community/issue.html",
        {
            **_ctx(request),
            "item": found,
            "joined": joined,
            "joinable": found["state"] in ("received", "handling"),
            "map_config": _config(request, None, point=[found["lat"], found["lng"]]),
        },
    )


@posted
def support(request: HttpRequest, number: str) -> HttpResponse:
    who = actor_for(request)
    actions.check_support_issue(who, number)
    messages.success(request, _("已加入“我也遇到”，办理进展会通知您。"))
    return redirect("community:issue", number)
