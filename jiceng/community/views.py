"""Pages of the residents' portal (mobile first) and of the community staff who run it.

Views are thin: they read the form, call one ``check_*`` action and show the result; a refusal
(``JicengError``) becomes a message on the page the user came from.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Prefetch, Q
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from jiceng.community import actions, casebridge, ledger
from jiceng.community.exceptions import Missing
from jiceng.community.models import (
    Activity,
    ActivityKind,
    ActivitySignup,
    AssistedAct,
    Booking,
    BookingStatus,
    Goal,
    Measure,
    MicroProject,
    Notice,
    NoticeKind,
    Phase,
    PortalRequest,
    ProjectRound,
    ProjectType,
    Redemption,
    ResidencyStatus,
    ResidentProfile,
    Reward,
    RoundStatus,
    ServiceGuide,
    ServiceResource,
    SignupStatus,
    Survey,
    Venue,
    VenueSlot,
    VoteMethod,
)
from jiceng.community.qr import qr_svg
from jiceng.community.reports import survey_results, survey_xlsx
from jiceng.core import posting
from jiceng.core.exceptions import JicengError
from jiceng.core.params import parse_day, parse_moment
from jiceng.org.auth import client_ip
from jiceng.org.privacy import PageReveal, reveal_many
from jiceng.places.models import Division, Grid, Level

ASSIST_KEY = "community_assisting"


# --------------------------------------------------------------------------------------------------
# plumbing
# --------------------------------------------------------------------------------------------------


def actor_for(request: HttpRequest) -> actions.Actor:
    """The acting resident: the user, or in assisted mode the resident the staff member serves."""
    assisting = request.session.get(ASSIST_KEY)
    if assisting:
        profile = (
            ResidentProfile.objects.select_related("user", "community").filter(user_id=assisting).first()
        )
        if profile is not None and actions.is_portal_staff(request.user, profile.community):
            return actions.Actor(resident=profile.user, staff=request.user)
        request.session.pop(ASSIST_KEY, None)
    return actions.Actor(resident=request.user)


def back(request: HttpRequest, fallback: str = "community:home") -> HttpResponseRedirect:
    return posting.back(request, fallback)


posted = posting.posted(fallback="community:home", missing_is_404=False)


def _int(value: Any, default: int = 0) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def _float(value: Any) -> float | None:
    try:
        return float(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


def _when(value: str) -> dt.datetime | None:
    """A ``datetime-local`` form value in the site's time zone."""
    if not value:
        return None
    return parse_moment(value, _("时间"))


def _ctx(request: HttpRequest, **extra: Any) -> dict[str, Any]:
    who = actor_for(request)
    profile = actions.profile_of(who.resident)
    return {
        "who": who,
        "profile": profile,
        "community": profile.community if profile else None,
        "is_staff_user": actions.staff_communities(request.user).exists(),
        **extra,
    }


def _resident_page(request: HttpRequest) -> tuple[actions.Actor, ResidentProfile]:
    who = actor_for(request)
    return who, actions.require_resident(who.resident, confirmed=False)


def resident_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @wraps(view)
    @login_required
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        who = actor_for(request)
        if actions.profile_of(who.resident) is None:
            if actions.staff_communities(request.user).exists():
                return redirect("community:staff")
            messages.info(request, _("请先以居民身份注册。"))
            return redirect("community:signup")
        return view(request, *args, **kwargs)

    return wrapper


# --------------------------------------------------------------------------------------------------
# Accounts
# --------------------------------------------------------------------------------------------------


def signup(request: HttpRequest) -> HttpResponse:
    communities = Division.objects.filter(level=Level.COMMUNITY).order_by("code")
    form = request.POST if request.method == "POST" else {}
    if request.method == "POST":
        try:
            if request.POST.get("op") == "send":
                actions.check_send_signup_code(request.POST.get("phone", ""), client_ip(request))
                messages.success(request, _("验证码已发送。"))
            else:
                user = actions.check_signup(
                    request.POST.get("phone", ""),
                    request.POST.get("code", ""),
                    request.POST.get("password", ""),
                    request.POST.get("display_name", ""),
                    request.POST.get("community", ""),
                    request.POST.get("room_code", ""),
                )
                login(request, user, backend="jiceng.org.auth.ThrottledBackend")
                messages.success(
                    request,
                    _(
                        "注册成功，请用手机号登录（用户名 %(u)s）。社区工作人员确认居住信息后即可预约、投票和兑换。"
                    )
                    % {"u": user.username},
                )
                return redirect("community:home")
        except JicengError as exc:
            messages.error(request, exc.message)
    return render(request, "community/signup.html", {"communities": communities, "form": form})


@resident_required
def home(request: HttpRequest) -> HttpResponse:
    who, profile = _resident_page(request)
    now = timezone.now()
    notices = actions.visible_notices(profile.community)[:3]
    urgent = Activity.objects.filter(
        community=profile.community, kind=ActivityKind.URGENT, is_cancelled=False, ends_at__gt=now
    )[:3]
    return render(request, "community/home.html", _ctx(request, notices=notices, urgent=urgent))


