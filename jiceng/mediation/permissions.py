"""Who may see and act on a dispute.

- Staff see the disputes inside their territorial scope and those their own unit has a task on.
- High-risk disputes (高危台账) are stricter: only the agencies on the dispute (units with a task; their
  grid workers excepted, who work the streets and need not read a domestic-violence file) and
  supervising leaders (leaders and supervisors whose scope covers it) see them; a police station or a
  grid worker of the same territory who is not on it gets "not found".
- Residents see no dispute at all (their own legal questions and applications live in legal services).
- ``access_dispute`` answers "not found" for missing and forbidden alike.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from jiceng.cases.permissions import SUPERVISING_ROLES, is_admin, posts, unit_ids
from jiceng.mediation.exceptions import DisputeNotFound, MediationForbidden
from jiceng.mediation.models import Dispute, JointTask, RiskLevel
from jiceng.org.models import Role
from jiceng.org.scopes import scope_for


def is_supervising(user: Any) -> bool:
    return any(p.role in SUPERVISING_ROLES for p in posts(user))


def visible_q(user: Any) -> Q:
    if user is None or not getattr(user, "is_authenticated", False):
        return Q(pk__in=[])
    if is_admin(user):
        return Q()
    scope = scope_for(user)
    mine = unit_ids(user)
    office = {p.unit_id for p in posts(user) if p.role != Role.GRID_WORKER and p.unit_id is not None}
    on_it = _on(mine)
    territory = scope.q("grid_code") if scope.is_staff and not scope.is_empty else Q(pk__in=[])
    leaders = territory if is_supervising(user) else Q(pk__in=[])
    ordinary = ~Q(risk=RiskLevel.HIGH) & (territory | on_it)
    high = Q(risk=RiskLevel.HIGH) & (_on(office) | leaders)
    return ordinary | high


def _on(units: set[int]) -> Q:
    if not units:
        return Q(pk__in=[])
    return Q(pk__in=JointTask.objects.filter(unit_id__in=units).values("dispute_id"))


def visible_disputes(user: Any, queryset: QuerySet[Dispute] | None = None) -> QuerySet[Dispute]:
    return (queryset if queryset is not None else Dispute.objects.all()).filter(visible_q(user))


def access_dispute(user: Any, dispute_id: Any, queryset: QuerySet[Dispute] | None = None) -> Dispute:
    text = str(dispute_id or "").strip().upper()
    if text.startswith("MT"):
        text = text[2:]
    try:
        pk = int(text)
    except ValueError:
        pk = -1
    base = queryset if queryset is not None else Dispute.objects.select_related("kind", "grid", "centre")
    dispute = visible_disputes(user, base).filter(pk=pk).first()
    if dispute is None:
        raise DisputeNotFound(_("未找到纠纷“%(id)s”。") % {"id": dispute_id})
    return dispute


def agency_units(user: Any, dispute: Dispute) -> set[int]:
    """The user's units that have a task on the dispute."""
    mine = unit_ids(user)
    if not mine:
        return set()
    return set(dispute.tasks.filter(unit_id__in=mine).values_list("unit_id", flat=True))


def is_lead(user: Any, dispute: Dispute) -> bool:
    if is_admin(user):
        return True
    return dispute.tasks.filter(is_lead=True, unit_id__in=unit_ids(user)).exists()


def require_lead(user: Any, dispute: Dispute) -> None:
    if not is_lead(user, dispute):
        raise MediationForbidden(_("只有牵头单位可以进行此操作。"))


def require_agency(user: Any, dispute: Dispute) -> None:
    if not (is_admin(user) or agency_units(user, dispute)):
        raise MediationForbidden(_("只有参与联调的单位可以进行此操作。"))


def may_raise(user: Any, dispute: Dispute) -> bool:
    return bool(is_admin(user) or agency_units(user, dispute) or is_supervising(user))


def is_staff(user: Any) -> bool:
    return bool(is_admin(user) or scope_for(user).is_staff)


def member_of_kind(user: Any, kind_code: str) -> bool:
    """An active staff post in a unit of this kind (a police station, a court…)."""
    from jiceng.org.models import Membership

    return (
        Membership.objects.filter(user=user, is_active=True, unit__kind__code=kind_code, unit__is_active=True)
        .exclude(role__in=[Role.RESIDENT, Role.BUILDING_HEAD])
        .exists()
    )
