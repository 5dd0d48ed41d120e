"""Staff pages of the case engine: the dispatch desk, a unit's inbox, the case page, supervision,
evaluation and the hotline desk.

Pages only read and render. Every change goes through ``cases.actions.check_*`` (the same functions
the REST API and Open311 call); a refusal (a ``JicengError``) is shown as a message in Chinese and
nothing changes. Cases are fetched through ``permissions.access_case``, so a case outside the
viewer's scope is a 404 exactly like a missing one.
"""

from __future__ import annotations

import datetime as dt
import functools
import io
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.http import require_POST

from jiceng.cases import (
    actions,
    countdown,
    evaluation,
    lifecycle,
    public,
    queries,
    routing,
    saved,
    triage_port,
)
from jiceng.cases import permissions as perm
from jiceng.cases.api import filter_cases
from jiceng.cases.exceptions import CaseError, CaseNotFound, NoUnit, ReasonRequired
from jiceng.cases.forms import HotlineForm, PeriodForm, action_fields
from jiceng.cases.models import OPEN_STATUSES, Case, CaseEvent, CaseUnit, EventType, Status
from jiceng.core.exceptions import JicengError, NotFound
from jiceng.core.redirects import safe_target
from jiceng.lib.identity import mask_name, mask_phone
from jiceng.lib.paging import BoundedPaginator
from jiceng.org.models import Role, Unit
from jiceng.org.privacy import reveal
from jiceng.org.scopes import prefix_q, scope_for
from jiceng.places.models import Grid

QUEUE_SIZE = 100
RETURNABLE = tuple(lifecycle.TRANSITIONS["return"].sources)
LIST_SIZE = 100
DUPLICATE_DAYS = 7
# A unit cannot suspend its own case; it asks, and the desk or a supervisor approves (check_suspend).
# Until the engine has its own "request suspension" action, the request is a progress note with
# this prefix, so it lands in the trail like every other step.
SUSPEND_REQUEST = "【申请挂起】"


def case_page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Login required; a case or page outside the viewer's reach renders the same 404 as a missing one."""

    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except NotFound as exc:
            return render(request, "org/not_found.html", {"message": exc.message}, status=404)

    return login_required(wrapped)


# -- who the viewer is ------------------------------------------------------------------------------


def desk_posts(user: Any) -> list[perm.Post]:
    return [p for p in perm.posts(user) if p.role in perm.DESK_ROLES or p.role == Role.ADMIN]


def is_desk_staff(user: Any) -> bool:
    return bool(desk_posts(user)) or perm.is_admin(user)


def is_supervising_staff(user: Any) -> bool:
    return perm.is_admin(user) or any(p.role in perm.SUPERVISING_ROLES for p in perm.posts(user))


def is_staff(user: Any) -> bool:
    return perm.is_admin(user) or bool(perm.posts(user))


def has_requested_suspension(events: Iterable[CaseEvent]) -> str:
    """The reason of a pending suspension request (the last one after the last suspend/resume), or ''."""
    reason = ""
    for event in events:
        if event.action == "progress" and event.reason.startswith(SUSPEND_REQUEST):
            reason = event.reason[len(SUSPEND_REQUEST) :].strip()
        elif event.action in ("suspend", "resume", "complete", "return", "escalate"):
            reason = ""
    return reason