@posted
def volunteer(request: HttpRequest) -> HttpResponse:
    actions.check_set_volunteer(actor_for(request), request.POST.get("on") == "1")
    messages.success(request, _("已更新志愿者登记。"))
    return back(request)


# --------------------------------------------------------------------------------------------------
# 码上办
# --------------------------------------------------------------------------------------------------


def _grid_map(community: Division) -> dict[str, Any]:
    """The community's grids as SVG paths (an equirectangular projection of their GeoJSON)."""
    grids = list(Grid.objects.filter(community=community).order_by("code"))
    shapes = []
    for grid in grids:
        try:
            geometry = json.loads(grid.polygon) if grid.polygon else None
        except ValueError:
            geometry = None
        rings = []
        if geometry and geometry.get("type") == "Polygon":
            rings = [geometry["coordinates"][0]]
        elif geometry and geometry.get("type") == "MultiPolygon":
            rings = [poly[0] for poly in geometry["coordinates"]]
        shapes.append((grid, rings))
    points = [pt for _g, rings in shapes for ring in rings for pt in ring]
    if not points:
        return {"grids": grids, "paths": []}
    min_x, max_x = min(p[0] for p in points), max(p[0] for p in points)
    min_y, max_y = min(p[1] for p in points), max(p[1] for p in points)
    span = max(max_x - min_x, max_y - min_y) or 1.0
    size = 300

    def project(pt: list[float]) -> str:
        x = (pt[0] - min_x) / span * size
        y = (max_y - pt[1]) / span * size
        return f"{x:.1f},{y:.1f}"

    paths = []
    for grid, rings in shapes:
        d = " ".join("M" + " L".join(project(pt) for pt in ring) + " Z" for ring in rings)
        paths.append({"grid": grid, "d": d})
    width = (max_x - min_x) / span * size
    height = (max_y - min_y) / span * size
    return {"grids": grids, "paths": paths, "viewbox": f"-5 -5 {width + 10:.0f} {height + 10:.0f}"}


@resident_required
def ask(request: HttpRequest, secretary: bool = False) -> HttpResponse:
    who, profile = _resident_page(request)
    if request.method == "POST":
        try:
            where = request.POST.get("where", "")
            portal_request = actions.check_submit_request(
                who,
                request.POST.get("text", ""),
                grid_code=request.POST.get("grid", "") if where == "grid" else "",
                use_my_room=where == "room",
                lat=_float(request.POST.get("lat")),
                lng=_float(request.POST.get("lng")),
                address=request.POST.get("address", ""),
                to_secretary=secretary or request.POST.get("to_secretary") == "1",
                photos=request.FILES.getlist("photos"),
                idempotency_key=request.POST.get("key", ""),
                type_code=request.POST.get("type", "").strip(),
                pinned=where == "pin",
            )
            messages.success(request, _("诉求已提交，可随时查看办理进度。"))
            return redirect("community:request", portal_request.pk)
        except JicengError as exc:
            messages.error(request, exc.message)
    on_duty, shift = actions.duty_secretary(profile.community) if secretary else (None, None)
    import secrets

    from jiceng.community import map_views

    return render(
        request,
        "community/ask.html",
        _ctx(
            request,
            secretary=secretary,
            on_duty=on_duty,
            shift=shift,
            map=_grid_map(profile.community),
            # A refused submit keeps its idempotency key, so a retry that did get through is not doubled.
            key=request.POST.get("key", "") or secrets.token_hex(12),
            form=request.POST,
            **map_views.ask_context(request, profile.community),
        ),
    )


@resident_required
def secretary(request: HttpRequest) -> HttpResponse:
    return ask(request, secretary=True)


@resident_required
def my_requests(request: HttpRequest) -> HttpResponse:
    who = actor_for(request)
    items = list(actions.my_requests(who.resident)[:50])
    for item in items:
        casebridge.refresh(item)
    public = casebridge.public_states(items)
    for item in items:
        item.public = public.get(item.pk)  # type: ignore[attr-defined]  # shown by the template
    from jiceng.community import mapdata

    return render(
        request,
        "community/requests.html",
        _ctx(request, items=items, following=mapdata.following(who.resident)),
    )


@resident_required
def request_detail(request: HttpRequest, pk: int) -> HttpResponse:
    who = actor_for(request)
    try:
        item = actions.access_request(who.resident, pk, staff_ok=False)
    except Missing as exc:
        return render(request, "community/missing.html", {"message": exc.message}, status=404)
    casebridge.refresh(item)
    return render(
        request,
        "community/request_detail.html",
        _ctx(
            request,
            item=item,
            steps=casebridge.timeline(item),
            photos=item.photos.all(),
            public=casebridge.public_states([item]).get(item.pk),
            category=casebridge.category(item),
            handler_photos=casebridge.handler_photos(item),
        ),
    )


@posted
def rate_request(request: HttpRequest, pk: int) -> HttpResponse:
    actions.check_rate_request(
        actor_for(request), pk, _int(request.POST.get("rating")), request.POST.get("comment", "")
    )
    messages.success(request, _("感谢您的评价。"))
    return redirect("community:request", pk)


# --------------------------------------------------------------------------------------------------
# 找资源 / 找指南
# --------------------------------------------------------------------------------------------------


