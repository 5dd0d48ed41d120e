"""The party-building figure set for the command centre, within the viewer's territorial scope."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, Sum

from jiceng.org.scopes import prefix_q, scope_for
from jiceng.party.actions import DONE_CASE_STATUSES
from jiceng.party.models import (
    Commitment,
    Decision,
    DualRegistration,
    FollowUp,
    PartyMember,
    PartyOrg,
    ServiceRecord,
    ServiceStatus,
    WishCard,
    WishStatus,
)
from jiceng.places.models import Division


def done_q() -> Q:
    """A decision is done when marked so, or when its case or micro-project finished (the same rule
    as ``actions.decision_state``, as one SQL filter instead of one query per decision)."""
    from jiceng.cases.models import Case
    from jiceng.community.models import MicroProject, Phase

    return (
        Q(done_at__isnull=False)
        | Q(
            Exists(Case.objects.filter(pk=OuterRef("case_id_ref"), status__in=DONE_CASE_STATUSES)),
            follow_up=FollowUp.CASE,
        )
        | Q(
            Exists(MicroProject.objects.filter(pk=OuterRef("project_id_ref"), phase=Phase.DONE)),
            follow_up=FollowUp.PROJECT,
        )
    )


def figures(user: Any, within: str = "") -> dict[str, Any]:
    """Counts inside the viewer's scope (optionally narrowed to a division code ``within``).

    Set-based: the divisions in scope are read once (a few hundred rows at most), and every count
    filters on foreign-key ids, so no query joins the 60 K members or 100 K service records to the
    division table to test a code range."""
    scope = scope_for(user)
    if within and not scope.covers(within):
        within = ""  # outside the scope: the whole scope, never more
    inside = scope.q("code") & prefix_q("code", within) if within else scope.q("code")
    divisions = {
        pk: (code, name)
        for pk, code, name in Division.objects.filter(inside).values_list("pk", "code", "name")
    }
    ids = list(divisions)
    orgs = PartyOrg.objects.filter(division_id__in=ids).values("pk")

    members = PartyMember.objects.filter(org_id__in=orgs, is_active=True).count()
    registrations = DualRegistration.objects.filter(community_id__in=ids, is_active=True)
    registered = registrations.values("member_id").distinct().count()
    hours = ServiceRecord.objects.filter(
        registration__community_id__in=ids, status=ServiceStatus.CONFIRMED
    ).aggregate(s=Sum("hours"))["s"] or Decimal("0")
    commitments = Commitment.objects.filter(pairing__community_id__in=ids).aggregate(
        n=Count("pk"), delivered=Count("pk", filter=Q(delivered_at__isnull=False))
    )
    # One grouped query gives the per-community rows and, summed, the totals.
    rows = list(
        WishCard.objects.filter(community_id__in=ids)
        .values("community_id")
        .annotate(
            shown=Count("pk", filter=~Q(status__in=[WishStatus.SUBMITTED, WishStatus.REJECTED])),
            w=Count("pk", filter=Q(status=WishStatus.PUBLISHED)),
            f=Count("pk", filter=Q(status__in=[WishStatus.FULFILLED, WishStatus.CONFIRMED])),
        )
        .order_by()
    )
    by_community = sorted(
        (
            {
                "community": divisions[r["community_id"]][0],
                "name": divisions[r["community_id"]][1],
                "waiting": r["w"],
                "fulfilled": r["f"],
            }
            for r in rows
        ),
        key=lambda r: r["community"],
    )
    decisions = Decision.objects.filter(meeting__community_id__in=ids).aggregate(
        n=Count("pk"), done=Count("pk", filter=done_q())
    )
    return {
        "members": members,
        "registered": registered,
        "service_hours": str(Decimal(hours).quantize(Decimal("0.01"))),
        "commitments": commitments["n"],
        "commitments_delivered": commitments["delivered"],
        "wishes": sum(r["shown"] for r in rows),
        "wishes_fulfilled": sum(r["f"] for r in rows),
        "wishes_waiting": sum(r["w"] for r in rows),
        "decisions": decisions["n"],
        "decisions_done": decisions["done"],
        "wishes_by_community": by_community,
    }