def viewer_actions(user: Any, case: Case) -> set[str]:
    """The actions to offer as buttons: allowed by the lifecycle from the case's status and by the
    same permission tests the ``check_*`` functions make (which still decide on submit)."""
    allowed = set(lifecycle.allowed_actions(case.status))
    desk = perm.is_desk(user, case)
    supervisor = perm.is_supervisor(user, case)
    lead = perm.is_unit_member(user, case.lead_unit_id)
    co = not lead and case.status == Status.IN_PROGRESS and perm.is_cohandler(user, case)
    offered: set[str] = set()

    def offer(action: str, ok: bool, source: str | None = None) -> None:
        if ok and (source or action) in allowed:
            offered.add(action)

    offer("dispatch", desk)
    offer("dispatch", desk, "redispatch")
    offer("accept", lead)
    offer("return", lead and not case.first_responder)
    offer("progress", lead or co)
    offer("complete", lead)
    offer("add_cohandler", lead or desk)
    offer("verify", desk or supervisor or perm.is_grid_worker_of(user, case))
    offer("escalate", lead or desk or supervisor)
    offer("suspend", desk or supervisor)
    offer("request_suspension", lead and not (desk or supervisor), "suspend")
    offer("resume", desk or supervisor or lead)
    offer("urge", desk or supervisor)
    offer("supervise", supervisor)
    offer("rate", perm.is_reporter(user, case) or desk)
    offer("reopen", desk or supervisor)
    offer("merge", desk)
    offer("invalidate", desk)
    offer("close", desk)
    return offered


# -- small read helpers -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Badge:
    label: str
    css: str


def sla_badge(case: Case, now: dt.datetime) -> Badge | None:
    if case.status not in OPEN_STATUSES:
        return None
    if case.overdue or case.resident_overdue or (case.due_at is not None and case.due_at < now):
        return Badge(_("超期"), "bad")
    if case.warned or (case.warn_at is not None and case.warn_at <= now):
        return Badge(_("预警"), "warn")
    if case.due_at is not None:
        return Badge(_("正常"), "ok")
    return None


def _decorate(cases: list[Case], now: dt.datetime | None = None) -> list[Case]:
    now = now or timezone.now()
    for case in cases:
        case.sla_badge = sla_badge(case, now)  # type: ignore[attr-defined]
    countdown.decorate(cases, now)
    return cases


def _submit_data(cases: list[Case]) -> dict[int, dict[str, Any]]:
    """What triage said at intake (the submit event's data), for a page of cases in one query."""
    rows = CaseEvent.objects.filter(case__in=[c.pk for c in cases], seq=1).values_list("case_id", "data")
    return {case_id: data or {} for case_id, data in rows}


def _intake_proposal(case: Case) -> list[tuple[str, float | None]]:
    """Triage's type at intake (the submit event's data) as the picker's proposal, when it gave one."""
    data = _submit_data([case]).get(case.pk, {})
    code = data.get("type") or ""
    return [(code, data.get("confidence"))] if code else []


def _safe_next(request: HttpRequest, fallback: str) -> str:
    return safe_target(request, request.POST.get("next"), request.GET.get("next"), fallback=fallback)


def candidate_units(case: Case) -> QuerySet[Unit]:
    """Units that may take the case: active, handling cases, covering its grid, not below its floor."""
    floor = routing.rank(case.floor_level)
    levels = [lvl for lvl, r in routing.LEVEL_RANK.items() if r >= floor]
    return (
        Unit.objects.filter(
            is_active=True,
            kind__handles_cases=True,
            level__in=levels,
            jurisdiction__code__in=routing.prefixes(case.grid_code),
        )
        .select_related("kind")
        .distinct()
        .order_by("level", "code")
    )


def _suggested_ids(case: Case, suggested: Iterable[Any]) -> dict[int, float | None]:
    """Case ids (with triage's similarity when it gave one) from triage's duplicates: ``(case_id,
    similarity)`` pairs, dicts, ids or objects with ``case_id``/``pk``."""
    found: dict[int, float | None] = {}
    for item in suggested:
        similarity = None
        if isinstance(item, (tuple, list)) and item:
            value, similarity = item[0], (item[1] if len(item) > 1 else None)
        elif isinstance(item, dict):
            value, similarity = item.get("case_id") or item.get("id"), item.get("similarity")
        elif isinstance(item, int):
            value = item
        else:
            value = getattr(item, "case_id", None) or getattr(item, "pk", None)
        if isinstance(value, int) and value != case.pk:
            found[value] = None if similarity is None else float(similarity)
    return found


