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
from django.utils import timezone
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
        CollectionDraft.objects.filter(worker_id=request.user.pk)
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


# -- inspections ------------------------------------------------------------------------------------


def _inspection_form(request: HttpRequest) -> dict[str, Any]:
    from jiceng.gridwork import inspections

    d = inspections.data()
    return {
        "items": d["venue_items"],
        "photo_set": d["photo_set"],
        "rental_checks": d["rental_checks"],
        "notices": d["notices"],
        "venue_kinds": d["venue_kinds"].items(),
    }


@gridwork_page
def venues(request: HttpRequest) -> HttpResponse:
    from jiceng.gridwork import inspections

    if request.method == "POST":
        try:
            venue = inspections.check_register_venue(
                request.user,
                name=request.POST.get("name", ""),
                kind=request.POST.get("kind", ""),
                location_code=request.POST.get("location_code", ""),
                owner_name=request.POST.get("owner_name", ""),
                owner_phone=request.POST.get("owner_phone", ""),
                uscc=request.POST.get("uscc", ""),
            )
            messages.success(request, _("场所已登记。"))
            return redirect("gridwork:venue", venue_id=venue.pk)
        except JicengError as exc:
            messages.error(request, exc.message)
    rows = list(inspections.visible_venues(request.user).order_by("grid_code", "name")[:200])
    return render(request, "gridwork/venues.html", {"venues": rows, **_inspection_form(request)})


@gridwork_page
def venue(request: HttpRequest, venue_id: int) -> HttpResponse:
    from jiceng.gridwork import inspections

    place = inspections.access_venue(request.user, venue_id)
    history = place.inspections.select_related("inspector").prefetch_related("hazards").order_by("-at")
    return render(
        request,
        "gridwork/venue.html",
        {"venue": place, "history": history, "open_hazards": inspections.open_hazards(place)},
    )


@gridwork_page
def venue_plate(request: HttpRequest, venue_id: int) -> HttpResponse:
    from jiceng.gridwork import inspections

    place = inspections.access_venue(request.user, venue_id)
    url = request.build_absolute_uri(f"/gridwork/venues/q/{place.qr_token}/")
    return render(request, "gridwork/plate.html", {"venue": place, "qr": inspections.qr_svg(url), "url": url})


@gridwork_page
def venue_by_qr(request: HttpRequest, token: str) -> HttpResponse:
    from jiceng.gridwork import inspections

    return redirect("gridwork:venue", venue_id=inspections.venue_by_token(request.user, token).pk)


@gridwork_page
def inspect_venue(request: HttpRequest, venue_id: int) -> HttpResponse:
    from jiceng.gridwork import inspections

    place = inspections.access_venue(request.user, venue_id)
    posted: dict[str, str] = {}
    status = 200
    if request.method == "POST":
        codes = [i["code"] for i in inspections.data()["venue_items"]]
        posted = {code: request.POST.get(f"r-{code}", "") for code in codes}
        try:
            done = inspections.check_inspect_venue(
                request.user,
                place.pk,
                results=posted,
                notes={code: request.POST.get(f"n-{code}", "") for code in codes},
                photos={
                    angle: request.FILES.get(f"photo-{angle}")
                    for angle, _l in inspections.data()["photo_set"]
                },
                signature=request.POST.get("signature", ""),
                signer_name=request.POST.get("signer_name", ""),
                note=request.POST.get("note", ""),
            )
            messages.success(request, _("检查已保存：%(s)s。") % {"s": done.get_status_display()})
            return redirect("gridwork:inspection", inspection_id=done.pk)
        except JicengError as exc:
            messages.error(request, exc.message)
            status = 400
    open_items = {h.item for h in inspections.open_hazards(place)}
    return render(
        request,
        "gridwork/inspect_venue.html",
        {
            "venue": place,
            "posted": posted,
            "open_items": open_items,
            "post": request.POST,
            **_inspection_form(request),
        },
        status=status,
    )