def _for_community(qs: Any, community: Division | None) -> Any:
    return qs.filter(Q(community__isnull=True) | Q(community=community))


@resident_required
def resources(request: HttpRequest) -> HttpResponse:
    _who, profile = _resident_page(request)
    items = _for_community(ServiceResource.objects.all(), profile.community)
    groups = [(goal, [r for r in items if r.goal == goal.value]) for goal in Goal]
    return render(request, "community/resources.html", _ctx(request, groups=groups))


@resident_required
def guides(request: HttpRequest) -> HttpResponse:
    _who, profile = _resident_page(request)
    q = request.GET.get("q", "").strip()
    items = _for_community(ServiceGuide.objects.all(), profile.community)
    if q:
        items = items.filter(Q(title__icontains=q) | Q(summary__icontains=q))
    return render(request, "community/guides.html", _ctx(request, items=items, q=q))


@resident_required
def guide(request: HttpRequest, pk: int) -> HttpResponse:
    _who, profile = _resident_page(request)
    item = _for_community(ServiceGuide.objects.all(), profile.community).filter(pk=pk).first()
    if item is None:
        return render(request, "community/missing.html", {"message": _("未找到该指南。")}, status=404)
    return render(request, "community/guide.html", _ctx(request, item=item))


# --------------------------------------------------------------------------------------------------
# 码上享: venues and bookings
# --------------------------------------------------------------------------------------------------


@resident_required
def venues(request: HttpRequest) -> HttpResponse:
    _who, profile = _resident_page(request)
    items = Venue.objects.filter(community=profile.community, is_open=True)
    return render(request, "community/venues.html", _ctx(request, items=items))


@resident_required
def venue(request: HttpRequest, pk: int) -> HttpResponse:
    who, profile = _resident_page(request)
    item = Venue.objects.filter(pk=pk, community=profile.community).first()
    if item is None:
        return render(request, "community/missing.html", {"message": _("未找到该场地。")}, status=404)
    slots = (
        VenueSlot.objects.filter(venue=item, ends_at__gt=timezone.now())
        .annotate(
            held=Count(
                "bookings", filter=Q(bookings__status__in=[BookingStatus.CONFIRMED, BookingStatus.CHECKED_IN])
            ),
            waiting=Count("bookings", filter=Q(bookings__status=BookingStatus.WAITLISTED)),
        )
        .order_by("starts_at")[:60]
    )
    mine = dict(
        Booking.objects.filter(slot__venue=item, resident=who.resident)
        .exclude(status=BookingStatus.CANCELLED)
        .values_list("slot_id", "status")
    )
    return render(request, "community/venue.html", _ctx(request, item=item, slots=slots, mine=mine))


@posted
def book(request: HttpRequest, pk: int) -> HttpResponse:
    booking = actions.check_book_slot(actor_for(request), pk)
    if booking.status == BookingStatus.WAITLISTED:
        messages.info(request, _("该时段已约满，您已进入候补名单。"))
    else:
        messages.success(request, _("预约成功。"))
    return redirect("community:bookings")


@posted
def cancel_booking(request: HttpRequest, pk: int) -> HttpResponse:
    actions.check_cancel_booking(actor_for(request), pk)
    messages.success(request, _("已取消预约。"))
    return redirect("community:bookings")


@resident_required
def bookings(request: HttpRequest) -> HttpResponse:
    who = actor_for(request)
    items = list(actions.my_bookings(who.resident)[:50])
    for item in items:
        item.qr = qr_svg(item.checkin_code) if item.status == BookingStatus.CONFIRMED else None  # type: ignore[attr-defined]
    signups = list(
        ActivitySignup.objects.filter(resident=who.resident)
        .select_related("activity")
        .order_by("-activity__starts_at")[:50]
    )
    for signup in signups:
        signup.qr = (  # type: ignore[attr-defined]
            qr_svg(signup.checkin_code)
            if signup.status in (SignupStatus.SIGNED, SignupStatus.DISPATCHED)
            else None
        )
    return render(request, "community/bookings.html", _ctx(request, items=items, signups=signups))


# --------------------------------------------------------------------------------------------------
# Activities, volunteer tasks
# --------------------------------------------------------------------------------------------------


@resident_required
def activities(request: HttpRequest) -> HttpResponse:
    who, profile = _resident_page(request)
    items = (
        Activity.objects.filter(community=profile.community, is_cancelled=False, ends_at__gt=timezone.now())
        .annotate(taken=Count("signups", filter=~Q(signups__status=SignupStatus.CANCELLED)))
        .order_by("starts_at")
    )
    mine = set(
        ActivitySignup.objects.filter(resident=who.resident)
        .exclude(status=SignupStatus.CANCELLED)
        .values_list("activity_id", flat=True)
    )
    urgent = [a for a in items if a.kind == ActivityKind.URGENT]
    regular = [a for a in items if a.kind != ActivityKind.URGENT]
    return render(
        request, "community/activities.html", _ctx(request, urgent=urgent, regular=regular, mine=mine)
    )


@posted
def signup_activity(request: HttpRequest, pk: int) -> HttpResponse:
    actions.check_signup_activity(actor_for(request), pk)
    messages.success(request, _("报名成功，签到码见“我的预约”。"))
    return redirect("community:bookings")