def duplicate_candidates(case: Case, suggested: Iterable[Any] = ()) -> list[Case]:
    """Likely duplicates, best first: what triage proposes (open cases nearby with similar words, each
    with ``similarity``), then open cases of the same type and grid (or the same building) registered
    within a week."""
    similar = _suggested_ids(case, suggested)
    since = case.registered_at - dt.timedelta(days=DUPLICATE_DAYS)
    nearby = (
        Q(grid_code=case.grid_code, event_type_id=case.event_type_id) if case.event_type_id else Q(pk__in=[])
    )
    if len(case.location_code) >= 19 and case.location_code[:19].isdigit():
        nearby |= prefix_q("location_code", case.location_code[:19])  # the same building
    found = list(
        Case.objects.filter(Q(pk__in=list(similar)) | (nearby & Q(registered_at__gte=since)))
        .filter(status__in=OPEN_STATUSES)
        .exclude(pk=case.pk)
        .select_related("event_type")
        .order_by("-registered_at")[:10]
    )
    for dup in found:
        dup.similarity = similar.get(dup.pk)  # type: ignore[attr-defined]
    found.sort(key=lambda c: -(c.similarity if c.similarity is not None else -1.0))  # type: ignore[attr-defined]
    return found[:5]


# -- lists ------------------------------------------------------------------------------------------


@case_page
def case_list(request: HttpRequest) -> HttpResponse:
    """工单查询: the cases the viewer may see (residents: their own), with the API's filters."""
    params = request.GET
    try:
        queryset = filter_cases(perm.visible_cases(request.user), params)
    except JicengError as exc:
        messages.error(request, exc.message)
        queryset = perm.visible_cases(request.user)
    queryset = queryset.select_related("event_type", "lead_unit").order_by("-registered_at", "-id")
    page = BoundedPaginator(queryset, 50).get_page(params.get("page"))
    rows = _decorate(list(page.object_list))
    staff = is_staff(request.user)
    query = saved.filter_query(params)
    context: dict[str, Any] = {
        "page": page,
        "rows": rows,
        "statuses": Status.choices,
        "params": params,
        "staff": staff,
        "query": query,
        "here": f"{reverse('cases:list')}?{query}" if query else reverse("cases:list"),
    }
    if staff:
        from jiceng.cases.bulk import bulk_choices

        context["saved_filters"] = saved.saved_filters(request.user)
        context.update(bulk_choices(request.user))
    return render(request, "cases/list.html", context)


@case_page
def desk(request: HttpRequest) -> HttpResponse:
    """分拨台: cases waiting at the viewer's desks, most urgent first, with triage's proposals."""
    user = request.user
    posts = desk_posts(user)
    if not posts:
        raise NotFound(_("分拨台仅限分拨人员使用。"))
    desks = list(Unit.objects.filter(pk__in={p.unit_id for p in posts}).order_by("level", "code"))
    rows = _decorate(
        list(queries.desk_queue(user).select_related("event_type", "grid", "desk_unit")[:QUEUE_SIZE])
    )
    intake = _submit_data(rows)
    for case in rows:
        data = intake.get(case.pk, {})
        case.suggested_type = data.get("type", "")  # type: ignore[attr-defined]
        case.confidence = data.get("confidence")  # type: ignore[attr-defined]
        case.flags = data.get("flags", [])  # type: ignore[attr-defined]
    template = "cases/_desk_rows.html" if request.headers.get("HX-Request") else "cases/desk.html"
    return render(request, template, {"rows": rows, "desks": desks})


