"""Who may see and do what in party building. Every getter answers "not found" for both missing and
forbidden objects, so a member of another community, a building head outside their building or a
paired unit outside its pairing learns nothing from a probe.

- Party committee staff: community staff, leaders and admins whose territorial scope covers the
  object's community (the same roles that run the residents' portal).
- Members: their own record, their registrations, the wishes of the communities they are tied to
  (where they registered, or where their own organisation sits).
- Paired units: the staff of the unit behind the pairing's organisation, for that pairing only.
- Building heads: the buildings they are assigned to, nothing else.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from jiceng.community.actions import is_portal_staff, profile_of
from jiceng.org.models import STAFF_ROLES, Membership
from jiceng.org.scopes import scope_for
from jiceng.party.exceptions import Missing
from jiceng.party.models import (
    BoardSeat,
    BuildingHead,
    Compound,
    DualRegistration,
    Meeting,
    Pairing,
    PartyMember,
    PartyOrg,
    VanguardTeam,
    WishCard,
)
from jiceng.places.models import Building, Division, Level

STAFF_ROLE_VALUES = [r.value for r in STAFF_ROLES]


def is_staff_for(user: Any, division: Division | None) -> bool:
    return division is not None and is_portal_staff(user, division)


def staff_q(user: Any, field: str) -> Q:
    """Rows whose division code column ``field`` lies in the user's staff scope (nothing otherwise)."""
    if not is_portal_staff(user):
        return Q(pk__in=[])
    return scope_for(user).q(field)


def member_of(user: Any) -> PartyMember | None:
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    cached = getattr(user, "_party_member", None)
    if cached is not None:
        return cached
    member = PartyMember.objects.select_related("org__division").filter(user=user, is_active=True).first()
    user._party_member = member
    return member


def member_communities(member: PartyMember | None) -> set[int]:
    """The communities a member is tied to: where they dual-registered, and where their own
    organisation sits when that is a community (or below it)."""
    if member is None:
        return set()
    found = set(
        DualRegistration.objects.filter(member=member, is_active=True).values_list("community_id", flat=True)
    )
    division = member.org.division
    if division.level == Level.COMMUNITY:
        found.add(division.pk)
    return found


def unit_ids_of(user: Any) -> list[int]:
    """The units in which the user holds an active staff post."""
    if user is None or not getattr(user, "is_authenticated", False):
        return []
    return list(
        Membership.objects.filter(
            user=user, is_active=True, role__in=STAFF_ROLE_VALUES, unit__isnull=False, unit__is_active=True
        ).values_list("unit_id", flat=True)
    )


def paired_communities(user: Any) -> set[int]:
    units = unit_ids_of(user)
    if not units:
        return set()
    return set(
        Pairing.objects.filter(org__unit_id__in=units, is_active=True).values_list("community_id", flat=True)
    )


def visible_orgs(user: Any) -> QuerySet[PartyOrg]:
    return PartyOrg.objects.filter(staff_q(user, "division__code")).select_related("division", "parent")


def access_org(user: Any, org_id: Any) -> PartyOrg:
    org = visible_orgs(user).filter(pk=_pk(org_id)).first()
    if org is None:
        raise Missing(_("未找到该党组织。"))
    return org


def visible_members(user: Any) -> QuerySet[PartyMember]:
    """Staff see the members of organisations in their scope and those dual-registered there."""
    if not is_portal_staff(user):
        return PartyMember.objects.none()
    scope = scope_for(user)
    registered = DualRegistration.objects.filter(scope.q("community__code"), is_active=True).values(
        "member_id"
    )
    return PartyMember.objects.filter(
        Q(scope.q("org__division__code")) | Q(pk__in=registered)
    ).select_related("org", "user")


def access_member(user: Any, member_id: Any) -> PartyMember:
    member = visible_members(user).filter(pk=_pk(member_id)).first()
    if member is None:
        raise Missing(_("未找到该党员。"))
    return member


