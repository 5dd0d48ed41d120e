"""Data scopes: what a staff member may see follows the territory their post covers.

A scope is a set of code prefixes. Because every grid, building, room and case code starts with its
community's, street's and district's code, "inside my jurisdiction" is a range test on an indexed code
column, whatever the object. A grid worker's prefixes are their grids' 14-digit codes; a community
workstation's the 12-digit community code; a street office's the 9-digit street code; a district
unit's the 6-digit district code.

Only active users, active posts and active units give a scope; residents and building heads never get
a territorial one (they see their own matters through the portal's own checks).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import reduce
from operator import or_
from typing import Any

from django.conf import settings
from django.db.models import Q

from jiceng.lib.codes import LENGTHS, CodeKind, prefix_range
from jiceng.org.models import STAFF_ROLES, Membership, Role

# Division code lengths above a code, for "which divisions contain this prefix".
_DIVISION_LENGTHS = (LENGTHS[CodeKind.DISTRICT], LENGTHS[CodeKind.STREET], LENGTHS[CodeKind.COMMUNITY])
_VALID_PREFIX_LENGTHS = frozenset(LENGTHS.values())


@dataclass(frozen=True)
class Scope:
    prefixes: tuple[str, ...]
    roles: frozenset[str]

    @property
    def is_empty(self) -> bool:
        return not self.prefixes

    @property
    def is_staff(self) -> bool:
        return bool(self.roles & STAFF_ROLES)

    def covers(self, code: str | None) -> bool:
        """The code lies inside the scope (a room of my grid, a grid of my street…)."""
        return bool(code) and any(code.startswith(p) for p in self.prefixes)  # type: ignore[union-attr]

    def touches(self, code: str | None) -> bool:
        """The code lies inside the scope, or contains part of it (my grid's community and street):
        what a breadcrumb or a territory tree may show."""
        if not code:
            return False
        return any(code.startswith(p) or p.startswith(code) for p in self.prefixes)

    def ancestors(self) -> frozenset[str]:
        """Division codes strictly above the scope's prefixes (a grid worker's community, street and
        district): visible as containers, though only the part inside the scope is shown in them."""
        found: set[str] = set()
        for prefix in self.prefixes:
            found.update(prefix[:n] for n in _DIVISION_LENGTHS if n < len(prefix))
        return frozenset(found)

    def q(self, field: str = "code") -> Q:
        """A filter on a code column; matches nothing when the scope is empty."""
        return prefixes_q(field, self.prefixes)

    def q_touching(self, field: str = "code") -> Q:
        """Rows whose code is inside the scope or is one of its containing divisions."""
        ancestors = self.ancestors()
        inside = self.q(field)
        return inside | Q(**{f"{field}__in": sorted(ancestors)}) if ancestors else inside

    def has_role(self, *roles: str) -> bool:
        return bool(self.roles.intersection(roles))


EMPTY = Scope((), frozenset())


def prefix_q(field: str, prefix: str) -> Q:
    """Rows whose code column ``field`` starts with ``prefix``, as a range an ordinary index serves."""
    low, high = prefix_range(prefix)
    return Q(**{f"{field}__gte": low, f"{field}__lt": high}) if high else Q(**{f"{field}__gte": low})


def prefixes_q(field: str, prefixes: Iterable[str]) -> Q:
    """Rows whose code starts with any of ``prefixes``; matches nothing when there are none."""
    parts = [prefix_q(field, prefix) for prefix in prefixes]
    return reduce(or_, parts) if parts else Q(pk__in=[])


def _compact(prefixes: set[str]) -> tuple[str, ...]:
    """Drop prefixes already covered by a shorter one (a street covers its communities)."""
    kept: list[str] = []
    for prefix in sorted(prefixes, key=lambda p: (len(p), p)):
        if not any(prefix.startswith(k) for k in kept):
            kept.append(prefix)
    return tuple(sorted(kept))


def _valid(code: str | None) -> bool:
    # A malformed code in a jurisdiction (blank, non-digits, wrong length) must never widen a scope:
    # "" would be a prefix of everything.
    if not code:
        return False
    return code.isascii() and code.isdigit() and len(code) in _VALID_PREFIX_LENGTHS


@dataclass(frozen=True)
class PostRow:
    """One active membership with its unit and the codes its post covers, read in one query."""

    pk: int
    role: str
    unit_id: int | None
    unit_level: str | None
    unit_active: bool
    codes: frozenset[str]  # a grid worker's grid codes; anyone else's unit jurisdiction codes


def post_rows(user: Any) -> tuple[PostRow, ...]:
    """The user's active memberships, cached on the user object for the request. Scopes and the case
    permissions both read them, so a request pays for one joined query however often either asks (a
    post has few jurisdiction divisions and grids, so the product of the two joins is small)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return ()
    cached = getattr(user, "_jiceng_post_rows", None)
    if cached is not None:
        return cached
    rows = Membership.objects.filter(user=user, is_active=True).values_list(
        "pk", "role", "unit_id", "unit__level", "unit__is_active", "unit__jurisdiction__code", "grids__code"
    )
    by_post: dict[int, tuple[str, int | None, str | None, bool, set[str]]] = {}
    for pk, role, unit_id, level, unit_active, division_code, grid_code in rows:
        post = by_post.setdefault(pk, (role, unit_id, level, bool(unit_active), set()))
        code = grid_code if role == Role.GRID_WORKER else division_code
        if code:
            post[4].add(code)
    found = tuple(
        PostRow(pk, role, unit_id, level, active, frozenset(codes))
        for pk, (role, unit_id, level, active, codes) in sorted(by_post.items())
    )
    user._jiceng_post_rows = found
    return found


def compute_scope(user: Any) -> Scope:
    """The scope from the user's memberships, without the per-request cache of the scope itself."""
    if user is None or not getattr(user, "is_authenticated", False) or not getattr(user, "is_active", True):
        return EMPTY
    prefixes: set[str] = set()
    roles: set[str] = set()
    district = settings.JICENG_DISTRICT_CODE
    if user.is_superuser:
        prefixes.add(district)
        roles.add(Role.ADMIN)
    for post in post_rows(user):
        if post.unit_id is not None and not post.unit_active:
            continue  # a disbanded or suspended unit's posts give nothing
        roles.add(post.role)
        if post.role in (Role.RESIDENT, Role.BUILDING_HEAD):
            continue
        if post.role == Role.ADMIN:
            prefixes.add(district)
        elif post.role == Role.GRID_WORKER or post.unit_id is not None:
            # A grid worker sees their grids only, not the rest of their workstation's community.
            prefixes.update(post.codes)
    return Scope(_compact({p for p in prefixes if _valid(p)}), frozenset(roles))


def scope_for(user: Any) -> Scope:
    """The territory a user's active staff posts cover. Cached on the user object (one request)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return EMPTY
    cached = getattr(user, "_jiceng_scope", None)
    if cached is not None:
        return cached
    scope = compute_scope(user)
    user._jiceng_scope = scope
    return scope


def forget_scope(user: Any) -> None:
    """Drop the cached scope after changing a user's posts within the same request or test."""
    if user is None:
        return
    for cache in ("_jiceng_scope", "_jiceng_post_rows", "_jiceng_case_posts"):
        if hasattr(user, cache):
            delattr(user, cache)


def roles_of(user: Any) -> frozenset[str]:
    return scope_for(user).roles