@gridwork_page
def inspect_rental(request: HttpRequest) -> HttpResponse:
    from jiceng.gridwork import inspections

    status = 200
    if request.method == "POST":
        d = inspections.data()
        tenants = [
            {"name": n, "id_number": i}
            for n, i in zip(
                request.POST.getlist("tenant_name"), request.POST.getlist("tenant_id"), strict=False
            )
        ]
        try:
            done = inspections.check_inspect_rental(
                request.user,
                kind=request.POST.get("kind", "rental"),
                room_code=request.POST.get("room", "").strip(),
                tenants=tenants,
                checks={code: request.POST.get(f"c-{code}", "") for code, _l in d["rental_checks"]},
                notices={code: request.POST.get(f"t-{code}", "") for code, _l in d["notices"]},
                signature=request.POST.get("signature", ""),
                letter_signature=request.POST.get("letter_signature", ""),
                signer_name=request.POST.get("signer_name", ""),
            )
            messages.success(request, _("检查已保存。"))
            return redirect("gridwork:inspection", inspection_id=done.pk)
        except JicengError as exc:
            messages.error(request, exc.message)
            status = 400
    return render(
        request,
        "gridwork/inspect_rental.html",
        {"post": request.POST, "room": request.GET.get("room", ""), **_inspection_form(request)},
        status=status,
    )


@gridwork_page
def inspection_detail(request: HttpRequest, inspection_id: int) -> HttpResponse:
    from jiceng.gridwork import inspections

    found = inspections.access_inspection(request.user, inspection_id)
    items = {i["code"]: i["name"] for i in inspections.data()["venue_items"]}
    d = inspections.data()
    return render(
        request,
        "gridwork/inspection.html",
        {
            "inspection": found,
            "results": [(items.get(k, k), v) for k, v in found.results.items()],
            "hazards": found.hazards.all(),
            "photos": found.photos.all(),
            "checks": [(label, found.checks.get(code)) for code, label in d["rental_checks"]]
            if found.checks
            else [],
            "notices": [label for code, label in d["notices"] if found.notices.get(code)],
            "signature": _png_data(found.signature),
            "letter": _png_data(found.letter),
        },
    )


def _png_data(file: Any) -> str:
    """A stored signature as a data URL, shown only through this scoped page (no public media URL)."""
    import base64

    if not file:
        return ""
    with file.open("rb") as fh:
        return "data:image/png;base64," + base64.b64encode(fh.read()).decode()


# -- key persons ------------------------------------------------------------------------------------


@gridwork_page
def key_persons(request: HttpRequest) -> HttpResponse:
    """The list asks for a purpose first; every person shown is logged with it."""
    from jiceng.gridwork import keypersons

    purpose = request.GET.get("purpose", "")
    rows: list[Any] = []
    if purpose in keypersons.PURPOSES:
        found = keypersons.read_list(request.user, purpose, request)
        kinds = keypersons.kinds()
        today = timezone.localdate()
        rows = [
            {
                "person": p,
                "shown": keypersons.shown(request.user, p),
                "kind": kinds.get(p.kind, {}).get("name", p.kind),
                "overdue": p.next_visit_due < today,
            }
            for p in found
        ]
    return render(
        request,
        "gridwork/key_persons.html",
        {"rows": rows, "purpose": purpose, "purposes": keypersons.PURPOSES.items()},
    )


@gridwork_page
def key_person(request: HttpRequest, key_person_id: int) -> HttpResponse:
    from jiceng.gridwork import keypersons

    purpose = request.GET.get("purpose") or request.POST.get("purpose") or ""
    if purpose not in keypersons.PURPOSES:
        return render(
            request,
            "gridwork/key_person_purpose.html",
            {"purposes": keypersons.PURPOSES.items(), "key_person_id": key_person_id},
        )
    if request.method == "POST":
        try:
            keypersons.check_record_visit(
                request.user,
                key_person_id,
                mode=request.POST.get("mode", ""),
                situation=request.POST.get("situation", ""),
                risk=request.POST.get("risk", ""),
            )
            messages.success(request, _("走访已登记。"))
            return redirect(f"{request.path}?purpose={purpose}")
        except NotFound:
            raise
        except JicengError as exc:
            messages.error(request, exc.message)
    found = keypersons.read_one(request.user, key_person_id, purpose, request)
    return render(
        request,
        "gridwork/key_person.html",
        {
            "kp": found,
            "shown": keypersons.shown(request.user, found),
            "kind": keypersons.kinds().get(found.kind, {}),
            "named": keypersons.is_named(request.user, found),
            "visits": found.visits.select_related("visitor")[:50],
            "purpose": purpose,
            "overdue": found.next_visit_due < timezone.localdate(),
            "post": request.POST,
        },
    )