@posted
def cancel_signup(request: HttpRequest, pk: int) -> HttpResponse:
    actions.check_cancel_signup(actor_for(request), pk)
    messages.success(request, _("已取消报名。"))
    return redirect("community:bookings")


# --------------------------------------------------------------------------------------------------
# Time bank and 暖心柜
# --------------------------------------------------------------------------------------------------


@resident_required
def timebank(request: HttpRequest) -> HttpResponse:
    who, profile = _resident_page(request)
    account = ledger.resident_account(profile.community, who.resident)
    balances = ledger.balances(account)
    entries = account.entries.select_related("posting").order_by("-posting__created_at", "-id")[:50]
    rewards = Reward.objects.filter(community=profile.community, is_active=True)
    redemptions = list(Redemption.objects.filter(resident=who.resident).select_related("reward")[:30])
    for item in redemptions:
        item.qr = qr_svg(item.code) if item.status == "issued" else None  # type: ignore[attr-defined]
    import secrets

    return render(
        request,
        "community/timebank.html",
        _ctx(
            request,
            hours=balances[Measure.HOURS],
            points=balances[Measure.POINTS],
            entries=entries,
            rewards=rewards,
            redemptions=redemptions,
            key=secrets.token_hex(12),
        ),
    )


@posted
def redeem(request: HttpRequest, pk: int) -> HttpResponse:
    redemption = actions.check_redeem(actor_for(request), pk, request.POST.get("key", ""))
    messages.success(request, _("兑换成功，领取码：%(code)s") % {"code": redemption.code})
    return redirect("community:timebank")


# --------------------------------------------------------------------------------------------------
# 码上知 / 码上学
# --------------------------------------------------------------------------------------------------


@resident_required
def notices(request: HttpRequest) -> HttpResponse:
    _who, profile = _resident_page(request)
    items = actions.visible_notices(profile.community).exclude(kind=NoticeKind.ARTICLE)[:50]
    surveys = Survey.objects.filter(community=profile.community, is_open=True).order_by("-created_at")[:10]
    return render(request, "community/notices.html", _ctx(request, items=items, surveys=surveys))


@resident_required
def learn(request: HttpRequest) -> HttpResponse:
    _who, profile = _resident_page(request)
    items = list(actions.visible_notices(profile.community, NoticeKind.ARTICLE)[:200])
    topics: dict[str, list[Notice]] = {}
    for item in items:
        topics.setdefault(item.topic or _("其他"), []).append(item)
    return render(request, "community/learn.html", _ctx(request, topics=sorted(topics.items())))


@resident_required
def notice(request: HttpRequest, pk: int) -> HttpResponse:
    _who, profile = _resident_page(request)
    item = actions.visible_notices(profile.community).filter(pk=pk).first()
    if item is None:
        return render(request, "community/missing.html", {"message": _("未找到该内容。")}, status=404)
    return render(request, "community/notice.html", _ctx(request, item=item))


@resident_required
def survey(request: HttpRequest, pk: int) -> HttpResponse:
    who, profile = _resident_page(request)
    item = (
        Survey.objects.filter(pk=pk, community=profile.community)
        .prefetch_related("questions__choices")
        .first()
    )
    if item is None:
        return render(request, "community/missing.html", {"message": _("未找到该问卷。")}, status=404)
    answered = item.responses.filter(resident=who.resident).exists()
    if request.method == "POST":
        answers: dict[int, Any] = {}
        for question in item.questions.all():
            field = f"q{question.pk}"
            answers[question.pk] = (
                request.POST.getlist(field) if question.kind == "multiple" else request.POST.get(field, "")
            )
        try:
            actions.check_answer_survey(who, item.pk, answers)
            messages.success(request, _("感谢您的参与。"))
            return redirect("community:notices")
        except JicengError as exc:
            messages.error(request, exc.message)
    return render(request, "community/survey.html", _ctx(request, item=item, answered=answered))


# --------------------------------------------------------------------------------------------------
# 民生微实事
# --------------------------------------------------------------------------------------------------


@resident_required
def projects(request: HttpRequest) -> HttpResponse:
    _who, profile = _resident_page(request)
    rounds = ProjectRound.objects.filter(community=profile.community).prefetch_related(
        Prefetch("projects", queryset=MicroProject.objects.order_by("-votes", "id"))
    )
    return render(request, "community/projects.html", _ctx(request, rounds=rounds))


@resident_required
def project_round(request: HttpRequest, pk: int) -> HttpResponse:
    who, profile = _resident_page(request)
    try:
        rnd = actions.access_round(who.resident, pk)
    except Missing as exc:
        return render(request, "community/missing.html", {"message": exc.message}, status=404)
    voted = rnd.ballots.filter(voter=who.resident).exists()
    items = rnd.projects.order_by("-votes", "id")
    return render(request, "community/round.html", _ctx(request, rnd=rnd, items=items, voted=voted))


@posted
def propose(request: HttpRequest, pk: int) -> HttpResponse:
    project = actions.check_propose(
        actor_for(request), pk, request.POST.get("title", ""), request.POST.get("description", "")
    )
    messages.success(request, _("感谢您的提议，社区将进行审核。"))
    return redirect("community:project", project.pk)