@case_page
def desk_panel(request: HttpRequest, case_id: int) -> HttpResponse:
    """One queued case's proposals (type, unit, confidence, flags, duplicates) and the desk's forms."""
    case = perm.access_case(request.user, case_id)
    if not perm.is_desk(request.user, case):
        raise NotFound(_("未找到工单“%(id)s”。") % {"id": case_id})
    text = f"{case.title}\n{case.description}"
    where = {"grid_code": case.grid_code, "lng": case.lng, "lat": case.lat, "at": case.registered_at}
    triage = triage_port.suggest(text, location=where, channel=case.channel, floor=0.0)
    codes = [code for code, _conf in triage.types[:3]]
    types = {t.code: t for t in EventType.objects.filter(code__in=codes, is_active=True)}
    suggestions = []
    for code, confidence in triage.types[:3]:
        event_type = types.get(code)
        if event_type is not None:
            unit = routing.route(event_type, case.grid_code, case.floor_level)
            suggestions.append({"type": event_type, "confidence": confidence, "unit": unit})
    current_unit = (
        routing.route(case.event_type, case.grid_code, case.floor_level) if case.event_type else None
    )
    context = {
        "case": case,
        "suggestions": suggestions,
        "current_unit": current_unit,
        "flags": triage.flags,
        "duplicates": duplicate_candidates(case, triage.duplicates),
        "units": list(candidate_units(case)),
        "next": reverse("cases:desk"),
    }
    return render(request, "cases/_desk_panel.html", context)


@case_page
def inbox(request: HttpRequest) -> HttpResponse:
    """待办: open cases the viewer's units lead or co-handle."""
    user = request.user
    mine = perm.unit_ids(user)
    if not mine:
        raise NotFound(_("待办仅限承办单位工作人员使用。"))
    rows = _decorate(
        list(queries.unit_inbox(user).select_related("event_type", "grid", "lead_unit")[:LIST_SIZE])
    )
    for case in rows:
        case.is_lead = case.lead_unit_id in mine  # type: ignore[attr-defined]
    units = list(Unit.objects.filter(pk__in=mine).order_by("code"))
    template = "cases/_inbox_rows.html" if request.headers.get("HX-Request") else "cases/inbox.html"
    context = {"rows": rows, "units": units, "next": reverse("cases:inbox"), "return_statuses": RETURNABLE}
    return render(request, template, context)


SUPERVISION_LISTS: dict[str, tuple[str, Callable[[Any], QuerySet[Case]]]] = {
    "overdue": (gettext_noop("超期"), lambda user: queries.overdue_cases(user)),
    "escalated": (gettext_noop("已升级"), queries.escalated_cases),
    "supervised": (gettext_noop("督办中"), queries.supervised_cases),
    "sensitive": (gettext_noop("敏感诉求"), lambda user: queries.open_cases(user).filter(sensitive=True)),
}


@case_page
def supervision(request: HttpRequest) -> HttpResponse:
    """督办: overdue, escalated, supervised and sensitive open cases in the viewer's scope."""
    user = request.user
    if not (is_supervising_staff(user) or is_desk_staff(user)):
        raise NotFound(_("督办页面仅限督办人员、领导和分拨人员使用。"))
    chosen = request.GET.get("list", "overdue")
    if chosen not in SUPERVISION_LISTS:
        chosen = "overdue"
    tabs = [
        {"key": key, "label": _(label), "count": fetch(user).count(), "active": key == chosen}
        for key, (label, fetch) in SUPERVISION_LISTS.items()
    ]
    rows = _decorate(
        list(
            SUPERVISION_LISTS[chosen][1](user)
            .select_related("event_type", "lead_unit", "desk_unit")
            .order_by("-priority", "due_at")[:LIST_SIZE]
        )
    )
    for case in rows:
        # Only what the lifecycle allows from the case's state (an overdue case awaiting its rating
        # can be neither urged nor supervised) and what the viewer may do.
        allowed = set(lifecycle.allowed_actions(case.status))
        case.can_urge = "urge" in allowed and (perm.is_desk(user, case) or perm.is_supervisor(user, case))  # type: ignore[attr-defined]
        case.can_supervise = "supervise" in allowed and perm.is_supervisor(user, case)  # type: ignore[attr-defined]
    next_url = f"{reverse('cases:supervision')}?list={chosen}"
    return render(
        request, "cases/supervision.html", {"tabs": tabs, "rows": rows, "chosen": chosen, "next": next_url}
    )


def evaluable_units(user: Any) -> QuerySet[Unit]:
    if perm.is_admin(user):
        return Unit.objects.all()
    return Unit.objects.filter(Q(pk__in=perm.unit_ids(user)) | scope_for(user).q("division__code"))


