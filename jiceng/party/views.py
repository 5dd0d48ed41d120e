"""Pages of party building: phone-first pages for members, building heads and residents, and the
staff pages of the community party committee. Views are thin: they read the form, call one
``check_*`` action, and show a refusal as a message on the page the user came from."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q, Sum
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from jiceng.community.actions import profile_of, staff_communities
from jiceng.community.models import CouncilProposal, ProposalStatus
from jiceng.core import posting
from jiceng.core.exceptions import JicengError
from jiceng.org.access import people_in_scope
from jiceng.org.models import User
from jiceng.org.privacy import reveal_many
from jiceng.org.scopes import scope_for
from jiceng.party import access, actions, queries
from jiceng.party.figures import figures
from jiceng.party.models import (
    AgendaSource,
    BuildingNotice,
    DualRegistration,
    FollowUp,
    Meeting,
    ServiceRecord,
    ServiceStatus,
    VisitOutcome,
    WishGroup,
    WishStatus,
)


def back(request: HttpRequest, fallback: str = "party:home") -> HttpResponseRedirect:
    return posting.back(request, fallback)


posted = posting.posted(fallback="party:home")


def found(getter: Callable[[], Any]) -> Any:
    try:
        return getter()
    except JicengError as exc:
        if exc.status == 404:
            raise Http404(exc.message) from exc
        raise


# --------------------------------------------------------------------------------------------------
# members
# --------------------------------------------------------------------------------------------------


@login_required
def home(request: HttpRequest) -> HttpResponse:
    member = access.member_of(request.user)
    regs = queries.my_registrations(member) if member else []
    for reg in regs:
        reg.hours = queries.confirmed_hours(reg)  # type: ignore[attr-defined]
    return render(
        request,
        "party/home.html",
        {
            "member": member,
            "registrations": regs,
            "services": list(queries.my_services(member)[:20]) if member else [],
            "callups": queries.my_callups(request.user),
            "buildings": list(access.head_buildings(request.user)),
            "notices": _my_building_notices(request.user),
            "pairings": list(
                access.visible_pairings(request.user).filter(
                    org__unit_id__in=access.unit_ids_of(request.user)
                )
            ),
            "is_staff": staff_communities(request.user).exists(),
            "today": timezone.localdate().isoformat(),
        },
    )


def _my_building_notices(user: Any) -> list[BuildingNotice]:
    """The notices of the building the resident lives in (the last 30 days)."""
    profile = profile_of(user)
    if profile is None or profile.room is None:
        return []
    since = timezone.now() - dt.timedelta(days=30)
    return list(
        BuildingNotice.objects.filter(building_id=profile.room.building_id, posted_at__gte=since).order_by(
            "-posted_at"
        )[:10]
    )


@login_required
def pairing(request: HttpRequest, pk: int) -> HttpResponse:
    """A pairing's commitments and deliveries, for the community and the paired unit's staff."""
    item = found(lambda: access.access_pairing(request.user, pk))
    return render(
        request,
        "party/pairing.html",
        {
            "pairing": item,
            "commitments": item.commitments.prefetch_related("deliveries"),
            "today": timezone.localdate().isoformat(),
        },
    )


@posted
def pairing_act(request: HttpRequest, pk: int, verb: str) -> HttpResponse:
    p = request.POST
    if verb == "commitment":
        actions.check_add_commitment(request.user, pk, p.get("title", ""), p.get("due_on") or None)
    elif verb == "delivery":
        access.access_pairing(request.user, pk)
        actions.check_record_delivery(
            request.user,
            p.get("commitment"),
            note=p.get("note", ""),
            delivered_on=p.get("delivered_on") or None,
            people=p.get("people") or 0,
            completes=p.get("completes") == "1",
        )
        messages.success(request, _("兑现情况已登记。"))
    else:
        raise Http404
    return redirect("party:pairing", pk)


@login_required
def register(request: HttpRequest) -> HttpResponse:
    if access.member_of(request.user) is None:
        raise Http404(_("您尚未登记为党员。"))
    code = request.GET.get("community", "") or request.POST.get("community", "")
    if request.method == "POST":
        try:
            actions.check_dual_register(request.user, code, request.POST.getlist("posts"))
        except JicengError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("报到成功。"))
            return redirect("party:home")
    return render(
        request,
        "party/register.html",
        {
            "communities": queries.communities(),
            "community": code,
            "posts": queries.open_posts(code) if code else [],
        },
    )


@posted
def record_service(request: HttpRequest, pk: int) -> HttpResponse:
    actions.check_record_service(
        request.user,
        pk,
        hours=request.POST.get("hours"),
        served_on=request.POST.get("served_on"),
        note=request.POST.get("note", ""),
        post_id=request.POST.get("post"),
    )
    messages.success(request, _("服务已登记，待社区确认后计入服务时长。"))
    return redirect("party:home")


@posted
def reply_callup(request: HttpRequest, pk: int) -> HttpResponse:
    if request.POST.get("checkin"):
        actions.check_check_in(request.user, pk)
        messages.success(request, _("已签到。"))
    else:
        actions.check_reply_callup(request.user, pk, request.POST.get("accept") != "0")
    return back(request)


# --------------------------------------------------------------------------------------------------
# wishes
# --------------------------------------------------------------------------------------------------


@login_required
def wishes(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        try:
            wish = actions.check_post_wish(
                request.user,
                title=request.POST.get("title", ""),
                detail=request.POST.get("detail", ""),
                group=request.POST.get("group", ""),
                resident_id=request.POST.get("resident") or None,
            )
        except JicengError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("心愿已提交，社区审核后发布。"))
            return redirect("party:wish", wish.pk)
    return render(
        request,
        "party/wishes.html",
        {
            "wall": queries.wishes_for(request.user),
            "mine": queries.wishes_for(request.user, mine=True),
            "groups": WishGroup.choices,
            "is_resident": profile_of(request.user) is not None,
        },
    )


@login_required
def wish(request: HttpRequest, pk: int) -> HttpResponse:
    item = found(lambda: access.access_wish(request.user, pk))
    user = request.user
    return render(
        request,
        "party/wish.html",
        {
            "wish": item,
            "is_staff": access.is_staff_for(user, item.community),
            "may_claim": item.status == WishStatus.PUBLISHED and access.may_claim_in(user, item.community_id),
            "may_fulfil": item.status == WishStatus.CLAIMED and item.claimed_by_id == user.pk,
            "may_confirm": item.status == WishStatus.FULFILLED
            and (user.pk == item.resident_id or access.is_staff_for(user, item.community)),
            "show_detail": user.pk == item.resident_id or access.is_staff_for(user, item.community),
        },
    )


@posted
def wish_act(request: HttpRequest, pk: int, verb: str) -> HttpResponse:
    if verb == "claim":
        actions.check_claim_wish(request.user, pk)
        messages.success(request, _("认领成功，请尽快帮助实现。"))
    elif verb == "fulfil":
        actions.check_fulfil_wish(
            request.user, pk, note=request.POST.get("note", ""), photo=request.FILES.get("photo")
        )
        messages.success(request, _("已登记实现，待心愿人确认。"))
    elif verb == "confirm":
        actions.check_confirm_wish(request.user, pk)
        messages.success(request, _("感谢确认！"))
    elif verb == "review":
        actions.check_review_wish(
            request.user,
            pk,
            approve=request.POST.get("approve") == "1",
            public_text=request.POST.get("public_text", ""),
        )
    else:
        raise Http404
    return redirect("party:wish", pk)


# --------------------------------------------------------------------------------------------------
# building heads
# --------------------------------------------------------------------------------------------------


@login_required
def building(request: HttpRequest, code: str) -> HttpResponse:
    item = found(lambda: access.access_head_building(request.user, code))
    return render(
        request,
        "party/building.html",
        {"sheet": queries.building_sheet(request, item), "outcomes": VisitOutcome.choices},
    )


@posted
def building_act(request: HttpRequest, code: str, verb: str) -> HttpResponse:
    if verb == "notice":
        actions.check_post_building_notice(
            request.user, code, request.POST.get("title", ""), request.POST.get("body", "")
        )
        messages.success(request, _("通知已发布。"))
    elif verb == "report":
        case = actions.check_report_event(
            request.user,
            code,
            request.POST.get("description", ""),
            room_code=request.POST.get("room", ""),
            photos=request.FILES.getlist("photos"),
        )
        messages.success(
            request, _("已上报，事件编号 %(n)s。") % {"n": getattr(case, "number", "") or case.pk}
        )
    elif verb == "duty":
        actions.check_tick_duty(request.user, code, request.POST.get("duty", ""))
    elif verb == "visit":
        actions.check_record_visit(
            request.user,
            request.POST.get("plan"),
            request.POST.get("outcome", ""),
            request.POST.get("note", ""),
        )
        messages.success(request, _("走访已记录。"))
    else:
        raise Http404
    return redirect("party:building", code)


# --------------------------------------------------------------------------------------------------
# councils (residents read, staff run)
# --------------------------------------------------------------------------------------------------


@login_required
def decisions(request: HttpRequest) -> HttpResponse:
    return render(request, "party/decisions.html", {"decisions": queries.decisions_for(request.user)})


@posted
def complete_task(request: HttpRequest, pk: int) -> HttpResponse:
    actions.check_complete_task(request.user, pk, request.POST.get("note", ""))
    return back(request, "party:decisions")


# --------------------------------------------------------------------------------------------------
# staff
# --------------------------------------------------------------------------------------------------


def _require_staff_page(request: HttpRequest) -> None:
    if not staff_communities(request.user).exists():
        raise Http404(_("仅限社区党委工作人员。"))


@login_required
def staff(request: HttpRequest) -> HttpResponse:
    _require_staff_page(request)
    user = request.user
    members = list(access.visible_members(user).order_by("org__code", "id")[:200])
    shown = reveal_many(
        request, "party_member", [(m.pk, {"name": m.name, "phone": m.phone}) for m in members], "党员管理"
    )
    pending = (
        ServiceRecord.objects.filter(
            access.staff_q(user, "registration__community__code"), status=ServiceStatus.RECORDED
        )
        .select_related("registration__member", "registration__community", "post")
        .order_by("served_on")[:100]
    )
    pending_names = reveal_many(
        request,
        "party_member",
        [(r.registration.member_id, {"name": r.registration.member.name}) for r in pending],
        "服务确认",
    )
    registrations = list(
        DualRegistration.objects.filter(access.staff_q(user, "community__code"), is_active=True)
        .select_related("member__org", "community")
        .annotate(hours=Sum("services__hours", filter=Q(services__status=ServiceStatus.CONFIRMED)))
        .order_by("community__code", "id")[:200]
    )
    registration_names = reveal_many(
        request, "party_member", [(r.member_id, {"name": r.member.name}) for r in registrations], "双报到"
    )
    return render(
        request,
        "party/staff.html",
        {
            "registrations": list(zip(registrations, registration_names, strict=True)),
            "members": list(zip(members, shown, strict=True)),
            "pending": list(zip(pending, pending_names, strict=True)),
            "wishes": queries.staff_wishes(user)
            .filter(status=WishStatus.SUBMITTED)
            .order_by("created_at")[:100],
            "pairings": access.visible_pairings(user).prefetch_related("commitments").order_by("id")[:100],
            "meetings": Meeting.objects.filter(access.staff_q(user, "community__code")).order_by("-held_at")[
                :50
            ],
            "communities": staff_communities(user),
            "proposals": CouncilProposal.objects.filter(
                access.staff_q(user, "community__code"), status=ProposalStatus.SUBMITTED
            )
            .select_related("community")
            .order_by("created_at")[:100],
            "open_meetings": Meeting.objects.filter(
                access.staff_q(user, "community__code"), held_at__gte=timezone.now() - dt.timedelta(days=1)
            )
            .select_related("community")
            .order_by("held_at")[:50],
            "figures": figures(user),
        },
    )


@posted
def confirm_service(request: HttpRequest, pk: int) -> HttpResponse:
    actions.check_confirm_service(request.user, pk, request.POST.get("accept") != "0")
    return back(request, "party:staff")


@posted
def proposal_act(request: HttpRequest, pk: int, verb: str) -> HttpResponse:
    """Council staff put a resident's proposal on an agenda or decline it with a reason."""
    if verb == "accept":
        item = actions.check_accept_proposal(request.user, pk, request.POST.get("meeting"))
        messages.success(request, _("已列入议程，并已通知提议人。"))
        return redirect("party:meeting", item.meeting_id)
    if verb == "decline":
        actions.check_decline_proposal(request.user, pk, request.POST.get("reason", ""))
        messages.success(request, _("已答复提议人。"))
        return back(request, "party:staff")
    raise Http404