@posted
def vote(request: HttpRequest, pk: int) -> HttpResponse:
    actions.check_cast_ballot(actor_for(request), pk, [_int(i) for i in request.POST.getlist("projects")])
    messages.success(request, _("投票成功。"))
    return redirect("community:round", pk)


@resident_required
def project(request: HttpRequest, pk: int) -> HttpResponse:
    who = actor_for(request)
    try:
        item = actions.access_project(who.resident, pk)
    except Missing as exc:
        return render(request, "community/missing.html", {"message": exc.message}, status=404)
    is_observer = item.observers.filter(pk=who.resident.pk).exists()
    return render(
        request,
        "community/project.html",
        _ctx(
            request,
            item=item,
            history=item.phase_events.select_related("actor"),
            milestones=item.milestones.all(),
            reports=item.reports.select_related("author"),
            is_observer=is_observer,
        ),
    )


@posted
def observer_report(request: HttpRequest, pk: int) -> HttpResponse:
    actions.check_report_progress(
        actor_for(request).resident, pk, request.POST.get("note", ""), photo=request.FILES.get("photo")
    )
    messages.success(request, _("已提交监督报告。"))
    return redirect("community:project", pk)


# --------------------------------------------------------------------------------------------------
# Staff pages
# --------------------------------------------------------------------------------------------------


def staff_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """A staff page for one community (``?c=CODE``, default the first the user serves)."""

    @wraps(view)
    @login_required
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        communities = list(actions.staff_communities(request.user))
        if not communities:
            return render(
                request, "community/missing.html", {"message": _("您不是社区工作人员。")}, status=403
            )
        code = request.GET.get("c") or request.POST.get("c") or request.session.get("community_staff_c")
        community = next((c for c in communities if c.code == code), communities[0])
        request.session["community_staff_c"] = community.code
        request.staff_community = community  # type: ignore[attr-defined]
        request.staff_communities = communities  # type: ignore[attr-defined]
        try:
            return view(request, community, *args, **kwargs)
        except JicengError as exc:
            messages.error(request, exc.message)
            return back(request, "community:staff")

    return wrapper


def _sctx(request: HttpRequest, **extra: Any) -> dict[str, Any]:
    # ``masked``: residents' names are shown masked to leaders and administrators, and logged when
    # shown to staff (the resident_name filter).
    return {
        "c": request.staff_community,  # type: ignore[attr-defined]
        "communities": request.staff_communities,  # type: ignore[attr-defined]
        "masked": PageReveal(request, "user", purpose="community_staff"),
        **extra,
    }


@staff_required
def staff_home(request: HttpRequest, community: Division) -> HttpResponse:
    pending = ResidentProfile.objects.filter(community=community, status=ResidencyStatus.PENDING).count()
    open_requests = PortalRequest.objects.filter(
        community=community, status__in=["submitted", "in_case"]
    ).count()
    return render(
        request, "community/staff/home.html", _sctx(request, pending=pending, open_requests=open_requests)
    )


@staff_required
def staff_residents(request: HttpRequest, community: Division) -> HttpResponse:
    if request.method == "POST":
        op = request.POST.get("op")
        if op == "confirm":
            actions.check_confirm_residency(
                request.user,
                _int(request.POST.get("profile")),
                approve=request.POST.get("approve") == "1",
                room_code=request.POST.get("room_code", ""),
                person_id=request.POST.get("person") or None,
                note=request.POST.get("note", ""),
            )
            messages.success(request, _("已处理。"))
        elif op == "register":
            actions.check_staff_register_resident(
                request.user,
                community,
                request.POST.get("display_name", ""),
                request.POST.get("phone", ""),
                request.POST.get("room_code", ""),
            )
            messages.success(request, _("已为居民开户，可代办。"))
        return redirect(f"{reverse('community:staff_residents')}?c={community.code}")
    q = request.GET.get("q", "").strip()
    people = ResidentProfile.objects.filter(community=community).select_related("user", "room")
    if q:
        people = people.filter(Q(user__display_name__icontains=q) | Q(user__phone__endswith=q))
    pending = list(people.filter(status=ResidencyStatus.PENDING)[:200])
    confirmed = list(people.filter(status=ResidencyStatus.CONFIRMED)[:100])
    # Residents' names and phones: masked for leaders and administrators, logged for staff.
    shown = reveal_many(
        request,
        "user",
        [(p.user_id, {"name": p.user.display_name, "phone": p.user.phone}) for p in [*pending, *confirmed]],
        purpose="residents",
    )
    for profile, values in zip([*pending, *confirmed], shown, strict=True):
        profile.shown_name, profile.shown_phone = values["name"], values["phone"]  # type: ignore[attr-defined]
    acts = list(AssistedAct.objects.filter(resident__resident_profile__community=community)[:30])
    names = reveal_many(
        request, "user", [(a.resident_id, {"name": a.resident_name}) for a in acts], purpose="assisted_acts"
    )
    for act, values in zip(acts, names, strict=True):
        act.resident_name = values["name"]  # shown only, never saved
    return render(
        request,
        "community/staff/residents.html",
        _sctx(request, pending=pending, confirmed=confirmed, acts=acts, q=q),
    )


