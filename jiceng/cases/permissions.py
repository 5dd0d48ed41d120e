"""Who may see and act on a case.

- Staff see the cases inside their territorial scope (``org.scopes``: a code-prefix test on the case's
  grid code), plus the cases their own unit leads or co-handles wherever they are.
- Residents see the cases they reported, nothing else.
- A desk (分拨台: dispatchers, community staff) acts on the cases of its territory at or below its level;
  a handler acts only for their own unit's cases; supervisors and leaders press and approve within
  their scope. ``access_case`` answers "not found" for missing and forbidden alike.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from jiceng.cases.exceptions import ActionForbidden, CaseNotFound
from jiceng.cases.models import Case, CaseUnit
from jiceng.cases.routing import rank
from jiceng.org.models import STAFF_ROLES, Role
from jiceng.org.scopes import post_rows, scope_for

DESK_ROLES = frozenset({Role.DISPATCHER, Role.COMMUNITY_STAFF})
SUPERVISING_ROLES = frozenset({Role.SUPERVISOR, Role.LEADER})


@dataclass(frozen=True)
class Post:
    role: str
    unit_id: int | None
    level: str | None
    territory: tuple[str, ...]  # the unit's jurisdiction codes


def posts(user: Any) -> list[Post]:
    """The user's active staff posts, cached on the user object for the request."""
    if user is None or not getattr(user, "is_authenticated", False):
        return []
    cached = getattr(user, "_jiceng_case_posts", None)
    if cached is not None:
        return cached
    found = [
        Post(row.role, row.unit_id, row.unit_level, tuple(sorted(row.codes)))
        for row in post_rows(user)
        if row.role in STAFF_ROLES and row.unit_id is not None and row.unit_active
    ]
    user._jiceng_case_posts = found
    return found


def is_admin(user: Any) -> bool:
    return bool(getattr(user, "is_superuser", False)) or any(p.role == Role.ADMIN for p in posts(user))


def unit_ids(user: Any) -> set[int]:
    return {p.unit_id for p in posts(user) if p.unit_id is not None}


def _covers(post: Post, code: str) -> bool:
    return any(code.startswith(t) for t in post.territory)


def is_desk(user: Any, case: Case, level: str | None = None) -> bool:
    """A dispatch desk of the case's territory at ``level`` (default: the case's handling level) or above."""
    if is_admin(user):
        return True
    needed = rank(level or case.level)
    return any(
        p.role in DESK_ROLES
        and p.level is not None
        and rank(p.level) >= needed
        and _covers(p, case.grid_code)
        for p in posts(user)
    )


def is_supervisor(user: Any, case: Case) -> bool:
    if is_admin(user):
        return True
    return any(p.role in SUPERVISING_ROLES and _covers(p, case.grid_code) for p in posts(user))


def is_unit_member(user: Any, unit_id: int | None) -> bool:
    return unit_id is not None and unit_id in unit_ids(user)


def is_cohandler(user: Any, case: Case) -> bool:
    mine = unit_ids(user)
    if not mine:
        return False
    return CaseUnit.objects.filter(case=case, unit_id__in=mine, is_active=True).exists()


def is_grid_worker_of(user: Any, case: Case) -> bool:
    return any(p.role == Role.GRID_WORKER and _covers(p, case.grid_code) for p in posts(user))


def is_reporter(user: Any, case: Case) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and case.reporter_id == user.pk


def visible_q(user: Any) -> Q:
    if user is None or not getattr(user, "is_authenticated", False):
        return Q(pk__in=[])
    q = Q(reporter=user)
    scope = scope_for(user)
    if not scope.is_empty:
        q |= scope.q("grid_code")
    mine = unit_ids(user)
    if mine:
        q |= Q(lead_unit_id__in=mine) | Q(pk__in=CaseUnit.objects.filter(unit_id__in=mine).values("case_id"))
    return q


def visible_cases(user: Any, queryset: QuerySet[Case] | None = None) -> QuerySet[Case]:
    return (queryset if queryset is not None else Case.objects.all()).filter(visible_q(user))


def is_staff_viewer(user: Any, case: Case) -> bool:
    """Staff who may see the full trail (names unmasked) of this case."""
    if is_admin(user):
        return True
    if scope_for(user).covers(case.grid_code):
        return True
    return is_unit_member(user, case.lead_unit_id) or is_cohandler(user, case)


def case_pk(case_id: Any) -> int:
    """The row id a case number or id stands for (-1 for anything else)."""
    # A case number (date + id, 15 digits) is all digits too: read it as a number, not as an id.
    pk = Case.id_from_number(str(case_id))
    if pk is None:
        try:
            pk = int(case_id)
        except (TypeError, ValueError):
            pk = -1
    return pk


def access_case(user: Any, case_id: Any, queryset: QuerySet[Case] | None = None) -> Case:
    """The case if ``user`` may see it; CaseNotFound for missing and forbidden alike."""
    pk = case_pk(case_id)
    base = (
        queryset if queryset is not None else Case.objects.select_related("event_type", "lead_unit", "grid")
    )
    case = visible_cases(user, base).filter(pk=pk).first()
    if case is None:
        raise CaseNotFound(_("未找到工单“%(id)s”。") % {"id": case_id})
    return case


def require(allowed: bool, message: str | None = None) -> None:
    if not allowed:
        raise ActionForbidden(message or _("您没有权限对此工单执行该操作。"))
