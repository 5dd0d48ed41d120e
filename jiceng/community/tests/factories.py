"""Test data through the real staff actions."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from jiceng.community import actions
from jiceng.community.models import Activity, VenueSlot


def slot(staff: Any, community: Any, capacity: int = 1, hours_ahead: int = 24) -> VenueSlot:
    venue = actions.check_create_venue(staff, community, "多功能室", capacity)
    start = timezone.now().replace(minute=0, second=0, microsecond=0) + dt.timedelta(hours=hours_ahead)
    return actions.check_add_slots(staff, venue.pk, [start], 60)[0]


def activity(
    staff: Any, community: Any, slots: int = 10, hours: str = "2", kind: str = "volunteer"
) -> Activity:
    start = timezone.now() + dt.timedelta(hours=2)
    return actions.check_publish_activity(
        staff,
        community,
        "清洁家园志愿服务",
        start,
        start + dt.timedelta(hours=2),
        slots,
        kind=kind,
        hours=hours,
    )


def credit(staff: Any, community: Any, resident: Any, hours: str = "2") -> None:
    """Give a resident hours and points the way it really happens: attend, get confirmed."""
    task = activity(staff, community, hours=hours)
    signup = actions.check_signup_activity(actions.Actor(resident), task.pk)
    actions.check_confirm_attendance(staff, signup.pk)
