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
    ServiceRecord,
    ServiceStatus,
    WishCard,
    WishStatus,
)


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
    """Counts inside the viewer's scope (optionally narrowed to a division code ``within``)."""
    scope = scope_for(user)
    if within and not scope.covers(within):
        within = ""  # outside the scope: the whole scope, never more

    def q(field: str) -> Q:
        base = scope.q(field)
        return base & prefix_q(field, within) if within else base

    members = PartyMember.objects.filter(q("org__division__code"), is_active=True).count()
    registered = (
        DualRegistration.objects.filter(q("community__code"), is_active=True)
        .values("member_id")
        .distinct()
        .count()
    )
    hours = ServiceRecord.objects.filter(
        q("registration__community__code"), status=ServiceStatus.CONFIRMED
    ).aggregate(s=Sum("hours"))["s"] or Decimal("0")
    commitments = Commitment.objects.filter(q("pairing__community__code")).aggregate(
        n=Count("pk"), delivered=Count("pk", filter=Q(delivered_at__isnull=False))
    )
    # One grouped query gives the per-community rows and, summed, the totals.
    rows = (
        WishCard.objects.filter(q("community__code"))
        .values("community__code", "community__name")
        .annotate(
            shown=Count("pk", filter=~Q(status__in=[WishStatus.SUBMITTED, WishStatus.REJECTED])),
            w=Count("pk", filter=Q(status=WishStatus.PUBLISHED)),
            f=Count("pk", filter=Q(status__in=[WishStatus.FULFILLED, WishStatus.CONFIRMED])),
        )
        .order_by("community__code")
    )
    by_community = [
        {
            "community": r["community__code"],
            "name": r["community__name"],
            "waiting": r["w"],
            "fulfilled": r["f"],
        }
        for r in rows
    ]
    decisions = Decision.objects.filter(q("meeting__community__code")).aggregate(
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
