"""Read-side helpers shared by the pages and the API: lists, sheets and trackers, each scoped."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy

from jiceng.community.actions import profile_of
from jiceng.org.privacy import reveal_many
from jiceng.party import access
from jiceng.party.actions import DUTIES, decision_state, sync_decisions
from jiceng.party.models import (
    CallUp,
    CallUpReply,
    Compound,
    Decision,
    DualRegistration,
    DutyCheck,
    PartyMember,
    PartyOrg,
    ServicePost,
    ServiceRecord,
    ServiceStatus,
    VanguardTeam,
    VisitPlan,
    WishCard,
    WishStatus,
)
from jiceng.places.models import Building, Division, Level


def confirmed_hours(reg: DualRegistration) -> Decimal:
    total = reg.services.filter(status=ServiceStatus.CONFIRMED).aggregate(s=Sum("hours"))["s"]
    return total or Decimal("0")


def with_member_counts(orgs: QuerySet[PartyOrg]) -> QuerySet[PartyOrg]:
    return orgs.annotate(n_members=Count("members", filter=Q(members__is_active=True)))


def my_registrations(member: PartyMember) -> list[DualRegistration]:
    return list(
        DualRegistration.objects.filter(member=member, is_active=True)
        .select_related("community")
        .prefetch_related("posts")
        .order_by("registered_at")
    )


def my_services(member: PartyMember) -> QuerySet[ServiceRecord]:
    return ServiceRecord.objects.filter(registration__member=member).select_related(
        "registration__community", "post"
    )


def open_posts(community_code: str) -> QuerySet[ServicePost]:
    return ServicePost.objects.filter(
        community__code=community_code, community__level=Level.COMMUNITY, is_open=True
    ).order_by("id")


def communities() -> QuerySet[Division]:
    return Division.objects.filter(level=Level.COMMUNITY).order_by("code")


def wishes_for(user: Any, mine: bool = False) -> list[WishCard]:
    """``mine``: the wishes I posted, am the resident of, or claimed. Otherwise the wish wall: the
    published wishes of the communities I may claim in."""
    base = WishCard.objects.select_related("community").order_by("-published_at", "-id")
    if mine:
        return list(base.filter(Q(resident=user) | Q(posted_by=user) | Q(claimed_by=user))[:200])
    ids = access.member_communities(access.member_of(user)) | access.paired_communities(user)
    profile = profile_of(user)
    if profile is not None and profile.is_volunteer:
        ids.add(profile.community_id)
    return list(base.filter(community_id__in=ids, status=WishStatus.PUBLISHED)[:200])


def staff_wishes(user: Any) -> QuerySet[WishCard]:
    return WishCard.objects.filter(access.staff_q(user, "community__code")).select_related(
        "community", "resident"
    )


def building_sheet(who: Any, building: Building) -> dict[str, Any]:
    """A building head's sheet: rooms with occupants (masked unless their role may see them, unmasked
    reads logged), the visit plans of the building, and today's duty checklist."""
    from jiceng.registry.models import Occupancy

    rooms = list(building.rooms.order_by("floor", "room_no"))
    occupancies = list(
        Occupancy.objects.filter(room__building=building, ended_on__isnull=True).select_related(
            "person", "room"
        )
    )
    shown = reveal_many(
        who,
        "person",
        [(o.person_id, {"name": o.person.name, "phone": (o.person.phones or [""])[0]}) for o in occupancies],
        "楼栋长",
    )
    people: dict[int, list[dict[str, str]]] = {}
    for occupancy, values in zip(occupancies, shown, strict=True):
        people.setdefault(occupancy.room_id, []).append(
            {**values, "relation": occupancy.get_relation_display()}
        )
    user = getattr(who, "user", who)
    done = set(
        DutyCheck.objects.filter(user=user, building=building, on=timezone.localdate()).values_list(
            "duty", flat=True
        )
    )
    plans = VisitPlan.objects.filter(building=building, is_active=True).select_related("room")
    plan_names = reveal_many(who, "visit_plan", [(p.pk, {"name": p.name}) for p in plans], "楼栋长走访")
    return {
        "code": building.code,
        "address": building.address,
        "rooms": [
            {"code": r.code, "room_no": r.room_no, "floor": r.floor, "occupants": people.get(r.pk, [])}
            for r in rooms
        ],
        "visits": [
            {
                "id": p.pk,
                "name": n["name"],
                "room": p.room.room_no if p.room else "",
                "next_due": p.next_due.isoformat(),
                "due": p.next_due <= timezone.localdate(),
            }
            for p, n in zip(plans, plan_names, strict=True)
        ],
        "duties": [{"code": code, "label": str(label), "done": code in done} for code, label in DUTIES],
    }