def _candidate_rows(request: HttpRequest, candidates: list[actions.Candidate]) -> list[dict[str, Any]]:
    """Candidates as the page shows them: personal fields masked unless the role may see them (and
    then each shown person is logged), rooms by code."""
    shown = reveal_many(
        request,
        "person",
        [
            (
                c.person.pk,
                {
                    "name": c.person.name,
                    "id_number": c.person.id_number,
                    "phone": c.person.phones[0] if c.person.phones else "",
                },
            )
            for c in candidates
        ],
        purpose="residency_confirm",
    )
    return [
        {
            "id": c.person.pk,
            **values,
            "same_room": c.same_room,
            "same_phone": c.same_phone,
            "rooms": [room.code for room in c.rooms],
        }
        for c, values in zip(candidates, shown, strict=True)
    ]


@staff_required
def staff_resident(request: HttpRequest, community: Division, pk: int) -> HttpResponse:
    """Confirm one resident: the registry people they may be (occupants of their room, people with
    their phone, within the staff member's scope), masked per role; pick one or none, then confirm
    or refuse."""
    try:
        profile, candidates = actions.residency_candidates(request.user, pk)
    except Missing as exc:
        return render(request, "community/missing.html", {"message": exc.message}, status=404)
    if request.method == "POST":
        try:
            actions.check_confirm_residency(
                request.user,
                profile.pk,
                approve=request.POST.get("approve") == "1",
                room_code=request.POST.get("room_code", ""),
                person_id=request.POST.get("person") or None,
                note=request.POST.get("note", ""),
            )
        except JicengError as exc:
            messages.error(request, exc.message)
            return redirect(f"{reverse('community:staff_resident', args=[profile.pk])}?c={community.code}")
        messages.success(request, _("已处理。"))
        return redirect(f"{reverse('community:staff_residents')}?c={profile.community.code}")
    return render(
        request,
        "community/staff/resident.html",
        _sctx(request, profile=profile, candidates=_candidate_rows(request, candidates)),
    )


@posted
def assist_start(request: HttpRequest) -> HttpResponse:
    who = actions.check_start_assisting(request.user, _int(request.POST.get("resident")))
    request.session[ASSIST_KEY] = who.resident.pk
    messages.success(request, _("正在为 %(n)s 代办，每一步都会记录。") % {"n": who.resident})
    return redirect("community:home")


@posted
def assist_stop(request: HttpRequest) -> HttpResponse:
    actions.check_stop_assisting(actor_for(request))
    request.session.pop(ASSIST_KEY, None)
    messages.success(request, _("已结束代办。"))
    return redirect("community:staff")


@staff_required
def staff_requests(request: HttpRequest, community: Division) -> HttpResponse:
    if request.method == "POST":
        actions.check_reply_request(
            request.user, _int(request.POST.get("request")), request.POST.get("reply", "")
        )
        messages.success(request, _("已答复。"))
        return redirect(f"{reverse('community:staff_requests')}?c={community.code}")
    items = PortalRequest.objects.filter(community=community).select_related("resident", "secretary", "grid")[
        :100
    ]
    return render(request, "community/staff/requests.html", _sctx(request, items=items))


@staff_required
def staff_roster(request: HttpRequest, community: Division) -> HttpResponse:
    from jiceng.org import roster

    unit = actions.community_unit(community)
    start = timezone.localtime().replace(minute=0, second=0, microsecond=0)
    end = start + dt.timedelta(days=7)
    shifts = list(roster.shifts_between(unit, start, end)) if unit else []
    gaps = roster.coverage_gaps(unit, start, end) if unit else [(start, end)]
    on_duty, _shift = actions.duty_secretary(community)
    return render(
        request,
        "community/staff/roster.html",
        _sctx(request, unit=unit, shifts=shifts, gaps=gaps, on_duty=on_duty),
    )


@staff_required
def staff_venues(request: HttpRequest, community: Division) -> HttpResponse:
    if request.method == "POST":
        op = request.POST.get("op")
        if op == "venue":
            actions.check_create_venue(
                request.user,
                community,
                request.POST.get("name", ""),
                _int(request.POST.get("capacity"), 1),
                request.POST.get("place", ""),
            )
        elif op == "slots":
            first = _when(request.POST.get("starts_at", ""))
            count = max(1, min(_int(request.POST.get("count"), 1), 48))
            minutes = _int(request.POST.get("minutes"), 60)
            if first is None:
                raise JicengError(_("请填写开始时间。"))
            starts = [first + dt.timedelta(minutes=minutes * i) for i in range(count)]
            actions.check_add_slots(request.user, _int(request.POST.get("venue")), starts, minutes)
        elif op == "checkin":
            done = actions.check_checkin(request.user, request.POST.get("code", ""))
            messages.success(request, _("签到成功：%(who)s") % {"who": done.resident})
            return redirect(f"{reverse('community:staff_venues')}?c={community.code}")
        messages.success(request, _("已保存。"))
        return redirect(f"{reverse('community:staff_venues')}?c={community.code}")
    items = Venue.objects.filter(community=community).prefetch_related(
        Prefetch(
            "slots",
            queryset=VenueSlot.objects.filter(ends_at__gt=timezone.now()).prefetch_related(
                Prefetch(
                    "bookings",
                    queryset=Booking.objects.exclude(status=BookingStatus.CANCELLED).select_related(
                        "resident"
                    ),
                )
            ),
        )
    )
    return render(request, "community/staff/venues.html", _sctx(request, items=items))


