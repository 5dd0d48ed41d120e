"""Cases assigned to a named person (分拨到人): within the lead unit, one accountable person.

A case dispatched to a unit can be given to one of the unit's members, by the unit's dispatcher (or a
desk of the case's territory) or by rule: the grid worker whose grid the case lies in, else the
member posted to the case's community (the community's police officer, 社区民警). Reassigning needs a
reason. Both are actions on the trail (``assign`` / ``reassign``, status unchanged), so the person's
workload and performance are computed from the same events as the unit's evaluation.

Only an active member of the lead unit can hold a case: assigning anyone else is refused, and the
assignee is cleared whenever the lead unit changes (``actions._set_lead`` / ``_drop_units``).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, datetime
from typing import Any

from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext as _

from jiceng.cases import actions
from jiceng.cases import permissions as perm
from jiceng.cases.evaluation import _bounds
from jiceng.cases.exceptions import CaseError, WrongState
from jiceng.cases.models import OPEN_STATUSES, Case, CaseEvent
from jiceng.cases.outbox import notify
from jiceng.org.models import Membership, Role, User

ASSIGNABLE = frozenset({"dispatched", "in_progress", "suspended"})
# Members of the lead unit who hand out its cases: its dispatchers and community staff.
UNIT_DISPATCH_ROLES = frozenset({Role.DISPATCHER, Role.COMMUNITY_STAFF})


class NotAMember(CaseError):
    code = "assignee_not_in_unit"


class NoRuleMatch(CaseError):
    code = "no_rule_assignee"


def members(unit_id: int | None) -> QuerySet[User]:
    """Active people with an active post in the unit."""
    if unit_id is None:
        return User.objects.none()
    return (
        User.objects.filter(
            is_active=True,
            memberships__unit_id=unit_id,
            memberships__is_active=True,
            memberships__unit__is_active=True,
        )
        .distinct()
        .order_by("pk")
    )


def is_member(user_id: int, unit_id: int | None) -> bool:
    return members(unit_id).filter(pk=user_id).exists()


def rule_assignee(case: Case) -> tuple[User, str] | None:
    """Who the rules name: the grid worker of the case's grid, else the member posted to its community."""
    if case.lead_unit_id is None:
        return None
    posts = Membership.objects.filter(
        unit_id=case.lead_unit_id, is_active=True, user__is_active=True
    ).select_related("user")
    # A grid worker before any other member with the grid named on their post.
    by_grid = min(
        posts.filter(grids=case.grid_id),
        key=lambda m: (m.role != Role.GRID_WORKER, m.pk),
        default=None,
    )
    if by_grid is not None:
        return by_grid.user, "grid_worker" if by_grid.role == Role.GRID_WORKER else "grid"
    by_community = posts.filter(division__code=case.community_code).order_by("pk").first()
    if by_community is not None:
        return by_community.user, "community_officer"
    return None


def may_assign(actor: Any, case: Case) -> bool:
    if perm.is_admin(actor) or perm.is_desk(actor, case):
        return True
    return any(p.role in UNIT_DISPATCH_ROLES and p.unit_id == case.lead_unit_id for p in perm.posts(actor))


def _person(value: Any) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, User):
        return value.pk
    try:
        return int(value)
    except (TypeError, ValueError):
        found = User.objects.filter(username=str(value)).values_list("pk", flat=True).first()
        if found is None:
            raise NotAMember(_("未找到人员“%(who)s”。") % {"who": value}) from None
        return found


def check_assign(
    actor: Any,
    case_id: Any,
    *,
    assignee: Any = None,
    by_rule: bool = False,
    reason: str = "",
    at: datetime | None = None,
) -> Case:
    """Assign the case to a named member of its lead unit (or by rule); a reassignment needs a reason."""
    with transaction.atomic():
        case = actions._checked(actor, case_id)
        perm.require(may_assign(actor, case), _("只有承办单位的分拨人员可以分派该工单。"))
        if case.status not in ASSIGNABLE or case.lead_unit_id is None:
            raise WrongState(_("只有已分拨到单位、尚未办结的工单可以分派到人。"))
        rule = ""
        person_id: int | None
        if by_rule:
            found = rule_assignee(case)
            if found is None:
                raise NoRuleMatch(_("没有符合规则的责任人（本网格网格员或本社区民警），请手动指定。"))
            person_id, rule = found[0].pk, found[1]
        else:
            person_id = _person(assignee)
            if person_id is None:
                raise CaseError(_("请选择责任人。"), code="assignee_required")
        # Missing and outside the unit read the same: the desk learns nothing about other units' staff.
        if not is_member(person_id, case.lead_unit_id):
            raise NotAMember(_("责任人必须是承办单位“%(unit)s”的在岗人员。") % {"unit": case.lead_unit})
        if case.assignee_id == person_id:
            raise WrongState(_("该工单已由此人负责。"))
        if case.assignee_id is not None:
            reason = actions._reason(reason, _("改派"))
        return do_assign(case, person_id, actor=actor, reason=reason, rule=rule, at=at)


