"""Data scopes: what a staff member may see follows the territory their post covers.

A scope is a set of code prefixes. Because every grid, building, room and case code starts with its
community's, street's and district's code, "inside my jurisdiction" is a range test on an indexed code
column, whatever the object. A grid worker's prefixes are their grids' 14-digit codes; a community
workstation's the 12-digit community code; a street office's the 9-digit street code; a district
unit's the 6-digit district code.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import reduce
from operator import or_
from typing import Any

from django.conf import settings
from django.db.models import Q

from jiceng.lib.codes import prefix_range
from jiceng.org.models import Membership, Role


@dataclass(frozen=True)
class Scope:
    prefixes: tuple[str, ...]
    roles: frozenset[str]

    @property
    def is_empty(self) -> bool:
        return not self.prefixes

    def covers(self, code: str | None) -> bool:
        return bool(code) and any(code.startswith(p) for p in self.prefixes)  # type: ignore[union-attr]

    def q(self, field: str = "code") -> Q:
        """A filter on a code column; matches nothing when the scope is empty."""
        if not self.prefixes:
            return Q(pk__in=[])
        parts = []
        for prefix in self.prefixes:
            low, high = prefix_range(prefix)
            if high is None:
                parts.append(Q(**{f"{field}__gte": low}))
            else:
                parts.append(Q(**{f"{field}__gte": low, f"{field}__lt": high}))
        return reduce(or_, parts)

    def has_role(self, *roles: str) -> bool:
        return bool(self.roles.intersection(roles))


def _compact(prefixes: set[str]) -> tuple[str, ...]:
    """Drop prefixes already covered by a shorter one (a street covers its communities)."""
    kept: list[str] = []
    for prefix in sorted(prefixes, key=lambda p: (len(p), p)):
        if not any(prefix.startswith(k) for k in kept):
            kept.append(prefix)
    return tuple(sorted(kept))


def scope_for(user: Any) -> Scope:
    """The territory a user's active staff posts cover. Cached on the user object per request."""
    if user is None or not getattr(user, "is_authenticated", False):
        return Scope((), frozenset())
    cached = getattr(user, "_jiceng_scope", None)
    if cached is not None:
        return cached
    prefixes: set[str] = set()
    roles: set[str] = set()
    if user.is_superuser:
        prefixes.add(settings.JICENG_DISTRICT_CODE)
        roles.add(Role.ADMIN)
    memberships = (
        Membership.objects.filter(user=user, is_active=True)
        .select_related("unit", "division")
        .prefetch_related("grids", "unit__jurisdiction")
    )
    for membership in memberships:
        roles.add(membership.role)
        if membership.role in (Role.RESIDENT, Role.BUILDING_HEAD):
            # Residents and building heads are not staff: they see their own matters through the
            # portal's own checks, never other people's data through a territorial scope.
            continue
        if membership.role == Role.GRID_WORKER:
            prefixes.update(grid.code for grid in membership.grids.all())
            continue
        if membership.role == Role.ADMIN:
            prefixes.add(settings.JICENG_DISTRICT_CODE)
            continue
        if membership.unit is not None and membership.unit.is_active:
            prefixes.update(d.code for d in membership.unit.jurisdiction.all())
    scope = Scope(_compact(prefixes), frozenset(roles))
    user._jiceng_scope = scope
    return scope


def roles_of(user: Any) -> frozenset[str]:
    return scope_for(user).roles