@staff_required
def staff_activities(request: HttpRequest, community: Division) -> HttpResponse:
    if request.method == "POST":
        op = request.POST.get("op")
        if op == "publish":
            starts, ends = _when(request.POST.get("starts_at", "")), _when(request.POST.get("ends_at", ""))
            if starts is None or ends is None:
                raise JicengError(_("请填写开始和结束时间。"))
            actions.check_publish_activity(
                request.user,
                community,
                request.POST.get("title", ""),
                starts,
                ends,
                _int(request.POST.get("slots"), 0),
                kind=request.POST.get("kind", ActivityKind.ACTIVITY),
                hours=request.POST.get("hours") or 0,
                points=request.POST.get("points") or None,
                place=request.POST.get("place", ""),
                description=request.POST.get("description", ""),
            )
        elif op == "confirm":
            actions.check_confirm_attendance(
                request.user, _int(request.POST.get("signup")), attended=request.POST.get("attended") == "1"
            )
        elif op == "dispatch":
            actions.check_dispatch_volunteers(
                request.user,
                _int(request.POST.get("activity")),
                [_int(i) for i in request.POST.getlist("volunteers")],
            )
        elif op == "checkin":
            done = actions.check_checkin(request.user, request.POST.get("code", ""))
            messages.success(request, _("签到成功：%(who)s") % {"who": done.resident})
            return redirect(f"{reverse('community:staff_activities')}?c={community.code}")
        messages.success(request, _("已保存。"))
        return redirect(f"{reverse('community:staff_activities')}?c={community.code}")
    items = (
        Activity.objects.filter(community=community)
        .order_by("-starts_at")
        .prefetch_related(
            Prefetch(
                "signups",
                queryset=ActivitySignup.objects.exclude(status=SignupStatus.CANCELLED).select_related(
                    "resident"
                ),
            )
        )[:30]
    )
    volunteers = ResidentProfile.objects.filter(
        community=community, is_volunteer=True, status=ResidencyStatus.CONFIRMED
    ).select_related("user")
    return render(
        request,
        "community/staff/activities.html",
        _sctx(request, items=items, volunteers=volunteers, kinds=ActivityKind.choices),
    )


@staff_required
def staff_timebank(request: HttpRequest, community: Division) -> HttpResponse:
    if request.method == "POST":
        op = request.POST.get("op")
        if op == "reward":
            actions.check_create_reward(
                request.user,
                community,
                request.POST.get("name", ""),
                request.POST.get("points", ""),
                _int(request.POST.get("stock")),
                request.POST.get("description", ""),
            )
        elif op == "restock":
            actions.check_restock(
                request.user, _int(request.POST.get("reward")), _int(request.POST.get("add"))
            )
        elif op == "handover":
            done = actions.check_hand_over(request.user, request.POST.get("code", ""))
            messages.success(
                request, _("已发放：%(item)s → %(who)s") % {"item": done.reward.name, "who": done.resident}
            )
            return redirect(f"{reverse('community:staff_timebank')}?c={community.code}")
        elif op == "reverse":
            actions.check_reverse_posting(
                request.user, _int(request.POST.get("posting")), request.POST.get("reason", "")
            )
        messages.success(request, _("已保存。"))
        return redirect(f"{reverse('community:staff_timebank')}?c={community.code}")
    from jiceng.community.models import Posting

    report = ledger.reconcile(community)
    postings = (
        Posting.objects.filter(entries__account__community=community)
        .distinct()
        .prefetch_related("entries__account__owner")
        .order_by("-created_at", "-id")[:40]
    )
    rewards = Reward.objects.filter(community=community)
    redemptions = Redemption.objects.filter(reward__community=community).select_related("reward", "resident")[
        :40
    ]
    return render(
        request,
        "community/staff/timebank.html",
        _sctx(request, report=report, postings=postings, rewards=rewards, redemptions=redemptions),
    )


