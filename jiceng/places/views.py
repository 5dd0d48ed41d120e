"""Pages for browsing one's territory: divisions → grids → buildings → rooms, each limited to the
viewer's scope (a code outside it gives the same 404 page as a code that does not exist)."""

from __future__ import annotations

from dataclasses import dataclass
from itertools import groupby
from typing import Any

from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from jiceng.lib.codes import CodeError, CodeKind, kind_of
from jiceng.org.access import access_building, access_division, access_grid, access_room, scoped
from jiceng.org.pages import staff_page
from jiceng.org.scopes import scope_for
from jiceng.places.models import Building, Division, Grid, Level, Room

PAGE_SIZE = 50


@dataclass(frozen=True)
class Crumb:
    title: str
    url: str


def crumbs_for(code: str, scope: Any, upto: int) -> list[Crumb]:
    """Breadcrumbs for the divisions above ``code`` that the viewer may open (one query)."""
    codes = [code[:n] for n in (6, 9, 12) if n <= min(len(code), upto)]
    divisions = {d.code: d for d in Division.objects.filter(code__in=codes)}
    return [
        Crumb(divisions[c].name, f"/places/division/{c}/")
        for c in codes
        if c in divisions and scope.touches(c)
    ]


@staff_page
def index(request: HttpRequest) -> HttpResponse:
    """The top of the viewer's territory: their district, streets, communities or grids."""
    scope = scope_for(request.user)
    division_codes = [p for p in scope.prefixes if len(p) <= 12]
    grid_codes = [p for p in scope.prefixes if len(p) == 14]
    divisions = list(Division.objects.filter(code__in=division_codes).order_by("code"))
    grids = list(
        Grid.objects.filter(code__in=grid_codes)
        .select_related("community")
        .annotate(building_count=Count("buildings"))
        .order_by("code")
    )
    return render(
        request,
        "places/index.html",
        {"divisions": divisions, "grids": grids, "scope": scope, "q": request.GET.get("q", "")},
    )


@staff_page
def division(request: HttpRequest, code: str) -> HttpResponse:
    scope = scope_for(request.user)
    current = access_division(request.user, code)
    children: list[Any] = []
    grids: list[Grid] = []
    if current.level == Level.COMMUNITY:
        grids = list(
            scoped(request.user, Grid.objects.filter(community=current))
            .annotate(building_count=Count("buildings"))
            .order_by("code")
        )
    else:
        # Child divisions inside the scope or containing part of it, with how many grids they hold.
        child_len = 9 if current.level == Level.DISTRICT else 12
        grid_filter = scope.q("grids__code") if child_len == 12 else Q()
        qs = Division.objects.filter(parent=current).filter(scope.q_touching("code")).order_by("code")
        if child_len == 12:
            qs = qs.annotate(grid_count=Count("grids", filter=grid_filter))
        else:
            qs = qs.annotate(child_count=Count("children"))
        children = list(qs)
    return render(
        request,
        "places/division.html",
        {
            "division": current,
            "children": children,
            "grids": grids,
            "crumbs": crumbs_for(current.code, scope, len(current.code) - 1),
        },
    )


@staff_page
def grid(request: HttpRequest, code: str) -> HttpResponse:
    scope = scope_for(request.user)
    current = access_grid(request.user, code)
    buildings = Building.objects.filter(grid=current).annotate(room_count=Count("rooms")).order_by("code")
    text = (request.GET.get("q") or "").strip()
    if text:
        buildings = buildings.filter(address__icontains=text)
    page = Paginator(buildings, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "grid": current,
        "page": page,
        "q": text,
        "crumbs": crumbs_for(current.code, scope, 12),
    }
    if request.headers.get("HX-Request") and request.GET.get("partial") == "buildings":
        return render(request, "places/_buildings.html", context)
    return render(request, "places/grid.html", context)


@dataclass
class FloorRow:
    floor: int
    rooms: list[Room]


def floor_rows(building: Building, rooms: list[Room]) -> list[FloorRow]:
    """Rooms laid out floor by floor, top floor first; floors without rooms keep an empty row."""
    by_floor = {floor: list(items) for floor, items in groupby(rooms, key=lambda r: r.floor)}
    top = max([building.floors, *by_floor.keys()]) if by_floor or building.floors else 1
    bottom = min([1, *by_floor.keys()])
    return [FloorRow(f, by_floor.get(f, [])) for f in range(top, bottom - 1, -1) if f != 0 or f in by_floor]


@staff_page
def building(request: HttpRequest, code: str) -> HttpResponse:
    scope = scope_for(request.user)
    current = access_building(request.user, code)
    rooms = list(Room.objects.filter(building=current).order_by("floor", "room_no", "code"))
    return render(
        request,
        "places/building.html",
        {
            "building": current,
            "floors": floor_rows(current, rooms),
            "room_count": len(rooms),
            "crumbs": [
                *crumbs_for(current.code, scope, 12),
                Crumb(current.grid.name, f"/places/grid/{current.grid.code}/"),
            ],
        },
    )


@staff_page
def room(request: HttpRequest, code: str) -> HttpResponse:
    scope = scope_for(request.user)
    current = access_room(request.user, code)
    b = current.building
    return render(
        request,
        "places/room.html",
        {
            "room": current,
            "building": b,
            "crumbs": [
                *crumbs_for(current.code, scope, 12),
                Crumb(b.grid.name, f"/places/grid/{b.grid.code}/"),
                Crumb(b.address, f"/places/building/{b.code}/"),
            ],
        },
    )


URL_BY_KIND = {
    CodeKind.DISTRICT: "/places/division/{}/",
    CodeKind.STREET: "/places/division/{}/",
    CodeKind.COMMUNITY: "/places/division/{}/",
    CodeKind.GRID: "/places/grid/{}/",
    CodeKind.BUILDING: "/places/building/{}/",
    CodeKind.ROOM: "/places/room/{}/",
}


@staff_page
def search(request: HttpRequest) -> HttpResponse:
    """A code goes straight to its page; an address lists matching buildings in the scope."""
    text = (request.GET.get("q") or "").strip()
    is_htmx = bool(request.headers.get("HX-Request"))
    if text.isdigit():
        try:
            kind = kind_of(text)
        except CodeError as exc:
            return _search_results(request, text, [], str(exc), is_htmx)
        url = URL_BY_KIND[kind].format(text)
        if is_htmx:
            response = HttpResponse(status=204)
            response["HX-Redirect"] = url
            return response
        return redirect(url)
    found: list[Building] = []
    message = ""
    if text:
        match = _find_by_address(text)
        if match is not None and scope_for(request.user).covers(match.code):
            url = URL_BY_KIND[kind_of(match.code)].format(match.code)
            if is_htmx:
                response = HttpResponse(status=204)
                response["HX-Redirect"] = url
                return response
            return redirect(url)
        found = list(
            scoped(request.user, Building.objects.filter(address__icontains=text)).order_by("code")[:20]
        )
        if not found:
            message = _("辖区内没有找到“%(q)s”。") % {"q": text}
    return _search_results(request, text, found, message, is_htmx)


def _find_by_address(text: str) -> Any:
    try:
        from jiceng.places.addresses import find_by_address
    except ImportError:
        return None
    return find_by_address(text)


def _search_results(
    request: HttpRequest, text: str, found: list[Building], message: str, is_htmx: bool
) -> HttpResponse:
    context = {"q": text, "found": found, "message": message}
    template = "places/_search_results.html" if is_htmx else "places/search.html"
    return render(request, template, context)
