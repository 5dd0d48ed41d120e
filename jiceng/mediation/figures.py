"""Dispute figures for the command centre and the centre dashboard, within the viewer's scope:
counts by kind, risk, status and outcome, the agreement rate, follow-up results and overdue tasks."""

from __future__ import annotations

from typing import Any

from django.db.models import Count
from django.utils import timezone
from rest_framework import serializers

from jiceng.mediation.models import FollowUp, JointTask, Outcome, TaskStatus
from jiceng.mediation.permissions import visible_disputes
from jiceng.org.scopes import prefix_q


class FiguresSerializer(serializers.Serializer):
    total = serializers.IntegerField()
    by_kind = serializers.DictField(child=serializers.IntegerField())
    by_risk = serializers.DictField(child=serializers.IntegerField())
    by_status = serializers.DictField(child=serializers.IntegerField())
    by_outcome = serializers.DictField(child=serializers.IntegerField())
    agreement_rate = serializers.FloatField(allow_null=True)
    follow_ups = serializers.DictField(child=serializers.IntegerField())
    overdue_tasks = serializers.IntegerField()
    high_risk_open = serializers.IntegerField()


def _count(queryset: Any, field: str) -> dict[str, int]:
    return {
        str(row[field]): row["n"] for row in queryset.values(field).annotate(n=Count("id")).order_by(field)
    }


def figures(user: Any, division: str = "") -> dict[str, Any]:
    """``division`` (a code) narrows the figures to it; it never widens the viewer's scope."""
    disputes = visible_disputes(user)
    if division:
        disputes = disputes.filter(prefix_q("grid_code", division))
    by_outcome = _count(disputes.exclude(outcome=""), "outcome")
    decided = sum(by_outcome.values())
    agreed = by_outcome.get(Outcome.AGREED, 0) + by_outcome.get(Outcome.PARTIAL, 0)
    follows = FollowUp.objects.filter(dispute__in=disputes)
    today = timezone.localdate()
    return {
        "total": disputes.count(),
        "by_kind": _count(disputes, "kind__name"),
        "by_risk": _count(disputes, "risk"),
        "by_status": _count(disputes, "status"),
        "by_outcome": by_outcome,
        "agreement_rate": round(agreed / decided, 4) if decided else None,
        "follow_ups": {
            "due": follows.filter(done_at__isnull=True, due_on__lte=today).count(),
            "scheduled": follows.filter(done_at__isnull=True, due_on__gt=today).count(),
            "stable": follows.filter(result="stable").count(),
            "reignited": follows.filter(result="reignited").count(),
        },
        "overdue_tasks": JointTask.objects.filter(dispute__in=disputes, due_at__lt=timezone.now())
        .exclude(status=TaskStatus.DONE)
        .count(),
        "high_risk_open": disputes.filter(risk="high", status__in=["open", "mediating"]).count(),
    }