@case_page
def evaluation_page(request: HttpRequest) -> HttpResponse:
    """考评: per-unit figures for a period, from the trail (``cases.evaluation``); ``?format=xlsx``."""
    user = request.user
    if not is_staff(user):
        raise NotFound(_("考评页面仅限工作人员查看。"))
    form = PeriodForm(request.GET or None)
    start, end = form.period()
    units = evaluable_units(user)
    code = form.cleaned_data.get("unit", "") if form.is_bound and form.is_valid() else ""
    if code:
        units = units.filter(code=code)
    rows = evaluation.evaluate(start, end, units=units)
    if request.GET.get("format") == "xlsx":
        from jiceng.cases.assignment_views import people_rows

        buffer = io.BytesIO()
        people = people_rows(units, start, end)
        evaluation.write_xlsx(rows, buffer, title=_("工单办理考评"), people=people)
        response = HttpResponse(
            buffer.getvalue(),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        response["Content-Disposition"] = (
            f'attachment; filename="evaluation-{start:%Y%m%d}-{end:%Y%m%d}.xlsx"'
        )
        return response
    query = request.GET.copy()
    query["format"] = "xlsx"
    query["start"], query["end"] = start.isoformat(), end.isoformat()
    return render(
        request,
        "cases/evaluation.html",
        {
            "form": form,
            "rows": rows,
            "start": start,
            "end": end,
            "unit": code,
            "period": form.chosen(),
            "periods": [*evaluation.PERIODS.items(), (evaluation.CUSTOM_PERIOD, _("自定义"))],
            "xlsx_query": query.urlencode(),
        },
    )


# -- hotline ----------------------------------------------------------------------------------------


def _grid_choices(user: Any) -> list[tuple[str, str]]:
    scope = scope_for(user)
    grids = Grid.objects.all() if perm.is_admin(user) else Grid.objects.filter(scope.q("code"))
    return [(g.code, f"{g.name}（{g.code}）") for g in grids.order_by("code")[:500]]


@case_page
def hotline(request: HttpRequest) -> HttpResponse:
    """热线登记: an operator types in a call (channel hotline); below, the callbacks waiting for a rating."""
    user = request.user
    if not is_desk_staff(user):
        raise NotFound(_("热线登记仅限分拨台工作人员使用。"))
    grids = _grid_choices(user)
    if request.method == "POST":
        form = HotlineForm(request.POST, grids=grids)
        if form.is_valid():
            data = form.cleaned_data
            try:
                case = actions.check_submit_case(
                    user,
                    channel="hotline",
                    description=data["description"],
                    title=data["title"],
                    type_code=data["type_code"],
                    location_code=data["location_code"],
                    address=data["address"],
                    grid_code=data["grid_code"],
                    reporter_name=data["reporter_name"],
                    reporter_phone=data["reporter_phone"],
                    is_public=data["is_public"],
                    photos=request.FILES.getlist("photos"),
                    idempotency_key=f"hotline:{data['token']}",
                )
            except NotFound:
                raise
            except JicengError as exc:
                messages.error(request, exc.message)
            else:
                messages.success(request, _("已登记工单 %(number)s。") % {"number": case.number})
                return redirect("cases:case", case_id=case.pk)
    else:
        form = HotlineForm(grids=grids)
    waiting = [
        c
        for c in perm.visible_cases(user)
        .filter(status=Status.AWAITING_RATING)
        .select_related("event_type", "lead_unit")
        .order_by("completed_at")[:LIST_SIZE]
        if perm.is_desk(user, c)
    ]
    for case in waiting:
        case.phone_shown = mask_phone(case.reporter_phone)  # type: ignore[attr-defined]
        case.name_shown = mask_name(case.reporter_name)  # type: ignore[attr-defined]
    return render(
        request, "cases/hotline.html", {"form": form, "waiting": waiting, "next": reverse("cases:hotline")}
    )


# -- the case page ----------------------------------------------------------------------------------


def _map_data(case: Case) -> dict[str, Any] | None:
    grid = case.grid
    ring: list[list[float]] = []
    try:
        geometry = json.loads(grid.polygon) if grid.polygon else None
    except ValueError:
        geometry = None
    if geometry:
        if geometry.get("type") == "Feature":
            geometry = geometry.get("geometry") or {}
        coords = geometry.get("coordinates") or []
        if geometry.get("type") == "MultiPolygon" and coords:
            coords = coords[0]
        if coords:
            ring = [[float(x), float(y)] for x, y, *_rest in coords[0]]
    lng, lat = case.lng, case.lat
    if lng is None or lat is None:
        lng, lat = grid.center_lng, grid.center_lat
    if lng is None and not ring:
        return None
    return {
        "grid": grid.name,
        "ring": ring,
        "point": [lng, lat] if lng is not None else None,
        "title": case.title,
    }


# Calendar days per unit of a handling limit: five working days make a week.
LIMIT_DAYS = {"workday": 7 / 5, "workhour": 7 / 5 / 8, "minute": 1 / (24 * 60)}


def handling_limit_days(case: Case) -> float:
    event_type = case.event_type
    if event_type is None:
        return 15.0
    return max(0.5, float(event_type.handle_limit) * LIMIT_DAYS.get(event_type.handle_unit, 7 / 5))


def reply_quality(case: Case) -> dict[str, Any] | None:
    """How well the handler's last completion note answers the resident's message (triage's
    ``score_reply``): relevance, completeness, timeliness against the handling limit, interpretability."""
    done = (
        CaseEvent.objects.filter(case=case, action="complete").order_by("-seq").only("reason", "at").first()
    )
    if done is None or not done.reason:
        return None
    score = triage_port.score_reply(
        case.description,
        done.reason,
        case.registered_at,
        done.at,
        title=case.title,
        limit_days=handling_limit_days(case),
    )
    if score is None:
        return None
    parts = [
        (_("相关性"), score.relevance),
        (_("完整性"), score.completeness),
        (_("及时性"), score.timeliness),
        (_("可解释性"), score.interpretability),
    ]
    return {"score": score, "parts": parts, "note": done.reason, "at": done.at}


@case_page
def case_detail(request: HttpRequest, case_id: int) -> HttpResponse:
    user = request.user
    case = perm.access_case(
        user,
        case_id,
        Case.objects.select_related("event_type", "lead_unit", "desk_unit", "grid", "merged_into"),
    )
    staff = perm.is_staff_viewer(user, case)
    entries = queries.timeline(case, user)
    offered = viewer_actions(user, case) if (staff or perm.is_reporter(user, case)) else set()
    personal = {"name": case.reporter_name, "phone": case.reporter_phone}
    if perm.is_reporter(user, case):
        reporter = personal
    elif staff:
        reporter = reveal(request, "case", case.pk, personal, purpose="case")
    else:
        reporter = {"name": mask_name(personal["name"]), "phone": mask_phone(personal["phone"])}
    co_units = [
        link.unit
        for link in CaseUnit.objects.filter(case=case, role="co", is_active=True).select_related("unit")
    ]
    events = (
        list(CaseEvent.objects.filter(case=case).only("action", "reason", "seq").order_by("seq"))
        if staff
        else []
    )
    context = {
        "case": case,
        "staff": staff,
        "entries": entries,
        "offered": offered,
        "reporter": reporter,
        "co_units": co_units,
        "photos": public.labelled_photos(case.pk) if staff or perm.is_reporter(user, case) else [],
        "public": public.public_state(case),
        "map": _map_data(case),
        "sla": sla_badge(case, timezone.now()),
        "checklist": list(case.event_type.closing_conditions) if case.event_type else [],
        "suspend_request": has_requested_suspension(events),
        "units": list(candidate_units(case).exclude(pk=case.lead_unit_id or -1))
        if offered & {"dispatch", "add_cohandler"}
        else [],
        "type_proposals": _intake_proposal(case) if "dispatch" in offered else [],
        "next": reverse("cases:case", args=[case.pk]),
        "reply_quality": reply_quality(case) if staff and case.completed_at else None,
    }
    return render(request, "cases/case.html", context)


def _run(user: Any, case_id: int, action: str, f: dict[str, Any]) -> Case:
    """Map a page's action form onto ``actions.check_<action>``."""
    a = actions
    if action == "dispatch":
        return a.check_dispatch(
            user, case_id, unit=f["unit"] or None, type_code=f["type_code"], reason=f["reason"]
        )
    if action == "accept":
        return a.check_accept(user, case_id)
    if action == "return":
        return a.check_return(user, case_id, reason=f["reason"])
    if action == "progress":
        return a.check_progress(user, case_id, note=f["note"], photos=f["photos"])
    if action == "request_suspension":
        reason = f["reason"]
        if not reason:
            raise ReasonRequired(_("申请挂起必须填写原因。"))
        return a.check_progress(user, case_id, note=f"{SUSPEND_REQUEST}{reason}")
    if action == "complete":
        return a.check_complete(user, case_id, note=f["note"], checklist=f["checklist"], photos=f["photos"])
    if action == "add_cohandler":
        if not f["unit"]:
            raise NoUnit(_("请选择协办单位。"))
        return a.check_add_cohandler(user, case_id, unit=f["unit"])
    if action == "verify":
        return a.check_verify(user, case_id, passed=f["passed"], note=f["note"])
    if action == "escalate":
        return a.check_escalate(user, case_id, reason=f["reason"])
    if action == "suspend":
        return a.check_suspend(user, case_id, reason=f["reason"])
    if action == "resume":
        return a.check_resume(user, case_id, note=f["note"])
    if action == "urge":
        return a.check_urge(user, case_id, note=f["note"])
    if action == "supervise":
        return a.check_supervise(user, case_id, reason=f["reason"], due=f["due"], days=f["days"])
    if action == "rate":
        if f["score"] is None:
            raise CaseError(_("请选择 1 到 5 分的评价。"), code="bad_score")
        return a.check_rate(user, case_id, score=f["score"], comment=f["comment"])
    if action == "reopen":
        return a.check_reopen(user, case_id, reason=f["reason"])
    if action == "merge":
        if not f["into"]:
            raise CaseError(_("请指定要合并到的工单编号。"), code="into_required")
        perm.access_case(user, case_id)  # the case itself missing or forbidden: 404 as elsewhere
        try:
            return a.check_merge(user, case_id, into=f["into"], reason=f["reason"])
        except CaseNotFound as exc:
            # A mistyped target number is the dispatcher's typo, not a missing page: say so on the
            # desk and keep it (no full-page 404).
            raise CaseError(exc.message, code="into_not_found") from exc
    if action == "invalidate":
        return a.check_invalidate(user, case_id, reason=f["reason"])
    if action == "close":
        return a.check_close(user, case_id, reason=f["reason"])
    raise NotFound(_("未知的操作“%(action)s”。") % {"action": action})


ACTION_LABELS = {"request_suspension": "申请挂起", "add_cohandler": "增加协办单位"}
PAGE_ACTIONS = (*lifecycle.PUBLIC_ACTIONS, "add_cohandler", "request_suspension")


@require_POST
@case_page
def act(request: HttpRequest, case_id: int, action: str) -> HttpResponse:
    """Run one action from a page's form, then go back (Post/Redirect/Get) with a message."""
    fallback = reverse("cases:case", args=[case_id])
    target = _safe_next(request, fallback)
    fields = action_fields(request.POST, request.FILES)
    label = _(ACTION_LABELS[action]) if action in ACTION_LABELS else lifecycle.label(action)
    try:
        case = _run(request.user, case_id, action, fields)
    except NotFound:
        raise
    except JicengError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request, _("%(number)s：%(action)s完成。") % {"number": case.number, "action": label}
        )
    if request.headers.get("HX-Request"):
        response = HttpResponse(status=204)
        response["HX-Redirect"] = target
        return response
    return HttpResponseRedirect(target)
