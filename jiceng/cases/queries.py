"""Read-side helpers: the lists supervisors, desks and units work from, and the case timeline."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from jiceng.cases import lifecycle
from jiceng.cases import permissions as perm
from jiceng.cases.models import OPEN_STATUSES, Case, CaseEvent, CaseUnit, Status
from jiceng.lib.identity import mask_name


def open_cases(user: Any) -> QuerySet[Case]:
    return perm.visible_cases(user).filter(status__in=OPEN_STATUSES)


def overdue_cases(user: Any, now: datetime | None = None) -> QuerySet[Case]:
    """Open cases past the current deadline (marked by the sweep, or already past due)."""
    now = now or timezone.now()
    return open_cases(user).filter(Q(overdue=True) | Q(resident_overdue=True) | Q(due_at__lt=now))


def escalated_cases(user: Any) -> QuerySet[Case]:
    return open_cases(user).filter(escalated=True)


def supervised_cases(user: Any) -> QuerySet[Case]:
    return open_cases(user).filter(supervised=True)


def desk_queue(user: Any) -> QuerySet[Case]:
    """Cases waiting at a desk the user staffs (pending dispatch), most urgent first."""
    return (
        perm.visible_cases(user)
        .filter(status=Status.PENDING_DISPATCH, desk_unit_id__in=perm.unit_ids(user) or [-1])
        .order_by("-priority", "due_at", "registered_at")
    )


def unit_inbox(user: Any) -> QuerySet[Case]:
    """Open cases the user's units lead or co-handle."""
    mine = perm.unit_ids(user) or {-1}
    return Case.objects.filter(
        Q(lead_unit_id__in=mine)
        | Q(pk__in=CaseUnit.objects.filter(unit_id__in=mine, is_active=True).values("case_id")),
        status__in=OPEN_STATUSES,
    ).order_by("-priority", "due_at")


@dataclass(frozen=True)
class TimelineEntry:
    seq: int
    at: datetime
    action: str
    label: str
    status: str
    status_label: str
    actor: str
    unit: str
    reason: str
    data: dict[str, Any]


# What a resident sees of the trail: the steps that mean something to them, staff names masked.
PUBLIC_ACTIONS = frozenset(
    {
        "submit",
        "route",
        "dispatch",
        "redispatch",
        "first_responder",
        "accept",
        "return",
        "escalate",
        "progress",
        "complete",
        "verify",
        "request_rating",
        "rate",
        "reopen",
        "close",
        "suspend",
        "resume",
        "merge",
        "invalidate",
    }
)


def timeline(case: Case, viewer: Any) -> list[TimelineEntry]:
    """The case's trail for ``viewer``: staff of the case see everything; others see the public steps
    with staff names masked and internal data left out."""
    staff = perm.is_staff_viewer(viewer, case)
    entries = []
    events = CaseEvent.objects.filter(case=case).select_related("actor", "unit").order_by("seq")
    for e in events:
        if not staff and e.action not in PUBLIC_ACTIONS:
            continue
        name = ""
        if e.actor is not None:
            name = str(e.actor)
            if not staff and e.actor_id != getattr(viewer, "pk", None):
                name = mask_name(name) if name else ""
        elif e.action not in ("submit",):
            name = "系统"
        status = e.to_status or ""
        entries.append(
            TimelineEntry(
                seq=e.seq,
                at=e.at,
                action=e.action,
                label=lifecycle.label(e.action),
                status=status,
                status_label=str(Status(status).label) if status in Status.values else status,
                actor=name,
                unit=e.unit.name if e.unit is not None else "",
                reason=e.reason
                if staff or e.action in ("return", "invalidate", "progress", "complete", "rate")
                else "",
                data=e.data if staff else {},
            )
        )
    return entries