def access_registration(user: Any, registration_id: Any, *, staff: bool = False) -> DualRegistration:
    reg = (
        DualRegistration.objects.select_related("member__user", "community")
        .filter(pk=_pk(registration_id))
        .first()
    )
    if reg is not None:
        if staff and is_staff_for(user, reg.community):
            return reg
        if not staff and reg.member.user_id is not None and reg.member.user_id == getattr(user, "pk", None):
            return reg
    raise Missing(_("未找到该报到记录。"))


def visible_pairings(user: Any) -> QuerySet[Pairing]:
    units = unit_ids_of(user)
    return Pairing.objects.filter(
        staff_q(user, "community__code") | Q(org__unit_id__in=units)
    ).select_related("org__unit", "community")


def access_pairing(user: Any, pairing_id: Any) -> Pairing:
    pairing = visible_pairings(user).filter(pk=_pk(pairing_id)).first()
    if pairing is None:
        raise Missing(_("未找到该结对关系。"))
    return pairing


def wish_visible_to(user: Any, wish: WishCard) -> bool:
    """The resident, the claimer, staff of the community, and — once published — those who may
    claim it (members and paired units tied to the community, volunteers living there)."""
    uid = getattr(user, "pk", None)
    if uid is None:
        return False
    if uid in (wish.resident_id, wish.posted_by_id, wish.claimed_by_id) or is_staff_for(user, wish.community):
        return True
    return wish.status != "submitted" and wish.status != "rejected" and may_claim_in(user, wish.community_id)


def claimer_kind(user: Any, community_id: int) -> str:
    """How ``user`` may claim wishes of the community: as a member, a paired unit or a volunteer."""
    if community_id in member_communities(member_of(user)):
        return "member"
    if community_id in paired_communities(user):
        return "unit"
    profile = profile_of(user)
    if profile is not None and profile.is_volunteer and profile.community_id == community_id:
        return "volunteer"
    return ""


def may_claim_in(user: Any, community_id: int) -> bool:
    return bool(claimer_kind(user, community_id))


def access_wish(user: Any, wish_id: Any) -> WishCard:
    wish = WishCard.objects.select_related("community", "resident").filter(pk=_pk(wish_id)).first()
    if wish is None or not wish_visible_to(user, wish):
        raise Missing(_("未找到该心愿。"))
    return wish


def head_buildings(user: Any) -> QuerySet[Building]:
    if user is None or not getattr(user, "is_authenticated", False):
        return Building.objects.none()
    ids = BuildingHead.objects.filter(user=user, is_active=True).values("building_id")
    return Building.objects.filter(pk__in=ids).select_related("grid__community")


def access_head_building(user: Any, code: str) -> Building:
    building = head_buildings(user).filter(code=str(code or "").strip()).first()
    if building is None:
        raise Missing(_("未找到楼栋“%(code)s”。") % {"code": code})
    return building


def access_meeting(user: Any, meeting_id: Any, *, staff: bool = False) -> Meeting:
    """Staff of the community manage a meeting; its residents read it (and the board its compound's)."""
    meeting = Meeting.objects.select_related("community", "compound").filter(pk=_pk(meeting_id)).first()
    if meeting is not None:
        if is_staff_for(user, meeting.community):
            return meeting
        if not staff:
            profile = profile_of(user)
            if profile is not None and profile.community_id == meeting.community_id:
                return meeting
    raise Missing(_("未找到该会议。"))


def _pk(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return -1


def access_compound(user: Any, compound_id: Any, *, board: bool = False) -> Compound:
    """Community staff manage a compound; with ``board`` its own board members (1+3+N) see it too."""
    compound = Compound.objects.select_related("community").filter(pk=_pk(compound_id)).first()
    if compound is not None and (
        is_staff_for(user, compound.community)
        or (board and BoardSeat.objects.filter(compound=compound, user=user, is_active=True).exists())
    ):
        return compound
    raise Missing(_("未找到该小区。"))


def access_team(user: Any, team_id: Any) -> VanguardTeam:
    team = VanguardTeam.objects.select_related("community").filter(pk=_pk(team_id)).first()
    if team is None or not is_staff_for(user, team.community):
        raise Missing(_("未找到该先锋队。"))
    return team