def do_assign(
    case: Case | int,
    person_id: int,
    *,
    actor: Any = None,
    reason: str = "",
    rule: str = "",
    at: datetime | None = None,
) -> Case:
    at = actions._now(at)
    with transaction.atomic():
        case = actions._lock(case)
        previous = case.assignee_id
        verb = "reassign" if previous else "assign"
        data: dict[str, Any] = {"assignee": person_id}
        if previous:
            data["from"] = previous
        if rule:
            data["rule"] = rule
        actions._move(case, verb, at=at, actor=actor, unit=case.lead_unit_id, reason=reason, data=data)
        case.assignee_id, case.assigned_at = person_id, at
        notify(
            "assigned",
            _("工单已分派给您：%(title)s") % {"title": case.title},
            case=case,
            users=[person_id],
            link=f"/cases/{case.pk}/",
        )
        return actions._save(case, at=at)


def assigned_to(user: Any) -> QuerySet[Case]:
    """The person's inbox: open cases they hold, the most urgent first."""
    if not getattr(user, "is_authenticated", False):
        return Case.objects.none()
    return (
        Case.objects.filter(assignee=user, status__in=OPEN_STATUSES)
        .select_related("event_type", "lead_unit", "grid")
        .order_by("-priority", "due_at", "pk")
    )


@dataclass
class PersonEvaluation:
    """One person's share of a unit's work in a period, next to the unit's own row."""

    user_id: int
    name: str
    unit_id: int
    assigned: int = 0  # assign / reassign events naming them in the period
    handed_on: int = 0  # cases reassigned away from them
    completed: int = 0
    completed_on_time: int = 0
    open_now: int = 0
    overdue_now: int = 0

    @property
    def complete_on_time_rate(self) -> float | None:
        return round(self.completed_on_time / self.completed, 4) if self.completed else None

    def as_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["complete_on_time_rate"] = self.complete_on_time_rate
        return out


def evaluate_people(
    start: date | datetime | None, end: date | datetime | None, unit_ids: list[int]
) -> list[PersonEvaluation]:
    """Per person of the units: assignments received and handed on (from the trail), completions of
    cases they hold (complete events, on time as the unit's clock says), open and overdue now."""
    low, high = _bounds(start, end)
    rows: dict[tuple[int, int], PersonEvaluation] = {}

    def row(user_id: int, unit_id: int) -> PersonEvaluation:
        key = (user_id, unit_id)
        if key not in rows:
            rows[key] = PersonEvaluation(user_id, "", unit_id)
        return rows[key]

    events = CaseEvent.objects.filter(unit_id__in=unit_ids, action__in=("assign", "reassign", "complete"))
    if low is not None:
        events = events.filter(at__gte=low)
    if high is not None:
        events = events.filter(at__lt=high)
    complete_cases: list[tuple[int, int, bool]] = []
    for unit_id, action, case_id, data in events.values_list("unit_id", "action", "case_id", "data"):
        data = data or {}
        if action == "complete":
            complete_cases.append((case_id, unit_id, bool(data.get("on_time"))))
            continue
        if isinstance(data.get("assignee"), int):
            row(data["assignee"], unit_id).assigned += 1
        if isinstance(data.get("from"), int):
            row(data["from"], unit_id).handed_on += 1
    holders = dict(
        Case.objects.filter(pk__in=[c for c, _u, _t in complete_cases], assignee__isnull=False).values_list(
            "pk", "assignee_id"
        )
    )
    for case_id, unit_id, on_time in complete_cases:
        holder = holders.get(case_id)
        if holder is not None:
            person = row(holder, unit_id)
            person.completed += 1
            person.completed_on_time += on_time
    open_rows = (
        Case.objects.filter(lead_unit_id__in=unit_ids, assignee__isnull=False, status__in=OPEN_STATUSES)
        .values("assignee_id", "lead_unit_id")
        .annotate(n=Count("pk"), late=Count("pk", filter=Q(overdue=True)))
    )
    for item in open_rows:
        person = row(item["assignee_id"], item["lead_unit_id"])
        person.open_now, person.overdue_now = item["n"], item["late"]
    names = {u.pk: str(u) for u in User.objects.filter(pk__in={k[0] for k in rows})}
    for (user_id, _unit), person in rows.items():
        person.name = names.get(user_id, str(user_id))
    return sorted(rows.values(), key=lambda r: (r.unit_id, -r.assigned, r.user_id))