@posted
def create_meeting(request: HttpRequest) -> HttpResponse:
    held_at = parse_datetime(request.POST.get("held_at", "") or "")
    if held_at is None:
        messages.error(request, _("请填写会议时间。"))
        return back(request, "party:staff")
    if timezone.is_naive(held_at):
        held_at = timezone.make_aware(held_at)
    meeting = actions.check_create_meeting(
        request.user,
        request.POST.get("community", ""),
        request.POST.get("title", ""),
        held_at,
        place=request.POST.get("place", ""),
    )
    return redirect("party:meeting", meeting.pk)


@login_required
def meeting(request: HttpRequest, pk: int) -> HttpResponse:
    item = found(lambda: access.access_meeting(request.user, pk, staff=True))
    decided = list(item.decisions.select_related("owner").order_by("id"))
    actions.sync_decisions(decided)
    owners = User.objects.filter(people_in_scope(scope_for(request.user))).order_by("id")[:200]
    return render(
        request,
        "party/meeting.html",
        {
            "meeting": item,
            "items": item.items.all(),
            "attendance": item.attendance.all(),
            "decisions": [queries.decision_json(d) for d in decided],
            "owners": owners,
            "follow_ups": FollowUp.choices,
            "sources": AgendaSource.choices,
            "today": (timezone.localdate() + dt.timedelta(days=14)).isoformat(),
        },
    )


@posted
def meeting_act(request: HttpRequest, pk: int, verb: str) -> HttpResponse:
    p = request.POST
    if verb == "item":
        actions.check_add_agenda_item(
            request.user, pk, p.get("title", ""), p.get("source", AgendaSource.PROPOSAL)
        )
    elif verb == "attendance":
        actions.check_record_attendance(
            request.user, pk, p.get("name", ""), p.get("role", ""), p.get("present") != "0"
        )
    elif verb == "minutes":
        actions.check_save_minutes(request.user, pk, p.get("minutes", ""))
    elif verb == "decide":
        decision = actions.check_decide(
            request.user,
            pk,
            text=p.get("text", ""),
            follow_up=p.get("follow_up", ""),
            owner_id=p.get("owner"),
            due_on=p.get("due_on"),
            votes_for=p.get("votes_for"),
            votes_against=p.get("votes_against"),
            votes_abstain=p.get("votes_abstain"),
            item_id=p.get("item") or None,
        )
        if decision.case_code:
            messages.success(request, _("决议已转为事件 %(n)s。") % {"n": decision.case_code})
    else:
        raise Http404
    return redirect("party:meeting", pk)
