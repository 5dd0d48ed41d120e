"""Duty rosters (值班表): who answers for a unit at a given moment, and where nobody does.

A unit's shifts never overlap: at any moment at most one shift is running, so "who is on duty" has
one answer (the substitute, when one is set). Roster changes are actions — ``check_*`` validates and
checks permission, ``do_*`` locks the unit's roster, writes the shift and its ``OrgEvent`` in one
transaction.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from jiceng.org.exceptions import RosterPermissionDenied, ShiftError, ShiftOverlap
from jiceng.org.models import STAFF_ROLES, DutyShift, Membership, OrgEvent, Role, Unit, User
from jiceng.org.scopes import scope_for

# Roles that may edit the roster of a unit whose territory they cover (besides the unit's own staff).
ROSTER_MANAGERS = frozenset({Role.LEADER, Role.ADMIN})


def _local(value: dt.datetime) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")


def shift_at(unit: Unit, at: dt.datetime | None = None) -> DutyShift | None:
    at = at or timezone.now()
    return (
        DutyShift.objects.filter(unit=unit, starts_at__lte=at, ends_at__gt=at)
        .select_related("user", "substitute")
        .order_by("starts_at")
        .first()
    )


def on_duty(unit: Unit, at: dt.datetime | None = None) -> User | None:
    """The person answering for ``unit`` at ``at`` (now by default): the substitute when one is set."""
    shift = shift_at(unit, at)
    if shift is None:
        return None
    return shift.substitute or shift.user


def shifts_between(unit: Unit, start: dt.datetime, end: dt.datetime) -> QuerySet[DutyShift]:
    return (
        DutyShift.objects.filter(unit=unit, starts_at__lt=end, ends_at__gt=start)
        .select_related("user", "substitute")
        .order_by("starts_at")
    )


def coverage_gaps(unit: Unit, start: dt.datetime, end: dt.datetime) -> list[tuple[dt.datetime, dt.datetime]]:
    """The stretches of ``[start, end)`` no shift of ``unit`` covers, in order."""
    if end <= start:
        return []
    gaps: list[tuple[dt.datetime, dt.datetime]] = []
    cursor = start
    for starts_at, ends_at in shifts_between(unit, start, end).values_list("starts_at", "ends_at"):
        if starts_at > cursor:
            gaps.append((cursor, min(starts_at, end)))
        cursor = max(cursor, ends_at)
        if cursor >= end:
            break
    if cursor < end:
        gaps.append((cursor, end))
    return gaps


def overlapping(
    unit: Unit, starts_at: dt.datetime, ends_at: dt.datetime, exclude_id: int | None = None
) -> QuerySet[DutyShift]:
    qs = DutyShift.objects.filter(unit=unit, starts_at__lt=ends_at, ends_at__gt=starts_at)
    if exclude_id is not None:
        qs = qs.exclude(pk=exclude_id)
    return qs.select_related("user").order_by("starts_at")


def may_manage_roster(actor: Any, unit: Unit) -> bool:
    if actor is None or not getattr(actor, "is_authenticated", False):
        return False
    if actor.is_superuser:
        return True
    scope = scope_for(actor)
    if scope.has_role(Role.ADMIN):
        return True
    if Membership.objects.filter(
        user=actor, unit=unit, is_active=True, role__in=[r.value for r in STAFF_ROLES]
    ).exists():
        return True
    return bool(scope.roles & ROSTER_MANAGERS) and scope.covers(unit.division.code)


def _is_member(user: User, unit: Unit) -> bool:
    return Membership.objects.filter(
        user=user, unit=unit, is_active=True, role__in=[r.value for r in STAFF_ROLES]
    ).exists()


def validate_shift(
    unit: Unit,
    user: User,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    substitute: User | None = None,
    exclude_id: int | None = None,
) -> None:
    """Everything about a shift that can be checked without a lock. Raises ShiftError / ShiftOverlap."""
    if timezone.is_naive(starts_at) or timezone.is_naive(ends_at):
        raise ShiftError(_("值班时间须带时区。"))
    if ends_at <= starts_at:
        raise ShiftError(_("结束时间须晚于开始时间。"))
    if ends_at - starts_at > dt.timedelta(days=7):
        raise ShiftError(_("单个班次不能超过 7 天。"))
    if not _is_member(user, unit):
        raise ShiftError(_("值班人“%(name)s”不是%(unit)s的在岗人员。") % {"name": user, "unit": unit})
    if substitute is not None:
        if substitute.pk == user.pk:
            raise ShiftError(_("替班人不能是值班人本人。"))
        if not _is_member(substitute, unit):
            raise ShiftError(
                _("替班人“%(name)s”不是%(unit)s的在岗人员。") % {"name": substitute, "unit": unit}
            )
    _refuse_overlap(unit, starts_at, ends_at, exclude_id)


def _refuse_overlap(unit: Unit, starts_at: dt.datetime, ends_at: dt.datetime, exclude_id: int | None) -> None:
    clash = overlapping(unit, starts_at, ends_at, exclude_id).first()
    if clash is not None:
        raise ShiftOverlap(
            _("与已有班次重叠：%(user)s %(start)s 至 %(end)s。")
            % {"user": clash.user, "start": _local(clash.starts_at), "end": _local(clash.ends_at)}
        )


def _lock_roster(unit: Unit) -> None:
    # Two editors adding shifts to the same unit at once could both pass the overlap test; locking
    # the unit row serialises roster changes per unit (a no-op on SQLite, which serialises writes).
    Unit.objects.select_for_update().filter(pk=unit.pk).values_list("pk", flat=True).first()


def _detail(shift: DutyShift) -> dict[str, Any]:
    return {
        "user": shift.user_id,
        "starts_at": shift.starts_at.isoformat(),
        "ends_at": shift.ends_at.isoformat(),
        "title": shift.title,
        "substitute": shift.substitute_id,
    }


def _require_manager(actor: Any, unit: Unit) -> None:
    if not may_manage_roster(actor, unit):
        raise RosterPermissionDenied(_("您无权编排%(unit)s的值班表。") % {"unit": unit})


def check_add_shift(
    actor: Any,
    unit: Unit,
    user: User,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    title: str = "",
    substitute: User | None = None,
    handover_note: str = "",
) -> DutyShift:
    _require_manager(actor, unit)
    validate_shift(unit, user, starts_at, ends_at, substitute)
    return do_add_shift(actor, unit, user, starts_at, ends_at, title, substitute, handover_note)


def do_add_shift(
    actor: Any,
    unit: Unit,
    user: User,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    title: str = "",
    substitute: User | None = None,
    handover_note: str = "",
) -> DutyShift:
    with transaction.atomic():
        _lock_roster(unit)
        _refuse_overlap(unit, starts_at, ends_at, None)
        shift = DutyShift.objects.create(
            unit=unit,
            user=user,
            starts_at=starts_at,
            ends_at=ends_at,
            title=title,
            substitute=substitute,
            handover_note=handover_note,
        )
        OrgEvent.objects.create(
            actor=_actor(actor),
            verb=OrgEvent.Verb.SHIFT_ADDED,
            unit=unit,
            object_id=shift.pk,
            detail=_detail(shift),
        )
    return shift


SHIFT_FIELDS = ("user", "starts_at", "ends_at", "title", "substitute", "handover_note")


def check_change_shift(actor: Any, shift: DutyShift, **changes: Any) -> DutyShift:
    unknown = set(changes) - set(SHIFT_FIELDS)
    if unknown:
        raise ShiftError(_("无法修改字段：%(fields)s。") % {"fields": "、".join(sorted(unknown))})
    _require_manager(actor, shift.unit)
    merged = {name: changes.get(name, getattr(shift, name)) for name in SHIFT_FIELDS}
    validate_shift(
        shift.unit, merged["user"], merged["starts_at"], merged["ends_at"], merged["substitute"], shift.pk
    )
    return do_change_shift(actor, shift, **changes)


def do_change_shift(actor: Any, shift: DutyShift, **changes: Any) -> DutyShift:
    with transaction.atomic():
        _lock_roster(shift.unit)
        before = _detail(shift)
        for name, value in changes.items():
            setattr(shift, name, value)
        _refuse_overlap(shift.unit, shift.starts_at, shift.ends_at, shift.pk)
        shift.save(update_fields=list(changes) or None)
        verb = OrgEvent.Verb.SUBSTITUTE_SET if set(changes) == {"substitute"} else OrgEvent.Verb.SHIFT_CHANGED
        OrgEvent.objects.create(
            actor=_actor(actor),
            verb=verb,
            unit=shift.unit,
            object_id=shift.pk,
            detail={"before": before, "after": _detail(shift)},
        )
    return shift


def check_set_substitute(actor: Any, shift: DutyShift, substitute: User | None) -> DutyShift:
    return check_change_shift(actor, shift, substitute=substitute)


def check_remove_shift(actor: Any, shift: DutyShift) -> None:
    _require_manager(actor, shift.unit)
    do_remove_shift(actor, shift)


def do_remove_shift(actor: Any, shift: DutyShift) -> None:
    with transaction.atomic():
        OrgEvent.objects.create(
            actor=_actor(actor),
            verb=OrgEvent.Verb.SHIFT_REMOVED,
            unit=shift.unit,
            object_id=shift.pk,
            detail=_detail(shift),
        )
        shift.delete()


def _actor(actor: Any) -> User | None:
    return actor if getattr(actor, "is_authenticated", False) else None