@staff_required
def staff_notices(request: HttpRequest, community: Division) -> HttpResponse:
    if request.method == "POST":
        op = request.POST.get("op")
        if op == "save":
            notice_obj = actions.check_save_notice(
                request.user,
                [community],
                request.POST.get("title", ""),
                request.POST.get("body", ""),
                kind=request.POST.get("kind", NoticeKind.NOTICE),
                topic=request.POST.get("topic", ""),
            )
            if request.POST.get("publish") == "1":
                actions.check_publish_notice(
                    request.user, notice_obj.pk, _when(request.POST.get("publish_at", ""))
                )
        elif op == "publish":
            actions.check_publish_notice(request.user, _int(request.POST.get("notice")))
        elif op == "withdraw":
            actions.check_withdraw_notice(request.user, _int(request.POST.get("notice")))
        elif op == "survey":
            actions.check_create_survey(
                request.user,
                community,
                request.POST.get("title", ""),
                actions.parse_questions(request.POST.get("questions", "")),
                request.POST.get("description", ""),
            )
        elif op == "close_survey":
            actions.check_close_survey(request.user, _int(request.POST.get("survey")))
        messages.success(request, _("已保存。"))
        return redirect(f"{reverse('community:staff_notices')}?c={community.code}")
    items = Notice.objects.filter(communities=community).order_by("-created_at")[:50]
    surveys = Survey.objects.filter(community=community).annotate(n=Count("responses"))[:30]
    return render(
        request,
        "community/staff/notices.html",
        _sctx(request, items=items, surveys=surveys, kinds=NoticeKind.choices, now=timezone.now()),
    )


@staff_required
def staff_survey(request: HttpRequest, community: Division, pk: int) -> HttpResponse:
    item = Survey.objects.filter(pk=pk, community=community).first()
    if item is None:
        return render(request, "community/missing.html", {"message": _("未找到该问卷。")}, status=404)
    if request.GET.get("format") == "xlsx":
        return FileResponse(survey_xlsx(item), as_attachment=True, filename=f"survey-{item.pk}.xlsx")  # type: ignore[return-value]
    results = survey_results(item)
    return render(
        request,
        "community/staff/survey.html",
        _sctx(request, item=item, results=results, chart_data=[r for r in results if "counts" in r]),
    )


@staff_required
def staff_projects(request: HttpRequest, community: Division) -> HttpResponse:
    if request.method == "POST":
        op = request.POST.get("op")
        user = request.user
        pid = _int(request.POST.get("project"))
        rid = _int(request.POST.get("round"))
        if op == "round":
            actions.check_open_round(
                user,
                community,
                request.POST.get("title", ""),
                request.POST.get("budget", ""),
                request.POST.get("method", VoteMethod.BUDGET),
            )
        elif op == "review":
            actions.check_review(
                user,
                pid,
                request.POST.get("approve") == "1",
                request.POST.get("kind", ""),
                request.POST.get("cost") or None,
                request.POST.get("feasibility", ""),
            )
        elif op == "reviewing":
            actions.check_set_round_status(user, rid, RoundStatus.REVIEWING)
        elif op == "open_vote":
            actions.check_open_vote(user, rid)
        elif op == "paper":
            actions.check_enter_paper_ballot(
                user,
                rid,
                request.POST.get("paper_no", ""),
                [_int(i) for i in request.POST.getlist("projects")],
            )
        elif op == "close_vote":
            actions.check_close_vote(user, rid)
        elif op == "milestone":
            due = request.POST.get("due") or None
            actions.check_add_milestone(
                user, pid, request.POST.get("title", ""), parse_day(due, _("完成日期")) if due else None
            )
        elif op == "milestone_done":
            actions.check_complete_milestone(user, _int(request.POST.get("milestone")))
        elif op == "progress":
            actions.check_report_progress(
                user,
                pid,
                request.POST.get("note", ""),
                _int(request.POST.get("progress"), 0),
                request.FILES.get("photo"),
            )
        elif op == "observer":
            actions.check_add_observer(user, pid, _int(request.POST.get("resident")))
        elif op == "evaluate":
            actions.check_start_evaluation(user, pid)
        elif op == "finish":
            actions.check_finish_project(user, pid)
        messages.success(request, _("已保存。"))
        return redirect(f"{reverse('community:staff_projects')}?c={community.code}")
    rounds = ProjectRound.objects.filter(community=community).prefetch_related(
        Prefetch(
            "projects",
            queryset=MicroProject.objects.select_related("proposer").prefetch_related(
                "milestones", "observers"
            ),
        )
    )
    residents = ResidentProfile.objects.filter(
        community=community, status=ResidencyStatus.CONFIRMED
    ).select_related("user")[:200]
    return render(
        request,
        "community/staff/projects.html",
        _sctx(
            request,
            rounds=rounds,
            types=ProjectType.choices,
            methods=VoteMethod.choices,
            residents=residents,
            Phase=Phase,
            RoundStatus=RoundStatus,
        ),
    )


@posting.posted(form=True, fallback="community:home", missing_is_404=False)
@resident_required
def proposals(request: HttpRequest, refused: JicengError | None = None) -> HttpResponse:
    """Residents propose agenda items to their community's council and follow the answers; a refused
    proposal comes back with what was typed."""
    from jiceng.community.proposals import check_propose_agenda, my_proposals

    who, _profile = _resident_page(request)
    if request.method == "POST" and refused is None:
        check_propose_agenda(who, request.POST.get("title", ""), request.POST.get("detail", ""))
        messages.success(request, _("提议已提交，议事会受理后会通知您。"))
        return redirect("community:proposals")
    if refused is not None:
        messages.error(request, refused.message)
    form = {"title": request.POST.get("title", ""), "detail": request.POST.get("detail", "")}
    return render(
        request,
        "community/proposals.html",
        _ctx(request, form=form, proposals=my_proposals(who.resident)[:50]),
        status=400 if refused is not None else 200,
    )