def my_callups(user: Any) -> list[dict[str, Any]]:
    member = access.member_of(user)
    if member is None:
        return []
    teams = member.teams.values("pk")
    communities = DualRegistration.objects.filter(member=member, is_active=True).values("community_id")
    callups = (
        CallUp.objects.filter(Q(team__in=teams) | Q(team__isnull=True, community_id__in=communities))
        .select_related("team", "community")
        .order_by("-starts_at")[:50]
    )
    replies = {
        r.callup_id: r for r in CallUpReply.objects.filter(member=member, callup__in=[c.pk for c in callups])
    }
    out = []
    for c in callups:
        reply = replies.get(c.pk)
        out.append(
            {
                "id": c.pk,
                "title": c.title,
                "team": c.team.name if c.team else "",
                "urgent": c.urgent,
                "place": c.place,
                "starts_at": c.starts_at.isoformat(),
                "accepted": reply.accepted if reply else None,
                "checked_in": bool(reply and reply.checked_in_at),
            }
        )
    return out


STATE_LABELS = {
    "done": gettext_lazy("已完成"),
    "overdue": gettext_lazy("已逾期"),
    "open": gettext_lazy("落实中"),
}


def decision_json(d: Decision) -> dict[str, Any]:
    state = decision_state(d)
    return {
        "id": d.pk,
        "meeting": d.meeting.title,
        "text": d.text,
        "votes": {"for": d.votes_for, "against": d.votes_against, "abstain": d.votes_abstain},
        "follow_up": d.follow_up,
        "owner": str(d.owner),
        "due_on": d.due_on.isoformat(),
        "case": d.case_code,
        "state": state,
        "state_label": str(STATE_LABELS[state]),
        "done_at": d.done_at.isoformat() if d.done_at else None,
    }


def decisions_queryset(user: Any) -> QuerySet[Decision]:
    q = access.staff_q(user, "meeting__community__code")
    profile = profile_of(user)
    if profile is not None:
        q |= Q(meeting__community_id=profile.community_id)
    q |= Q(owner=user)
    return Decision.objects.filter(q).select_related("meeting", "owner").order_by("-created_at")


def decisions_for(user: Any) -> list[dict[str, Any]]:
    decisions = list(decisions_queryset(user)[:200])
    sync_decisions(decisions)
    return [decision_json(d) for d in decisions]


PROPERTY_CATEGORY = "WY"  # 物业与住房 in the event catalogue


def compound_cases(user: Any, compound_id: Any) -> list[dict[str, Any]]:
    """The property-related cases located in the compound's buildings (or their rooms)."""
    from jiceng.cases.models import Case
    from jiceng.org.scopes import prefixes_q

    compound = access.access_compound(user, compound_id, board=True)
    codes = list(compound.buildings.values_list("code", flat=True))
    if not codes:
        return []
    cases = (
        Case.objects.filter(prefixes_q("location_code", codes), event_type__category__code=PROPERTY_CATEGORY)
        .select_related("event_type")
        .order_by("-id")[:200]
    )
    return [
        {
            "id": c.pk,
            "title": c.title,
            "type": c.event_type.name if c.event_type else "",
            "status": c.status,
            "status_label": c.get_status_display(),
            "location": c.location_code,
        }
        for c in cases
    ]


def board_compounds(user: Any) -> QuerySet[Compound]:
    return Compound.objects.filter(
        access.staff_q(user, "community__code") | Q(seats__user=user, seats__is_active=True)
    ).distinct()


def visible_teams(user: Any) -> QuerySet[VanguardTeam]:
    """Staff see their communities' teams; members the teams they belong to."""
    member = access.member_of(user)
    q = access.staff_q(user, "community__code")
    if member is not None:
        q |= Q(members=member)
    return (
        VanguardTeam.objects.filter(q)
        .distinct()
        .select_related("community")
        .annotate(n=Count("members", distinct=True))
        .order_by("community__code", "id")
    )
