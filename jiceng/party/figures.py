"""The party-building figure set for the command centre, within the viewer's territorial scope."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, Sum

from jiceng.org.scopes import prefix_q, scope_for
from jiceng.party.actions import sync_decisions
from jiceng.party.models import (
    Commitment,
    Decision,
    DualRegistration,
    PartyMember,
    ServiceRecord,
    ServiceStatus,
    WishCard,
    WishStatus,
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
    commitments = Commitment.objects.filter(q("pairing__community__code"))
    wishes = WishCard.objects.filter(q("community__code"))
    by_community = [
        {
            "community": row["community__code"],
            "name": row["community__name"],
            "waiting": row["w"],
            "fulfilled": row["f"],
        }
        for row in wishes.values("community__code", "community__name")
        .annotate(
            w=Count("pk", filter=Q(status=WishStatus.PUBLISHED)),
            f=Count("pk", filter=Q(status__in=[WishStatus.FULFILLED, WishStatus.CONFIRMED])),
        )
        .order_by("community__code")
    ]
    decisions = list(Decision.objects.filter(q("meeting__community__code")))
    sync_decisions(decisions)
    return {
        "members": members,
        "registered": registered,
        "service_hours": str(Decimal(hours).quantize(Decimal("0.01"))),
        "commitments": commitments.count(),
        "commitments_delivered": commitments.filter(delivered_at__isnull=False).count(),
        "wishes": wishes.exclude(status__in=[WishStatus.SUBMITTED, WishStatus.REJECTED]).count(),
        "wishes_fulfilled": wishes.filter(status__in=[WishStatus.FULFILLED, WishStatus.CONFIRMED]).count(),
        "wishes_waiting": wishes.filter(status=WishStatus.PUBLISHED).count(),
        "decisions": len(decisions),
        "decisions_done": sum(1 for d in decisions if d.done_at is not None),
        "wishes_by_community": by_community,
    }
